"""What the operations page shows admins: jobs, outbox, database size and revision."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, text
from sqlmodel import col, select

from booking import __version__, db
from booking.models import JobRun, OutboxMessage, OutboxStatus


@dataclass(frozen=True)
class OperationsSummary:
    version: str
    database: str
    revision: str | None
    head: str
    size_bytes: int | None
    outbox: dict[str, int]
    last_runs: list[dict[str, Any]]
    failed_runs: list[dict[str, Any]]


def _size(engine: Any) -> int | None:
    if engine.dialect.name == "sqlite":
        path = str(engine.url.database)
        return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar() or 0)


def summary() -> OperationsSummary:
    engine = db.get_engine()
    with db.read_session() as session:
        outbox = {
            str(status): int(count)
            for status, count in session.exec(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
        }
        runs = session.exec(select(JobRun).order_by(col(JobRun.started_at).desc()).limit(50)).all()
        failed = session.exec(
            select(JobRun)
            .where(col(JobRun.ok).is_(False))
            .order_by(col(JobRun.started_at).desc())
            .limit(20)
        ).all()

    def row(r: JobRun) -> dict[str, Any]:
        return {
            "job": r.job,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "ok": r.ok,
            "detail": r.detail.splitlines()[0] if r.detail else "",
        }

    for status in OutboxStatus:
        outbox.setdefault(status.value, 0)
    return OperationsSummary(
        version=__version__,
        database=db.database_label(engine),
        revision=db.current_revision(engine),
        head=db.head_revision(),
        size_bytes=_size(engine),
        outbox=outbox,
        last_runs=[row(r) for r in runs],
        failed_runs=[row(r) for r in failed],
    )
