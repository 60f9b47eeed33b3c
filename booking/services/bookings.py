"""Placing a request on a kit: holds, approvals, releases and cancellations.

The state machine of a request and the one path by which a kit's days are taken. Every
function is one transaction with one audit event; dates are re-checked at the moment of the
change (calendar rules and the kit's occupancy), and a concurrent change is refused with a
clear message rather than overwritten (`expected_version`).

Each change also tells the venue (a message in the outbox, same transaction) unless the
caller passes `notify=False`. On PostgreSQL two transactions inserting overlapping rows can
deadlock inside the exclusion constraint's check; `write()` runs a use case again when the
database chose it as the victim, so the retry meets the winner's row and says so in words.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from booking import audit
from booking.config import get_settings
from booking.daycalendar import DayRules
from booking.db import transaction
from booking.errors import Conflict, NotFound, ValidationError
from booking.i18n import add_messages, format_date
from booking.models import (
    BookingRequest,
    Exhibition,
    Kit,
    KitCondition,
    OccupancyKind,
    RequestStatus,
    Stop,
    StopStatus,
    Venue,
    VenueClosure,
    VenueType,
)
from booking.notifications import notify_request
from booking.security import new_token
from booking.services.occupancy import occupy, release
from booking.types import utcnow

T = TypeVar("T")
# PostgreSQL's "deadlock detected" and "could not serialize": the transaction may be rerun.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
WRITE_ATTEMPTS = 5

add_messages(
    {
        "booking.request_not_found": {"fr": "Demande introuvable.", "en": "Request not found."},
        "booking.kit_not_found": {"fr": "Kit introuvable.", "en": "Kit not found."},
        "booking.kit_wrong_exhibition": {
            "fr": "Ce kit n'est pas un exemplaire de l'exposition demandée.",
            "en": "This kit is not a copy of the requested exhibition.",
        },
        "booking.kit_unavailable": {
            "fr": "Ce kit est hors service ; choisissez-en un autre.",
            "en": "This kit is out of service; choose another one.",
        },
        "booking.kit_outside_availability": {
            "fr": "Ce kit n'est disponible que du {start} au {end}.",
            "en": "This kit is only available from {start} to {end}.",
        },
        "booking.bad_transition": {
            "fr": "Impossible : la demande est « {status} ».",
            "en": 'Not possible: the request is "{status}".',
        },
        "booking.dates_order": {
            "fr": "Les dates doivent se suivre : installation ≤ dernier jour d'ouverture ≤ démontage.",
            "en": "Dates must follow each other: installation ≤ last open day ≤ dismantling.",
        },
        "booking.stay_length": {
            "fr": "La durée ({days} jours) doit être comprise entre {min} et {max} jours.",
            "en": "The stay ({days} days) must be between {min} and {max} days.",
        },
        "booking.not_handling_day": {
            "fr": "Le {day} n'est pas possible pour {what} : pas de transport ce jour-là ou lieu fermé.",
            "en": "{day} is not possible for {what}: no transport that day or the venue is closed.",
        },
        "booking.what.install": {"fr": "l'installation", "en": "installation"},
        "booking.what.dismantle": {"fr": "le démontage", "en": "dismantling"},
        "booking.hold_expiry_past": {
            "fr": "L'échéance de l'option doit être dans le futur.",
            "en": "The hold's expiry must be in the future.",
        },
        "booking.reason_required": {
            "fr": "Indiquez un motif (1 à 2000 caractères).",
            "en": "Give a reason (1 to 2000 characters).",
        },
        "booking.status.submitted": {"fr": "envoyée", "en": "submitted"},
        "booking.status.held": {"fr": "sous réserve", "en": "held"},
        "booking.status.approved": {"fr": "confirmée", "en": "approved"},
        "booking.status.declined": {"fr": "refusée", "en": "declined"},
        "booking.status.waitlisted": {"fr": "en liste d'attente", "en": "waitlisted"},
        "booking.status.cancelled": {"fr": "annulée", "en": "cancelled"},
        "booking.status.withdrawn": {"fr": "retirée", "en": "withdrawn"},
    }
)

S = RequestStatus
ALLOWED: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.submitted: frozenset(
        {S.held, S.approved, S.declined, S.waitlisted, S.withdrawn, S.cancelled}
    ),
    S.held: frozenset(
        {S.submitted, S.held, S.approved, S.declined, S.waitlisted, S.withdrawn, S.cancelled}
    ),
    S.waitlisted: frozenset({S.held, S.approved, S.declined, S.withdrawn, S.cancelled}),
    S.approved: frozenset({S.cancelled}),
    S.declined: frozenset(),
    S.cancelled: frozenset(),
    S.withdrawn: frozenset(),
}
LIVE = frozenset({S.submitted, S.held, S.waitlisted})


def _retryable(exc: OperationalError) -> bool:
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in _RETRYABLE_SQLSTATES


def write(use_case: Callable[[Session], T], *, attempts: int = WRITE_ATTEMPTS) -> T:
    """Run `use_case(session)` in one transaction, again when PostgreSQL picked it as a
    deadlock victim; still losing after `attempts` runs is a Conflict the person can retry."""
    for attempt in range(1, attempts + 1):
        try:
            with transaction() as session:
                return use_case(session)
        except OperationalError as exc:
            if not _retryable(exc):
                raise
            if attempt == attempts:
                raise Conflict("error.conflict") from None
            time.sleep(random.uniform(0.005, 0.02) * attempt)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Placement:
    """A kit and the dates of a stop: install day, last open day, dismantle day."""

    kit_id: int
    install: dt.date
    last_open: dt.date
    dismantle: dt.date

    @property
    def stay_days(self) -> int:
        return (self.last_open - self.install).days + 1


def day_rules() -> DayRules:
    return DayRules(school_zone=get_settings().school_holiday_zone)


def venue_closures(session: Session, venue_id: int) -> list[tuple[dt.date, dt.date]]:
    rows = session.exec(select(VenueClosure).where(VenueClosure.venue_id == venue_id))
    return [(c.start, c.end) for c in rows]


def load_request(session: Session, request_id: int, *, for_update: bool = True) -> BookingRequest:
    query = select(BookingRequest).where(BookingRequest.id == request_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    request = session.exec(query).first()
    if request is None:
        raise NotFound("booking.request_not_found")
    return request


def _transition(request: BookingRequest, to: RequestStatus, expected_version: int | None) -> None:
    if expected_version is not None and request.version != expected_version:
        raise Conflict("error.conflict")
    current = RequestStatus(request.status)
    if to not in ALLOWED[current]:
        raise ValidationError("booking.bad_transition", status=_status_word(current))
    request.status = to
    request.version += 1
    request.updated_at = utcnow()


def _status_word(status: RequestStatus, lang: str = "fr") -> str:
    from booking.i18n import t

    return t(f"booking.status.{status.value}", lang)


def check_placement(
    session: Session, request: BookingRequest, placement: Placement, lang: str = "fr"
) -> Kit:
    """Every rule a placement must keep, checked now (the occupancy is checked on write)."""
    kit = session.get(Kit, placement.kit_id)
    if kit is None:
        raise NotFound("booking.kit_not_found", field="kit")
    if kit.exhibition_id != request.exhibition_id:
        raise ValidationError("booking.kit_wrong_exhibition", field="kit")
    if kit.condition == KitCondition.out_of_service or not kit.active:
        raise ValidationError("booking.kit_unavailable", field="kit")
    if not placement.install <= placement.last_open <= placement.dismantle:
        raise ValidationError("booking.dates_order", field="dates")
    if not request.stay_min_days <= placement.stay_days <= request.stay_max_days:
        raise ValidationError(
            "booking.stay_length",
            field="dates",
            days=placement.stay_days,
            min=request.stay_min_days,
            max=request.stay_max_days,
        )
    lo, hi = kit.available_from, kit.available_to
    if (lo and placement.install < lo) or (hi and placement.dismantle > hi):
        raise ValidationError(
            "booking.kit_outside_availability",
            field="dates",
            start=format_date(lo, lang) if lo else "…",
            end=format_date(hi, lang) if hi else "…",
        )
    venue = session.get(Venue, request.venue_id)
    assert venue is not None
    rules = day_rules()
    closures = venue_closures(session, request.venue_id)
    for day, what in ((placement.install, "install"), (placement.dismantle, "dismantle")):
        if not rules.handling_day(
            day,
            open_weekdays=venue.open_weekdays,
            closures=closures,
            is_school=venue.type == VenueType.school,
        ):
            from booking.i18n import t

            raise ValidationError(
                "booking.not_handling_day",
                field="dates",
                day=format_date(day, lang),
                what=t(f"booking.what.{what}", lang),
            )
    return kit


def _buffer(session: Session, request: BookingRequest) -> int:
    exhibition = session.get(Exhibition, request.exhibition_id)
    assert exhibition is not None
    return exhibition.buffer_days


def hold_in_session(
    session: Session,
    request: BookingRequest,
    placement: Placement,
    *,
    actor: str,
    expires_at: dt.datetime | None = None,
    expected_version: int | None = None,
    lang: str = "fr",
    notify: bool = True,
) -> BookingRequest:
    """Hold inside a caller's transaction (used by `hold_request` and plan acceptance);
    with `notify`, the venue is told the dates and the hold's expiry."""
    now = utcnow()
    if expires_at is None:
        expires_at = now + dt.timedelta(days=get_settings().hold_days)
    if expires_at <= now:
        raise ValidationError("booking.hold_expiry_past", field="expires_at")
    _transition(request, S.held, expected_version)
    check_placement(session, request, placement, lang)
    assert request.id is not None
    occupy(
        session,
        request_id=request.id,
        kit_id=placement.kit_id,
        kind=OccupancyKind.hold,
        install=placement.install,
        dismantle=placement.dismantle,
        buffer_days=_buffer(session, request),
        lang=lang,
    )
    request.kit_id, request.start, request.end, request.dismantle = (
        placement.kit_id,
        placement.install,
        placement.last_open,
        placement.dismantle,
    )
    request.hold_expires_at = expires_at
    # A new hold replaces a counter-proposal (counter_propose sets it again right after).
    request.proposal_kit_id = None
    request.proposal_start = request.proposal_end = request.proposal_dismantle = None
    audit.record(
        session,
        actor=actor,
        action="request.held",
        entity="request",
        entity_id=request.id,
        kit_id=placement.kit_id,
        install=placement.install,
        last_open=placement.last_open,
        dismantle=placement.dismantle,
        expires_at=expires_at,
    )
    if notify:
        notify_request(session, request, "held", dedup=f"v{request.version}")
    return request


