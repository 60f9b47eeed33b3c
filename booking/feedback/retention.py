"""Retention: visitors' free-text comments are purged after a configurable period.

`TOURNEE_COMMENT_RETENTION_MONTHS` (default 24). The comment text is erased and the status set
to "purged"; every other answer stays, so the aggregates do not move. Idempotent: a second
run finds nothing to purge.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlmodel import Session, col

from booking import audit
from booking.config import get_settings
from booking.jobs import job
from booking.models import CommentStatus, FeedbackResponse


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` earlier (the month's last day when it is shorter)."""
    import calendar

    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def purge_comments_before(session: Session, cutoff: dt.datetime) -> int:
    """Erase the comments of responses submitted before `cutoff`; returns how many."""
    result = session.execute(
        update(FeedbackResponse)
        .where(
            col(FeedbackResponse.submitted_hour) < cutoff,
            col(FeedbackResponse.comment).is_not(None),
        )
        .values(comment=None, comment_status=CommentStatus.purged.value)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


@job("feedback.purge_comments")
def purge_comments(session: Session, now: dt.datetime) -> str:
    months = max(1, get_settings().comment_retention_months)
    cutoff = months_before(now.astimezone(dt.UTC), months)
    purged = purge_comments_before(session, cutoff)
    if purged:
        audit.record(
            session,
            actor="system",
            action="feedback.comments_purged",
            entity="feedback_response",
            entity_id=None,
            count=purged,
            before=cutoff,
            months=months,
        )
    return f"{purged} comment(s) older than {months} months purged"
