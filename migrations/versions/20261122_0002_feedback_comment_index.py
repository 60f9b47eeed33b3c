"""index the responses that carry a comment, newest first

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:00:00

The dashboard's moderation list reads the newest comments (and counts them) among hundreds
of thousands of responses, most without a comment: a partial index on the commented ones,
in the list's order, spares scanning the others (ten-year scale benchmark).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = sa.text("comment IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_feedback_comment_hour",
        "feedback_response",
        ["submitted_hour", "id"],
        sqlite_where=WHERE,
        postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("ix_feedback_comment_hour", table_name="feedback_response")
