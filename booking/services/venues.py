"""Venues for staff: the list and one venue's page (plain data), a point corrected by hand,
closure days typed by staff. Also the short public list the request form offers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from booking import audit
from booking.db import read_session
from booking.errors import NotFound, ValidationError
from booking.geocoding import (
    Commune,
    commune_by_insee,
    commune_point,
    inside_metropole,
    manual_point,
    nearest_communes,
)
from booking.i18n import add_messages, format_date
from booking.models import BookingRequest, Contact, Venue, VenueClosure, VenueType
from booking.services.bookings import write
from booking.services.requests import clean_text, paris_today

MAX_CLOSURE_DAYS = 366

add_messages(
    {
        "venues.not_found": {"fr": "Lieu introuvable.", "en": "Venue not found."},
        "venues.closure_not_found": {
            "fr": "Fermeture introuvable.",
            "en": "Closure not found.",
        },
        "venues.closure_order": {
            "fr": "La fermeture doit finir après avoir commencé ({start} → {end}).",
            "en": "The closure must end after it starts ({start} → {end}).",
        },
        "venues.closure_too_long": {
            "fr": "Une fermeture dure au plus {days} jours ; saisissez plusieurs périodes.",
            "en": "A closure lasts at most {days} days; enter several periods.",
        },
        "venues.closure_past": {
            "fr": "Cette fermeture est entièrement passée.",
            "en": "This closure is entirely in the past.",
        },
        "venues.point_needed": {
            "fr": "Donnez une latitude et une longitude, ou choisissez une commune.",
            "en": "Give a latitude and a longitude, or choose a town.",
        },
    }
)


@dataclass(frozen=True)
class VenueChoice:
    id: int
    name: str
    commune: str
    type: str


@dataclass(frozen=True)
class VenueRow:
    id: int
    code: str
    name: str
    type: str
    commune: str
    lat: float | None
    lon: float | None
    geocode_source: str
    inside: bool
    requests: int


@dataclass(frozen=True)
class ClosureRow:
    id: int
    start: dt.date
    end: dt.date
    reason: str
    source: str


@dataclass(frozen=True)
class ContactRow:
    id: int
    name: str | None
    role: str | None
    email: str | None
    phone: str | None
    language: str
    erased: bool


@dataclass(frozen=True)
class VenueDetail:
    row: VenueRow
    address: str
    postcode: str
    insee: str
    open_weekdays: list[int]
    indoor: bool
    hanging_surface: str
    hanging_length_m: float | None
    floor: str
    has_lift: bool | None
    van_parking: str
    access_notes: str
    closures: list[ClosureRow]
    contacts: list[ContactRow]
    request_ids: list[int]
    landmarks: list[tuple[Commune, float]]


def venue_choices() -> list[VenueChoice]:
    """Public places a request may be made for (names and towns are public information)."""
    with read_session() as session:
        return [
            VenueChoice(v.id, v.name, v.commune, str(v.type))  # type: ignore[arg-type]
            for v in session.exec(select(Venue).order_by(col(Venue.name)))
        ]


def _row(venue: Venue, requests: int) -> VenueRow:
    assert venue.id is not None
    inside = (
        venue.lat is None
        or venue.lon is None
        or inside_metropole(venue.lat, venue.lon, venue.insee)
    )
    return VenueRow(
        id=venue.id,
        code=venue.code,
        name=venue.name,
        type=str(venue.type),
        commune=venue.commune,
        lat=venue.lat,
        lon=venue.lon,
        geocode_source=venue.geocode_source,
        inside=inside,
        requests=requests,
    )


def list_venues(*, search: str = "", venue_type: str | None = None) -> list[VenueRow]:
    query = select(Venue).order_by(col(Venue.name))
    if venue_type:
        query = query.where(Venue.type == VenueType(venue_type))
    if search.strip():
        like = f"%{search.strip().lower()}%"
        query = query.where(
            func.lower(Venue.name).like(like) | func.lower(Venue.commune).like(like)
        )
    with read_session() as session:
        counts = dict(
            session.exec(
                select(BookingRequest.venue_id, func.count()).group_by(col(BookingRequest.venue_id))
            ).all()
        )
        return [_row(v, int(counts.get(v.id or 0, 0))) for v in session.exec(query)]


def venue_detail(venue_id: int) -> VenueDetail:
    with read_session() as session:
        venue = session.get(Venue, venue_id)
        if venue is None:
            raise NotFound("venues.not_found")
        request_ids = [
            r.id
            for r in session.exec(
                select(BookingRequest)
                .where(BookingRequest.venue_id == venue_id)
                .order_by(col(BookingRequest.id).desc())
            )
            if r.id is not None
        ]
        closures = [
            ClosureRow(c.id, c.start, c.end, c.reason, c.source)  # type: ignore[arg-type]
            for c in session.exec(
                select(VenueClosure)
                .where(VenueClosure.venue_id == venue_id)
                .order_by(col(VenueClosure.start))
            )
        ]
        contacts = [
            ContactRow(c.id, c.name, c.role, c.email, c.phone, c.language, c.erased_at is not None)  # type: ignore[arg-type]
            for c in session.exec(select(Contact).where(Contact.venue_id == venue_id))
        ]
    return VenueDetail(
        row=_row(venue, len(request_ids)),
        address=venue.address,
        postcode=venue.postcode,
        insee=venue.insee,
        open_weekdays=list(venue.open_weekdays),
        indoor=venue.indoor,
        hanging_surface=venue.hanging_surface,
        hanging_length_m=venue.hanging_length_m,
        floor=venue.floor,
        has_lift=venue.has_lift,
        van_parking=venue.van_parking,
        access_notes=venue.access_notes,
        closures=closures,
        contacts=contacts,
        request_ids=request_ids,
        landmarks=nearest_communes(venue.lat, venue.lon, 6)
        if venue.lat is not None and venue.lon is not None
        else [],
    )


def correct_point(
    venue_id: int,
    *,
    lat: float | None = None,
    lon: float | None = None,
    insee: str | None = None,
    actor: str,
) -> VenueRow:
    """Set a venue's point by hand: coordinates, or a commune's reference point."""
    if insee:
        commune = commune_by_insee(insee)
        if commune is None:
            raise ValidationError("geocoding.unknown_commune", field="commune")
        point = commune_point(commune)
    elif lat is not None and lon is not None:
        point = manual_point(lat, lon)
    else:
        raise ValidationError("venues.point_needed", field="point")

    def use_case(session: Session) -> VenueRow:
        venue = session.get(Venue, venue_id)
        if venue is None:
            raise NotFound("venues.not_found")
        before = (venue.lat, venue.lon, venue.geocode_source)
        venue.lat, venue.lon, venue.geocode_source = point.lat, point.lon, "manual"
        venue.insee = point.insee
        audit.record(
            session,
            actor=actor,
            action="venue.point_corrected",
            entity="venue",
            entity_id=venue.id,
            before=list(before),
            after=[point.lat, point.lon],
            commune=point.commune,
            inside=point.inside,
        )
        return _row(venue, 0)

    return write(use_case)


def add_closure(
    venue_id: int,
    start: dt.date,
    end: dt.date,
    reason: str = "",
    *,
    actor: str,
    today: dt.date | None = None,
) -> ClosureRow:
    """Days the venue is closed (inclusive), typed by staff; used by every later check."""
    today = today or paris_today()
    reason = clean_text(reason, "reason")[:300]
    words = {"start": format_date(start), "end": format_date(end)}
    if end < start:
        raise ValidationError("venues.closure_order", field="dates", **words)
    if (end - start).days + 1 > MAX_CLOSURE_DAYS:
        raise ValidationError("venues.closure_too_long", field="dates", days=MAX_CLOSURE_DAYS)
    if end < today:
        raise ValidationError("venues.closure_past", field="dates")

    def use_case(session: Session) -> ClosureRow:
        if session.get(Venue, venue_id) is None:
            raise NotFound("venues.not_found")
        closure = VenueClosure(venue_id=venue_id, start=start, end=end, reason=reason)
        session.add(closure)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="venue.closure_added",
            entity="venue",
            entity_id=venue_id,
            closure_id=closure.id,
            start=start,
            end=end,
            reason=reason,
        )
        assert closure.id is not None
        return ClosureRow(closure.id, start, end, reason, closure.source)

    return write(use_case)


def remove_closure(closure_id: int, *, actor: str) -> None:
    def use_case(session: Session) -> None:
        closure = session.get(VenueClosure, closure_id)
        if closure is None:
            raise NotFound("venues.closure_not_found")
        audit.record(
            session,
            actor=actor,
            action="venue.closure_removed",
            entity="venue",
            entity_id=closure.venue_id,
            closure_id=closure.id,
            start=closure.start,
            end=closure.end,
        )
        session.delete(closure)

    write(use_case)
