"""The app's lifespan for the embedded default: migrate on start, run jobs periodically."""

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


@contextlib.asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[dict[str, Any]]:
    settings = get_settings()
    engine = db.get_engine()
    if engine.dialect.name == "sqlite":
        await run_in_threadpool(db.upgrade)
    task = None
    if settings.jobs_in_app:
        task = asyncio.create_task(_jobs_loop(settings.jobs_interval_seconds))
    try:
        yield {}
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
