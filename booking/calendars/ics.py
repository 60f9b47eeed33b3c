"""Build an RFC 5545 VCALENDAR from plain event data, with icalendar 7.

What this module promises, whatever the data:
- all-day events are `VALUE=DATE` with an exclusive `DTEND`; timed events are written in
  Europe/Paris with a `VTIMEZONE` (icalendar's `Timezone.from_tzid`), except an instant in the
  repeated hour of the October clock change, written in UTC because its local time is
  ambiguous;
- the output depends only on the events given (no "now", no random UID): the same events give
  the same bytes;
- user text cannot break the structure: line breaks of every kind become an escaped `\\n`,
  control characters are dropped, so a newline in a name can never start a property or an
  event; content lines are folded at 75 octets by icalendar.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDDDTypes, vDuration, vGeo, vInt, vText, vUri

from booking import __version__
from booking.config import TIMEZONE

PARIS = ZoneInfo(TIMEZONE)
PRODID = f"-//Tournee//Tournee {__version__}//FR"
REFRESH = dt.timedelta(hours=1)  # how often subscribed clients should fetch the feed again

CONFIRMED = "CONFIRMED"
CANCELLED = "CANCELLED"
TENTATIVE = "TENTATIVE"

# Every character Python (and so a careless parser) treats as a line boundary.
_LINE_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# Control characters RFC 5545 does not allow in TEXT (HTAB is allowed; \n is escaped).
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def clean_text(value: str) -> str:
    """User text as it will be read back: any line break becomes "\\n", controls go away."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", value))


class _Text(vText):
    """TEXT escaped exactly as RFC 5545 §3.3.11 says.

    icalendar's own escaping first turns a literal backslash-N of the Python text into a line
    break (it reads it as an already-escaped newline), so "C:\\Nouveau" would not round-trip.
    The value is cleaned beforehand (`clean_text`), so "\\n" is the only line break left.
    """

    __slots__ = ()

    def to_ical(self) -> bytes:
        return (
            self.replace("\\", "\\\\")
            .replace(";", "\\;")
            .replace(",", "\\,")
            .replace("\n", "\\n")
            .encode("utf-8")
        )


@dataclass(frozen=True, slots=True)
class CalEvent:
    """One event, as plain data.

    `start`/`end` are both dates (an all-day event, `end` exclusive) or both aware datetimes
    (a timed event). `stamp` is the time of the last change (DTSTAMP and LAST-MODIFIED).
    """

    uid: str
    summary: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime
    stamp: dt.datetime
    sequence: int = 0
    status: str = CONFIRMED
    location: str = ""
    geo: tuple[float, float] | None = None
    description: str = ""
    url: str = ""
    transparent: bool = False

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, dt.datetime)

    def sort_key(self) -> tuple[dt.datetime, str]:
        if isinstance(self.start, dt.datetime):
            return self.start.astimezone(dt.UTC), self.uid
        return dt.datetime.combine(self.start, dt.time(), PARIS).astimezone(dt.UTC), self.uid


# Property values are immutable once built and many repeat across events (the same day, the
# same last-change time, the same venue's address): building each once saves a third of the
# export's time. icalendar only reads them when it serialises.
_CACHE = 65536


