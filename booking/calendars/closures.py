"""Import a venue's closure days from an uploaded .ics file, safely.

A venue (from its private link) or staff upload the calendar of the days the venue is closed
(holidays, events, works). Every event becomes closed days (`VenueClosure`, source "ics"), used
by booking and planning. The file is untrusted, so it is refused as a whole, with a message
that says why and nothing written, when it is:
- over 1 MiB, not UTF-8 (or has NUL bytes), or not a VCALENDAR the parser can read;
- more than 500 events (the message gives the number);
- an event with no start, with a broken date or rule, or a rule repeating more often than daily
  (closures are days: an hourly rule can only be a mistake or an attack);
- a date before 2000, or a single event beyond the horizon (`horizon_days`, two years).

Recurring events (RRULE, RDATE, EXDATE, with `recurring-ical-events`) are expanded from today
to the horizon only, whether or not the rule has an end (COUNT/UNTIL): a venue's "closed every
1 May" rule has no end, and refusing it would refuse ordinary calendars. More than 2000
occurrences, or more than `MAX_SECONDS` of expansion (a rule whose filters never match makes
dateutil search up to the year 9999), refuse the file. Events over before today are skipped.

An event with times (a meeting from 14:00 to 18:00) closes the whole day: a kit cannot be
installed in a venue that is busy that day. Days of one event that follow each other make one
closure; re-importing a file adds nothing already imported (same first and last day).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import Any

import recurring_ical_events
from icalendar import Calendar, Component, Event
from sqlmodel import col, select

from booking import audit
from booking.calendars.ics import PARIS, clean_text
from booking.db import transaction
from booking.errors import NotFound, ValidationError
from booking.i18n import add_messages, format_date, t
from booking.models import Stop, StopStatus, Venue, VenueClosure

add_messages(
    {
        "closures.empty_file": {
            "fr": "Le fichier est vide.",
            "en": "The file is empty.",
        },
        "closures.too_big": {
            "fr": "Le fichier pèse {size} Kio : le maximum est 1 Mio (1 024 Kio).",
            "en": "The file is {size} KiB: the maximum is 1 MiB (1,024 KiB).",
        },
        "closures.bad_encoding": {
            "fr": "Le fichier n'est pas un texte UTF-8 : enregistrez le calendrier au format .ics (UTF-8) et réessayez.",
            "en": "The file is not UTF-8 text: save the calendar as an .ics file (UTF-8) and try again.",
        },
        "closures.not_calendar": {
            "fr": "Ce fichier n'est pas un calendrier .ics (il doit commencer par BEGIN:VCALENDAR).",
            "en": "This file is not an .ics calendar (it must start with BEGIN:VCALENDAR).",
        },
        "closures.unreadable": {
            "fr": "Ce calendrier est illisible ({detail}) ; rien n'a été importé.",
            "en": "This calendar cannot be read ({detail}); nothing was imported.",
        },
        "closures.no_events": {
            "fr": "Ce calendrier ne contient aucun évènement.",
            "en": "This calendar holds no event.",
        },
        "closures.too_many_events": {
            "fr": "Ce calendrier contient {count} évènements : le maximum est {max}. Exportez seulement les fermetures.",
            "en": "This calendar holds {count} events: the maximum is {max}. Export the closures only.",
        },
        "closures.too_many_occurrences": {
            "fr": "Les règles de répétition de ce calendrier donnent plus de {max} jours de fermeture d'ici au {horizon} ; rien n'a été importé.",
            "en": "The repeat rules of this calendar give more than {max} closures up to {horizon}; nothing was imported.",
        },
        "closures.too_complex": {
            "fr": "Les règles de répétition de ce calendrier demandent trop de calcul (trop d'occurrences, ou des règles qui ne tombent jamais) ; rien n'a été importé.",
            "en": "The repeat rules of this calendar take too much computing (too many occurrences, or rules that never match); nothing was imported.",
        },
        "closures.no_start": {
            "fr": "L'évènement « {summary} » n'a pas de date de début.",
            "en": 'The event "{summary}" has no start date.',
        },
        "closures.bad_property": {
            "fr": "L'évènement « {summary} » a une valeur {prop} invalide.",
            "en": 'The event "{summary}" has an invalid {prop}.',
        },
        "closures.rule_too_frequent": {
            "fr": "L'évènement « {summary} » se répète plus d'une fois par jour ({freq}) : une fermeture se compte en jours.",
            "en": 'The event "{summary}" repeats more than once a day ({freq}): closures are whole days.',
        },
        "closures.too_early": {
            "fr": "L'évènement « {summary} » est daté du {date} : les dates avant 2000 sont refusées.",
            "en": 'The event "{summary}" is dated {date}: dates before 2000 are refused.',
        },
        "closures.beyond_horizon": {
            "fr": "L'évènement « {summary} » va jusqu'au {date}, au-delà de l'horizon de réservation ({horizon}).",
            "en": 'The event "{summary}" runs to {date}, beyond the booking horizon ({horizon}).',
        },
        "closures.bad_horizon": {
            "fr": "L'horizon doit être compris entre 1 et 3 650 jours.",
            "en": "The horizon must be between 1 and 3,650 days.",
        },
        "closures.venue_not_found": {"fr": "Lieu introuvable.", "en": "Venue not found."},
        "closures.default_reason": {
            "fr": "Fermeture (calendrier importé)",
            "en": "Closed (imported calendar)",
        },
        "closures.untitled": {"fr": "sans titre", "en": "untitled"},
    }
)

MAX_BYTES = 1024 * 1024
MAX_EVENTS = 500
MAX_OCCURRENCES = 2000
MAX_SECONDS = 5.0  # to expand the repeat rules of one file
EARLIEST = dt.date(2000, 1, 1)
_SUB_DAILY = frozenset({"SECONDLY", "MINUTELY", "HOURLY"})
_DATE_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")
_BEGIN_EVENT = re.compile(rb"^BEGIN:VEVENT\s*$", re.IGNORECASE | re.MULTILINE)
_BEGIN_CALENDAR = re.compile(r"\s*BEGIN:VCALENDAR\s*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Closure:
    """Closed from `start` to `end`, both included."""

    start: dt.date
    end: dt.date
    reason: str


@dataclass(frozen=True)
class ImportResult:
    """What an import did: `imported` new closures, `already_present` ones skipped because
    an earlier import had them, `past_events` ignored; `handling_conflicts` are install or
    dismantle days of confirmed stops that now fall on a closure (staff must look)."""

    events: int
    imported: int
    already_present: int
    past_events: int
    closures: tuple[Closure, ...]
    handling_conflicts: tuple[dt.date, ...] = ()

    @property
    def days(self) -> int:
        return sum((c.end - c.start).days + 1 for c in self.closures)


class _OverBudget(Exception):
    """Expanding the file's repeat rules took longer than allowed."""


