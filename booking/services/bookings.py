"""Placing a request on a kit: holds, approvals, moves, releases and cancellations.

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
from sqlmodel import Session, col, select

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
    TransportLeg,
    VanDay,
    Venue,
    VenueClosure,
    VenueType,
)
from booking.notifications import notify_request
from booking.security import new_token
from booking.services.occupancy import occupy, release
from booking.types import paris_today, utcnow

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
        "booking.move_not_confirmed": {
            "fr": "Seule une étape confirmée peut être déplacée : la demande est « {status} ».",
            "en": 'Only a confirmed stop can be moved: the request is "{status}".',
        },
        "booking.move_no_stop": {
            "fr": "Cette demande n'a pas d'étape confirmée à déplacer.",
            "en": "This request has no confirmed stop to move.",
        },
        "booking.move_ended": {
            "fr": "Cette étape est terminée (démontage le {day}) : elle ne peut plus être déplacée.",
            "en": "This stop is over (dismantled on {day}): it can no longer be moved.",
        },
        "booking.move_same": {
            "fr": "Ce sont déjà le kit et les dates de l'étape : rien à déplacer.",
            "en": "These are already the stop's kit and dates: nothing to move.",
        },
        "booking.move_installed": {
            "fr": "L'exposition est installée depuis le {day} : seuls le dernier jour d'ouverture et le démontage peuvent changer, pas le kit ni l'installation.",
            "en": "The exhibition has been installed since {day}: only the last open day and dismantling can change, not the kit or the installation.",
        },
        "booking.move_past": {
            "fr": "Le {day} est déjà passé : choisissez des dates à partir d'aujourd'hui.",
            "en": "{day} is already past: choose dates from today on.",
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


# ---------------------------------------------------------------------------- moving a stop


def _bump_version(request: BookingRequest, expected_version: int | None) -> None:
    """A change that keeps the request's state still makes older forms stale."""
    if expected_version is not None and request.version != expected_version:
        raise Conflict("error.conflict")
    request.version += 1
    request.updated_at = utcnow()


def _visit_legs(session: Session, stop: Stop) -> list[TransportLeg]:
    """The legs that time the stop's install and dismantle visits in the calendars (the van
    arriving with its kit on the install day, leaving with it on the dismantle day)."""
    rows = session.exec(
        select(TransportLeg).where(
            col(TransportLeg.date).in_({stop.install_date, stop.dismantle_date})
        )
    )
    return [
        leg
        for leg in rows
        if stop.kit_id in leg.kit_ids
        and (
            (leg.date == stop.install_date and leg.to_venue_id == stop.venue_id)
            or (leg.date == stop.dismantle_date and leg.from_venue_id == stop.venue_id)
        )
    ]


def _drop_van_days(
    session: Session, stop: Stop, placement: Placement, today: dt.date
) -> list[dict[str, object]]:
    """Remove the coming van days the move makes wrong, for the van days to be routed again.

    A kit's moves change only on the days its stops start or end (see
    `booking.planning.vans.kit_moves`): the old and the new install day, and the old and the
    new dismantle day, when they change (all four when the kit changes). A van day of one of
    those days that carries the old or the new kit is removed with its legs; past days are
    history and stay."""
    days: set[dt.date] = set()
    kit_changed = placement.kit_id != stop.kit_id
    if kit_changed or placement.install != stop.install_date:
        days |= {stop.install_date, placement.install}
    if kit_changed or placement.dismantle != stop.dismantle_date:
        days |= {stop.dismantle_date, placement.dismantle}
    days = {day for day in days if day >= today}
    if not days:
        return []
    kits = {stop.kit_id, placement.kit_id}
    legs = list(session.exec(select(TransportLeg).where(col(TransportLeg.date).in_(sorted(days)))))
    carrying = {leg.van_day_id for leg in legs if kits & set(leg.kit_ids)}
    van_days = list(
        session.exec(
            select(VanDay)
            .where(col(VanDay.id).in_(sorted(i for i in carrying if i is not None)))
            .order_by(col(VanDay.date), col(VanDay.van_id))
        )
    )
    removed: list[dict[str, object]] = []
    for van_day in van_days:
        for leg in legs:
            if leg.van_day_id == van_day.id:
                session.delete(leg)
        session.flush()
        session.delete(van_day)
        removed.append({"id": van_day.id, "van_id": van_day.van_id, "date": van_day.date})
    session.flush()
    return removed


