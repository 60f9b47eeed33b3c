"""Kit condition (venues with upcoming stops are told), venues for staff (a point corrected
by hand, closures), and contacts erased on request or after the retention period."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select

from booking import db
from booking.errors import NotFound, ValidationError
from booking.jobs import run_jobs
from booking.models import AuditEvent, BookingRequest, Contact, KitPart, OutboxMessage
from booking.services.bookings import Placement, approve_request
from booking.services.kits import kit_detail, list_kits, set_kit_condition, set_part_condition
from booking.services.privacy import erase_contact
from booking.services.requests import (
    candidate_placements,
    decline_request,
    open_request,
    submit_request,
)
from booking.services.venues import (
    add_closure,
    correct_point,
    list_venues,
    remove_closure,
    venue_detail,
)
from tests.requests.conftest import TODAY, Ids, request_input

STAFF = "user:staff@example.org"
FEB = (dt.date(2027, 2, 2), dt.date(2027, 2, 19), dt.date(2027, 2, 19))
APRIL = (dt.date(2027, 4, 6), dt.date(2027, 4, 23), dt.date(2027, 4, 23))


def _messages(kind: str) -> list[OutboxMessage]:
    with db.read_session() as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.kind == kind)
                .order_by(col(OutboxMessage.id))
            )
        )


def _two_stops(ids: Ids) -> tuple[int, int]:
    a = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    b = submit_request(
        request_input(ids.exhibition, ids.venues[2], windows=[(APRIL[0], APRIL[2])]),
        today=TODAY,
    )
    approve_request(a.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)
    approve_request(b.request_id, Placement(ids.kits[0], *APRIL), actor=STAFF)
    return a.request_id, b.request_id


def test_a_damaged_kit_tells_each_venue_with_an_upcoming_stop_once(db_url: str, ids: Ids) -> None:
    _two_stops(ids)
    told = set_kit_condition(
        ids.kits[0], "damaged", "Panneau 3 déchiré", actor=STAFF, today=dt.date(2027, 3, 1)
    )
    assert told == 1  # the February stop is over by 1 March; April's venue is told
    (message,) = _messages("kit_issue")
    assert message.subject.startswith("Information sur l'exposition")
    assert "le kit est abîmé" in message.body_text and "Panneau 3 déchiré" in message.body_text
    assert set_kit_condition(ids.kits[0], "damaged", "encore", actor=STAFF) == 0  # no news
    assert set_kit_condition(ids.kits[0], "good", actor=STAFF) == 0
    rows = {k.id: k for k in list_kits(today=dt.date(2027, 3, 1))}
    assert rows[ids.kits[0]].condition == "good" and rows[ids.kits[0]].upcoming_stops == 1


def test_a_missing_panel_tells_the_venues(db_url: str, ids: Ids) -> None:
    _two_stops(ids)
    detail = kit_detail(ids.kits[0], today=TODAY)
    panel = detail.parts[6]
    assert panel.label == "Panneau 7" and [u.install for u in detail.upcoming] == [FEB[0], APRIL[0]]
    assert set_part_condition(panel.id, "missing", actor=STAFF, today=TODAY) == 2
    bodies = [m.body_text for m in _messages("kit_issue")]
    assert len(bodies) == 2 and all("« Panneau 7 » est manquant" in b for b in bodies)
    assert kit_detail(ids.kits[0], today=TODAY).kit.parts_not_ok == 1
    with pytest.raises(ValidationError, match="État inconnu"):
        set_part_condition(panel.id, "stolen", actor=STAFF)
    with pytest.raises(NotFound):
        set_part_condition(999_999, "ok", actor=STAFF)


def test_an_out_of_service_kit_is_not_offered(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    set_kit_condition(ids.kits[0], "out_of_service", "Transport", actor=STAFF)
    found = candidate_placements(sent.request_id, today=TODAY, limit=50)
    assert found and {c.kit_id for c in found} == {ids.kits[1]}
    with pytest.raises(ValidationError, match="hors service"):
        approve_request(sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)


def test_staff_correct_a_point_and_the_outside_flag_follows(db_url: str, ids: Ids) -> None:
    row = correct_point(ids.venues[0], lat=45.9896, lon=4.7186, actor=STAFF)
    assert not row.inside and row.geocode_source == "manual"
    assert not {v.id: v for v in list_venues()}[ids.venues[0]].inside
    row = correct_point(ids.venues[0], insee="69266", actor=STAFF)
    detail = venue_detail(ids.venues[0])
    assert row.inside and detail.insee == "69266" and detail.landmarks[0][0].name == "Villeurbanne"
    with pytest.raises(ValidationError, match="Coordonnées impossibles"):
        correct_point(ids.venues[0], lat=91, lon=0, actor=STAFF)
    with pytest.raises(ValidationError, match="latitude et une longitude"):
        correct_point(ids.venues[0], actor=STAFF)
    with db.read_session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert actions == ["venue.point_corrected", "venue.point_corrected"]


def test_closures_typed_by_staff_are_checked_and_used(db_url: str, ids: Ids) -> None:
    with pytest.raises(ValidationError, match="finir après avoir commencé"):
        add_closure(ids.venues[0], FEB[1], FEB[0], actor=STAFF, today=TODAY)
    with pytest.raises(ValidationError, match="au plus 366 jours"):
        add_closure(
            ids.venues[0], FEB[0], FEB[0] + dt.timedelta(days=400), actor=STAFF, today=TODAY
        )
    with pytest.raises(ValidationError, match="entièrement passée"):
        add_closure(
            ids.venues[0], dt.date(2026, 1, 1), dt.date(2026, 1, 5), actor=STAFF, today=TODAY
        )
    closure = add_closure(ids.venues[0], FEB[0], FEB[1], "Inventaire", actor=STAFF, today=TODAY)
    assert [c.reason for c in venue_detail(ids.venues[0]).closures] == ["Inventaire"]
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    with pytest.raises(ValidationError, match="lieu fermé"):
        approve_request(sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)
    remove_closure(closure.id, actor=STAFF)
    approve_request(sent.request_id, Placement(ids.kits[0], *FEB), actor=STAFF)


def test_erasing_a_contact_blanks_it_and_its_link(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    with db.read_session() as session:
        contact_id = session.exec(select(Contact)).one().id
    assert contact_id is not None
    assert erase_contact(contact_id, actor=STAFF) is True
    assert erase_contact(contact_id, actor=STAFF) is False
    with db.read_session() as session:
        contact = session.get(Contact, contact_id)
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "contact.erased")).one()
    assert contact is not None and contact.erased_at is not None
    assert (contact.name, contact.role, contact.email, contact.phone) == (None, None, None, None)
    assert "camille" not in str(event.details).lower() and event.actor == STAFF
    with pytest.raises(NotFound, match="Ce lien n'est pas valide."):
        open_request(sent.token)  # an erased contact's link has expired
    assert [c.erased for c in venue_detail(ids.venues[0]).contacts] == [True]


def test_retention_erases_contacts_long_after_the_stop_only(db_url: str, ids: Ids) -> None:
    a, b = _two_stops(ids)  # stops dismantled on 19 Feb and 23 Apr 2027
    live = submit_request(request_input(ids.exhibition, ids.venues[2]), today=TODAY)
    declined = submit_request(request_input(ids.exhibition, ids.venues[2]), today=TODAY)
    decline_request(declined.request_id, "Complet", actor=STAFF)
    with db.transaction() as session:  # declined on 1 Dec 2026, whatever today is
        request = session.get(BookingRequest, declined.request_id)
        assert request is not None
        request.updated_at = dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC)

    def run(on: dt.date) -> str:
        (outcome,) = run_jobs(
            only=["privacy.retention"], now=dt.datetime.combine(on, dt.time(3), tzinfo=dt.UTC)
        )
        assert outcome.ok, outcome.detail
        return outcome.detail.removesuffix(" contact(s) kept more than 36 months")

    assert run(dt.date(2029, 12, 1)) == "erased 0"
    assert run(dt.date(2029, 12, 2)) == "erased 1"  # the declined request's contact
    assert run(dt.date(2030, 2, 19)) == "erased 0"
    assert run(dt.date(2030, 2, 20)) == "erased 1"  # 36 months after the February stop
    assert run(dt.date(2030, 2, 21)) == "erased 0"
    with pytest.raises(NotFound):
        open_request(declined.token)
    assert open_request(live.token).status == "submitted"  # a live request keeps its contact
    with db.read_session() as session:
        kept = {
            r.id
            for r in session.exec(select(BookingRequest))
            if (c := session.get(Contact, r.contact_id)) and c.erased_at is None
        }
    assert kept == {b, live.request_id} and a not in kept


def test_a_part_list_is_the_kits_checklist(db_url: str, ids: Ids) -> None:
    with db.read_session() as session:
        parts = session.exec(select(KitPart).where(KitPart.kit_id == ids.kits[0])).all()
    assert len(kit_detail(ids.kits[0], today=TODAY).parts) == len(parts) == 14
