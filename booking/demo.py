"""Demo data: a believable season of the Self Data exhibition around the Grand Lyon.

Loaded by `python -m booking demo load` into an empty database only (never in tests' way).
Dates are relative to the day it is loaded, so the demo always has past stops with reports
and feedback, one stop open today per kit, and a coming season with requests in every state.
Every contact is obviously fictitious (example.org addresses, "Démo" names).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from booking.catalogue import add_exhibition, add_kit, shipped_exhibitions
from booking.config import DATA_DIR
from booking.daycalendar import DayRules
from booking.db import transaction
from booking.models import (
    BookingRequest,
    Contact,
    Depot,
    Exhibition,
    Kit,
    RequestStatus,
    RequestWindow,
    Role,
    Stop,
    User,
    Van,
    Venue,
    VenueClosure,
    VenueType,
)
from booking.security import hash_password, hash_token, new_token
from booking.services.bookings import (
    Placement,
    approve_in_session,
    close_request_in_session,
    hold_in_session,
)
from booking.types import utcnow

DEMO_PASSWORD = "tournee-demo"
DEMO_USERS = (
    ("admin@tournee.example", "Alex Admin (démo)", "admin"),
    ("staff@tournee.example", "Sam Logistique (démo)", "staff"),
    ("tuba@tournee.example", "Tom Médiation (démo)", "tuba"),
)
ACTOR = "demo"
_FIRST_NAMES = [
    "Camille",
    "Dominique",
    "Claude",
    "Alix",
    "Sacha",
    "Maxime",
    "Noa",
    "Charlie",
    "Lou",
    "Eden",
]
_ROLES = {
    VenueType.library: "Responsable action culturelle",
    VenueType.school: "Professeur·e documentaliste",
    VenueType.park: "Chargé·e d'animation du parc",
    VenueType.town_hall: "Chargé·e de communication",
    VenueType.other: "Responsable du lieu",
}


def _time(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


def load_venues(session: Session) -> list[Venue]:
    with open(DATA_DIR / "demo_venues.json", encoding="utf-8") as handle:
        rows: list[dict[str, Any]] = json.load(handle)
    gazetteer = _communes()
    venues = []
    for row in rows:
        commune = gazetteer.get(row["insee"], {})
        venue = Venue(
            code=row["code"],
            name=row["name"],
            type=VenueType(row["type"]),
            address=row["address"],
            postcode=row["postcode"],
            insee=row["insee"],
            commune=commune.get("short_name") or commune.get("name") or "",
            lat=row["lat"],
            lon=row["lon"],
            geocode_source="gazetteer",
            open_weekdays=row["open_weekdays"],
            opens_at=_time(row["opens_at"]),
            closes_at=_time(row["closes_at"]),
            indoor=row["indoor"],
            hanging_surface=row.get("hanging_surface", ""),
            hanging_length_m=row.get("hanging_length_m"),
            floor=row.get("floor", ""),
            has_lift=row.get("has_lift"),
            van_parking=row.get("van_parking", ""),
            access_notes=row.get("access_notes", ""),
        )
        session.add(venue)
        venues.append(venue)
    session.flush()
    return venues


def _communes() -> dict[str, dict[str, Any]]:
    path = DATA_DIR / "gazetteer.json"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return {c["insee"]: c for c in data["communes"]}


class _Season:
    """Builds requests and stops through the booking services, inside one transaction."""

    def __init__(
        self, session: Session, exhibition: Exhibition, venues: list[Venue], rng: random.Random
    ):
        self.session, self.exhibition, self.venues, self.rng = session, exhibition, venues, rng
        self.rules = DayRules()
        self.counter = 0

    def handling_day(self, venue: Venue, day: dt.date) -> dt.date:
        """The first day from `day` on that the kit can be installed or dismantled there."""
        for _ in range(60):
            if self.rules.handling_day(
                day, open_weekdays=venue.open_weekdays, is_school=venue.type == VenueType.school
            ):
                return day
            day += dt.timedelta(days=1)
        raise RuntimeError(f"no handling day for {venue.code} after {day}")

    def request(
        self,
        venue: Venue,
        windows: list[tuple[dt.date, dt.date]],
        stay: tuple[int, int],
        *,
        submitted: dt.datetime | None = None,
        language: str = "fr",
        **kw: Any,
    ) -> BookingRequest:
        self.counter += 1
        name = self.rng.choice(_FIRST_NAMES)
        assert venue.id is not None
        contact = Contact(
            venue_id=venue.id,
            name=f"{name} Démo",
            role=_ROLES[VenueType(venue.type)],
            email=f"{name.lower()}.demo{self.counter}@example.org",
            phone=f"04 00 00 {self.counter // 100:02d} {self.counter % 100:02d}",
            language=language,
        )
        self.session.add(contact)
        self.session.flush()
        assert venue.id is not None and self.exhibition.id is not None
        request = BookingRequest(
            exhibition_id=self.exhibition.id,
            venue_id=venue.id,
            contact_id=contact.id,
            token_hash=hash_token(new_token()),
            language=language,
            stay_min_days=stay[0],
            stay_max_days=stay[1],
            preferred_start=windows[0][0],
            indoor=venue.indoor,
            hanging_surface=venue.hanging_surface,
            hanging_length_m=venue.hanging_length_m,
            access_notes=venue.access_notes,
            expected_audience=self.rng.choice(
                [
                    "Usagers de la médiathèque, groupes scolaires le mardi",
                    "Deux classes de 4e et une classe de 3e",
                    "Promeneurs du week-end, centre social du quartier",
                    "Public de l'accueil de la mairie, conseil municipal des jeunes",
                ]
            ),
            mediation=self.rng.choice(
                [
                    "Visite commentée par l'équipe",
                    "Atelier « mes données et moi »",
                    "",
                    "Jeu de piste",
                ]
            ),
            submitted_at=submitted or utcnow(),
            updated_at=submitted or utcnow(),
            **kw,
        )
        self.session.add(request)
        self.session.flush()
        assert request.id is not None
        for start, end in windows:
            self.session.add(RequestWindow(request_id=request.id, start=start, end=end))
        self.session.flush()
        return request

    def placement(self, kit: Kit, venue: Venue, earliest: dt.date, stay: int) -> Placement:
        """The first stay from `earliest` that the kit can leave promptly (not a collège whose
        holidays would keep it shut in for weeks)."""
        assert kit.id is not None
        day = earliest
        for _ in range(30):
            install = self.handling_day(venue, day)
            last_open = install + dt.timedelta(days=stay - 1)
            dismantle = self.handling_day(venue, last_open)
            if (dismantle - last_open).days <= 3:
                return Placement(kit.id, install, last_open, dismantle)
            day = install + dt.timedelta(days=7)
        raise RuntimeError(f"no stay for {venue.code} after {earliest}")

    def stop(self, kit: Kit, venue: Venue, earliest: dt.date, stay: int) -> tuple[Stop, Placement]:
        placement = self.placement(kit, venue, earliest, stay)
        request = self.request(
            venue,
            [
                (
                    placement.install - dt.timedelta(days=14),
                    placement.dismantle + dt.timedelta(days=14),
                )
            ],
            (max(7, stay - 7), stay + 7),
            submitted=dt.datetime.combine(
                placement.install - dt.timedelta(days=60), dt.time(9, 30), dt.UTC
            ),
        )
        stop = approve_in_session(self.session, request, placement, actor=ACTOR, notify=False)
        return stop, placement


def load_demo(engine: Engine, *, seed: int = 2027, today: dt.date | None = None) -> dict[str, int]:
    """Fill an empty database with the demo season; returns counts of what was made."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    with transaction(engine) as session:
        if session.exec(select(Exhibition)).first() is not None:
            return {}
        for email, name, role in DEMO_USERS:
            session.add(
                User(
                    email=email,
                    display_name=name,
                    role=Role(role),
                    password_hash=hash_password(DEMO_PASSWORD),
                )
            )
        entry = shipped_exhibitions()[0]
        exhibition = add_exhibition(session, entry)
        depot = Depot(
            code="depot-metropole",
            name="Dépôt de la Métropole (démo)",
            address="20 rue du Lac, 69003 Lyon",
            lat=45.7597,
            lon=4.8422,
        )
        session.add(depot)
        session.flush()
        kits = [
            add_kit(
                session,
                exhibition,
                depot,
                code="self-data-1",
                name="Self Data – kit 1",
                parts=entry["parts"],
            ),
            add_kit(
                session,
                exhibition,
                depot,
                code="self-data-2",
                name="Self Data – kit 2",
                parts=entry["parts"],
            ),
        ]
        assert depot.id is not None
        session.add(
            Van(code="van-1", name="Camion de la Métropole", depot_id=depot.id, capacity_kits=2)
        )
        venues = load_venues(session)
        by_type: dict[VenueType, list[Venue]] = {}
        for venue in venues:
            by_type.setdefault(VenueType(venue.type), []).append(venue)
        season = _Season(session, exhibition, venues, rng)
        pool: list[Venue] = []

        def pick() -> Venue:
            """Venues in a shuffled order, again once all have hosted (a venue hosts yearly)."""
            if not pool:
                pool.extend(venues)
                rng.shuffle(pool)
            return pool.pop()

        # A closure or two, so calendars show closed days.
        library = by_type.get(VenueType.library, venues)[0]
        assert library.id is not None
        session.add(
            VenueClosure(
                venue_id=library.id,
                start=today + dt.timedelta(days=70),
                end=today + dt.timedelta(days=72),
                reason="Inventaire annuel",
            )
        )

        # Past stops (with reports and feedback), then one stop open today, per kit.
        past_stops: list[int] = []
        current_stops: list[int] = []
        for index, kit in enumerate(kits):
            day = today - dt.timedelta(days=230 + 9 * index)
            while True:
                stay = rng.choice([14, 14, 21, 21, 28])
                is_last = day + dt.timedelta(days=stay + 3) >= today
                if is_last:  # this one is open today
                    day = max(day, today - dt.timedelta(days=stay // 2))
                stop, placement = season.stop(kit, pick(), day, stay)
                if placement.install <= today <= placement.last_open:
                    current_stops.append(stop.id or 0)
                elif placement.last_open < today:
                    past_stops.append(stop.id or 0)
                if is_last:
                    break
                day = placement.dismantle + dt.timedelta(days=rng.choice([0, 1, 3, 7]))

        # The coming season: confirmed stops, holds, and requests in every other state.
        first = today + dt.timedelta(days=45)
        for kit in kits:
            day = first + dt.timedelta(days=rng.randint(0, 10))
            for _ in range(3):
                venue = pick()
                _stop, placement = season.stop(kit, venue, day, rng.choice([14, 21]))
                day = placement.dismantle + dt.timedelta(days=rng.choice([7, 14, 21]))
            venue = pick()
            placement = season.placement(kit, venue, day, 14)
            held = season.request(
                venue,
                [
                    (
                        placement.install - dt.timedelta(days=7),
                        placement.dismantle + dt.timedelta(days=21),
                    )
                ],
                (14, 21),
            )
            hold_in_session(
                session,
                held,
                placement,
                actor=ACTOR,
                notify=False,
                expires_at=utcnow() + dt.timedelta(days=rng.choice([5, 9])),
            )

        horizon = first + dt.timedelta(days=200)
        for status in [RequestStatus.submitted] * 5 + [
            RequestStatus.waitlisted,
            RequestStatus.declined,
            RequestStatus.withdrawn,
        ]:
            venue = pick()
            start = first + dt.timedelta(days=rng.randint(30, 150))
            windows = [(start, start + dt.timedelta(days=rng.choice([35, 49, 63])))]
            if rng.random() < 0.4:
                later = start + dt.timedelta(days=90)
                windows.append((later, min(horizon, later + dt.timedelta(days=42))))
            request = season.request(
                venue, windows, (14, 28), language="en" if rng.random() < 0.1 else "fr"
            )
            if status is RequestStatus.waitlisted:
                close_request_in_session(session, request, status, actor=ACTOR, notify=False)
            elif status is RequestStatus.declined:
                close_request_in_session(
                    session,
                    request,
                    status,
                    actor=ACTOR,
                    notify=False,
                    reason="Pas de surface d'accrochage suffisante (6 m disponibles).",
                )
            elif status is RequestStatus.withdrawn:
                close_request_in_session(
                    session,
                    request,
                    status,
                    actor=ACTOR,
                    notify=False,
                    reason="Travaux dans le hall.",
                )

        # A confirmed stop that was then cancelled (kept in calendars as cancelled).
        venue = pick()
        _stop, placement = season.stop(kits[0], venue, horizon + dt.timedelta(days=30), 14)
        cancelled = session.get(BookingRequest, _stop.request_id)
        assert cancelled is not None
        close_request_in_session(
            session,
            cancelled,
            RequestStatus.cancelled,
            actor=ACTOR,
            notify=False,
            reason="Fermeture exceptionnelle du lieu pour travaux.",
        )

        feedback = _demo_feedback(session, past_stops, current_stops, rng)
        counts = {
            "venues": len(venues),
            "kits": len(kits),
            "requests": len(session.exec(select(BookingRequest)).all()),
            "stops": len(session.exec(select(Stop)).all()),
            "feedback": feedback,
        }
    # The van's days for the coming weeks, routed as staff would (its own transaction).
    from booking.planning.db_season import plan_van_days

    result = plan_van_days(
        start=today - dt.timedelta(days=7), end=today + dt.timedelta(days=240), actor=ACTOR
    )
    counts["van_days"] = result.days
    return counts


def _demo_feedback(
    session: Session, past: list[int], current: list[int], rng: random.Random
) -> int:
    """Stop reports and visitor feedback from the feedback feature, when it is installed."""
    try:
        from booking.feedback.demo import add_demo_feedback, add_demo_report
        from booking.feedback.questionnaire import ensure_default_questionnaire
    except ModuleNotFoundError:
        return 0
    if _takes_session(ensure_default_questionnaire):
        ensure_default_questionnaire(session=session)
    else:
        ensure_default_questionnaire()
    for stop_id in past:
        add_demo_report(session, stop_id, rng)
    return add_demo_feedback(session, past + current, rng, (15, 45))


def _takes_session(func: Any) -> bool:
    import inspect

    return "session" in inspect.signature(func).parameters