def move_stop_in_session(
    session: Session,
    request: BookingRequest,
    placement: Placement,
    *,
    actor: str,
    reason: str = "",
    expected_version: int | None = None,
    lang: str = "fr",
    notify: bool = True,
    today: dt.date | None = None,
) -> Stop:
    """Move a confirmed stop inside a caller's transaction (see `move_stop`)."""
    from booking.services.requests import clean_text  # requests builds on this module

    reason = clean_text(reason, "reason")
    today = today or paris_today()
    _bump_version(request, expected_version)  # a refusal below rolls it back
    status = RequestStatus(request.status)
    if status != S.approved:
        raise ValidationError("booking.move_not_confirmed", status=_status_word(status, lang))
    assert request.id is not None
    stop = session.exec(select(Stop).where(Stop.request_id == request.id)).first()
    if stop is None or stop.status != StopStatus.confirmed:
        raise ValidationError("booking.move_no_stop")
    if stop.dismantle_date < today:
        raise ValidationError("booking.move_ended", day=format_date(stop.dismantle_date, lang))
    before = Placement(stop.kit_id, stop.install_date, stop.last_open_date, stop.dismantle_date)
    if placement == before:
        raise ValidationError("booking.move_same", field="dates")
    if stop.install_date < today and (
        placement.install != stop.install_date or placement.kit_id != stop.kit_id
    ):
        # The van has delivered this kit there: the past cannot move.
        raise ValidationError(
            "booking.move_installed", field="dates", day=format_date(stop.install_date, lang)
        )
    if placement.install != stop.install_date and placement.install < today:
        raise ValidationError(
            "booking.move_past", field="dates", day=format_date(placement.install, lang)
        )
    for day in (placement.last_open, placement.dismantle):
        if day < today:
            raise ValidationError("booking.move_past", field="dates", day=format_date(day, lang))
    # The same rules as an approval: kit, stay, the kit's availability, transport days and
    # the venue's closures. Like a hold or a counter-proposal, not the request's windows:
    # staff agree the new dates with the venue.
    check_placement(session, request, placement, lang)
    # The kit's days are replaced in place, in this transaction: the database's no-overlap
    # guard checks the new range against every other hold and stop of the kit.
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
    # A visit timed by a leg had SEQUENCE stop + leg + 1; once the leg is gone the visit
    # falls back to the stop's own SEQUENCE, which must still go up for calendars to update.
    visit_sequence = max((leg.sequence + 1 for leg in _visit_legs(session, stop)), default=0)
    van_days = _drop_van_days(session, stop, placement, today)
    request.kit_id, request.start, request.end, request.dismantle = (
        placement.kit_id,
        placement.install,
        placement.last_open,
        placement.dismantle,
    )
    stop.kit_id = placement.kit_id
    stop.install_date = placement.install
    stop.last_open_date = placement.last_open
    stop.dismantle_date = placement.dismantle
    stop.sequence += 1 + visit_sequence
    stop.updated_at = utcnow()
    session.add(stop)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="stop.moved",
        entity="request",
        entity_id=request.id,
        stop_id=stop.id,
        reason=reason,
        old={
            "kit_id": before.kit_id,
            "install": before.install,
            "last_open": before.last_open,
            "dismantle": before.dismantle,
        },
        new={
            "kit_id": placement.kit_id,
            "install": placement.install,
            "last_open": placement.last_open,
            "dismantle": placement.dismantle,
        },
        van_days_removed=van_days,
    )
    if notify:
        notify_request(
            session,
            request,
            "moved",
            stop=stop,
            reason=reason,
            previous=(before.install, before.dismantle),
            dedup=f"v{request.version}",
        )
    return stop


def move_stop(
    request_id: int,
    placement: Placement,
    *,
    actor: str,
    reason: str = "",
    expected_version: int | None = None,
    lang: str = "fr",
    notify: bool = True,
    today: dt.date | None = None,
) -> Stop:
    """Move an approved request's confirmed stop to another kit and/or other dates.

    The stop must not be over (dismantled before `today`, Europe/Paris); once installed,
    only its last open day and dismantle day can change. The new placement keeps every rule
    of an approval (not the request's windows, like a counter-proposal) and takes the kit's
    days in the same transaction, so a clash is refused naming the other booking's dates and
    nothing changes. The stop keeps its UID; its SEQUENCE goes up and the calendars show
    the new dates. Van days of the days the kit's moves change are removed, to be routed
    again. With `notify`, the venue gets the new dates with the stop's calendar attached.
    """

    def use_case(session: Session) -> Stop:
        request = load_request(session, request_id)
        return move_stop_in_session(
            session,
            request,
            placement,
            actor=actor,
            reason=reason,
            expected_version=expected_version,
            lang=lang,
            notify=notify,
            today=today,
        )

    return write(use_case)