def approve_in_session(
    session: Session,
    request: BookingRequest,
    placement: Placement | None,
    *,
    actor: str,
    expected_version: int | None = None,
    lang: str = "fr",
    notify: bool = True,
) -> Stop:
    """Approve inside a caller's transaction; `placement=None` confirms the current hold.
    With `notify`, the venue gets the confirmation with the stop's calendar attached."""
    if placement is None:
        if request.kit_id is None or request.start is None or request.end is None:
            raise ValidationError("booking.dates_order", field="dates")
        placement = Placement(
            request.kit_id, request.start, request.end, request.dismantle or request.end
        )
    _transition(request, S.approved, expected_version)
    check_placement(session, request, placement, lang)
    assert request.id is not None
    occupy(
        session,
        request_id=request.id,
        kit_id=placement.kit_id,
        kind=OccupancyKind.stop,
        install=placement.install,
        dismantle=placement.dismantle,
        buffer_days=_buffer(session, request),
        lang=lang,
    )
    request.kit_id, request.start, request.end, request.dismantle = (
        placement.kit_id,
        placement.install,
        placement.last_open,
        placement.dismantle,
    )
    request.hold_expires_at = None
    stop = Stop(
        request_id=request.id,
        kit_id=placement.kit_id,
        venue_id=request.venue_id,
        exhibition_id=request.exhibition_id,
        install_date=placement.install,
        last_open_date=placement.last_open,
        dismantle_date=placement.dismantle,
        uid=f"stop-{uuid.uuid4()}@tournee",
        feedback_token=new_token(),
    )
    session.add(stop)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="request.approved",
        entity="request",
        entity_id=request.id,
        stop_id=stop.id,
        kit_id=placement.kit_id,
        install=placement.install,
        last_open=placement.last_open,
        dismantle=placement.dismantle,
    )
    request.proposal_kit_id = None
    request.proposal_start = request.proposal_end = request.proposal_dismantle = None
    if notify:
        notify_request(session, request, "approved", stop=stop)
    return stop


