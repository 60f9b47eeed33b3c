"""Venue requests, from "we would like the exhibition" to a confirmed stop.

The venue side (no account, a private link): the public catalogue and its availability
calendar, the request form's submission with full validation, following, editing,
withdrawing a request and answering a counter-proposal. The staff side: the queue and a
request's detail (plain data), candidate placements best first, counter-proposals,
decline / waitlist / cancel (each tells the venue), a fresh private link. Background jobs
release expired holds and send reminders; both are idempotent.

Holds and approvals themselves live in `booking.services.bookings` (one path for the queue
and the season planner). "Today" is injectable everywhere it matters (`today=`), computed
in Europe/Paris otherwise.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
import secrets
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from booking import audit
from booking.config import get_settings
from booking.daycalendar import days as day_range
from booking.daycalendar import is_public_holiday, is_school_holiday, public_holiday_name
from booking.db import read_session
from booking.errors import Conflict, NotFound, ValidationError
from booking.geocoding import Point, inside_metropole, locate, manual_point
from booking.i18n import PARIS, add_messages, format_date, normalise_language, t
from booking.jobs import job
from booking.models import (
    BookingRequest,
    Contact,
    Exhibition,
    Kit,
    KitCondition,
    KitOccupancy,
    OccupancyKind,
    OutboxMessage,
    RequestStatus,
    RequestWindow,
    Setting,
    Stop,
    StopStatus,
    Venue,
    VenueType,
)
from booking.notifications import notify_request, request_link
from booking.security import hash_token, looks_like_token, new_token
from booking.services.accounts import normalise_email
from booking.services.bookings import (
    LIVE,
    Placement,
    approve_in_session,
    close_request_in_session,
    day_rules,
    hold_in_session,
    load_request,
    release_hold_in_session,
    venue_closures,
    write,
)
from booking.services.links import request_for_token
from booking.services.occupancy import occupancy_range
from booking.types import paris_today, utcnow

if TYPE_CHECKING:
    from booking.services.venues import VenueDetail

S = RequestStatus
MAX_WINDOWS = 6
MAX_CALENDAR_WEEKS = 78

# Longest text of each input, as the columns allow (the widgets' max_chars is browser-only).
LIMITS: dict[str, int] = {
    "venue_name": 200,
    "address": 300,
    "commune": 120,
    "contact_name": 120,
    "contact_role": 120,
    "contact_phone": 30,
    "hanging_surface": 300,
    "floor": 60,
    "van_parking": 300,
    "access_notes": 2000,
    "expected_audience": 1000,
    "mediation": 2000,
    "message": 4000,
    "reason": 2000,
    "note": 1000,
}

# Default opening days of a new venue by type (0 = Monday), until staff correct them.
DEFAULT_OPEN_DAYS: dict[VenueType, list[int]] = {
    VenueType.library: [1, 2, 3, 4, 5],
    VenueType.school: [0, 1, 2, 3, 4],
    VenueType.park: [0, 1, 2, 3, 4, 5, 6],
    VenueType.town_hall: [0, 1, 2, 3, 4],
    VenueType.other: [0, 1, 2, 3, 4],
}

add_messages(
    {
        "requests.field.venue_name": {"fr": "Nom du lieu", "en": "Venue name"},
        "requests.field.address": {"fr": "Adresse", "en": "Address"},
        "requests.field.commune": {"fr": "Commune", "en": "Town"},
        "requests.field.contact_name": {"fr": "Nom du contact", "en": "Contact name"},
        "requests.field.contact_role": {"fr": "Fonction", "en": "Role"},
        "requests.field.contact_phone": {"fr": "Téléphone", "en": "Phone"},
        "requests.field.hanging_surface": {"fr": "Surface d'accrochage", "en": "Hanging surface"},
        "requests.field.floor": {"fr": "Étage", "en": "Floor"},
        "requests.field.van_parking": {"fr": "Stationnement du camion", "en": "Van parking"},
        "requests.field.access_notes": {"fr": "Accès", "en": "Access"},
        "requests.field.expected_audience": {"fr": "Public attendu", "en": "Expected audience"},
        "requests.field.mediation": {"fr": "Médiation prévue", "en": "Planned mediation"},
        "requests.field.message": {"fr": "Message", "en": "Message"},
        "requests.field.reason": {"fr": "Motif", "en": "Reason"},
        "requests.field.note": {"fr": "Note", "en": "Note"},
        "requests.too_long": {
            "fr": "« {label} » est trop long : {length} caractères pour {max} au plus.",
            "en": '"{label}" is too long: {length} characters for at most {max}.',
        },
        "requests.required": {"fr": "« {label} » est obligatoire.", "en": '"{label}" is required.'},
        "requests.bad_phone": {
            "fr": "Le numéro de téléphone ne peut contenir que des chiffres, des espaces et + . - ( ).",
            "en": "The phone number may only contain digits, spaces and + . - ( ).",
        },
        "requests.bad_postcode": {
            "fr": "Le code postal doit comporter 5 chiffres.",
            "en": "The postcode must be 5 digits.",
        },
        "requests.exhibition_unknown": {
            "fr": "Cette exposition n'existe pas ou n'est plus proposée.",
            "en": "This exhibition does not exist or is no longer offered.",
        },
        "requests.venue_unknown": {"fr": "Lieu introuvable.", "en": "Venue not found."},
        "requests.windows_count": {
            "fr": "Indiquez entre 1 et {max} périodes possibles.",
            "en": "Give between 1 and {max} possible periods.",
        },
        "requests.window_order": {
            "fr": "La période du {start} au {end} finit avant de commencer.",
            "en": "The period from {start} to {end} ends before it starts.",
        },
        "requests.window_past": {
            "fr": "La période du {start} au {end} est déjà passée ou commence dans le passé.",
            "en": "The period from {start} to {end} is past or starts in the past.",
        },
        "requests.window_notice": {
            "fr": "Il faut au moins {days} jours de préavis : une période peut commencer le {earliest} au plus tôt.",
            "en": "At least {days} days' notice are needed: a period may start on {earliest} at the earliest.",
        },
        "requests.window_season": {
            "fr": "La période du {start} au {end} dépasse la saison ouverte aux demandes (jusqu'au {last}).",
            "en": "The period from {start} to {end} goes beyond the season open to requests (until {last}).",
        },
        "requests.window_too_short": {
            "fr": "La période du {start} au {end} est plus courte que la durée minimale de {days} jours.",
            "en": "The period from {start} to {end} is shorter than the minimum stay of {days} days.",
        },
        "requests.stay_range": {
            "fr": "La durée doit être comprise entre {min} et {max} jours (minimum ≤ maximum).",
            "en": "The stay must be between {min} and {max} days (minimum ≤ maximum).",
        },
        "requests.preferred_outside": {
            "fr": "La date de début souhaitée doit tomber dans une des périodes.",
            "en": "The preferred start date must fall within one of the periods.",
        },
        "requests.bad_length": {
            "fr": "La longueur d'accrochage doit être comprise entre 0,5 et 500 m.",
            "en": "The hanging length must be between 0.5 and 500 m.",
        },
        "requests.needs_indoor": {
            "fr": "Cette exposition ne peut être présentée qu'en intérieur ou à l'abri.",
            "en": "This exhibition can only be shown indoors or under shelter.",
        },
        "requests.needs_outdoor": {
            "fr": "Cette exposition est conçue pour l'extérieur.",
            "en": "This exhibition is designed for outdoors.",
        },
        "requests.bad_weekdays": {
            "fr": "Indiquez au moins un jour d'ouverture.",
            "en": "Give at least one opening day.",
        },
        "requests.locked": {
            "fr": "Cette demande est « {status} » : elle ne peut plus être modifiée. Écrivez à l'équipe de la Métropole.",
            "en": 'This request is "{status}": it can no longer be changed. Write to the Métropole team.',
        },
        "requests.no_proposal": {
            "fr": "Aucune proposition de dates n'attend votre réponse.",
            "en": "No proposed dates await your answer.",
        },
        "requests.warning.outside": {
            "fr": "Le lieu semble hors de la Métropole de Lyon.",
            "en": "The venue seems to be outside the Métropole de Lyon.",
        },
        "requests.warning.approximate": {
            "fr": "Point du lieu approximatif (mairie de la commune).",
            "en": "Approximate venue point (town hall).",
        },
        "requests.warning.short_hanging": {
            "fr": "Surface d'accrochage annoncée ({length} m) plus courte que les {needed} m de l'exposition.",
            "en": "Announced hanging length ({length} m) shorter than the exhibition's {needed} m.",
        },
        "requests.warning.setting": {
            "fr": "Lieu en extérieur : vérifier qu'il est abrité.",
            "en": "Outdoor venue: check it is sheltered.",
        },
        "requests.hanging_note": {
            "fr": "Étage : {floor} ; ascenseur : {lift} ; stationnement du camion : {parking}",
            "en": "Floor: {floor}; lift: {lift}; van parking: {parking}",
        },
        "requests.venue_type.library": {"fr": "Bibliothèque, médiathèque", "en": "Library"},
        "requests.venue_type.school": {"fr": "Collège, établissement scolaire", "en": "School"},
        "requests.venue_type.park": {"fr": "Parc, jardin", "en": "Park"},
        "requests.venue_type.town_hall": {"fr": "Mairie", "en": "Town hall"},
        "requests.venue_type.other": {"fr": "Autre lieu public", "en": "Other public place"},
        "requests.yes": {"fr": "oui", "en": "yes"},
        "requests.no": {"fr": "non", "en": "no"},
        "requests.unknown": {"fr": "non précisé", "en": "not given"},
    }
)


# ---------------------------------------------------------------------------- time


def end_of_day(day: dt.date) -> dt.datetime:
    """The last minute of `day` in Europe/Paris, as an aware UTC datetime (a hold's expiry)."""
    local = dt.datetime.combine(day, dt.time(23, 59), tzinfo=PARIS)
    return local.astimezone(dt.UTC)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def season_end(today: dt.date) -> dt.date:
    """The last day a request may ask for (`season_months_ahead` from today)."""
    return add_months(today, get_settings().season_months_ahead)


def earliest_start(today: dt.date) -> dt.date:
    """The first day a request may start: today plus the minimum notice."""
    return today + dt.timedelta(days=get_settings().min_notice_days)


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class VenueInput:
    """An existing venue (`id`) or a new one described by the venue itself."""

    id: int | None = None
    name: str = ""
    type: str = VenueType.library.value
    address: str = ""
    postcode: str = ""
    commune: str = ""
    lat: float | None = None  # a point corrected on the map by the venue
    lon: float | None = None
    open_weekdays: list[int] | None = None


@dataclass(frozen=True)
class ContactInput:
    name: str = ""
    role: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class RequestDetails:
    """What a venue may change until its request is approved."""

    contact: ContactInput
    windows: list[tuple[dt.date, dt.date]]
    stay_min_days: int
    stay_max_days: int
    preferred_start: dt.date | None = None
    indoor: bool = True
    hanging_surface: str = ""
    hanging_length_m: float | None = None
    access_notes: str = ""
    expected_audience: str = ""
    mediation: str = ""
    message: str = ""


@dataclass(frozen=True)
class RequestInput:
    exhibition_id: int
    venue: VenueInput
    details: RequestDetails
    floor: str = ""
    has_lift: bool | None = None
    van_parking: str = ""
    language: str = "fr"


@dataclass(frozen=True)
class Submission:
    """A sent request: its id and private-link token (shown once), and what staff will check."""

    request_id: int
    token: str
    created: bool
    warnings: tuple[str, ...] = ()

    @property
    def link(self) -> str:
        return request_link(self.token)


# ---------------------------------------------------------------------------- validation

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"^[0-9+().\- ]{6,30}$")
_POSTCODE = re.compile(r"^\d{5}$")


