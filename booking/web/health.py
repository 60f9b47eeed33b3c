"""`/health`: 200 when the database answers and is at the code's revision, 503 otherwise."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from booking import __version__, db
from booking.errors import DomainError


def _check() -> tuple[int, dict[str, str]]:
    try:
        engine = db.get_engine()
        db.check_schema(engine)
    except DomainError as exc:
        return 503, {"status": "error", "detail": exc.message("en"), "version": __version__}
    except Exception as exc:  # the database may fail in ways we do not name
        return 503, {"status": "error", "detail": type(exc).__name__, "version": __version__}
    return 200, {"status": "ok", "database": engine.dialect.name, "version": __version__}


async def health(_request: Request) -> JSONResponse:
    status, body = await run_in_threadpool(_check)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


ROUTES = [Route("/health", health, methods=["GET", "HEAD"])]
