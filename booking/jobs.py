"""Background jobs: hold expiry, reminders, outbox sending, retention…

Features register their jobs with `@job("name")`; `run_jobs()` runs them all, each in its own
transaction, and logs a `JobRun` row so staff see failures. Every job must be idempotent:
running it twice in a row does nothing the second time.

`python -m booking jobs run` for cron in production; the embedded default runs them
periodically in the app's lifespan.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from booking.db import get_engine, transaction
from booking.models import JobRun
from booking.types import utcnow

log = logging.getLogger(__name__)

JobFunc = Callable[[Session, dt.datetime], str]
_JOBS: dict[str, JobFunc] = {}


def job(name: str) -> Callable[[JobFunc], JobFunc]:
    """Register `func(session, now) -> summary` as a background job."""

    def decorate(func: JobFunc) -> JobFunc:
        if name in _JOBS and _JOBS[name] is not func:
            raise ValueError(f"job {name!r} registered twice")
        _JOBS[name] = func
        return func

    return decorate


def load_job_modules() -> None:
    """Import the modules that register jobs (each feature's `jobs` entry point)."""
    import importlib

    for module in (
        "booking.services.requests",
        "booking.notifications",
        "booking.feedback.retention",
        "booking.services.privacy",
    ):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not (exc.name and module.startswith(exc.name)):
                raise


def registered_jobs() -> list[str]:
    load_job_modules()
    return sorted(_JOBS)


@dataclass
class JobOutcome:
    job: str
    ok: bool
    detail: str


def run_jobs(
    *, now: dt.datetime | None = None, only: list[str] | None = None, engine: Engine | None = None
) -> list[JobOutcome]:
    """Run every registered job (or `only` those), one transaction each; never raises."""
    load_job_modules()
    now = now or utcnow()
    engine = engine or get_engine()
    outcomes = []
    # Sending goes last, so messages queued by this run's other jobs leave in this run.
    for name in sorted(_JOBS, key=lambda job_name: (job_name == "outbox.send", job_name)):
        if only and name not in only:
            continue
        started = utcnow()
        try:
            with transaction(engine) as session:
                detail = _JOBS[name](session, now) or ""
            ok = True
        except Exception as exc:  # a failed job must not stop the others
            log.exception("job %s failed", name)
            ok, detail = False, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
        with transaction(engine) as session:
            session.add(
                JobRun(
                    job=name, started_at=started, finished_at=utcnow(), ok=ok, detail=detail[:4000]
                )
            )
        outcomes.append(JobOutcome(name, ok, detail))
    return outcomes
