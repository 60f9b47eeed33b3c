"""Importing a venue's closure days from an .ics: the sample calendars shipped inside the
icalendar wheel, then hostile and broken files, each refused whole with a clear message."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import icalendar
import pytest
from sqlmodel import select

from booking.calendars import closures
from booking.calendars.closures import MAX_BYTES, import_closures
from booking.db import read_session, transaction
from booking.errors import NotFound, ValidationError
from booking.models import AuditEvent, VenueClosure
from booking.services.bookings import Placement, hold_request
from tests.calendars.factories_calendars import Tour
from tests.conftest import BOTH
from tests.factories import make_request, make_venue, world

CORPUS = Path(icalendar.__file__).parent / "tests" / "calendars"
ACTOR = "venue:request-1"
TODAY = dt.date(2027, 1, 4)  # a Monday


def corpus(name: str) -> bytes:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"{name} is not shipped in this icalendar wheel ({CORPUS})")
    return path.read_bytes()


def ics(*events: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\n{body}END:VCALENDAR\r\n".encode()
    )


def event(
    uid: str, start: str, end: str | None = None, extra: str = "", summary: str = "Fermé"
) -> str:
    value = "" if "T" in start else ";VALUE=DATE"
    lines = [f"UID:{uid}", f"SUMMARY:{summary}", f"DTSTART{value}:{start}"]
    if end:
        lines.append(f"DTEND{value}:{end}")
    if extra:
        lines.append(extra)
    return "\r\n".join(lines)


@pytest.fixture
def venue_id(sqlite_url: str) -> int:
    with transaction() as session:
        venue = make_venue(session)
        assert venue.id is not None
        return venue.id


def rows(venue_id: int) -> list[tuple[dt.date, dt.date, str, str]]:
    with read_session() as session:
        found = session.exec(
            select(VenueClosure)
            .where(VenueClosure.venue_id == venue_id)
            .order_by(VenueClosure.start)
        )
        return [(c.start, c.end, c.reason, c.source) for c in found]


def audits() -> int:
    with read_session() as session:
        query = select(AuditEvent).where(AuditEvent.action == "venue.closures_imported")
        return len(session.exec(query).all())


# ---------------------------------------------------------------------------- the corpus


def test_corpus_holidays_one_day_each(venue_id: int) -> None:
    result = import_closures(
        venue_id, corpus("example.ics"), actor=ACTOR, today=dt.date(2022, 1, 1)
    )
    assert (result.events, result.imported, result.past_events) == (3, 3, 0)
    assert rows(venue_id) == [
        (dt.date(2022, 1, 1), dt.date(2022, 1, 1), "New Year's Day", "ics"),
        (dt.date(2022, 1, 7), dt.date(2022, 1, 7), "Orthodox Christmas", "ics"),
        (dt.date(2022, 3, 8), dt.date(2022, 3, 8), "International Women's Day", "ics"),
    ]


def test_corpus_counted_daily_rule_makes_one_closure(venue_id: int) -> None:
    data = corpus("issue_1081_event_with_rrule.ics")  # 10:00Z daily, COUNT=10, from 1 Jan 2025
    result = import_closures(venue_id, data, actor=ACTOR, today=dt.date(2025, 1, 1))
    assert result.imported == 1 and result.days == 10
    assert rows(venue_id) == [(dt.date(2025, 1, 1), dt.date(2025, 1, 10), "Test Event", "ics")]


def test_corpus_timed_event_in_another_zone_closes_its_days(venue_id: int) -> None:
    data = corpus("timezoned.ics")  # Vienna, Mon 13 Feb 2012 10:00 → Fri 17 Feb 18:00
    import_closures(venue_id, data, actor=ACTOR, today=dt.date(2012, 1, 1))
    assert [(s, e) for s, e, _r, _src in rows(venue_id)] == [
        (dt.date(2012, 2, 13), dt.date(2012, 2, 17))
    ]


def test_corpus_past_events_are_skipped_and_counted(venue_id: int) -> None:
    result = import_closures(venue_id, corpus("example.ics"), actor=ACTOR, today=TODAY)
    assert (result.imported, result.past_events) == (0, 3)
    assert rows(venue_id) == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("broken_dtstart.ics", "a une valeur DTSTART invalide"),
        ("issue_1081_invalid_rrule_freq.ics", "a une valeur RRULE invalide"),
        ("parsing_error.ics", "a une valeur EXDATE invalide"),
        ("big_bad_calendar.ics", "Ce calendrier est illisible (END:VCALENDAR ?)"),  # truncated
        ("small_bad_calendar.ics", "Ce calendrier est illisible"),
        ("rfc_5545_RDATE_example.ics", "n'a pas de date de début"),
        ("issue_104_broken_calendar.ics", "Ce calendrier est illisible"),
        ("fuzz_testcase_invalid_month.ics", "n'est pas un calendrier .ics"),
        ("calendar_with_unicode.ics", "ne contient aucun évènement"),
        ("empty.ics", "ne contient aucun évènement"),
    ],
)
def test_corpus_broken_files_are_refused_whole(venue_id: int, name: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        import_closures(venue_id, corpus(name), actor=ACTOR, today=dt.date(2010, 1, 1))
    assert message in caught.value.message("fr")
    assert rows(venue_id) == [] and audits() == 0


# ---------------------------------------------------------------------------- hostile files


def refused(venue_id: int, data: bytes, message: str, **kw: object) -> None:
    with pytest.raises(ValidationError) as caught:
        import_closures(venue_id, data, actor=ACTOR, today=TODAY, **kw)  # type: ignore[arg-type]
    assert message in caught.value.message("fr"), caught.value.message("fr")
    assert rows(venue_id) == [] and audits() == 0


def test_oversized_file_is_refused(venue_id: int) -> None:
    padding = "X-PAD:" + "a" * 70 + "\r\n"
    data = ics(event("a", "20270301")).replace(
        b"END:VCALENDAR", padding.encode() * 14_000 + b"END:VCALENDAR"
    )
    assert len(data) > MAX_BYTES
    refused(venue_id, data, "le maximum est 1 Mio")


def test_thousands_of_events_are_refused_with_their_number(venue_id: int) -> None:
    data = ics(*[event(f"e{i}", "20270301") for i in range(501)])
    refused(venue_id, data, "contient 501 évènements : le maximum est 500")


@pytest.mark.parametrize(
    "data",
    [
        ics(event("a", "20270301", summary="Fermé")).decode().encode("utf-16"),
        ics(event("a", "20270301", summary="Fermé")).decode().encode("latin-1"),
        ics(event("a", "20270301")).replace(b"Ferm", b"F\x00rm"),
        b"\xff\xfe\x00\x00garbage",
    ],
    ids=["utf-16", "latin-1", "nul", "binary"],
)
def test_bad_encodings_are_refused(venue_id: int, data: bytes) -> None:
    refused(venue_id, data, "n'est pas un texte UTF-8")


@pytest.mark.parametrize(
    "data",
    [b"", b"   \r\n", b"<html><body>Agenda</body></html>", b"BEGIN:VCARD\r\nEND:VCARD\r\n"],
    ids=["empty", "blank", "html", "vcard"],
)
def test_not_a_calendar_is_refused(venue_id: int, data: bytes) -> None:
    with pytest.raises(ValidationError):
        import_closures(venue_id, data, actor=ACTOR, today=TODAY)
    assert rows(venue_id) == []


def test_rule_without_end_is_expanded_up_to_the_horizon_only(venue_id: int) -> None:
    data = ics(
        event("mondays", "20270104", "20270105", "RRULE:FREQ=WEEKLY;BYDAY=MO", "Fermé le lundi")
    )
    result = import_closures(venue_id, data, actor=ACTOR, today=TODAY, horizon_days=730)
    found = rows(venue_id)
    assert result.imported == len(found) == 105  # every Monday of two years
    assert found[0][:2] == (dt.date(2027, 1, 4), dt.date(2027, 1, 4))
    assert found[-1][1] <= TODAY + dt.timedelta(days=730)
    assert all(start.weekday() == 0 and start == end for start, end, _r, _s in found)


def test_rule_more_often_than_daily_is_refused(venue_id: int) -> None:
    refused(
        venue_id,
        ics(event("h", "20270301T080000Z", extra="RRULE:FREQ=HOURLY")),
        "se répète plus d'une fois par jour (HOURLY)",
    )


def test_rule_that_never_matches_is_stopped_by_the_time_budget(
    venue_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every 30 February, daily: dateutil would search up to the year 9999 for each event."""
    monkeypatch.setattr(closures, "MAX_SECONDS", 0.5)
    data = ics(
        *[
            event(f"n{i}", "20270101", extra="RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")
            for i in range(50)
        ]
    )
    started = time.monotonic()
    refused(venue_id, data, "demandent trop de calcul")
    assert time.monotonic() - started < 5