def clean_text(value: str | None, name: str, *, required: bool = False) -> str:
    """Trimmed text without control characters (PostgreSQL refuses NUL), within its limit.

    HTML or Markdown is kept as typed: it is shown inert everywhere, never interpreted."""
    text = _CONTROL.sub("", value or "").strip()
    label = t(f"requests.field.{name}")
    if required and not text:
        raise ValidationError("requests.required", field=name, label=label)
    if len(text) > LIMITS[name]:
        raise ValidationError(
            "requests.too_long", field=name, label=label, length=len(text), max=LIMITS[name]
        )
    return text


def _clean_contact(contact: ContactInput) -> ContactInput:
    phone = clean_text(contact.phone, "contact_phone")
    if phone and not _PHONE.match(phone):
        raise ValidationError("requests.bad_phone", field="contact_phone")
    return ContactInput(
        name=clean_text(contact.name, "contact_name", required=True),
        role=clean_text(contact.role, "contact_role"),
        email=normalise_email(contact.email, field="contact_email"),
        phone=phone,
    )


def _check_stay(exhibition: Exhibition, stay_min: int, stay_max: int) -> None:
    lo, hi = exhibition.min_stay_days, exhibition.max_stay_days
    if not (
        isinstance(stay_min, int) and isinstance(stay_max, int) and lo <= stay_min <= stay_max <= hi
    ):
        raise ValidationError("requests.stay_range", field="stay", min=lo, max=hi)


