"""Calendars: RFC 5545 exports of the stops and the van's days, secret subscription feeds,
and the import of a venue's closure days from an .ics file.

`export_calendar(view)` is the one entry point other features use (the approval email attaches
`export_calendar(f"stop:{stop_id}")`).
"""

from __future__ import annotations

from booking.calendars.ics import build_calendar
from booking.calendars.views import load_view, parse_view
from booking.db import read_session
from booking.i18n import normalise_language


def export_calendar(view: str, *, lang: str = "fr") -> bytes:
    """The .ics bytes of `view` ("all", "tuba", "venue:<id>", "kit:<id>", "van:<id>",
    "stop:<id>"); the same database state always gives the same bytes.

    Raises ValidationError for a malformed view, NotFound for an unknown id.
    """
    spec = parse_view(view)
    lang = normalise_language(lang)
    with read_session() as session:
        if session.get_bind().dialect.name == "postgresql":
            # One snapshot for the few queries of a view, so a feed is never half old, half new.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        title, events = load_view(session, spec, lang)
    return build_calendar(events, name=title)


__all__ = ["export_calendar"]
