"""Staff review a request: candidates best first, hold, approve, counter-propose, decline,
waitlist, cancel, a fresh link; every action is an audit event and tells the venue."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select

from booking import db
from booking.errors import Conflict, NotFound, ValidationError
from booking.models import KitOccupancy, OutboxMessage, RequestStatus, VenueClosure
from booking.services.bookings import Placement, approve_request, hold_request
from booking.services.requests import (
    answer_proposal,
    cancel_request,
    candidate_placements,
    counter_propose,
    decline_request,
    list_requests,
    open_request,
    request_detail,
    resend_link,
    status_counts,
    submit_request,
    waitlist_request,
)
from booking.types import utcnow
from tests.conftest import BOTH
from tests.requests.conftest import TODAY, Ids, days, request_input

STAFF = "user:staff@example.org"
FEB = (dt.date(2027, 2, 2), dt.date(2027, 2, 19), dt.date(2027, 2, 19))  # Tue → Fri


def _kinds() -> list[str]:
    with db.read_session() as session:
        return [m.kind for m in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))]


def _actions(request_id: int) -> list[str]:
    return [e["action"] for e in reversed(request_detail(request_id).events)]


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_hold_then_approve_tells_the_venue_each_time(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    expires = utcnow() + dt.timedelta(days=10)
    hold_request(sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF, expires_at=expires)
    view = open_request(sent.token)
    assert view.status == "held" and view.hold is not None and view.hold.install == FEB[0]
    stop = approve_request(sent.request_id, actor=STAFF, expected_version=view.version)
    shown = open_request(sent.token).stop
    assert shown is not None and shown.id == stop.id and shown.status == "confirmed"
    assert (shown.install, shown.last_open, shown.dismantle) == FEB
    assert _kinds() == ["received", "held", "approved"]
    with db.read_session() as session:
        approved = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "approved")).one()
        held = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "held")).one()
    assert approved.attachments == [
        {
            "filename": f"etape-{stop.id}.ics",
            "mime": "text/calendar",
            "calendar": f"stop:{stop.id}",
            "lang": "fr",
        }
    ]
    assert "2 février 2027" in held.body_text and "à confirmer avant le" in held.body_text
    assert _actions(sent.request_id) == ["request.submitted", "request.held", "request.approved"]


def test_candidates_fit_the_windows_and_skip_taken_days_best_first(db_url: str, ids: Ids) -> None:
    # The library (Tue–Sat) asks for 14–21 days between 19 Jan and 20 Mar 2027.
    other = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    approve_request(other.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    found = candidate_placements(sent.request_id, today=TODAY)
    assert found, "the windows leave room"
    for c in found:
        assert days(60) <= c.install and c.dismantle <= days(120)
        assert 14 <= c.stay_days <= 21
        assert c.install.weekday() in (1, 2, 3, 4) and c.dismantle.weekday() in (1, 2, 3, 4)
        if c.kit_id == ids.kits[0]:  # never over the confirmed stop of kit 1
            assert c.dismantle <= FEB[0] or c.install >= FEB[2]
    assert [c.open_days for c in found] == sorted((c.open_days for c in found), reverse=True)
    assert found[0].stay_days == 21
    # Each candidate can really be held.
    best = found[0]
    hold_request(sent.request_id, best.placement, actor=STAFF)


def test_a_school_gets_term_time_before_school_holidays(db_url: str, ids: Ids) -> None:
    # A window over the February holidays of zone A (13 Feb – 1 Mar 2027) and term time.
    sent = submit_request(
        request_input(
            ids.exhibition,
            ids.venues[1],
            windows=[(dt.date(2027, 2, 8), dt.date(2027, 3, 19))],
            stay_min_days=14,
            stay_max_days=14,
        ),
        today=TODAY,
    )
    found = candidate_placements(sent.request_id, today=TODAY)
    best, worst = found[0], found[-1]
    assert best.school_holiday_days == 0 and best.install == dt.date(2027, 3, 1)
    assert worst.school_holiday_days > 0 and worst.open_days < best.open_days
    for c in found:  # never installed nor dismantled during the school holidays
        for day in (c.install, c.dismantle):
            assert not dt.date(2027, 2, 13) <= day <= dt.date(2027, 2, 28)


def test_a_venue_closure_is_never_a_handling_day(db_url: str, ids: Ids) -> None:
    with db.transaction() as session:
        session.add(
            VenueClosure(venue_id=ids.venues[0], start=days(60), end=days(90), reason="Inventaire")
        )
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    found = candidate_placements(sent.request_id, today=TODAY, limit=50)
    assert found and all(c.install > days(90) for c in found)
    with pytest.raises(ValidationError, match="lieu fermé"):
        hold_request(
            sent.request_id,
            Placement(ids.kits[0], days(61), days(61 + 20), days(61 + 20)),
            actor=STAFF,
        )


def test_counter_proposal_accepted_by_the_venue_confirms_the_stop(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    april = Placement(ids.kits[1], dt.date(2027, 4, 6), dt.date(2027, 4, 23), dt.date(2027, 4, 23))
    counter_propose(sent.request_id, april, actor=STAFF, note="Février est complet")
    view = open_request(sent.token)
    assert view.proposal is not None and view.proposal.install == april.install
    with db.read_session() as session:
        assert session.exec(select(KitOccupancy)).one().kind == "hold"  # kept for the venue
        message = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "counter_proposal")
        ).one()
    assert "6 avril 2027" in message.body_text and "Février est complet" in message.body_text
    accepted = answer_proposal(sent.token, accept=True, expected_version=view.version)
    assert accepted.status == "approved" and accepted.stop is not None
    assert accepted.stop.install == april.install and accepted.proposal is None
    assert _kinds() == ["received", "counter_proposal", "approved"]
    assert _actions(sent.request_id)[-1] == "request.approved"
    assert request_detail(sent.request_id).events[0]["actor"] == f"venue:request-{sent.request_id}"


def test_counter_proposal_refused_frees_the_days(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    counter_propose(sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)
    view = answer_proposal(sent.token, accept=False)
    assert view.status == "submitted" and view.proposal is None and view.hold is None
    with db.read_session() as session:
        assert session.exec(select(KitOccupancy)).first() is None
    with pytest.raises(ValidationError, match="Aucune proposition"):
        answer_proposal(sent.token, accept=True)
    assert "request.proposal_refused" in _actions(sent.request_id)


def test_decline_needs_a_reason_and_the_venue_reads_it(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    with pytest.raises(ValidationError, match="Indiquez un motif"):
        decline_request(sent.request_id, "   ", actor=STAFF)
    decline_request(sent.request_id, "Salle trop petite <b>10 m</b> requis", actor=STAFF)
    view = open_request(sent.token)
    assert view.status == "declined" and view.decision_reason.startswith("Salle trop petite")
    with db.read_session() as session:
        message = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "declined")).one()
    assert "Motif : Salle trop petite <b>10 m</b> requis" in message.body_text


def test_waitlist_then_hold_later(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    waitlist_request(sent.request_id, "Tout est pris en février", actor=STAFF)
    assert open_request(sent.token).status == "waitlisted"
    hold_request(sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)
    assert _kinds() == ["received", "waitlisted", "held"]


def test_cancelling_a_stop_tells_the_venue_and_frees_the_kit(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    approve_request(sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)
    cancel_request(sent.request_id, "Camion indisponible", actor=STAFF)
    view = open_request(sent.token)
    assert view.status == "cancelled" and view.stop is not None
    assert view.stop.status == "cancelled" and not view.documents_ready
    with db.read_session() as session:
        assert session.exec(select(KitOccupancy)).first() is None
        message = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "cancelled")).one()
    assert "annuler l'étape" in message.body_text and "Camion indisponible" in message.body_text


def test_two_staff_acting_on_the_same_version_one_is_told_to_reload(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    version = request_detail(sent.request_id).view.version
    decline_request(sent.request_id, "Hors saison", actor=STAFF, expected_version=version)
    with pytest.raises(Conflict, match="Quelqu'un d'autre vient de modifier"):
        hold_request(
            sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF, expected_version=version
        )


def test_a_fresh_link_replaces_the_old_one(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    link = resend_link(sent.request_id, actor=STAFF)
    new_token = link.split("token=", 1)[1]
    assert open_request(new_token).request_id == sent.request_id
    with pytest.raises(NotFound, match="Ce lien n'est pas valide."):
        open_request(sent.token)  # the old link has expired
    assert _kinds() == ["received", "link"] and "request.link_rotated" in _actions(sent.request_id)


def test_the_queue_lists_waiting_requests_first_with_filters(db_url: str, ids: Ids) -> None:
    a = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    b = submit_request(request_input(ids.exhibition, ids.venues[1]), today=TODAY)
    c = submit_request(request_input(ids.exhibition, ids.venues[2], indoor=False), today=TODAY)
    approve_request(a.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)
    rows = list_requests()
    assert [r.id for r in rows] == [b.request_id, c.request_id, a.request_id]
    assert [r.id for r in list_requests(statuses=["approved"])] == [a.request_id]
    assert [r.id for r in list_requests(venue_type="school")] == [b.request_id]
    assert [r.id for r in list_requests(search="champvert")] == [c.request_id]
    assert status_counts()["submitted"] == 2 and status_counts()["approved"] == 1
    assert rows[0].windows == [(days(60), days(120))]
    assert "setting" in request_detail(c.request_id).warnings


def test_statuses_follow_the_state_machine(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    decline_request(sent.request_id, "Non", actor=STAFF)
    with pytest.raises(ValidationError, match="la demande est « refusée »"):
        approve_request(sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)
    assert open_request(sent.token).status == RequestStatus.declined


def test_a_new_hold_replaces_a_pending_counter_proposal(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    counter_propose(sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)
    march = Placement(ids.kits[1], dt.date(2027, 3, 2), dt.date(2027, 3, 19), dt.date(2027, 3, 19))
    hold_request(sent.request_id, march, actor=STAFF)
    view = open_request(sent.token)
    assert view.proposal is None and view.hold is not None and view.hold.kit_id == ids.kits[1]
