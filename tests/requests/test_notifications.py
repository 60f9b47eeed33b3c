"""Email through a real SMTP server started by the test (aiosmtpd): what venues receive,
retries with back-off, failures visible to staff, nothing sent twice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from booking import db
from booking.config import get_settings, reset_settings
from booking.errors import ValidationError
from booking.jobs import run_jobs
from booking.models import Contact, OutboxMessage, OutboxStatus
from booking.notifications import (
    MAX_ATTEMPTS,
    backoff,
    enqueue,
    list_messages,
    outbox_counts,
    retry_message,
)
from booking.services.bookings import Placement, approve_request, hold_request
from booking.services.requests import submit_request
from booking.types import utcnow
from tests.requests.conftest import TODAY, Ids, Inbox, free_port, request_input, send_outbox

STAFF = "user:staff@example.org"
FEB = (dt.date(2027, 2, 2), dt.date(2027, 2, 19), dt.date(2027, 2, 19))


def _message(kind: str) -> OutboxMessage:
    with db.read_session() as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)).one()


def test_the_venue_receives_its_link_in_french_and_the_database_forgets_it(
    db_url: str, ids: Ids, inbox: Inbox
) -> None:
    sent = submit_request(
        request_input(ids.exhibition, ids.venues[0], message="<script>alert(1)</script>"),
        today=TODAY,
    )
    assert send_outbox() == "sent 1, not sent 0"
    (mail,) = inbox.messages
    assert mail["To"] == "camille.martin@example.org"
    assert mail["From"] == "Tournée <tournee@metropole.example>"
    assert mail["Subject"] == (
        "Demande reçue : Légende urbaine – Self Data à Bibliothèque de la Part-Dieu"
    )
    assert mail.get_content_type() == "text/plain"
    body = inbox.body(mail)
    assert body.startswith("Bonjour Camille Martin,")
    assert sent.link in body and "19 janvier 2027 → 20 mars 2027" in body
    stored = _message("received")
    assert stored.status == "sent" and stored.sent_at is not None and stored.attempts == 1
    assert sent.token not in stored.body_text and "token=…" in stored.body_text
    assert send_outbox() == "nothing to send" and len(inbox.messages) == 1


def test_approval_email_carries_the_stop_calendar(db_url: str, ids: Ids, inbox: Inbox) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    hold_request(sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)
    stop = approve_request(sent.request_id, actor=STAFF)
    send_outbox()
    subjects = [m["Subject"] for m in inbox.messages]
    assert subjects == [
        "Demande reçue : Légende urbaine – Self Data à Bibliothèque de la Part-Dieu",
        "Dates réservées sous réserve : Légende urbaine – Self Data à Bibliothèque de la Part-Dieu",
        "Étape confirmée : Légende urbaine – Self Data à Bibliothèque de la Part-Dieu",
    ]
    approved = inbox.messages[2]
    body = inbox.body(approved)
    assert "installation : 2 février 2027" in body and "démontage : 19 février 2027" in body
    (attachment,) = list(approved.iter_attachments())
    assert attachment.get_filename() == f"etape-{stop.id}.ics"
    assert attachment.get_content_type() == "text/calendar"
    ics = attachment.get_content()
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "BEGIN:VCALENDAR" in ics and stop.uid in ics.replace("\r\n ", "")


def test_a_venue_that_chose_english_gets_english(db_url: str, ids: Ids, inbox: Inbox) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0], language="en"), today=TODAY)
    expires = dt.datetime(2030, 10, 31, 22, 59, tzinfo=dt.UTC)  # 23:59 in Paris (CET)
    hold_request(sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF, expires_at=expires)
    send_outbox()
    received, held = inbox.messages
    assert received["Subject"].startswith("Request received:")
    assert inbox.body(received).startswith("Hello Camille Martin,")
    assert "confirmed before 31 Oct 2030, 23:59" in inbox.body(held)


def test_an_unreachable_server_is_retried_later_then_marked_failed(
    db_url: str, ids: Ids, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    server_port = get_settings().smtp_port
    monkeypatch.setenv("SMTP_PORT", str(free_port()))  # nobody listens there
    reset_settings()
    now = utcnow()
    assert send_outbox(now) == "sent 0, not sent 1"
    message = _message("received")
    assert message.status == "pending" and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at == now + backoff(1) == now + dt.timedelta(minutes=2)
    assert send_outbox(now + dt.timedelta(minutes=1)) == "nothing to send"  # not due yet
    for attempt in range(2, MAX_ATTEMPTS + 1):
        now += backoff(attempt - 1) + dt.timedelta(seconds=1)
        send_outbox(now)
    message = _message("received")
    assert message.status == "failed" and message.attempts == MAX_ATTEMPTS
    assert outbox_counts()["failed"] == 1
    assert list_messages(status="failed")[0].last_error == message.last_error
    assert send_outbox(now + dt.timedelta(days=1)) == "nothing to send"  # failed stays failed
    # Staff retry it once the server is back.
    monkeypatch.setenv("SMTP_PORT", str(server_port))
    reset_settings()
    assert message.id is not None
    retry_message(message.id, actor=STAFF)
    with pytest.raises(ValidationError, match="Seul un message en échec"):
        retry_message(message.id, actor=STAFF)
    assert send_outbox() == "sent 1, not sent 0"
    assert [m["To"] for m in inbox.messages] == ["camille.martin@example.org"]


def test_a_refused_recipient_fails_alone(db_url: str, ids: Ids, inbox: Inbox) -> None:
    submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    with db.transaction() as session:
        enqueue(
            session,
            kind="received",
            to="nobody@refused.example",
            subject="Test",
            body="Corps",
            dedup_key="test:refused",
        )
    assert send_outbox() == "sent 1, not sent 1"
    with db.read_session() as session:
        refused = session.exec(
            select(OutboxMessage).where(OutboxMessage.dedup_key == "test:refused")
        ).one()
    assert refused.status == "pending" and "No such mailbox" in refused.last_error
    assert [m["To"] for m in inbox.messages] == ["camille.martin@example.org"]


def test_without_smtp_host_messages_stay_pending(
    db_url: str, ids: Ids, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMTP_HOST", "")
    reset_settings()
    submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    assert send_outbox() == "SMTP not configured: 1 message(s) stay pending"
    assert _message("received").status == OutboxStatus.pending


def test_the_same_message_enqueued_twice_is_one_row(db_url: str) -> None:
    with db.transaction() as session:
        first = enqueue(session, "reminder", "a@example.org", "S", "B", dedup_key="k:1")
        second = enqueue(session, "reminder", "a@example.org", "S2", "B2", dedup_key="k:1")
        assert first is second
    with db.read_session() as session:
        assert len(session.exec(select(OutboxMessage)).all()) == 1


def test_running_every_job_twice_sends_nothing_twice(db_url: str, ids: Ids, inbox: Inbox) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    hold_request(sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)
    approve_request(sent.request_id, actor=STAFF)
    reminder_day = dt.datetime(2027, 1, 27, 9, 0, tzinfo=dt.UTC)  # 6 days before install
    # The runner sends before it queues reminders: the second run sends what the first queued.
    for _ in range(2):
        outcomes = run_jobs(now=reminder_day)
        assert all(o.ok for o in outcomes), [o.detail for o in outcomes if not o.ok]
    subjects = [m["Subject"].split(" :")[0] for m in inbox.messages]
    assert subjects == [
        "Demande reçue",
        "Dates réservées sous réserve",
        "Étape confirmée",
        "Rappel",
    ]
    outcomes = run_jobs(now=reminder_day)
    assert all(o.ok for o in outcomes) and len(inbox.messages) == 4


def test_an_erased_contact_gets_nothing(db_url: str, ids: Ids, inbox: Inbox) -> None:
    from booking.services.privacy import erase_contact

    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    with db.read_session() as session:
        contact = session.exec(select(Contact)).one()
    assert contact.id is not None
    erase_contact(contact.id, actor=STAFF)
    assert send_outbox() == "nothing to send" and inbox.messages == []
    message = _message("received")
    assert message.status == "failed" and message.to_address is None
    assert sent.token not in message.body_text and "Camille" not in message.body_text