def _check_windows(
    windows: list[tuple[dt.date, dt.date]],
    *,
    stay_min: int,
    today: dt.date,
    known: frozenset[tuple[dt.date, dt.date]] = frozenset(),
    lang: str = "fr",
) -> list[tuple[dt.date, dt.date]]:
    """The windows, sorted; `known` windows (already accepted) skip the notice rule."""
    if not 1 <= len(windows) <= MAX_WINDOWS:
        raise ValidationError("requests.windows_count", field="windows", max=MAX_WINDOWS)
    last = season_end(today)
    earliest = earliest_start(today)
    for start, end in windows:
        words = {"start": format_date(start, lang), "end": format_date(end, lang)}
        if end < start:
            raise ValidationError("requests.window_order", field="windows", **words)
        if (start, end) in known:
            continue
        if start < today:
            raise ValidationError("requests.window_past", field="windows", **words)
        if start < earliest:
            raise ValidationError(
                "requests.window_notice",
                field="windows",
                days=get_settings().min_notice_days,
                earliest=format_date(earliest, lang),
            )
        if end > last:
            raise ValidationError(
                "requests.window_season", field="windows", last=format_date(last, lang), **words
            )
        if (end - start).days + 1 < stay_min:
            raise ValidationError(
                "requests.window_too_short", field="windows", days=stay_min, **words
            )
    return sorted(windows)


def _clean_details(
    details: RequestDetails,
    exhibition: Exhibition,
    *,
    today: dt.date,
    known_windows: frozenset[tuple[dt.date, dt.date]] = frozenset(),
    lang: str = "fr",
) -> RequestDetails:
    contact = _clean_contact(details.contact)
    _check_stay(exhibition, details.stay_min_days, details.stay_max_days)
    windows = _check_windows(
        list(details.windows),
        stay_min=details.stay_min_days,
        today=today,
        known=known_windows,
        lang=lang,
    )
    if details.preferred_start is not None and not any(
        s <= details.preferred_start <= e for s, e in windows
    ):
        raise ValidationError("requests.preferred_outside", field="preferred_start")
    length = details.hanging_length_m
    if length is not None and not 0.5 <= float(length) <= 500:
        raise ValidationError("requests.bad_length", field="hanging_length_m")
    if exhibition.setting == Setting.indoor and not details.indoor:
        raise ValidationError("requests.needs_indoor", field="indoor")
    if exhibition.setting == Setting.outdoor and details.indoor:
        raise ValidationError("requests.needs_outdoor", field="indoor")
    return replace(
        details,
        contact=contact,
        windows=windows,
        hanging_surface=clean_text(details.hanging_surface, "hanging_surface"),
        hanging_length_m=float(length) if length is not None else None,
        access_notes=clean_text(details.access_notes, "access_notes"),
        expected_audience=clean_text(details.expected_audience, "expected_audience"),
        mediation=clean_text(details.mediation, "mediation"),
        message=clean_text(details.message, "message"),
    )


def _clean_new_venue(venue: VenueInput) -> VenueInput:
    try:
        kind = VenueType(venue.type)
    except ValueError:
        raise ValidationError("requests.required", field="venue_type", label="Type") from None
    postcode = (venue.postcode or "").strip()
    if not _POSTCODE.match(postcode):
        raise ValidationError("requests.bad_postcode", field="postcode")
    weekdays = sorted(set(venue.open_weekdays or DEFAULT_OPEN_DAYS[kind]))
    if not weekdays or any(d not in range(7) for d in weekdays):
        raise ValidationError("requests.bad_weekdays", field="open_weekdays")
    return replace(
        venue,
        name=clean_text(venue.name, "venue_name", required=True),
        type=kind.value,
        address=clean_text(venue.address, "address", required=True),
        postcode=postcode,
        commune=clean_text(venue.commune, "commune", required=True),
        open_weekdays=weekdays,
    )


def _load_exhibition(session: Session, exhibition_id: int) -> Exhibition:
    exhibition = session.get(Exhibition, exhibition_id)
    if exhibition is None or not exhibition.active:
        raise ValidationError("requests.exhibition_unknown", field="exhibition")
    return exhibition


def locate_venue(address: str, postcode: str, commune: str) -> Point:
    """The point of a new venue's address, for the form's map (BAN or the gazetteer)."""
    if not _POSTCODE.match((postcode or "").strip()):
        raise ValidationError("requests.bad_postcode", field="postcode")
    return locate(
        clean_text(address, "address", required=True),
        postcode.strip(),
        clean_text(commune, "commune", required=True),
    )


def _venue_point(venue: VenueInput) -> Point:
    if venue.lat is not None or venue.lon is not None:
        return manual_point(venue.lat, venue.lon, venue.address)
    return locate(venue.address, venue.postcode, venue.commune)


def _warnings(
    exhibition: Exhibition, venue: Venue, details: RequestDetails, point: Point | None
) -> tuple[str, ...]:
    found = []
    if venue.lat is not None and venue.lon is not None:
        if not inside_metropole(
            venue.lat, venue.lon, venue.insee if point is None else point.insee
        ):
            found.append("outside")
        if venue.geocode_source == "gazetteer":
            found.append("approximate")
    if details.hanging_length_m is not None and details.hanging_length_m < exhibition.length_m:
        found.append("short_hanging")
    if not details.indoor:
        found.append("setting")
    return tuple(found)


def warning_text(key: str, lang: str, *, length: float | None = None, needed: float = 0) -> str:
    return t(f"requests.warning.{key}", lang, length=f"{length or 0:g}", needed=f"{needed:g}")


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:50] or "lieu"


# ---------------------------------------------------------------------------- submit


def submit_request(
    data: RequestInput, *, token: str | None = None, today: dt.date | None = None
) -> Submission:
    """Record a venue's request, tell the venue (email with its private link) and return it.

    `token` is the private link's token the form made when it was shown: it is also the
    submission's idempotency key. The same token sent twice (a double click, a reloaded
    page, two tabs) returns the first request, never a second one; only its hash is stored
    (in the unique `token_hash` column, which settles a race between two processes).
    """
    today = today or paris_today()
    lang = normalise_language(data.language)
    token = token or new_token()
    if not looks_like_token(token):
        raise ValueError("the submission token must come from booking.security.new_token()")
    existing = _submitted_with(token)
    if existing is not None:
        return existing
    with read_session() as session:
        exhibition = _load_exhibition(session, data.exhibition_id)
        if data.venue.id is not None and session.get(Venue, data.venue.id) is None:
            raise ValidationError("requests.venue_unknown", field="venue")
    details = _clean_details(data.details, exhibition, today=today, lang=lang)
    floor = clean_text(data.floor, "floor")
    parking = clean_text(data.van_parking, "van_parking")
    point = None
    venue_input = data.venue
    if venue_input.id is None:
        venue_input = _clean_new_venue(venue_input)
        point = _venue_point(venue_input)  # outside any transaction: it may call the BAN
    try:
        return write(
            lambda session: _insert(
                session, data, details, venue_input, point, token, lang, floor, parking
            )
        )
    except IntegrityError:
        existing = _submitted_with(token)
        if existing is None:
            raise
        return existing


def _submitted_with(token: str) -> Submission | None:
    with read_session() as session:
        request = session.exec(
            select(BookingRequest).where(BookingRequest.token_hash == hash_token(token))
        ).first()
    if request is None or request.id is None:
        return None
    return Submission(request.id, token, created=False)


