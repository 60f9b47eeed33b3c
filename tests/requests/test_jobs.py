"""Background jobs: expired holds released, reminders 7 days before installation, both
idempotent, with days counted in Europe/Paris across the clock changes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select

from booking import db
from booking.i18n import format_datetime
from booking.jobs import run_jobs
from booking.models import AuditEvent, KitOccupancy, OutboxMessage
from booking.services.bookings import Placement, approve_request, hold_request
from booking.services.requests import end_of_day, open_request, paris_today, submit_request
from booking.types import utcnow
from tests.conftest import BOTH
from tests.requests.conftest import TODAY, Ids, request_input

STAFF = "user:staff@example.org"
APRIL = (dt.date(2027, 4, 6), dt.date(2027, 4, 23), dt.date(2027, 4, 23))  # Tue → Fri


def _run(job: str, now: dt.datetime) -> str:
    (outcome,) = run_jobs(only=[job], now=now)
    assert outcome.ok, outcome.detail
    return outcome.detail


def _kinds() -> list[str]:
    with db.read_session() as session:
        return [m.kind for m in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))]


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_an_expired_hold_is_released_once_and_the_venue_told(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    expires = utcnow() + dt.timedelta(days=3)
    hold_request(
        sent.request_id,
        Placement(ids.kits[0], dt.date(2027, 2, 2), dt.date(2027, 2, 19), dt.date(2027, 2, 19)),
        actor=STAFF,
        expires_at=expires,
    )
    job = "requests.expire_holds"
    assert _run(job, expires - dt.timedelta(minutes=1)) == "released 0 expired hold(s)"
    assert open_request(sent.token).status == "held"
    assert _run(job, expires + dt.timedelta(minutes=1)) == "released 1 expired hold(s)"
    assert _run(job, expires + dt.timedelta(minutes=2)) == "released 0 expired hold(s)"
    view = open_request(sent.token)
    assert view.status == "submitted" and view.hold is None
    with db.read_session() as session:
        assert session.exec(select(KitOccupancy)).first() is None
        event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "request.hold_expired")
        ).one()
    assert event.actor == "system" and event.details["install"] == "2027-02-02"
    assert _kinds() == ["received", "held", "hold_expired"]


def test_reminder_seven_days_before_installation_in_paris_time(db_url: str, ids: Ids) -> None:
    """Summer time starts on 28 March 2027: 22:30 UTC on 29 March is already 30 March in
    Lyon, seven days before the 6 April installation."""
    sent = submit_request(
        request_input(ids.exhibition, ids.venues[0], windows=[(APRIL[0], APRIL[2])]),
        today=TODAY,
    )
    approve_request(sent.request_id, Placement(ids.kits[0], *APRIL), actor=STAFF)
    job = "requests.reminders"
    before = dt.datetime(2027, 3, 29, 21, 30, tzinfo=dt.UTC)  # 23:30 on 29 March in Lyon
    assert paris_today(before) == dt.date(2027, 3, 29)
    assert _run(job, before) == "0 reminder(s) queued"
    due = dt.datetime(2027, 3, 29, 22, 30, tzinfo=dt.UTC)  # 00:30 on 30 March in Lyon
    assert paris_today(due) == dt.date(2027, 3, 30)
    assert _run(job, due) == "1 reminder(s) queued"
    assert _run(job, due + dt.timedelta(days=1)) == "0 reminder(s) queued"
    with db.read_session() as session:
        reminder = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).one()
    assert (
        reminder.subject == "Rappel : installation le 6 avril 2027 à Bibliothèque de la Part-Dieu"
    )
    assert "environ 10 m de mur" in reminder.body_text
    # After the installation day no reminder is due any more.
    assert _run(job, dt.datetime(2027, 4, 6, 8, 0, tzinfo=dt.UTC)) == "0 reminder(s) queued"


def test_a_cancelled_stop_gets_no_reminder(db_url: str, ids: Ids) -> None:
    from booking.services.requests import cancel_request

    sent = submit_request(
        request_input(ids.exhibition, ids.venues[0], windows=[(APRIL[0], APRIL[2])]),
        today=TODAY,
    )
    approve_request(sent.request_id, Placement(ids.kits[0], *APRIL), actor=STAFF)
    cancel_request(sent.request_id, "Travaux", actor=STAFF)
    assert _run("requests.reminders", dt.datetime(2027, 4, 1, 8, tzinfo=dt.UTC)) == (
        "0 reminder(s) queued"
    )


def test_a_hold_expiry_date_ends_at_midnight_in_lyon_on_both_sides_of_october() -> None:
    # Summer time ends on 31 October 2027 at 03:00.
    assert end_of_day(dt.date(2027, 10, 30)) == dt.datetime(2027, 10, 30, 21, 59, tzinfo=dt.UTC)
    assert end_of_day(dt.date(2027, 10, 31)) == dt.datetime(2027, 10, 31, 22, 59, tzinfo=dt.UTC)
    assert format_datetime(end_of_day(dt.date(2027, 10, 31))) == "31 oct. 2027, 23:59:00"
    assert format_datetime(end_of_day(dt.date(2027, 3, 28))) == "28 mars 2027, 23:59:00"
