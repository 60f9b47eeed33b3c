"""Data the journeys start from, made through the same services the pages call, on the demo
database the app serves (demo venues are found by their code)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from booking.db import read_session
from booking.models import Exhibition, Stop, Venue
from booking.services.bookings import approve_request
from booking.services.requests import (
    ContactInput,
    RequestDetails,
    RequestInput,
    VenueInput,
    candidate_placements,
    earliest_start,
    paris_today,
    submit_request,
)


def demo_venue(code: str) -> Venue:
    with read_session() as session:
        venue = session.exec(select(Venue).where(Venue.code == code)).one()
    return venue


def venue_request(
    venue_code: str, email: str, *, offset_days: int = 7, span_days: int = 150
) -> tuple[int, Venue]:
    """A venue's request, as the request form sends it: one long window from `offset_days`
    after the earliest possible start."""
    venue = demo_venue(venue_code)
    with read_session() as session:
        exhibition = session.exec(select(Exhibition).where(Exhibition.active)).first()
        assert exhibition is not None and exhibition.id is not None
    first = earliest_start(paris_today()) + dt.timedelta(days=offset_days)
    sent = submit_request(
        RequestInput(
            exhibition_id=exhibition.id,
            venue=VenueInput(id=venue.id),
            details=RequestDetails(
                contact=ContactInput(name="Camille Exemple", role="Responsable", email=email),
                windows=[(first, first + dt.timedelta(days=span_days))],
                stay_min_days=14,
                stay_max_days=21,
            ),
        )
    )
    return sent.request_id, venue


def approved_stop(venue_code: str, email: str, **window: int) -> Stop:
    """A request approved on its best candidate placement, as staff would."""
    request_id, _venue = venue_request(venue_code, email, **window)
    best = candidate_placements(request_id)[0]
    return approve_request(request_id, best.placement, actor="user:staff@tournee.example")