def _insert(
    session: Session,
    data: RequestInput,
    details: RequestDetails,
    venue_input: VenueInput,
    point: Point | None,
    token: str,
    lang: str,
    floor: str,
    parking: str,
) -> Submission:
    exhibition = _load_exhibition(session, data.exhibition_id)
    if venue_input.id is not None:
        venue = session.get(Venue, venue_input.id)
        if venue is None:
            raise ValidationError("requests.venue_unknown", field="venue")
        access_notes = details.access_notes
        if floor or parking or data.has_lift is not None:
            lift = {True: "yes", False: "no", None: "unknown"}[data.has_lift]
            line = t(
                "requests.hanging_note",
                lang,
                floor=floor or t("requests.unknown", lang),
                lift=t(f"requests.{lift}", lang),
                parking=parking or t("requests.unknown", lang),
            )
            access_notes = f"{line}\n{access_notes}".strip()[: LIMITS["access_notes"]]
        details = replace(details, access_notes=access_notes)
    else:
        assert point is not None
        venue = Venue(
            code=f"{_slug(venue_input.name)}-{venue_input.postcode}-{secrets.token_hex(3)}",
            name=venue_input.name,
            type=VenueType(venue_input.type),
            address=venue_input.address,
            postcode=venue_input.postcode,
            commune=venue_input.commune,
            insee=point.insee,
            lat=point.lat,
            lon=point.lon,
            geocode_source=point.source,
            open_weekdays=list(venue_input.open_weekdays or []),
            indoor=details.indoor,
            hanging_surface=details.hanging_surface,
            hanging_length_m=details.hanging_length_m,
            floor=floor,
            has_lift=data.has_lift,
            van_parking=parking,
            access_notes=details.access_notes,
        )
        session.add(venue)
        session.flush()
    assert venue.id is not None
    contact = Contact(
        venue_id=venue.id,
        name=details.contact.name,
        role=details.contact.role or None,
        email=details.contact.email,
        phone=details.contact.phone or None,
        language=lang,
    )
    session.add(contact)
    session.flush()
    request = BookingRequest(
        exhibition_id=exhibition.id,  # type: ignore[arg-type]
        venue_id=venue.id,
        contact_id=contact.id,
        token_hash=hash_token(token),
        language=lang,
        stay_min_days=details.stay_min_days,
        stay_max_days=details.stay_max_days,
        preferred_start=details.preferred_start,
        indoor=details.indoor,
        hanging_surface=details.hanging_surface,
        hanging_length_m=details.hanging_length_m,
        access_notes=details.access_notes,
        expected_audience=details.expected_audience,
        mediation=details.mediation,
        message=details.message,
    )
    session.add(request)
    session.flush()
    assert request.id is not None
    for start, end in details.windows:
        session.add(RequestWindow(request_id=request.id, start=start, end=end))
    warnings = _warnings(exhibition, venue, details, point)
    audit.record(
        session,
        actor=f"venue:request-{request.id}",
        action="request.submitted",
        entity="request",
        entity_id=request.id,
        exhibition_id=exhibition.id,
        venue_id=venue.id,
        new_venue=venue_input.id is None,
        geocode_source=venue.geocode_source,
        windows=[[s, e] for s, e in details.windows],
        stay=[details.stay_min_days, details.stay_max_days],
        warnings=list(warnings),
    )
    notify_request(session, request, "received", token=token)
    return Submission(request.id, token, created=True, warnings=warnings)


# ---------------------------------------------------------------------------- the venue's link


@dataclass(frozen=True)
class PlacementView:
    kit_id: int
    kit_name: str
    install: dt.date
    last_open: dt.date
    dismantle: dt.date
    expires_at: dt.datetime | None = None

    @property
    def placement(self) -> Placement:
        return Placement(self.kit_id, self.install, self.last_open, self.dismantle)


@dataclass(frozen=True)
class StopView:
    id: int
    kit_id: int
    kit_name: str
    install: dt.date
    last_open: dt.date
    dismantle: dt.date
    status: str
    cancel_reason: str


@dataclass(frozen=True)
class VenueView:
    """What a venue sees through its private link (plain data)."""

    request_id: int
    version: int
    status: str
    language: str
    exhibition_id: int
    exhibition_title: str
    venue_id: int
    venue_name: str
    venue_address: str
    details: RequestDetails
    hold: PlacementView | None
    proposal: PlacementView | None
    stop: StopView | None
    decision_reason: str
    submitted_at: dt.datetime

    @property
    def can_edit(self) -> bool:
        return self.status in LIVE

    @property
    def can_withdraw(self) -> bool:
        return self.status in LIVE

    @property
    def documents_ready(self) -> bool:
        return self.stop is not None and self.stop.status == StopStatus.confirmed


def _link_request(session: Session, token: str | None) -> BookingRequest:
    """The request of a private link; an erased contact's link has expired, and any bad
    link gets the same plain "link not valid"."""
    request = request_for_token(session, token)
    contact = session.get(Contact, request.contact_id) if request.contact_id else None
    if contact is None or contact.erased_at is not None:
        raise NotFound("links.invalid")
    return request


def _kit_name(session: Session, kit_id: int | None) -> str:
    kit = session.get(Kit, kit_id) if kit_id else None
    return kit.name if kit else "—"


def _windows(session: Session, request_id: int) -> list[tuple[dt.date, dt.date]]:
    rows = session.exec(
        select(RequestWindow)
        .where(RequestWindow.request_id == request_id)
        .order_by(col(RequestWindow.start))
    )
    return [(w.start, w.end) for w in rows]


def _details(session: Session, request: BookingRequest) -> RequestDetails:
    contact = session.get(Contact, request.contact_id) if request.contact_id else None
    assert request.id is not None
    return RequestDetails(
        contact=ContactInput(
            name=(contact.name or "") if contact else "",
            role=(contact.role or "") if contact else "",
            email=(contact.email or "") if contact else "",
            phone=(contact.phone or "") if contact else "",
        ),
        windows=_windows(session, request.id),
        stay_min_days=request.stay_min_days,
        stay_max_days=request.stay_max_days,
        preferred_start=request.preferred_start,
        indoor=request.indoor,
        hanging_surface=request.hanging_surface,
        hanging_length_m=request.hanging_length_m,
        access_notes=request.access_notes,
        expected_audience=request.expected_audience,
        mediation=request.mediation,
        message=request.message,
    )


def _hold_view(session: Session, request: BookingRequest) -> PlacementView | None:
    if request.status != S.held or request.kit_id is None or request.start is None:
        return None
    return PlacementView(
        request.kit_id,
        _kit_name(session, request.kit_id),
        request.start,
        request.end or request.start,
        request.dismantle or request.end or request.start,
        request.hold_expires_at,
    )