def hold_request(
    request_id: int,
    placement: Placement,
    *,
    actor: str,
    expires_at: dt.datetime | None = None,
    expected_version: int | None = None,
    lang: str = "fr",
    notify: bool = True,
) -> BookingRequest:
    """Put a request on hold ("sous réserve") on a kit and dates, until `expires_at`."""

    def use_case(session: Session) -> BookingRequest:
        request = load_request(session, request_id)
        return hold_in_session(
            session,
            request,
            placement,
            actor=actor,
            expires_at=expires_at,
            expected_version=expected_version,
            lang=lang,
            notify=notify,
        )

    return write(use_case)


def approve_request(
    request_id: int,
    placement: Placement | None = None,
    *,
    actor: str,
    expected_version: int | None = None,
    lang: str = "fr",
    notify: bool = True,
) -> Stop:
    """Confirm a request as a stop on a kit and dates (its hold's when `placement` is None)."""

    def use_case(session: Session) -> Stop:
        request = load_request(session, request_id)
        return approve_in_session(
            session,
            request,
            placement,
            actor=actor,
            expected_version=expected_version,
            lang=lang,
            notify=notify,
        )

    return write(use_case)


def release_hold_in_session(
    session: Session,
    request: BookingRequest,
    *,
    actor: str,
    action: str,
    notify: bool = False,
    expected_version: int | None = None,
) -> None:
    """Back to "submitted", the kit's days freed (an expired or released hold, a refused
    counter-proposal); with `notify`, the venue is told its hold has expired."""
    _transition(request, S.submitted, expected_version)
    assert request.id is not None
    release(session, request.id)
    released = {
        "kit_id": request.kit_id,
        "install": request.start,
        "dismantle": request.dismantle,
        "expired_at": request.hold_expires_at,
    }
    request.kit_id = request.start = request.end = request.dismantle = None
    request.hold_expires_at = None
    request.proposal_kit_id = None
    request.proposal_start = request.proposal_end = request.proposal_dismantle = None
    audit.record(
        session, actor=actor, action=action, entity="request", entity_id=request.id, **released
    )
    if notify:
        notify_request(session, request, "hold_expired", dedup=f"v{request.version}")


