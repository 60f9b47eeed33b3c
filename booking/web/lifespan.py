"""The app's lifespan: on the embedded default migrate on start and run jobs periodically;
on every process, build the feedback dashboard's read model in the background at start, so
the first person to open the dashboard does not wait for years of responses to be counted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.concurrency import run_in_threadpool

from booking import db
from booking.config import get_settings
from booking.jobs import run_jobs

log = logging.getLogger(__name__)


async def _jobs_loop(interval: int) -> None:
    while True:
        try:
            await run_in_threadpool(run_jobs)
        except Exception:  # logged; the loop must go on
            log.exception("background jobs failed")
        await asyncio.sleep(interval)


async def _warm_dashboard() -> None:
    from booking.feedback.dashboard import warm_read_model

    try:
        await run_in_threadpool(warm_read_model)
    except Exception:  # logged; the dashboard builds it on first use instead
        log.exception("warming the dashboard's read model failed")


@contextlib.asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[dict[str, Any]]:
    settings = get_settings()
    engine = db.get_engine()
    if engine.dialect.name == "sqlite":
        await run_in_threadpool(db.upgrade)
    tasks = [asyncio.create_task(_warm_dashboard())]
    if settings.jobs_in_app:
        tasks.append(asyncio.create_task(_jobs_loop(settings.jobs_interval_seconds)))
    try:
        yield {}
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