def test_too_many_occurrences_are_refused(venue_id: int) -> None:
    data = ics(*[event(f"d{i}", "20270104", extra="RRULE:FREQ=DAILY") for i in range(3)])
    refused(venue_id, data, "plus de 2000 jours de fermeture")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (ics(event("old", "19990101")), "les dates avant 2000 sont refusées"),
        (
            ics(event("old", "00010101", extra="RRULE:FREQ=YEARLY")),
            "les dates avant 2000 sont refusées",
        ),
        (ics(event("far", "21000101")), "au-delà de l'horizon de réservation"),
        (ics(event("long", "20270301", "20350301")), "au-delà de l'horizon de réservation"),
        (ics(event("back", "20270310", "20270301")), "a une valeur DTSTART/DTEND invalide"),
    ],
    ids=["1999", "year-1", "2100", "eight-years", "backwards"],
)
def test_dates_out_of_range_are_refused(venue_id: int, data: bytes, message: str) -> None:
    refused(venue_id, data, message)


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_one_bad_event_refuses_the_whole_file(db_url: str) -> None:
    with transaction() as session:
        venue_id = make_venue(session).id
    assert venue_id is not None
    data = ics(
        event("ok1", "20270301"), event("ok2", "20270405", "20270410"), event("bad", "19800101")
    )
    refused(venue_id, data, "avant 2000")


