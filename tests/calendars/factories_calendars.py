"""Builders for calendar tests: van days and legs (the planner's rows, built by hand here) and
`tour(session)`, a fixed small world whose exports are compared with golden files.

Everything that reaches an .ics is fixed here (UIDs, last-change times, names), so two runs
give the same bytes; nothing depends on the shipped catalogue.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from booking.catalogue import add_exhibition, add_kit
from booking.models import (
    Depot,
    Exhibition,
    Kit,
    LegKind,
    Stop,
    StopStatus,
    TransportLeg,
    Van,
    VanDay,
    Venue,
    VenueType,
)
from tests.factories import make_contact, make_depot, make_request, make_stop, make_venue

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC
STAMP = dt.datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
_seq = itertools.count(1)

PARTS = {
    "panels": [
        "Panneau 1 – « Vos données, votre ville »",
        "Panneau 2 – Qui collecte quoi ?",
        "Panneau 3 – Vos droits (RGPD)",
    ],
    "fixing_kit": "Kit de fixation : 12 crochets, 24 colliers",
    "guide": "Guide d'installation",
}


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def make_exhibition(session: Session, **kw: Any) -> Exhibition:
    values = {
        "slug": f"expo-{next(_seq)}",
        "title": "Légende urbaine – Self Data",
        "install_minutes": 120,
        "dismantle_minutes": 90,
        "min_stay_days": 1,
        "max_stay_days": 60,
    } | kw
    return add_exhibition(session, values)


def make_kit(session: Session, exhibition: Exhibition, depot: Depot, **kw: Any) -> Kit:
    n = next(_seq)
    return add_kit(
        session,
        exhibition,
        depot,
        code=kw.pop("code", f"kit-{n}"),
        name=kw.pop("name", f"Kit {n}"),
        parts=kw.pop("parts", PARTS),
    )


def make_van(session: Session, depot: Depot, **kw: Any) -> Van:
    values = {"code": f"van-{next(_seq)}", "name": "Camion de la Métropole", "depot_id": depot.id}
    van = Van(**(values | kw))
    session.add(van)
    session.flush()
    return van


def make_van_day(session: Session, van: Van, day: dt.date, **kw: Any) -> VanDay:
    values = {
        "van_id": van.id,
        "date": day,
        "uid": f"vanday-{van.code}-{day.isoformat()}@tournee.test",
        "updated_at": STAMP,
    }
    van_day = VanDay(**(values | kw))
    session.add(van_day)
    session.flush()
    return van_day


def make_leg(
    session: Session,
    van_day: VanDay | None,
    *,
    depart_at: dt.datetime | None,
    arrive_at: dt.datetime | None,
    kind: LegKind = LegKind.delivery,
    kits: list[Kit] | None = None,
    day: dt.date | None = None,
    **kw: Any,
) -> TransportLeg:
    n = next(_seq)
    when = day or (van_day.date if van_day is not None else None)
    assert when is not None
    values = {
        "van_day_id": van_day.id if van_day is not None else None,
        "position": n,
        "date": when,
        "kind": kind,
        "kit_ids": [k.id for k in kits or []],
        "depart_at": depart_at,
        "arrive_at": arrive_at,
        "km": 12.5,
        "minutes": 35.0,
        "uid": f"leg-{n}@tournee.test",
    }
    leg = TransportLeg(**(values | kw))
    session.add(leg)
    session.flush()
    return leg


def placed_stop(
    session: Session,
    exhibition: Exhibition,
    venue: Venue,
    kit: Kit,
    install: dt.date,
    last_open: dt.date,
    dismantle: dt.date,
    *,
    uid: str,
    contact: Any = None,
    **kw: Any,
) -> Stop:
    """A confirmed stop with its request, with a fixed UID and last-change time."""
    request, _token = make_request(session, exhibition, venue, contact=contact)
    values = {"uid": uid, "updated_at": STAMP} | kw
    return make_stop(session, request, kit, install, last_open, dismantle, **values)


@dataclass
class Tour:
    exhibition: Exhibition
    depot: Depot
    kit_a: Kit
    kit_b: Kit
    van_march: Van
    van_october: Van
    library: Venue
    college: Venue
    stops: dict[str, Stop] = field(default_factory=dict)
    legs: dict[str, TransportLeg] = field(default_factory=dict)


def tour(session: Session) -> Tour:
    """Two venues, two kits, two vans; stops and legs around both clock changes of 2027, a
    stop over a month end, a one-day stop and a cancelled stop."""
    exhibition = make_exhibition(session, slug="legende-urbaine")
    depot = make_depot(session, code="depot-lyon", name="Dépôt de la Métropole")
    kit_a = make_kit(session, exhibition, depot, code="self-data-a", name="Self Data – kit A")
    kit_b = make_kit(session, exhibition, depot, code="self-data-b", name="Self Data – kit B")
    van_march = make_van(session, depot, code="van-mars", name="Camion 1")
    van_october = make_van(session, depot, code="van-octobre", name="Camion 2")
    library = make_venue(
        session,
        code="bm-part-dieu",
        name="Bibliothèque de la Part-Dieu",
        opens_at=dt.time(10, 0),
        closes_at=dt.time(19, 0),
        floor="rez-de-chaussée",
        has_lift=True,
        van_parking="Quai de livraison, rue Servient; code portail 1234",
        access_notes="Badge à l'accueil; monte-charge au fond du hall",
        hanging_surface="Grilles d'exposition (8 m)",
    )
    college = make_venue(
        session,
        code="college-test",
        name="Collège Jean-Moulin",
        type=VenueType.school,
        address="1 place Jean-Moulin",
        postcode="69007",
        commune="Lyon 7e",
        lat=45.7485,
        lon=4.8467,
        open_weekdays=[0, 1, 2, 3, 4],
        opens_at=dt.time(8, 0),
        closes_at=dt.time(17, 30),
    )
    library_contact = make_contact(
        session,
        library,
        name="Camille Bibliothèque",
        role="Responsable action culturelle",
        email="camille.bib@example.org",
        phone="04 00 00 00 01",
    )
    college_contact = make_contact(
        session,
        college,
        name="Dominique Collège",
        role="Principal adjoint",
        email="dominique.college@example.org",
        phone="04 00 00 00 02",
    )
    t = Tour(exhibition, depot, kit_a, kit_b, van_march, van_october, library, college)

    # Around the last Sunday of March 2027 (28 March: 02:00 CET → 03:00 CEST).
    t.stops["march"] = placed_stop(
        session, exhibition, library, kit_a, dt.date(2027, 3, 22), dt.date(2027, 4, 1),
        dt.date(2027, 4, 2), uid="stop-march@tournee.test", contact=library_contact,
    )  # fmt: skip
    t.stops["march_college"] = placed_stop(
        session, exhibition, college, kit_b, dt.date(2027, 3, 26), dt.date(2027, 3, 28),
        dt.date(2027, 3, 29), uid="stop-march-college@tournee.test", contact=college_contact,
    )  # fmt: skip
    d26 = make_van_day(session, van_march, dt.date(2027, 3, 26), km=25.0, minutes=70.0)
    t.legs["delivery"] = make_leg(
        session, d26, depart_at=utc(2027, 3, 26, 7, 30), arrive_at=utc(2027, 3, 26, 8, 5),
        kits=[kit_b], from_depot_id=depot.id, to_venue_id=college.id, uid="leg-delivery@tournee.test",
    )  # fmt: skip
    d28 = make_van_day(session, van_march, dt.date(2027, 3, 28))
    t.legs["night_march"] = make_leg(
        session, d28, depart_at=utc(2027, 3, 28, 0, 30), arrive_at=utc(2027, 3, 28, 1, 30),
        kind=LegKind.empty, from_depot_id=depot.id, to_depot_id=depot.id,
        uid="leg-night-march@tournee.test",
    )  # fmt: skip
    d29 = make_van_day(session, van_march, dt.date(2027, 3, 29), sequence=2)
    t.legs["pickup"] = make_leg(
        session, d29, depart_at=utc(2027, 3, 29, 12, 0), arrive_at=utc(2027, 3, 29, 12, 40),
        kind=LegKind.pickup, kits=[kit_b], from_venue_id=college.id, to_depot_id=depot.id,
        uid="leg-pickup@tournee.test", sequence=1,
    )  # fmt: skip

    # Around the last Sunday of October 2027 (31 October: 03:00 CEST → 02:00 CET).
    t.stops["october"] = placed_stop(
        session, exhibition, library, kit_a, dt.date(2027, 10, 25), dt.date(2027, 11, 5),
        dt.date(2027, 11, 8), uid="stop-october@tournee.test", contact=library_contact,
    )  # fmt: skip
    d29o = make_van_day(session, van_october, dt.date(2027, 10, 29))
    t.legs["before_october"] = make_leg(
        session, d29o, depart_at=utc(2027, 10, 29, 6, 0), arrive_at=utc(2027, 10, 29, 6, 45),
        kind=LegKind.empty, from_depot_id=depot.id, to_venue_id=college.id,
        uid="leg-before-october@tournee.test",
    )  # fmt: skip
    d31o = make_van_day(session, van_october, dt.date(2027, 10, 31))
    t.legs["night_october"] = make_leg(
        session, d31o, depart_at=utc(2027, 10, 31, 0, 15), arrive_at=utc(2027, 10, 31, 1, 45),
        kind=LegKind.empty, from_depot_id=depot.id, to_depot_id=depot.id,
        uid="leg-night-october@tournee.test",
    )  # fmt: skip
    d02n = make_van_day(session, van_october, dt.date(2027, 11, 2))
    t.legs["after_october"] = make_leg(
        session, d02n, depart_at=utc(2027, 11, 2, 7, 0), arrive_at=utc(2027, 11, 2, 7, 45),
        kind=LegKind.empty, from_venue_id=college.id, to_depot_id=depot.id,
        uid="leg-after-october@tournee.test",
    )  # fmt: skip

    # Over the end of January; one day in June; one cancelled.
    t.stops["month_end"] = placed_stop(
        session, exhibition, library, kit_b, dt.date(2027, 1, 25), dt.date(2027, 2, 3),
        dt.date(2027, 2, 4), uid="stop-month-end@tournee.test", contact=library_contact,
    )  # fmt: skip
    t.stops["one_day"] = placed_stop(
        session, exhibition, college, kit_a, dt.date(2027, 6, 15), dt.date(2027, 6, 15),
        dt.date(2027, 6, 15), uid="stop-one-day@tournee.test", contact=college_contact,
    )  # fmt: skip
    t.stops["cancelled"] = placed_stop(
        session, exhibition, college, kit_b, dt.date(2027, 5, 10), dt.date(2027, 5, 21),
        dt.date(2027, 5, 24), uid="stop-cancelled@tournee.test", contact=college_contact,
        status=StopStatus.cancelled, sequence=1, cancel_reason="Travaux imprévus dans le hall",
        updated_at=STAMP + dt.timedelta(days=3),
    )  # fmt: skip
    return t