def close_request_in_session(
    session: Session,
    request: BookingRequest,
    to: RequestStatus,
    *,
    actor: str,
    reason: str = "",
    expected_version: int | None = None,
    notify: bool = True,
) -> Stop | None:
    """Decline, waitlist, withdraw or cancel: the kit's days are freed; a stop is cancelled
    (kept, with its SEQUENCE bumped, so calendars show the cancellation). With `notify`, the
    venue is told (not when it withdrew the request itself)."""
    reason = (reason or "").strip()
    if to in (S.declined, S.cancelled) and not 1 <= len(reason) <= 2000:
        raise ValidationError("booking.reason_required", field="reason")
    if len(reason) > 2000:
        raise ValidationError("booking.reason_required", field="reason")
    _transition(request, to, expected_version)
    assert request.id is not None
    release(session, request.id)
    request.hold_expires_at = None
    request.proposal_kit_id = None
    request.proposal_start = request.proposal_end = request.proposal_dismantle = None
    request.decision_reason = reason
    stop = session.exec(select(Stop).where(Stop.request_id == request.id)).first()
    if stop is None:  # the hold's days are free again: nothing held is left to show
        request.kit_id = request.start = request.end = request.dismantle = None
    if stop is not None and stop.status != StopStatus.cancelled:
        stop.status = StopStatus.cancelled
        stop.cancel_reason = reason
        stop.sequence += 1
        stop.updated_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action=f"request.{to.value}",
        entity="request",
        entity_id=request.id,
        reason=reason,
        stop_id=stop.id if stop else None,
    )
    if notify and to in _CLOSING_MESSAGES:
        notify_request(
            session,
            request,
            _CLOSING_MESSAGES[to],
            stop=stop,
            reason=reason,
            note=reason if to == S.waitlisted else "",
            dedup=f"v{request.version}" if to == S.waitlisted else "",
        )
    return stop


_CLOSING_MESSAGES = {S.declined: "declined", S.waitlisted: "waitlisted", S.cancelled: "cancelled"}