def test_unknown_venue_is_not_found(sqlite_url: str) -> None:
    with pytest.raises(NotFound):
        import_closures(9999, ics(event("a", "20270301")), actor=ACTOR, today=TODAY)
    assert audits() == 0


# ---------------------------------------------------------------------------- what is imported


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_reimporting_the_same_file_adds_nothing(db_url: str) -> None:
    with transaction() as session:
        venue_id = make_venue(session).id
    assert venue_id is not None
    data = ics(
        event("easter", "20270329", "20270403", summary="Vacances, « printemps »"),
        event("works", "20270510T070000Z", "20270510T160000Z", summary="Travaux"),
        event("late", "20270601T200000Z", "20270602T003000Z", summary="Soirée"),  # 22:00 → 02:30
        event("gone", "20270701", extra="STATUS:CANCELLED"),
    )
    first = import_closures(venue_id, data, actor=ACTOR, today=TODAY)
    assert (first.events, first.imported, first.already_present) == (4, 3, 0)
    expected = [
        (dt.date(2027, 3, 29), dt.date(2027, 4, 2), "Vacances, « printemps »", "ics"),
        (dt.date(2027, 5, 10), dt.date(2027, 5, 10), "Travaux", "ics"),
        (dt.date(2027, 6, 1), dt.date(2027, 6, 2), "Soirée", "ics"),
    ]
    assert rows(venue_id) == expected
    again = import_closures(venue_id, data, actor=ACTOR, today=TODAY)
    assert (again.imported, again.already_present) == (0, 3)
    assert rows(venue_id) == expected
    assert audits() == 2


def test_imported_closures_are_used_by_booking(sqlite_url: str) -> None:
    with transaction() as session:
        w = world(session)
        library = w.venues[0]
        held, _ = make_request(session, w.exhibition, library)
        other, _ = make_request(session, w.exhibition, library)
        kit_id, venue_id, held_id, other_id = w.kits[0].id, library.id, held.id, other.id
    assert kit_id and venue_id and held_id and other_id
    hold_request(
        held_id,
        Placement(kit_id, dt.date(2027, 3, 9), dt.date(2027, 3, 23), dt.date(2027, 3, 24)),
        actor="t",
    )
    result = import_closures(
        venue_id,
        ics(event("inv", "20270324", "20270327", summary="Inventaire")),
        actor=ACTOR,
        today=TODAY,
    )
    assert result.handling_conflicts == ()  # a hold is not a confirmed stop
    with pytest.raises(ValidationError) as caught:
        hold_request(
            other_id,
            Placement(
                w.kits[1].id or 0, dt.date(2027, 3, 10), dt.date(2027, 3, 24), dt.date(2027, 3, 25)
            ),
            actor="t",
        )
    assert "pas possible pour le démontage" in caught.value.message("fr")


def test_closure_on_a_confirmed_install_day_is_reported(world_tour: Tour) -> None:
    library = world_tour.library.id
    assert library is not None
    result = import_closures(
        library, ics(event("x", "20270322", "20270323")), actor=ACTOR, today=TODAY
    )
    assert result.handling_conflicts == (dt.date(2027, 3, 22),)