def _proposal_view(session: Session, request: BookingRequest) -> PlacementView | None:
    if request.status != S.held or request.proposal_kit_id is None:
        return None
    assert request.proposal_start and request.proposal_end and request.proposal_dismantle
    return PlacementView(
        request.proposal_kit_id,
        _kit_name(session, request.proposal_kit_id),
        request.proposal_start,
        request.proposal_end,
        request.proposal_dismantle,
        request.hold_expires_at,
    )


def _stop_view(session: Session, request_id: int) -> StopView | None:
    stop = session.exec(select(Stop).where(Stop.request_id == request_id)).first()
    if stop is None:
        return None
    assert stop.id is not None
    return StopView(
        stop.id,
        stop.kit_id,
        _kit_name(session, stop.kit_id),
        stop.install_date,
        stop.last_open_date,
        stop.dismantle_date,
        str(stop.status),
        stop.cancel_reason,
    )


def _venue_view(session: Session, request: BookingRequest) -> VenueView:
    assert request.id is not None
    exhibition = session.get(Exhibition, request.exhibition_id)
    venue = session.get(Venue, request.venue_id)
    assert exhibition is not None and venue is not None and venue.id is not None
    return VenueView(
        request_id=request.id,
        version=request.version,
        status=str(request.status),
        language=request.language,
        exhibition_id=request.exhibition_id,
        exhibition_title=exhibition.title,
        venue_id=venue.id,
        venue_name=venue.name,
        venue_address=", ".join(p for p in (venue.address, venue.postcode, venue.commune) if p),
        details=_details(session, request),
        hold=_hold_view(session, request),
        proposal=_proposal_view(session, request),
        stop=_stop_view(session, request.id),
        decision_reason=request.decision_reason,
        submitted_at=request.submitted_at,
    )


def open_request(token: str | None) -> VenueView:
    """The request a private link opens, or NotFound("links.invalid") with no detail."""
    with read_session() as session:
        return _venue_view(session, _link_request(session, token))


def _venue_actor(request: BookingRequest) -> str:
    return f"venue:request-{request.id}"


def _fits(details: RequestDetails, hold: Placement) -> bool:
    return details.stay_min_days <= hold.stay_days <= details.stay_max_days and any(
        s <= hold.install and hold.dismantle <= e for s, e in details.windows
    )


