"""Personal data of venue contacts: erased on request (a staff action) or when kept long
enough (`contact_retention_months` after the request finished or its stop ended).

Erasing blanks the contact's name, role, email and phone, and the address and body of the
messages sent to it; the request, the venue and the statistics stay. Audit events never hold
the erased values.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from booking import audit
from booking.config import get_settings
from booking.errors import NotFound
from booking.i18n import PARIS, add_messages, t
from booking.jobs import job
from booking.models import (
    BookingRequest,
    Contact,
    OutboxMessage,
    OutboxStatus,
    RequestStatus,
    Stop,
    StopStatus,
)
from booking.services.bookings import LIVE, write
from booking.services.requests import add_months, paris_today
from booking.types import utcnow

ERASED_BODY = "(effacé / erased)"

add_messages(
    {
        "privacy.contact_not_found": {"fr": "Contact introuvable.", "en": "Contact not found."},
        "privacy.erased_error": {
            "fr": "contact effacé avant l'envoi",
            "en": "contact erased before sending",
        },
    }
)


def _erase(session: Session, contact: Contact, *, actor: str, why: str) -> bool:
    if contact.erased_at is not None:
        return False
    contact.name = contact.role = contact.email = contact.phone = None
    contact.erased_at = utcnow()
    request_ids = [
        r.id
        for r in session.exec(select(BookingRequest).where(BookingRequest.contact_id == contact.id))
    ]
    # The messages of this contact's requests (another contact row of the same person, for
    # another request, keeps its own).
    messages = select(OutboxMessage).where(col(OutboxMessage.request_id).in_(request_ids))
    scrubbed = 0
    for message in session.exec(messages):
        message.to_address = None
        message.body_text = ERASED_BODY
        message.attachments = []
        if message.status == OutboxStatus.pending:
            message.status = OutboxStatus.failed
            message.last_error = t("privacy.erased_error", "fr")
        scrubbed += 1
    audit.record(
        session,
        actor=actor,
        action="contact.erased",
        entity="contact",
        entity_id=contact.id,
        venue_id=contact.venue_id,
        requests=request_ids,
        messages_scrubbed=scrubbed,
        why=why,
    )
    return True


def erase_contact(contact_id: int, *, actor: str) -> bool:
    """Erase a contact's personal data now (the right to erasure); False if already erased.
    The request's private link stops working with it."""

    def use_case(session: Session) -> bool:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound("privacy.contact_not_found")
        return _erase(session, contact, actor=actor, why="request")

    return write(use_case)


def _finished_on(session: Session, request: BookingRequest) -> dt.date | None:
    """The day a request stopped needing its contact; None while it is live."""
    if request.status in LIVE:
        return None
    if request.status == RequestStatus.approved:
        stop = session.exec(select(Stop).where(Stop.request_id == request.id)).first()
        if stop is not None and stop.status == StopStatus.confirmed:
            return stop.dismantle_date
    return request.updated_at.astimezone(PARIS).date()


@job("privacy.retention")
def erase_expired_contacts(session: Session, now: dt.datetime) -> str:
    """Erase the contacts whose requests all finished more than `contact_retention_months`
    ago (a stop finishes when it is dismantled); idempotent."""
    months = get_settings().contact_retention_months
    cutoff = add_months(paris_today(now), -months)
    erased = 0
    for contact in session.exec(select(Contact).where(col(Contact.erased_at).is_(None))):
        requests = session.exec(
            select(BookingRequest).where(BookingRequest.contact_id == contact.id)
        ).all()
        ends = [_finished_on(session, r) for r in requests]
        if not requests:
            last = contact.created_at.astimezone(PARIS).date()
        elif any(end is None for end in ends):
            continue
        else:
            last = max(end for end in ends if end is not None)
        if last < cutoff and _erase(session, contact, actor="system", why="retention"):
            erased += 1
    return f"erased {erased} contact(s) kept more than {months} months"