@lru_cache(maxsize=_CACHE)
def _timed(value: dt.datetime) -> vDDDTypes:
    """A time in Europe/Paris; in UTC when the local time is ambiguous (the repeated hour of
    the October change), since a TZID local time means its first occurrence (RFC 5545 §3.3.5)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: times must be timezone-aware")
    local = value.astimezone(PARIS)
    if local.fold or local.replace(fold=1).utcoffset() != local.utcoffset():
        return vDDDTypes(value.astimezone(dt.UTC))
    return vDDDTypes(local)


@lru_cache(maxsize=_CACHE)
def _day(value: dt.date) -> vDDDTypes:
    return vDDDTypes(value)


@lru_cache(maxsize=_CACHE)
def _utc(value: dt.datetime) -> vDDDTypes:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: times must be timezone-aware")
    return vDDDTypes(value.astimezone(dt.UTC).replace(microsecond=0))


@lru_cache(maxsize=_CACHE)
def _text(value: str) -> _Text:
    return _Text(clean_text(value))


@lru_cache(maxsize=1024)
def _word(value: str) -> vText:
    return vText(value)


def _component(event: CalEvent) -> Event:
    if event.all_day:
        if isinstance(event.end, dt.datetime) or event.end <= event.start:
            raise ValueError(f"all-day event {event.uid!r} must end (exclusive) after it starts")
        start, end = _day(event.start), _day(event.end)
    else:
        if not isinstance(event.start, dt.datetime) or not isinstance(event.end, dt.datetime):
            raise ValueError(f"timed event {event.uid!r} needs two datetimes")
        start, end = _timed(event.start), _timed(event.end)  # refuses naive ones
        if event.end < event.start:
            raise ValueError(f"timed event {event.uid!r} ends before it starts")
    stamp = _utc(event.stamp)
    component = Event()
    # Typed values assigned directly (rather than through `Event.add`, which converts each
    # value again): the types are icalendar's own, so the serialisation is the same.
    component["UID"] = _Text(clean_text(event.uid))
    component["SUMMARY"] = _text(event.summary)
    component["DTSTART"] = start
    component["DTEND"] = end
    component["DTSTAMP"] = stamp
    component["LAST-MODIFIED"] = stamp
    component["SEQUENCE"] = vInt(event.sequence)
    component["STATUS"] = _word(event.status)
    if event.location:
        component["LOCATION"] = _text(event.location)
    if event.geo is not None:
        component["GEO"] = vGeo((round(event.geo[0], 6), round(event.geo[1], 6)))
    if event.description:
        component["DESCRIPTION"] = _Text(clean_text(event.description))
    if event.url:
        component["URL"] = vUri(event.url)
    component["TRANSP"] = _word("TRANSPARENT" if event.transparent else "OPAQUE")
    return component


@lru_cache(maxsize=32)
def _vtimezone(first_year: int, last_year: int) -> Timezone:
    """Europe/Paris with its transitions from `first_year` to the end of `last_year`."""
    return Timezone.from_tzid(
        TIMEZONE, first_date=dt.date(first_year, 1, 1), last_date=dt.date(last_year + 1, 1, 1)
    )


def _years(events: Sequence[CalEvent]) -> tuple[int, int] | None:
    years = [
        value.astimezone(PARIS).year
        for event in events
        if not event.all_day
        for value in (event.start, event.end)
        if isinstance(value, dt.datetime)
    ]
    return (min(years), max(years)) if years else None


@lru_cache(maxsize=20_000)
def _event_bytes(event: CalEvent) -> bytes:
    """One VEVENT serialised by icalendar, kept: a feed polled again mostly repeats itself."""
    return _component(event).to_ical()


def clear_caches() -> None:
    """Forget every built value and serialised event (benchmarks measure a cold export)."""
    for cached in (_timed, _day, _utc, _text, _word, _event_bytes, _vtimezone):
        cached.cache_clear()


_END = b"END:VCALENDAR\r\n"


def build_calendar(events: Iterable[CalEvent], *, name: str, description: str = "") -> bytes:
    """The VCALENDAR of `events` (sorted by start, then UID), as UTF-8 bytes with CRLF.

    The calendar's own properties and VTIMEZONE are serialised by `Calendar.to_ical()`, each
    event by `Event.to_ical()` (and kept in a bounded cache); the bytes are exactly those of
    `Calendar.to_ical()` on the whole calendar, which the tests check.
    """
    ordered = sorted(events, key=CalEvent.sort_key)
    shell = _shell(ordered, name=name, description=description).to_ical()
    assert shell.endswith(_END)
    return b"".join([shell[: -len(_END)], *map(_event_bytes, ordered), _END])


def build_calendar_component(
    events: Iterable[CalEvent], *, name: str, description: str = ""
) -> Calendar:
    """The same calendar as one icalendar component (for tests and the benchmark)."""
    ordered = sorted(events, key=CalEvent.sort_key)
    calendar = _shell(ordered, name=name, description=description)
    for event in ordered:
        calendar.add_component(_component(event))
    return calendar


def _shell(ordered: Sequence[CalEvent], *, name: str, description: str) -> Calendar:
    calendar = Calendar()
    calendar["VERSION"] = vText("2.0")
    calendar["PRODID"] = vText(PRODID)
    calendar["CALSCALE"] = vText("GREGORIAN")
    calendar["METHOD"] = vText("PUBLISH")
    calendar["NAME"] = _Text(clean_text(name))
    calendar["X-WR-CALNAME"] = _Text(clean_text(name))
    if description:
        calendar["DESCRIPTION"] = _Text(clean_text(description))
    # RFC 7986: the VALUE=DURATION parameter is required on REFRESH-INTERVAL.
    calendar["REFRESH-INTERVAL"] = vDuration(REFRESH, params={"VALUE": "DURATION"})
    calendar["X-PUBLISHED-TTL"] = vDuration(REFRESH)  # Outlook's older spelling of the same
    years = _years(ordered)
    if years is not None:
        calendar.add_component(_vtimezone(*years))
    return calendar