def edit_request(
    token: str,
    details: RequestDetails,
    *,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> VenueView:
    """The venue changes its request while it is not approved. Windows it already had keep
    their place even inside the notice period; a hold that no longer fits is released."""
    today = today or paris_today()

    def use_case(session: Session) -> VenueView:
        request = _link_request(session, token)
        if request.status not in LIVE:
            raise ValidationError(
                "requests.locked",
                status=t(f"booking.status.{request.status}", request.language),
            )
        if expected_version is not None and request.version != expected_version:
            raise Conflict("error.conflict")
        exhibition = _load_exhibition(session, request.exhibition_id)
        assert request.id is not None
        before = _details(session, request)
        clean = _clean_details(
            details,
            exhibition,
            today=today,
            known_windows=frozenset(before.windows),
            lang=request.language,
        )
        changed = sorted(
            name
            for name in (
                "windows",
                "stay_min_days",
                "stay_max_days",
                "preferred_start",
                "indoor",
                "hanging_surface",
                "hanging_length_m",
                "access_notes",
                "expected_audience",
                "mediation",
                "message",
            )
            if getattr(before, name) != getattr(clean, name)
        ) + sorted(
            f"contact.{name}"
            for name in ("name", "role", "email", "phone")
            if getattr(before.contact, name) != getattr(clean.contact, name)
        )
        if not changed:
            return _venue_view(session, request)
        contact = session.get(Contact, request.contact_id)
        assert contact is not None
        contact.name, contact.role = clean.contact.name, clean.contact.role or None
        contact.email, contact.phone = clean.contact.email, clean.contact.phone or None
        for name in (
            "stay_min_days",
            "stay_max_days",
            "preferred_start",
            "indoor",
            "hanging_surface",
            "hanging_length_m",
            "access_notes",
            "expected_audience",
            "mediation",
            "message",
        ):
            setattr(request, name, getattr(clean, name))
        if "windows" in changed:
            for row in session.exec(
                select(RequestWindow).where(RequestWindow.request_id == request.id)
            ):
                session.delete(row)
            for start, end in clean.windows:
                session.add(RequestWindow(request_id=request.id, start=start, end=end))
        request.version += 1
        request.updated_at = utcnow()
        audit.record(
            session,
            actor=_venue_actor(request),
            action="request.edited",
            entity="request",
            entity_id=request.id,
            changed=changed,
            windows=[[s, e] for s, e in clean.windows],
            stay=[clean.stay_min_days, clean.stay_max_days],
        )
        hold = _hold_view(session, request)
        if (
            hold is not None
            and request.proposal_kit_id is None
            and not _fits(clean, hold.placement)
        ):
            release_hold_in_session(
                session,
                request,
                actor=_venue_actor(request),
                action="request.hold_released_by_edit",
            )
        session.flush()
        return _venue_view(session, request)

    return write(use_case)


def withdraw_request(
    token: str, *, reason: str = "", expected_version: int | None = None
) -> VenueView:
    """The venue withdraws its request (not once approved: then staff cancel the stop)."""
    reason = clean_text(reason, "reason")

    def use_case(session: Session) -> VenueView:
        request = _link_request(session, token)
        close_request_in_session(
            session,
            request,
            S.withdrawn,
            actor=_venue_actor(request),
            reason=reason,
            expected_version=expected_version,
        )
        return _venue_view(session, request)

    return write(use_case)


def answer_proposal(token: str, *, accept: bool, expected_version: int | None = None) -> VenueView:
    """The venue accepts the proposed dates (the stop is confirmed, checked again now) or
    refuses them (the days are freed and the request goes back to the queue)."""

    def use_case(session: Session) -> VenueView:
        request = _link_request(session, token)
        proposal = _proposal_view(session, request)
        if proposal is None:
            raise ValidationError("requests.no_proposal")
        actor = _venue_actor(request)
        if accept:
            approve_in_session(
                session,
                request,
                proposal.placement,
                actor=actor,
                expected_version=expected_version,
                lang=request.language,
            )
        else:
            release_hold_in_session(
                session,
                request,
                actor=actor,
                action="request.proposal_refused",
                expected_version=expected_version,
            )
        session.flush()
        return _venue_view(session, request)

    return write(use_case)


# ---------------------------------------------------------------------------- staff actions


def counter_propose(
    request_id: int,
    placement: Placement,
    *,
    actor: str,
    expires_at: dt.datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> BookingRequest:
    """Propose other dates: they are held for the venue until `expires_at`, and the venue
    accepts or refuses them from its link."""
    note = clean_text(note, "note")

    def use_case(session: Session) -> BookingRequest:
        request = load_request(session, request_id)
        hold_in_session(
            session,
            request,
            placement,
            actor=actor,
            expires_at=expires_at,
            expected_version=expected_version,
            lang="fr",
            notify=False,
        )
        request.proposal_kit_id = placement.kit_id
        request.proposal_start, request.proposal_end = placement.install, placement.last_open
        request.proposal_dismantle = placement.dismantle
        audit.record(
            session,
            actor=actor,
            action="request.counter_proposed",
            entity="request",
            entity_id=request.id,
            kit_id=placement.kit_id,
            install=placement.install,
            last_open=placement.last_open,
            dismantle=placement.dismantle,
            note=note,
        )
        notify_request(session, request, "counter_proposal", note=note, dedup=f"v{request.version}")
        return request

    return write(use_case)


def _close(
    request_id: int,
    to: RequestStatus,
    *,
    actor: str,
    reason: str,
    expected_version: int | None,
) -> BookingRequest:
    reason = clean_text(reason, "reason")

    def use_case(session: Session) -> BookingRequest:
        request = load_request(session, request_id)
        close_request_in_session(
            session, request, to, actor=actor, reason=reason, expected_version=expected_version
        )
        return request

    return write(use_case)


def decline_request(
    request_id: int, reason: str, *, actor: str, expected_version: int | None = None
) -> BookingRequest:
    """Decline with a reason the venue receives by email."""
    return _close(
        request_id, S.declined, actor=actor, reason=reason, expected_version=expected_version
    )


def waitlist_request(
    request_id: int, reason: str = "", *, actor: str, expected_version: int | None = None
) -> BookingRequest:
    """Put on the waiting list (the kit's days are freed); the venue is told."""
    return _close(
        request_id, S.waitlisted, actor=actor, reason=reason, expected_version=expected_version
    )


def cancel_request(
    request_id: int, reason: str, *, actor: str, expected_version: int | None = None
) -> BookingRequest:
    """Cancel a request or its confirmed stop, with a reason; the venue is told."""
    return _close(
        request_id, S.cancelled, actor=actor, reason=reason, expected_version=expected_version
    )


def resend_link(request_id: int, *, actor: str) -> str:
    """Make a fresh private link (the old one stops working) and email it to the venue.
    Returns the new link, shown once to the staff member."""
    token = new_token()

    def use_case(session: Session) -> str:
        request = load_request(session, request_id)
        request.token_hash = hash_token(token)
        request.updated_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="request.link_rotated",
            entity="request",
            entity_id=request.id,
        )
        notify_request(session, request, "link", token=token, dedup=hash_token(token)[:16])
        return request_link(token)

    return write(use_case)


# ---------------------------------------------------------------------------- staff read models


STATUS_ORDER = [S.submitted, S.held, S.waitlisted, S.approved, S.declined, S.cancelled, S.withdrawn]


@dataclass(frozen=True)
class RequestRow:
    id: int
    status: str
    version: int
    exhibition: str
    venue: str
    venue_type: str
    commune: str
    submitted_at: dt.datetime
    windows: list[tuple[dt.date, dt.date]]
    stay_min_days: int
    stay_max_days: int
    kit: str
    start: dt.date | None
    end: dt.date | None
    hold_expires_at: dt.datetime | None
    proposal_pending: bool
    outside: bool


def list_requests(
    *,
    statuses: list[str] | None = None,
    exhibition_id: int | None = None,
    venue_type: str | None = None,
    search: str = "",
    limit: int = 500,
) -> list[RequestRow]:
    """The queue: requests by state (the ones waiting for staff first), then oldest first."""
    query = (
        select(BookingRequest, Venue, Exhibition)
        .join(Venue, col(Venue.id) == BookingRequest.venue_id)
        .join(Exhibition, col(Exhibition.id) == BookingRequest.exhibition_id)
    )
    if statuses:
        query = query.where(col(BookingRequest.status).in_(statuses))
    if exhibition_id is not None:
        query = query.where(BookingRequest.exhibition_id == exhibition_id)
    if venue_type:
        query = query.where(Venue.type == venue_type)
    if search.strip():
        like = f"%{search.strip().lower()}%"
        query = query.where(
            func.lower(Venue.name).like(like) | func.lower(Venue.commune).like(like)
        )
    with read_session() as session:
        rows = list(session.exec(query.limit(max(1, min(limit, 5000)))))
        ids = [r.id for r, _, _ in rows if r.id is not None]
        windows: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
        if ids:
            for w in session.exec(
                select(RequestWindow)
                .where(col(RequestWindow.request_id).in_(ids))
                .order_by(col(RequestWindow.start))
            ):
                windows[w.request_id].append((w.start, w.end))
        kits = {k.id: k.code for k in session.exec(select(Kit))}
    order = {s.value: i for i, s in enumerate(STATUS_ORDER)}
    result = [
        RequestRow(
            id=r.id,  # type: ignore[arg-type]
            status=str(r.status),
            version=r.version,
            exhibition=e.title,
            venue=v.name,
            venue_type=str(v.type),
            commune=v.commune,
            submitted_at=r.submitted_at,
            windows=windows[r.id],  # type: ignore[index]
            stay_min_days=r.stay_min_days,
            stay_max_days=r.stay_max_days,
            kit=kits.get(r.kit_id, "") if r.kit_id else "",
            start=r.start,
            end=r.end,
            hold_expires_at=r.hold_expires_at,
            proposal_pending=r.proposal_kit_id is not None and r.status == S.held,
            outside=v.lat is not None
            and v.lon is not None
            and not inside_metropole(v.lat, v.lon, v.insee),
        )
        for r, v, e in rows
    ]
    result.sort(key=lambda row: (order.get(row.status, 99), row.submitted_at, row.id))
    return result


def status_counts() -> dict[str, int]:
    with read_session() as session:
        counts = dict(
            session.exec(
                select(BookingRequest.status, func.count()).group_by(BookingRequest.status)
            ).all()
        )
    return {s.value: int(counts.get(s.value, 0)) for s in STATUS_ORDER}


@dataclass(frozen=True)
class RequestDetail:
    """Everything staff see about one request (plain data)."""

    view: VenueView
    venue: VenueDetail
    contact_id: int | None
    contact_erased: bool
    warnings: tuple[str, ...]
    exhibition_length_m: float
    updated_at: dt.datetime
    events: list[dict[str, Any]] = field(default_factory=list)


def request_detail(request_id: int) -> RequestDetail:
    from booking.services.venues import venue_detail  # venues builds on this module

    with read_session() as session:
        request = session.get(BookingRequest, request_id)
        if request is None:
            raise NotFound("booking.request_not_found")
        view = _venue_view(session, request)
        venue = session.get(Venue, request.venue_id)
        exhibition = session.get(Exhibition, request.exhibition_id)
        contact = session.get(Contact, request.contact_id) if request.contact_id else None
        assert venue is not None and exhibition is not None
        warnings = _warnings(exhibition, venue, view.details, None)
        length, updated_at = exhibition.length_m, request.updated_at
        erased = contact is None or contact.erased_at is not None
    return RequestDetail(
        view=view,
        venue=venue_detail(view.venue_id),
        contact_id=request.contact_id,
        contact_erased=erased,
        warnings=warnings,
        exhibition_length_m=length,
        updated_at=updated_at,
        events=audit.list_events(entity="request", entity_id=request_id),
    )


# ---------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class Candidate:
    """A kit and dates that fit a request, with what the calendars say about them."""

    kit_id: int
    kit_code: str
    kit_name: str
    kit_condition: str
    install: dt.date
    last_open: dt.date
    dismantle: dt.date
    window: tuple[dt.date, dt.date]
    open_days: int
    public_holidays: tuple[tuple[dt.date, str], ...]
    school_holiday_days: int
    closure_days: int
    gap_before: int | None  # free days between the previous booking's end and this install
    gap_after: int | None
    short_notice: bool

    @property
    def stay_days(self) -> int:
        return (self.last_open - self.install).days + 1

    @property
    def placement(self) -> Placement:
        return Placement(self.kit_id, self.install, self.last_open, self.dismantle)


def candidate_placements(
    request_id: int, *, today: dt.date | None = None, limit: int = 8
) -> list[Candidate]:
    """Kits and dates that fit the request's windows, best first.

    A candidate installs and is dismantled on transport days the venue is open (public
    holidays, the venue's days and closures, school holidays for schools), stays between
    the request's minimum and maximum, keeps within one window, and leaves the kit's other
    holds and stops free, turnaround buffers included. Best first: a kit in good condition,
    then the most days open to the public (school holidays count against a school), then
    the nearest to the preferred start, then a direct transfer from or to the next stop,
    then the earliest. One candidate per kit and week, so the list shows real choices.
    """
    today = today or paris_today()
    with read_session() as session:
        request = session.get(BookingRequest, request_id)
        if request is None:
            raise NotFound("booking.request_not_found")
        venue = session.get(Venue, request.venue_id)
        exhibition = session.get(Exhibition, request.exhibition_id)
        assert venue is not None and exhibition is not None
        kits = list(
            session.exec(
                select(Kit)
                .where(
                    Kit.exhibition_id == request.exhibition_id,
                    col(Kit.active).is_(True),
                    Kit.condition != KitCondition.out_of_service,
                )
                .order_by(col(Kit.code))
            )
        )
        taken: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
        for kit_id, start, end in session.exec(
            select(col(KitOccupancy.kit_id), col(KitOccupancy.start), col(KitOccupancy.end))
            .where(
                col(KitOccupancy.kit_id).in_([k.id for k in kits]),
                KitOccupancy.request_id != request_id,
            )
            .order_by(col(KitOccupancy.start))
        ):
            taken[kit_id].append((start, end))
        windows = _windows(session, request_id)
        closures = venue_closures(session, venue.id)  # type: ignore[arg-type]
    rules = day_rules()
    is_school = venue.type == VenueType.school
    open_days = list(venue.open_weekdays)
    tomorrow = today + dt.timedelta(days=1)
    notice = earliest_start(today)

    def handling(day: dt.date) -> bool:
        return rules.handling_day(
            day, open_weekdays=open_days, closures=closures, is_school=is_school
        )

    best: dict[tuple[int, int, int], tuple[tuple[Any, ...], Candidate]] = {}
    for kit in kits:
        assert kit.id is not None
        busy = _Busy(taken[kit.id])
        for window in windows:
            first = max(window[0], tomorrow, kit.available_from or window[0])
            last = min(window[1], kit.available_to or window[1])
            for install in day_range(first, last) if first <= last else []:
                if not handling(install):
                    continue
                found = _longest_stay(
                    install, last, request, busy, exhibition.buffer_days, handling
                )
                if found is None:
                    continue
                last_open, dismantle, start, end = found
                stay = day_range(install, last_open)
                candidate = Candidate(
                    kit_id=kit.id,
                    kit_code=kit.code,
                    kit_name=kit.name,
                    kit_condition=str(kit.condition),
                    install=install,
                    last_open=last_open,
                    dismantle=dismantle,
                    window=window,
                    open_days=sum(
                        rules.venue_open(
                            d, open_weekdays=open_days, closures=closures, is_school=is_school
                        )
                        for d in stay
                    ),
                    public_holidays=tuple(
                        (d, public_holiday_name(d) or "") for d in stay if is_public_holiday(d)
                    ),
                    school_holiday_days=sum(is_school_holiday(d, rules.school_zone) for d in stay)
                    if is_school
                    else 0,
                    closure_days=sum(any(s <= d <= e for s, e in closures) for d in stay),
                    gap_before=busy.gap_before(start),
                    gap_after=busy.gap_after(end),
                    short_notice=install < notice,
                )
                adjacent = candidate.gap_before == 0 or candidate.gap_after == 0
                preferred = (
                    abs((install - request.preferred_start).days) if request.preferred_start else 0
                )
                key = (
                    kit.condition != KitCondition.good,
                    -candidate.open_days,
                    preferred,
                    not adjacent,
                    install,
                    kit.code,
                )
                iso = install.isocalendar()
                slot = (kit.id, iso.year, iso.week)
                if slot not in best or key < best[slot][0]:
                    best[slot] = (key, candidate)
    ranked = sorted(best.values(), key=lambda pair: pair[0])
    return [candidate for _key, candidate in ranked[: max(1, limit)]]


class _Busy:
    """A kit's taken days, [start, end) intervals that never overlap one another (the
    database's guard), sorted: overlap and gap questions answered by bisection, so years of
    a kit's history cost a logarithm, not a scan, for every day tried."""

    def __init__(self, intervals: list[tuple[dt.date, dt.date]]) -> None:
        self.intervals = sorted(intervals)
        self.starts = [s for s, _e in self.intervals]
        self.ends = [e for _s, e in self.intervals]

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        i = bisect.bisect_right(self.ends, start)  # the first interval ending after `start`
        return i < len(self.intervals) and self.starts[i] < end

    def gap_before(self, start: dt.date) -> int | None:
        i = bisect.bisect_right(self.ends, start)  # intervals before it end by `start`
        return (start - self.ends[i - 1]).days if i else None

    def gap_after(self, end: dt.date) -> int | None:
        i = bisect.bisect_left(self.starts, end)
        return (self.starts[i] - end).days if i < len(self.starts) else None


def _first_handling_day(first: dt.date, last: dt.date, handling: Any) -> dt.date | None:
    """The first day from `first` to `last` the van may handle the kit (usually within a
    day or two: never the list of every day up to the window's end)."""
    day = first
    while day <= last:
        if handling(day):
            return day
        day += dt.timedelta(days=1)
    return None


def _longest_stay(
    install: dt.date,
    last_day: dt.date,
    request: BookingRequest,
    busy: _Busy,
    buffer_days: int,
    handling: Any,
) -> tuple[dt.date, dt.date, dt.date, dt.date] | None:
    """The longest stay from `install` that ends by `last_day` with a dismantle day and a
    free kit: (last open day, dismantle day, occupancy start, occupancy end)."""
    for stay in range(request.stay_max_days, request.stay_min_days - 1, -1):
        last_open = install + dt.timedelta(days=stay - 1)
        if last_open > last_day:
            continue
        dismantle = _first_handling_day(last_open, last_day, handling)
        if dismantle is None:
            continue
        start, end = occupancy_range(install, dismantle, buffer_days)
        if busy.overlaps(start, end):
            continue
        return last_open, dismantle, start, end
    return None


# ---------------------------------------------------------------------------- public catalogue


@dataclass(frozen=True)
class ExhibitionView:
    id: int
    slug: str
    title: str
    subtitle: str
    summary: str
    description: str
    producer: str
    commissioner: str
    panel_count_min: int
    panel_count_max: int
    length_m: float
    setting: str
    hanging: str
    requirements: str
    audience: str
    min_stay_days: int
    max_stay_days: int
    kits: int


def public_exhibitions() -> list[ExhibitionView]:
    """The exhibitions open to requests, with how many kits tour."""
    with read_session() as session:
        kit_counts = dict(
            session.exec(
                select(Kit.exhibition_id, func.count())
                .where(col(Kit.active).is_(True))
                .group_by(col(Kit.exhibition_id))
            ).all()
        )
        copied = {f.name for f in fields(ExhibitionView)} - {"setting", "kits"}
        return [
            ExhibitionView(
                **e.model_dump(include=copied),
                setting=str(e.setting),
                kits=int(kit_counts.get(e.id or 0, 0)),
            )
            for e in session.exec(
                select(Exhibition)
                .where(col(Exhibition.active).is_(True))
                .order_by(col(Exhibition.title))
            )
        ]


@dataclass(frozen=True)
class WeekCell:
    status: str  # free | partial | held | booked | unavailable
    free_days: int
    held_days: int
    booked_days: int


@dataclass(frozen=True)
class KitWeeks:
    kit_id: int
    name: str
    condition: str
    cells: list[WeekCell]


@dataclass(frozen=True)
class Availability:
    """A kit-by-week calendar: which weeks are free, held or booked, and the days the van
    does not drive (public holidays) or schools are on holiday (zone A)."""

    weeks: list[dt.date]  # Mondays
    kits: list[KitWeeks]
    closed_days: dict[dt.date, list[tuple[dt.date, str]]]
    school_holiday_days: dict[dt.date, int]


def availability(
    exhibition_id: int, *, start: dt.date | None = None, weeks: int = 26, lang: str = "fr"
) -> Availability:
    """Free / held / booked weeks per kit of an exhibition, from the week of `start`."""
    weeks = max(1, min(int(weeks), MAX_CALENDAR_WEEKS))
    start = start or paris_today()
    monday = start - dt.timedelta(days=start.weekday())
    mondays = [monday + dt.timedelta(weeks=i) for i in range(weeks)]
    horizon = mondays[-1] + dt.timedelta(days=7)
    with read_session() as session:
        _load_exhibition(session, exhibition_id)
        kits = list(
            session.exec(
                select(Kit)
                .where(Kit.exhibition_id == exhibition_id, col(Kit.active).is_(True))
                .order_by(col(Kit.code))
            )
        )
        occupied = list(
            session.exec(
                select(KitOccupancy).where(
                    col(KitOccupancy.kit_id).in_([k.id for k in kits]),
                    col(KitOccupancy.start) < horizon,
                    col(KitOccupancy.end) > monday,
                )
            )
        )
    day_state: dict[tuple[int, dt.date], str] = {}
    for occ in occupied:
        state = "booked" if occ.kind == OccupancyKind.stop else "held"
        for day in day_range(max(occ.start, monday), min(occ.end, horizon) - dt.timedelta(days=1)):
            day_state[(occ.kit_id, day)] = state
    zone = get_settings().school_holiday_zone
    rows = []
    for kit in kits:
        assert kit.id is not None
        cells = []
        for week in mondays:
            counts = {"free": 0, "held": 0, "booked": 0, "unavailable": 0}
            for day in day_range(week, week + dt.timedelta(days=6)):
                if (
                    kit.condition == KitCondition.out_of_service
                    or (kit.available_from and day < kit.available_from)
                    or (kit.available_to and day > kit.available_to)
                ):
                    counts["unavailable"] += 1
                else:
                    counts[day_state.get((kit.id, day), "free")] += 1
            cells.append(
                WeekCell(_week_status(counts), counts["free"], counts["held"], counts["booked"])
            )
        rows.append(KitWeeks(kit.id, kit.name, str(kit.condition), cells))
    closed = {
        week: [
            (d, public_holiday_name(d, lang=lang) or "")
            for d in day_range(week, week + dt.timedelta(days=6))
            if is_public_holiday(d)
        ]
        for week in mondays
    }
    school = {
        week: sum(is_school_holiday(d, zone) for d in day_range(week, week + dt.timedelta(days=4)))
        for week in mondays
    }
    return Availability(mondays, rows, closed, school)


def _week_status(counts: dict[str, int]) -> str:
    for status in ("free", "booked", "held", "unavailable"):
        if counts[status] == 7:
            return status
    if counts["free"] == 0:
        return "booked" if counts["booked"] >= counts["held"] else "held"
    return "partial"


# ---------------------------------------------------------------------------- jobs


@job("requests.expire_holds")
def expire_holds(session: Session, now: dt.datetime) -> str:
    """Release holds whose expiry has passed (the venue is told); idempotent."""
    due = list(
        session.exec(
            select(BookingRequest)
            .where(BookingRequest.status == S.held, col(BookingRequest.hold_expires_at) <= now)
            .order_by(col(BookingRequest.id))
        )
    )
    for request in due:
        release_hold_in_session(
            session, request, actor="system", action="request.hold_expired", notify=True
        )
    return f"released {len(due)} expired hold(s)"


@job("requests.reminders")
def send_reminders(session: Session, now: dt.datetime) -> str:
    """Enqueue the reminder of every confirmed stop installed within `reminder_days_before`
    days (Paris time); the message's dedup key makes a second run send nothing."""
    today = paris_today(now)
    horizon = today + dt.timedelta(days=get_settings().reminder_days_before)
    before = session.exec(select(func.count()).where(OutboxMessage.kind == "reminder")).one()
    stops = session.exec(
        select(Stop).where(
            Stop.status == StopStatus.confirmed,
            col(Stop.install_date) > today,
            col(Stop.install_date) <= horizon,
        )
    )
    for stop in stops:
        request = session.get(BookingRequest, stop.request_id)
        assert request is not None
        notify_request(
            session, request, "reminder", stop=stop, dedup=f"stop-{stop.id}:{stop.install_date}"
        )
    session.flush()
    after = session.exec(select(func.count()).where(OutboxMessage.kind == "reminder")).one()
    return f"{after - before} reminder(s) queued"
