"""What each view shows, to whom, and how events keep their identity across changes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event
from sqlmodel import select

from booking.calendars import export_calendar
from booking.db import get_engine, transaction
from booking.errors import NotFound, ValidationError
from booking.models import Contact, LegKind, RequestStatus, Stop, TransportLeg, VanDay
from booking.services.bookings import (
    Placement,
    approve_request,
    close_request_in_session,
    load_request,
)
from booking.types import utcnow
from tests.calendars.factories_calendars import (
    STAMP,
    Tour,
    make_exhibition,
    make_kit,
    make_leg,
    make_van,
    make_van_day,
    placed_stop,
    utc,
)
from tests.calendars.parsing import read_events
from tests.conftest import BOTH
from tests.factories import make_contact, make_depot, make_request, make_venue, world


@pytest.mark.parametrize(
    "view",
    ["", "everything", "venue", "venue:", "venue:abc", "venue:-1", "stop:1.5", "all:1", "van:٣"],
)
def test_malformed_view_is_refused_with_the_list_of_views(sqlite_url: str, view: str) -> None:
    with pytest.raises(ValidationError) as caught:
        export_calendar(view)
    assert "Vues possibles : all, tuba, venue:<id>" in caught.value.message("fr")


@pytest.mark.parametrize("kind", ["venue", "kit", "van", "stop"])
def test_unknown_id_is_not_found(sqlite_url: str, kind: str) -> None:
    with pytest.raises(NotFound) as caught:
        export_calendar(f"{kind}:999")
    assert "n° 999 introuvable" in caught.value.message("fr")


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_a_venue_never_sees_another_venue_nor_any_contact(world_tour: Tour) -> None:
    t = world_tour
    library = export_calendar(f"venue:{t.library.id}").decode()
    for foreign in ("Collège Jean-Moulin", "dominique.college@example.org", "Dominique", "leg-"):
        assert foreign not in library
    assert "camille.bib@example.org" not in library  # not even its own: none in venue views
    assert "Travaux imprévus" not in library
    stop = export_calendar(f"stop:{t.stops['march'].id}").decode()
    assert "@example.org" not in stop and "Collège" not in stop
    events = read_events(library.encode())
    assert {e.split("@")[0] for e in events} == {
        f"{kind}stop-{name}"
        for name in ("march", "october", "month-end")
        for kind in ("", "install-", "dismantle-")
    }


def test_staff_views_show_the_request_contact_but_never_an_erased_one(world_tour: Tour) -> None:
    t = world_tour
    assert "camille.bib@example.org" in export_calendar("all").decode()
    assert "dominique.college@example.org" in export_calendar(f"van:{t.van_march.id}").decode()
    with transaction() as session:
        for contact in session.exec(select(Contact)).all():
            contact.name = contact.email = contact.phone = None
            contact.erased_at = utcnow()
    text = export_calendar("all").decode()
    assert "Contact" not in text and "@example.org" not in text


def test_english_calendar(world_tour: Tour) -> None:
    data = export_calendar(f"stop:{world_tour.stops['march'].id}", lang="en")
    events = read_events(data)
    assert events["install-stop-march@tournee.test"].summary.startswith("Installation “Légende")
    assert (
        "Open from 22 March 2027 to 1 April 2027" in events["stop-march@tournee.test"].description
    )


def test_two_exports_without_change_are_byte_identical(world_tour: Tour) -> None:
    first = export_calendar("all")
    with transaction() as session:  # a write that changes nothing a calendar shows
        session.add(Contact(venue_id=world_tour.library.id, name="Nouvelle personne"))
    assert export_calendar("all") == first


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_cancelling_through_the_booking_service_keeps_uids_and_bumps_sequence(db_url: str) -> None:
    with transaction() as session:
        w = world(session)
        request, _ = make_request(session, w.exhibition, w.venues[0])
        kit_id, request_id = w.kits[0].id, request.id
    assert kit_id is not None and request_id is not None
    stop = approve_request(
        request_id,
        Placement(kit_id, dt.date(2027, 3, 9), dt.date(2027, 3, 23), dt.date(2027, 3, 24)),
        actor="test",
    )
    before_bytes = export_calendar(f"stop:{stop.id}")
    before = read_events(before_bytes)
    assert set(before) == {stop.uid, f"install-{stop.uid}", f"dismantle-{stop.uid}"}
    assert {(e.status, e.sequence) for e in before.values()} == {("CONFIRMED", 0)}
    with transaction() as session:
        close_request_in_session(
            session,
            load_request(session, request_id),
            RequestStatus.cancelled,
            actor="test",
            reason="Fermeture du lieu",
        )
    after_bytes = export_calendar(f"stop:{stop.id}")
    after = read_events(after_bytes)
    assert set(after) == set(before)  # the same UIDs: clients update, never duplicate
    assert {(e.status, e.sequence) for e in after.values()} == {("CANCELLED", 1)}
    assert {(e.start, e.end) for e in after.values()} == {(e.start, e.end) for e in before.values()}
    stamps_before = set(re.findall(rb"DTSTAMP:(\w+)", before_bytes))
    stamps_after = set(re.findall(rb"DTSTAMP:(\w+)", after_bytes))
    assert len(stamps_before) == len(stamps_after) == 1  # one last change for the stop's events
    assert min(stamps_after) >= max(stamps_before)  # the cancellation is the last change


def test_moving_a_stop_keeps_its_uids_and_raises_their_sequence(world_tour: Tour) -> None:
    stop_id = world_tour.stops["month_end"].id
    before = read_events(export_calendar(f"stop:{stop_id}"))
    with transaction() as session:  # what a date change does: dates, SEQUENCE, last change
        stop = session.get(Stop, stop_id)
        assert stop is not None
        stop.install_date, stop.last_open_date, stop.dismantle_date = (
            dt.date(2027, 2, 1), dt.date(2027, 2, 10), dt.date(2027, 2, 11),
        )  # fmt: skip
        stop.sequence += 1
        stop.updated_at = STAMP + dt.timedelta(days=10)
    data = export_calendar(f"stop:{stop_id}")
    after = read_events(data)
    assert set(after) == set(before)
    assert all(after[uid].sequence == before[uid].sequence + 1 for uid in after)
    assert after["stop-month-end@tournee.test"].end == dt.date(2027, 2, 11)
    assert data.count(b"DTSTAMP:20261211T093000Z") == 3
    assert data.count(b"LAST-MODIFIED:20261211T093000Z") == 3


def test_retimed_leg_moves_the_install_and_raises_its_sequence(world_tour: Tour) -> None:
    view = f"venue:{world_tour.college.id}"
    uid = "install-stop-march-college@tournee.test"
    before = read_events(export_calendar(view))[uid]
    with transaction() as session:  # what the planner does when it re-times a leg
        leg = session.get(TransportLeg, world_tour.legs["delivery"].id)
        assert leg is not None and leg.van_day_id is not None
        leg.arrive_at = utc(2027, 3, 26, 9, 30)
        leg.sequence += 1
        van_day = session.get(VanDay, leg.van_day_id)
        assert van_day is not None
        van_day.updated_at = STAMP + dt.timedelta(days=1)
    data = export_calendar(view)
    after = read_events(data)[uid]
    assert after.start == utc(2027, 3, 26, 9, 30)
    assert after.sequence == before.sequence + 1
    block = data.split(f"UID:{uid}".encode())[0].rsplit(b"BEGIN:VEVENT", 1)[1]
    assert b"DTSTAMP:20261202T093000Z" in block


def test_a_view_takes_a_fixed_number_of_queries(sqlite_url: str) -> None:
    """No query per stop: 3 stops or 30 stops (with their legs), the same number of queries."""

    with transaction() as session:
        exhibition = make_exhibition(session)
        depot = make_depot(session)
        kit = make_kit(session, exhibition, depot)
        van = make_van(session, depot)
        venues = [make_venue(session) for _ in range(3)]

    def add(first: int, last: int) -> None:
        with transaction() as session:
            for i in range(first, last):
                venue = venues[i % 3]
                install = dt.date(2027, 1, 4) + dt.timedelta(days=10 * i)
                contact = make_contact(session, venue, email=f"c{i}@example.org")
                placed_stop(
                    session, exhibition, venue, kit, install, install + dt.timedelta(days=7),
                    install + dt.timedelta(days=8), uid=f"q-{i}@test", contact=contact,
                )  # fmt: skip
                day = make_van_day(session, van, install)
                make_leg(
                    session, day, depart_at=utc(install.year, install.month, install.day, 8),
                    arrive_at=utc(install.year, install.month, install.day, 9), kits=[kit],
                    from_depot_id=depot.id, to_venue_id=venue.id, kind=LegKind.delivery,
                )  # fmt: skip

    def count(view: str) -> int:
        statements: list[str] = []

        def listener(*args: object) -> None:
            statements.append(str(args[2]))

        engine = get_engine()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            export_calendar(view)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    views = ("all", f"kit:{kit.id}", f"van:{van.id}", f"venue:{venues[0].id}", "tuba")
    add(0, 3)
    small = {view: count(view) for view in views}
    add(3, 30)
    large = {view: count(view) for view in views}
    assert len(read_events(export_calendar("all"))) == 30 * 3 + 30 * 2  # stops, legs, van days
    assert large == small
    assert max(small.values()) <= 12
