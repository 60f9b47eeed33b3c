"""Read an export back with two independent parsers, `icalendar` and `ical`, and insist that
they agree on every event; tests then assert on the agreed reading."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar


@dataclass(frozen=True)
class Read:
    uid: str
    start: dt.date | dt.datetime  # a date, or an aware datetime in UTC
    end: dt.date | dt.datetime
    summary: str
    sequence: int
    status: str
    description: str
    location: str


def _norm(value: dt.date | dt.datetime) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime):
        assert value.tzinfo is not None, "a floating time reached the export"
        return value.astimezone(dt.UTC)
    return value


def with_icalendar(data: bytes) -> list[Read]:
    calendar = Calendar.from_ical(data)
    return [
        Read(
            uid=str(event["UID"]),
            start=_norm(event.start),
            end=_norm(event.end),
            summary=str(event.get("SUMMARY", "")),
            sequence=int(event.get("SEQUENCE", 0)),
            status=str(event.get("STATUS", "")).upper(),
            description=str(event.get("DESCRIPTION", "")),
            location=str(event.get("LOCATION", "")),
        )
        for event in calendar.walk("VEVENT")
    ]


def with_ical(data: bytes) -> list[Read]:
    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    return [
        Read(
            uid=str(event.uid),
            start=_norm(event.dtstart),
            end=_norm(event.dtend if event.dtend is not None else event.end),
            summary=event.summary or "",
            sequence=event.sequence or 0,
            status=(event.status.value if event.status is not None else "").upper(),
            description=event.description or "",
            location=event.location or "",
        )
        for event in calendar.events
    ]


def read_events(data: bytes) -> dict[str, Read]:
    """The events by UID, once both parsers agree on each of them."""
    first, second = with_icalendar(data), with_ical(data)
    assert [e.uid for e in first] == [e.uid for e in second]
    for a, b in zip(first, second, strict=True):
        assert a == b, f"the parsers disagree on {a.uid}:\n{a}\n{b}"
    by_uid = {e.uid: e for e in first}
    assert len(by_uid) == len(first), "a UID appears twice"
    return by_uid
