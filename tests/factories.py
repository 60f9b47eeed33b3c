"""Test data in one place: small builders that write real rows through a session.

Every builder takes a session and keyword overrides; defaults are plausible Grand Lyon data.
`world(session)` builds the usual small world: the Self Data exhibition, a depot, two kits,
a van and three venues.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from booking.catalogue import add_exhibition, add_kit, shipped_exhibitions
from booking.models import (
    BookingRequest,
    Contact,
    Depot,
    Exhibition,
    Kit,
    OccupancyKind,
    RequestStatus,
    RequestWindow,
    Stop,
    Van,
    Venue,
    VenueType,
)
from booking.security import hash_token, new_token
from booking.services.occupancy import occupy

_seq = itertools.count(1)


def self_data(session: Session) -> Exhibition:
    return add_exhibition(session, shipped_exhibitions()[0])


def make_depot(session: Session, **kw: Any) -> Depot:
    values = {
        "code": f"depot-{next(_seq)}",
        "name": "Dépôt Métropole",
        "address": "20 rue du Lac, 69003 Lyon",
        "lat": 45.7597,
        "lon": 4.8422,
    } | kw
    depot = Depot(**values)
    session.add(depot)
    session.flush()
    return depot


def make_kit(session: Session, exhibition: Exhibition, depot: Depot, **kw: Any) -> Kit:
    n = next(_seq)
    parts = shipped_exhibitions()[0]["parts"]
    kit = add_kit(
        session,
        exhibition,
        depot,
        code=kw.pop("code", f"kit-{n}"),
        name=kw.pop("name", f"Kit {n}"),
        parts=parts,
    )
    for key, value in kw.items():
        setattr(kit, key, value)
    session.flush()
    return kit


def make_van(session: Session, depot: Depot, **kw: Any) -> Van:
    values = {"code": f"van-{next(_seq)}", "name": "Camion Métropole", "depot_id": depot.id} | kw
    van = Van(**values)
    session.add(van)
    session.flush()
    return van


def make_venue(session: Session, **kw: Any) -> Venue:
    n = next(_seq)
    values = {
        "code": f"venue-{n}",
        "name": f"Bibliothèque test {n}",
        "type": VenueType.library,
        "address": "30 boulevard Marius Vivier Merle",
        "postcode": "69003",
        "commune": "Lyon 3e",
        "insee": "69383",
        "lat": 45.7606,
        "lon": 4.8565,
        "open_weekdays": [1, 2, 3, 4, 5],
        "opens_at": dt.time(10, 0),
        "closes_at": dt.time(19, 0),
    } | kw
    venue = Venue(**values)
    session.add(venue)
    session.flush()
    return venue


def make_contact(session: Session, venue: Venue, **kw: Any) -> Contact:
    values = {
        "venue_id": venue.id,
        "name": "Camille Exemple",
        "role": "Responsable",
        "email": "camille.exemple@example.org",
        "phone": "04 00 00 00 00",
    } | kw
    contact = Contact(**values)
    session.add(contact)
    session.flush()
    return contact


def make_request(
    session: Session,
    exhibition: Exhibition,
    venue: Venue,
    *,
    windows: list[tuple[dt.date, dt.date]] | None = None,
    token: str | None = None,
    contact: Contact | None = None,
    **kw: Any,
) -> tuple[BookingRequest, str]:
    """A request and its private-link token (only its hash is stored)."""
    token = token or new_token()
    contact = contact or make_contact(session, venue)
    values = {
        "exhibition_id": exhibition.id,
        "venue_id": venue.id,
        "contact_id": contact.id,
        "token_hash": hash_token(token),
        "stay_min_days": 14,
        "stay_max_days": 21,
    } | kw
    request = BookingRequest(**values)
    session.add(request)
    session.flush()
    for start, end in windows or [(dt.date(2027, 1, 11), dt.date(2027, 3, 5))]:
        session.add(RequestWindow(request_id=request.id, start=start, end=end))
    session.flush()
    return request, token


def make_stop(
    session: Session,
    request: BookingRequest,
    kit: Kit,
    install: dt.date,
    last_open: dt.date,
    dismantle: dt.date | None = None,
    **kw: Any,
) -> Stop:
    """An approved stop with its kit occupancy (the database checks the overlap)."""
    dismantle = dismantle or last_open
    assert request.id is not None and kit.id is not None
    exhibition = session.get(Exhibition, request.exhibition_id)
    assert exhibition is not None
    occupy(
        session,
        request_id=request.id,
        kit_id=kit.id,
        kind=OccupancyKind.stop,
        install=install,
        dismantle=dismantle,
        buffer_days=exhibition.buffer_days,
    )
    request.status = RequestStatus.approved
    request.kit_id, request.start, request.end, request.dismantle = (
        kit.id,
        install,
        last_open,
        dismantle,
    )
    values = {
        "request_id": request.id,
        "kit_id": kit.id,
        "venue_id": request.venue_id,
        "exhibition_id": request.exhibition_id,
        "install_date": install,
        "last_open_date": last_open,
        "dismantle_date": dismantle,
        "uid": f"stop-{new_token()[:16]}@tournee",
        "feedback_token": new_token(),
    } | kw
    stop = Stop(**values)
    session.add(stop)
    session.flush()
    return stop


@dataclass
class World:
    exhibition: Exhibition
    depot: Depot
    kits: list[Kit]
    van: Van
    venues: list[Venue]


def world(session: Session) -> World:
    exhibition = self_data(session)
    depot = make_depot(session)
    kits = [
        make_kit(session, exhibition, depot, code="self-data-1", name="Self Data – kit 1"),
        make_kit(session, exhibition, depot, code="self-data-2", name="Self Data – kit 2"),
    ]
    van = make_van(session, depot)
    venues = [
        make_venue(session, code="bm-part-dieu", name="Bibliothèque de la Part-Dieu"),
        make_venue(
            session,
            code="college-test",
            name="Collège Test",
            type=VenueType.school,
            open_weekdays=[0, 1, 2, 3, 4],
            opens_at=dt.time(8, 0),
            closes_at=dt.time(17, 30),
            lat=45.7485,
            lon=4.8467,
            commune="Lyon 7e",
            insee="69387",
            postcode="69007",
        ),
        make_venue(
            session,
            code="parc-champvert",
            name="Parc Champvert",
            type=VenueType.park,
            indoor=False,
            open_weekdays=[0, 1, 2, 3, 4, 5, 6],
            opens_at=dt.time(7, 0),
            closes_at=dt.time(20, 0),
            lat=45.7678,
            lon=4.7986,
            commune="Lyon 5e",
            insee="69385",
            postcode="69005",
        ),
    ]
    return World(exhibition, depot, kits, van, venues)
