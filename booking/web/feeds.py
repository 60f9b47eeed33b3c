"""`/calendar/<token>.ics`: the secret subscription feeds, served beside the app.

- `text/calendar; charset=utf-8`, never gzip-compressed (some calendar clients fetch feeds
  with `Accept-Encoding: gzip` and then mishandle the answer); Streamlit wraps every route in
  its gzip middleware, so `MIDDLEWARE` (to pass to `st.App(middleware=...)`) hides the
  request's Accept-Encoding from it for feed paths only;
- a strong ETag (a hash of the bytes): an unchanged feed answers 304 to `If-None-Match`;
- `Cache-Control: private, no-cache`: clients may keep a copy but must ask again each time,
  so a change shows at the next refresh; shared caches do not keep a capability URL's answer;
- an unknown, malformed or revoked token answers the same bare 404.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from booking.calendars.feeds import feed_calendar
from booking.i18n import normalise_language

MEDIA_TYPE = "text/calendar; charset=utf-8"
_FEED_PATH = re.compile(r"(?:^|/)calendar/[^/]+\.ics$")


def _etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison, a list of tags, or `*`."""
    if not header:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in tags)


def _not_found() -> Response:
    return Response(
        b"Not Found",
        status_code=404,
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )


async def calendar_feed(request: Request) -> Response:
    token = request.path_params["token"]
    lang = normalise_language(request.query_params.get("lang"))
    result = await run_in_threadpool(feed_calendar, token, lang=lang)
    if result is None:
        return _not_found()
    headers = {
        "ETag": result.etag,
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": 'inline; filename="tournee.ics"',
    }
    if _etag_matches(request.headers.get("if-none-match"), result.etag):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(result.body))
        return Response(status_code=200, media_type=MEDIA_TYPE, headers=headers)
    return Response(result.body, media_type=MEDIA_TYPE, headers=headers)


class UncompressedFeeds:
    """Outer ASGI middleware: feed requests reach the gzip middleware without
    Accept-Encoding, so their answers go out as they are."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _FEED_PATH.search(scope.get("path", "")):
            scope = dict(scope)
            scope["headers"] = [
                (name, value)
                for name, value in scope.get("headers", [])
                if name.lower() != b"accept-encoding"
            ]
        await self.app(scope, receive, send)


ROUTES = [Route("/calendar/{token}.ics", calendar_feed, methods=["GET", "HEAD"])]
MIDDLEWARE = [Middleware(UncompressedFeeds)]