@contextlib.contextmanager
def _time_budget(seconds: float) -> Iterator[None]:
    """Abort the Python code run inside after `seconds` (this thread only).

    A repeat rule whose filters never match (every 31 February, daily) makes dateutil search
    day by day up to the year 9999: seconds of CPU per event, with no way to stop it from
    outside. A trace function, called on every Python function call of this thread, raises
    once the time is up; it only runs while the file's rules are expanded.
    """
    deadline = time.monotonic() + seconds

    def tracer(_frame: FrameType, _event: str, _arg: Any) -> None:
        if time.monotonic() > deadline:
            raise _OverBudget
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        yield
    finally:
        sys.settrace(previous)


def _title(event: Component, lang: str, limit: int, fallback: str) -> str:
    """The event's SUMMARY on one line, cut to `limit` characters (`fallback`'s text if none)."""
    text = " ".join(clean_text(str(event.get("SUMMARY", "") or "")).split())
    return text[:limit] or t(fallback, lang)


def _summary(event: Component, lang: str = "fr") -> str:
    return _title(event, lang, 80, "closures.untitled")


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # floating time: the venue's own clock
            return value.date()
        return value.astimezone(PARIS).date()
    return value


def _last_day(start: dt.date | dt.datetime, end: dt.date | dt.datetime | None) -> dt.date:
    """The last closed day of an occurrence (an all-day DTEND is exclusive; a time ending at
    midnight does not close the next day)."""
    first = _as_date(start)
    if end is None:
        return first
    if isinstance(end, dt.datetime):
        if not isinstance(start, dt.datetime) or end <= start:
            return first
        return max(first, _as_date(end - dt.timedelta(microseconds=1)))
    if isinstance(start, dt.datetime):
        return max(first, end)
    return max(first, end - dt.timedelta(days=1))


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ValidationError("closures.empty_file", field="file")
    if len(data) > MAX_BYTES:
        raise ValidationError("closures.too_big", field="file", size=-(-len(data) // 1024))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("closures.bad_encoding", field="file") from None
    if "\x00" in text:
        raise ValidationError("closures.bad_encoding", field="file")
    if not _BEGIN_CALENDAR.match(text):
        raise ValidationError("closures.not_calendar", field="file")
    return text


def _parse(text: str) -> list[Calendar]:
    try:
        calendars = Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # the parser raises many kinds on hostile input
        detail = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise ValidationError("closures.unreadable", field="file", detail=detail) from None
    calendars = [c for c in calendars if isinstance(c, Calendar)]
    if not calendars:  # it began like one, but never ended
        raise ValidationError("closures.unreadable", field="file", detail="END:VCALENDAR ?")
    return calendars


def _check_event(event: Event, horizon_end: dt.date, lang: str) -> bool:
    """Refuse what cannot be a closure; True when the event repeats (RRULE or RDATE)."""
    summary = _summary(event, lang)
    broken = {name for name, _message in getattr(event, "errors", [])}
    for prop in _DATE_PROPERTIES:
        if prop in broken:
            raise ValidationError("closures.bad_property", field="file", summary=summary, prop=prop)
    if "DTSTART" not in event:
        raise ValidationError("closures.no_start", field="file", summary=summary)
    try:
        start = event.start
        end = event.end
        if isinstance(start, dt.datetime) != isinstance(end, dt.datetime) or end < start:
            raise ValueError("DTEND before DTSTART, or a date with a time")
    except Exception:  # a DTEND before DTSTART, a DURATION and a DTEND, a broken value…
        raise ValidationError(
            "closures.bad_property", field="file", summary=summary, prop="DTSTART/DTEND"
        ) from None
    first = _as_date(start)
    if first < EARLIEST:
        raise ValidationError(
            "closures.too_early", field="file", summary=summary, date=format_date(first, lang)
        )
    rules = event.get("RRULE")
    rules = rules if isinstance(rules, list) else [rules] if rules is not None else []
    for rule in rules:
        freq = str((rule.get("FREQ") or [""])[0]).upper()
        if freq in _SUB_DAILY:
            raise ValidationError(
                "closures.rule_too_frequent", field="file", summary=summary, freq=freq
            )
    repeats = bool(rules) or "RDATE" in event
    if not repeats:
        last = _last_day(start, end)
        if last > horizon_end:
            raise ValidationError(
                "closures.beyond_horizon",
                field="file",
                summary=summary,
                date=format_date(last, lang),
                horizon=format_date(horizon_end, lang),
            )
    return repeats


def read_closures(
    data: bytes, *, today: dt.date, horizon_days: int = 730, lang: str = "fr"
) -> tuple[list[Closure], int, int]:
    """The closures an .ics file describes from `today` to the horizon, with the number of
    events read and of past events skipped. Raises ValidationError on anything hostile."""
    if not 1 <= horizon_days <= 3650:
        raise ValidationError("closures.bad_horizon", field="horizon_days")
    text = _decode(data)
    count = len(_BEGIN_EVENT.findall(data))
    if count > MAX_EVENTS:
        raise ValidationError("closures.too_many_events", field="file", count=count, max=MAX_EVENTS)
    calendars = _parse(text)
    horizon_end = today + dt.timedelta(days=horizon_days)
    events = [
        event
        for calendar in calendars
        for event in calendar.walk("VEVENT")
        if isinstance(event, Event)
    ]
    if len(events) > MAX_EVENTS:
        raise ValidationError(
            "closures.too_many_events", field="file", count=len(events), max=MAX_EVENTS
        )
    if not events:
        raise ValidationError("closures.no_events", field="file")
    past = 0
    for event in events:
        if not _check_event(event, horizon_end, lang) and _last_day(event.start, event.end) < today:
            past += 1

    days: dict[str, set[dt.date]] = defaultdict(set)
    reasons: dict[str, str] = {}
    occurrences = 0
    try:
        with _time_budget(MAX_SECONDS):
            expanded = [
                occurrence
                for calendar in calendars
                for occurrence in recurring_ical_events.of(calendar).between(
                    today, horizon_end + dt.timedelta(days=1)
                )
            ]
    except _OverBudget:
        raise ValidationError("closures.too_complex", field="file") from None
    except Exception as exc:  # a rule the expander cannot follow
        detail = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise ValidationError("closures.unreadable", field="file", detail=detail) from None
    if len(expanded) > MAX_OCCURRENCES:
        raise ValidationError(
            "closures.too_many_occurrences",
            field="file",
            max=MAX_OCCURRENCES,
            horizon=format_date(horizon_end, lang),
        )
    for occurrence in expanded:
        if str(occurrence.get("STATUS", "")).upper() == "CANCELLED":
            continue
        first = _as_date(occurrence.start)
        last = min(_last_day(occurrence.start, occurrence.end), horizon_end)
        occurrences += 1
        key = str(occurrence.get("UID", "")) or f"#{occurrences}"
        reasons.setdefault(key, _reason(occurrence, lang))
        day = max(first, today)
        while day <= last:
            days[key].add(day)
            day += dt.timedelta(days=1)
    return _merge(days, reasons), len(events), past


def _reason(event: Component, lang: str) -> str:
    return _title(event, lang, 300, "closures.default_reason")


def _merge(days: dict[str, set[dt.date]], reasons: dict[str, str]) -> list[Closure]:
    """Consecutive days of one event make one closure; the same days twice make one."""
    ranges: dict[tuple[dt.date, dt.date], list[str]] = {}
    for key in sorted(days):
        ordered = sorted(days[key])
        start = previous = ordered[0]
        for day in ordered[1:] + [None]:
            if day is not None and day == previous + dt.timedelta(days=1):
                previous = day
                continue
            names = ranges.setdefault((start, previous), [])
            if reasons[key] not in names:
                names.append(reasons[key])
            if day is not None:
                start = previous = day
    return [
        Closure(start, end, " / ".join(names)[:300])
        for (start, end), names in sorted(ranges.items())
    ]


def import_closures(
    venue_id: int,
    data: bytes,
    *,
    actor: str,
    horizon_days: int = 730,
    today: dt.date | None = None,
    lang: str = "fr",
) -> ImportResult:
    """Add the closures of an uploaded .ics file to a venue: all of them or, on any problem,
    none (a ValidationError says why). Closures an earlier import already added are skipped."""
    today = today or dt.datetime.now(PARIS).date()
    closures, events, past = read_closures(data, today=today, horizon_days=horizon_days, lang=lang)
    with transaction() as session:
        query = select(Venue).where(Venue.id == venue_id)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()  # two imports for one venue queue up
        if session.exec(query).first() is None:
            raise NotFound("closures.venue_not_found")
        existing = {
            (row.start, row.end)
            for row in session.exec(
                select(VenueClosure).where(
                    VenueClosure.venue_id == venue_id, VenueClosure.source == "ics"
                )
            )
        }
        added = [c for c in closures if (c.start, c.end) not in existing]
        for closure in added:
            session.add(
                VenueClosure(
                    venue_id=venue_id,
                    start=closure.start,
                    end=closure.end,
                    reason=closure.reason,
                    source="ics",
                )
            )
        conflicts: list[dt.date] = []
        if added:
            stops = session.exec(
                select(Stop).where(
                    Stop.venue_id == venue_id,
                    Stop.status == StopStatus.confirmed,
                    col(Stop.dismantle_date) >= min(c.start for c in added),
                    col(Stop.install_date) <= max(c.end for c in added),
                )
            ).all()
            handling = {d for s in stops for d in (s.install_date, s.dismantle_date)}
            conflicts = sorted(d for d in handling if any(c.start <= d <= c.end for c in added))
        audit.record(
            session,
            actor=actor,
            action="venue.closures_imported",
            entity="venue",
            entity_id=venue_id,
            events=events,
            imported=len(added),
            already_present=len(closures) - len(added),
            file_sha256=hashlib.sha256(data).hexdigest(),
        )
    return ImportResult(
        events=events,
        imported=len(added),
        already_present=len(closures) - len(added),
        past_events=past,
        closures=tuple(added),
        handling_conflicts=tuple(conflicts),
    )
