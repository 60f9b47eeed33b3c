"""Staff move a confirmed stop to other dates or another kit: the stop, the request, the kit's
days, the calendars, the van's days and the venue's email follow, on both databases; every
refusal leaves everything as it was. Last, the staff page's form, driven with AppTest."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from streamlit.testing.v1 import AppTest

from booking import db
from booking.calendars import export_calendar
from booking.errors import Conflict, ValidationError
from booking.i18n import PARIS, format_date
from booking.models import (
    AuditEvent,
    BookingRequest,
    KitOccupancy,
    OutboxMessage,
    RequestStatus,
    Stop,
    VanDay,
)
from booking.planning.db_season import plan_van_days
from booking.services.accounts import add_user
from booking.services.bookings import Placement, approve_request, hold_request, move_stop
from booking.services.requests import cancel_request, candidate_placements, paris_today
from booking.types import utcnow
from tests.calendars.parsing import read_events
from tests.conftest import BOTH
from tests.factories import make_request, world

both = pytest.mark.parametrize("db_url", BOTH, indirect=True)

STAFF = "user:staff@example.org"
TODAY = dt.date(2026, 11, 20)  # a fixed "today", long before the stops below
# Tuesday → Friday, transport days the library (Tue–Sat) and the park (every day) are open.
FEB = (dt.date(2027, 2, 2), dt.date(2027, 2, 19), dt.date(2027, 2, 19))
LATER = (dt.date(2027, 2, 9), dt.date(2027, 2, 26), dt.date(2027, 2, 26))
MARCH = (dt.date(2027, 3, 2), dt.date(2027, 3, 19), dt.date(2027, 3, 19))


def _world(language: str = "fr") -> tuple[list[int], list[int]]:
    """Two kits; a request of the library (in `language`) and one of the park."""
    with db.transaction() as session:
        w = world(session)
        library, _ = make_request(session, w.exhibition, w.venues[0], language=language)
        park, _ = make_request(
            session, w.exhibition, w.venues[2], windows=[(dt.date(2027, 1, 11), MARCH[2])]
        )
        kits = [k.id for k in w.kits if k.id is not None]
        assert library.id is not None and park.id is not None
        return kits, [library.id, park.id]


def _approved(language: str = "fr") -> tuple[list[int], int, Stop]:
    """The library's request approved on kit 1 in February; the kits and the park's request."""
    kits, (library, park) = _world(language)
    stop = approve_request(library, Placement(kits[0], *FEB), actor=STAFF)
    return kits, park, stop


def _state(request_id: int) -> tuple[Any, ...]:
    """Everything a move changes, to show a refused one changed nothing."""
    with db.read_session() as session:
        request = session.get(BookingRequest, request_id)
        stop = session.exec(select(Stop).where(Stop.request_id == request_id)).one()
        occupancy = session.exec(
            select(KitOccupancy).where(KitOccupancy.request_id == request_id)
        ).first()
        moved = session.exec(select(AuditEvent).where(AuditEvent.action == "stop.moved")).all()
        mails = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "moved")).all()
    assert request is not None
    return (
        request.version,
        request.status,
        (request.kit_id, request.start, request.end, request.dismantle),
        (stop.kit_id, stop.install_date, stop.last_open_date, stop.dismantle_date),
        (stop.status, stop.sequence, stop.updated_at),
        (occupancy.kit_id, occupancy.start, occupancy.end) if occupancy else None,
        len(moved),
        len(mails),
    )


def _version(request_id: int) -> int:
    with db.read_session() as session:
        request = session.get(BookingRequest, request_id)
        assert request is not None
        return request.version


@both
def test_moving_the_dates_moves_everything_and_tells_the_venue(db_url: str) -> None:
    kits, _park, stop = _approved()
    version = _version(stop.request_id)
    before = utcnow()
    moved = move_stop(
        stop.request_id,
        Placement(kits[0], *LATER),
        actor=STAFF,
        reason="Travaux dans la salle",
        expected_version=version,
        today=TODAY,
    )
    assert moved.id == stop.id and moved.uid == stop.uid
    assert (moved.install_date, moved.last_open_date, moved.dismantle_date) == LATER
    assert moved.sequence == stop.sequence + 1 and moved.updated_at >= before
    with db.read_session() as session:
        request = session.get(BookingRequest, stop.request_id)
        occupancy = session.exec(select(KitOccupancy)).one()
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "stop.moved"))
        (mail,) = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "moved"))
    assert request is not None and request.status == RequestStatus.approved
    assert (request.kit_id, request.start, request.end, request.dismantle) == (kits[0], *LATER)
    assert request.version == version + 1
    # The kit is taken from the new install day; the old days are free.
    assert (occupancy.kit_id, occupancy.start, occupancy.end) == (kits[0], LATER[0], LATER[2])
    assert event.actor == STAFF and event.entity_id == stop.request_id
    assert event.details["stop_id"] == stop.id
    assert event.details["reason"] == "Travaux dans la salle"
    assert event.details["old"] == {
        "kit_id": kits[0],
        "install": "2027-02-02",
        "last_open": "2027-02-19",
        "dismantle": "2027-02-19",
    }
    assert event.details["new"] == {
        "kit_id": kits[0],
        "install": "2027-02-09",
        "last_open": "2027-02-26",
        "dismantle": "2027-02-26",
    }
    assert mail.to_address == "camille.exemple@example.org"
    assert mail.subject.startswith("Nouvelles dates pour votre étape : ")
    assert "installation : 9 février 2027" in mail.body_text
    assert "dernier jour d'ouverture : 26 février 2027" in mail.body_text
    assert "démontage : 26 février 2027" in mail.body_text
    assert "(2 février 2027 → 19 février 2027)" in mail.body_text
    assert "Motif : Travaux dans la salle" in mail.body_text
    assert mail.attachments == [
        {
            "filename": f"etape-{stop.id}.ics",
            "mime": "text/calendar",
            "calendar": f"stop:{stop.id}",
            "lang": "fr",
        }
    ]


@both
def test_the_venue_is_told_in_its_own_language(db_url: str) -> None:
    kits, _park, stop = _approved(language="en")
    move_stop(stop.request_id, Placement(kits[0], *LATER), actor=STAFF, today=TODAY)
    with db.read_session() as session:
        (mail,) = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "moved"))
    assert mail.subject.startswith("New dates for your stop: ")
    assert "installation: 9 February 2027" in mail.body_text
    assert "dismantling: 26 February 2027" in mail.body_text
    assert "Reason:" not in mail.body_text  # no reason given, no empty line for it


@both
def test_a_clash_with_another_stop_is_refused_naming_its_dates(db_url: str) -> None:
    kits, park, stop = _approved()
    approve_request(park, Placement(kits[0], *MARCH), actor=STAFF)
    before = _state(stop.request_id)
    overlapping = Placement(kits[0], dt.date(2027, 2, 16), dt.date(2027, 3, 5), dt.date(2027, 3, 5))
    with pytest.raises(
        Conflict, match=r"déjà réservé ou mis de côté du 2 mars 2027 au 19 mars 2027"
    ):
        move_stop(stop.request_id, overlapping, actor=STAFF, today=TODAY)
    assert _state(stop.request_id) == before
    with db.read_session() as session:
        assert len(session.exec(select(KitOccupancy)).all()) == 2


@both
def test_moving_to_another_kit_frees_the_first_one(db_url: str) -> None:
    kits, park, stop = _approved()
    moved = move_stop(stop.request_id, Placement(kits[1], *FEB), actor=STAFF, today=TODAY)
    assert moved.kit_id == kits[1] and moved.sequence == stop.sequence + 1
    # The park can now have kit 1 on the library's former days.
    approve_request(park, Placement(kits[0], *FEB), actor=STAFF)
    with db.read_session() as session:
        taken = {(o.kit_id, o.start) for o in session.exec(select(KitOccupancy))}
        request = session.get(BookingRequest, stop.request_id)
    assert taken == {(kits[0], FEB[0]), (kits[1], FEB[0])}
    assert request is not None and request.kit_id == kits[1]


@both
def test_a_stale_form_is_refused(db_url: str) -> None:
    kits, _park, stop = _approved()
    seen = _version(stop.request_id)
    move_stop(stop.request_id, Placement(kits[1], *FEB), actor=STAFF, today=TODAY)
    before = _state(stop.request_id)
    with pytest.raises(Conflict):
        move_stop(
            stop.request_id,
            Placement(kits[0], *LATER),
            actor=STAFF,
            expected_version=seen,
            today=TODAY,
        )
    assert _state(stop.request_id) == before


@both
def test_a_request_not_approved_has_no_stop_to_move(db_url: str) -> None:
    kits, (library, _park) = _world()
    hold_request(library, Placement(kits[0], *FEB), actor=STAFF)
    with pytest.raises(ValidationError, match="Seule une étape confirmée.*« sous réserve »"):
        move_stop(library, Placement(kits[0], *LATER), actor=STAFF, today=TODAY)
    with db.read_session() as session:
        assert session.exec(select(Stop)).first() is None
        occupancy = session.exec(select(KitOccupancy)).one()
    assert (occupancy.kind, occupancy.start) == ("hold", FEB[0])


@both
def test_a_cancelled_stop_cannot_move(db_url: str) -> None:
    kits, _park, stop = _approved()
    cancel_request(stop.request_id, "Lieu fermé pour travaux", actor=STAFF)
    before = _state(stop.request_id)
    with pytest.raises(ValidationError, match="Seule une étape confirmée.*« annulée »"):
        move_stop(stop.request_id, Placement(kits[0], *LATER), actor=STAFF, today=TODAY)
    assert _state(stop.request_id) == before


@both
def test_a_stop_that_is_over_cannot_move(db_url: str) -> None:
    kits, _park, stop = _approved()
    before = _state(stop.request_id)
    with pytest.raises(ValidationError, match="étape est terminée \\(démontage le 19 février"):
        move_stop(
            stop.request_id,
            Placement(kits[0], *LATER),
            actor=STAFF,
            today=dt.date(2027, 2, 20),
        )
    assert _state(stop.request_id) == before


@both
def test_an_installed_stop_keeps_its_kit_and_install_day(db_url: str) -> None:
    kits, _park, stop = _approved()
    during = dt.date(2027, 2, 10)
    before = _state(stop.request_id)
    for placement in (Placement(kits[0], *LATER), Placement(kits[1], *FEB)):
        with pytest.raises(ValidationError, match="installée depuis le 2 février 2027"):
            move_stop(stop.request_id, placement, actor=STAFF, today=during)
    assert _state(stop.request_id) == before
    # Closing earlier is still possible (15 days: within the request's 14 to 21).
    shorter = Placement(kits[0], FEB[0], dt.date(2027, 2, 16), dt.date(2027, 2, 16))
    moved = move_stop(stop.request_id, shorter, actor=STAFF, today=during)
    assert (moved.last_open_date, moved.dismantle_date) == (shorter.last_open, shorter.dismantle)
    # …but not into the past.
    with pytest.raises(ValidationError, match="9 février 2027 est déjà passé"):
        move_stop(
            stop.request_id,
            Placement(kits[0], FEB[0], dt.date(2027, 2, 9), dt.date(2027, 2, 16)),
            actor=STAFF,
            today=during,
        )


@both
def test_the_same_placement_is_refused(db_url: str) -> None:
    kits, _park, stop = _approved()
    before = _state(stop.request_id)
    with pytest.raises(ValidationError, match="déjà le kit et les dates de l'étape"):
        move_stop(stop.request_id, Placement(kits[0], *FEB), actor=STAFF, today=TODAY)
    assert _state(stop.request_id) == before


@both
def test_the_rules_of_an_approval_still_hold(db_url: str) -> None:
    kits, _park, stop = _approved()
    before = _state(stop.request_id)
    ascension = dt.date(2027, 5, 6)
    with pytest.raises(ValidationError, match="pas de transport"):
        move_stop(
            stop.request_id,
            Placement(kits[0], ascension, dt.date(2027, 5, 21), dt.date(2027, 5, 21)),
            actor=STAFF,
            today=TODAY,
        )
    with pytest.raises(ValidationError, match="entre 14 et 21 jours"):
        move_stop(
            stop.request_id,
            Placement(kits[0], LATER[0], dt.date(2027, 2, 12), dt.date(2027, 2, 12)),
            actor=STAFF,
            today=TODAY,
        )
    assert _state(stop.request_id) == before


@both
def test_the_stops_calendar_shows_the_new_dates_with_a_higher_sequence(db_url: str) -> None:
    kits, _park, stop = _approved()
    view = f"stop:{stop.id}"
    before = read_events(export_calendar(view))
    move_stop(stop.request_id, Placement(kits[0], *LATER), actor=STAFF, today=TODAY)
    after = read_events(export_calendar(view))
    assert set(after) == set(before)  # same UIDs: the events are updated, not replaced
    period = after[stop.uid]
    assert (period.start, period.end) == (LATER[0], LATER[1] + dt.timedelta(days=1))
    assert period.sequence > before[stop.uid].sequence
    assert "9 février 2027" in period.description
    install = after[f"install-{stop.uid}"]
    assert isinstance(install.start, dt.datetime)
    assert install.start.astimezone(PARIS).date() == LATER[0]
    assert install.sequence > before[f"install-{stop.uid}"].sequence


@both
def test_the_van_days_of_the_old_days_are_removed_to_be_routed_again(db_url: str) -> None:
    kits, _park, stop = _approved()
    window = {"start": dt.date(2027, 1, 1), "end": dt.date(2027, 3, 31), "actor": "test"}
    plan_van_days(**window)  # type: ignore[arg-type]
    with db.read_session() as session:
        planned = {vd.date: vd.id for vd in session.exec(select(VanDay))}
    assert set(planned) == {FEB[0], FEB[2]}  # the delivery and the pickup
    install_before = read_events(export_calendar(f"stop:{stop.id}"))[f"install-{stop.uid}"]

    move_stop(stop.request_id, Placement(kits[0], *LATER), actor=STAFF, today=TODAY)

    with db.read_session() as session:
        assert session.exec(select(VanDay)).all() == []
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "stop.moved"))
    removed = event.details["van_days_removed"]
    assert sorted((d["date"], d["id"]) for d in removed) == [
        ("2027-02-02", planned[FEB[0]]),
        ("2027-02-19", planned[FEB[2]]),
    ]
    # The install visit was timed by the van's leg: its SEQUENCE still goes up without it.
    install_after = read_events(export_calendar(f"stop:{stop.id}"))[f"install-{stop.uid}"]
    assert install_after.sequence > install_before.sequence
    plan_van_days(**window)  # type: ignore[arg-type]
    with db.read_session() as session:
        assert {vd.date for vd in session.exec(select(VanDay))} == {LATER[0], LATER[2]}


@both
def test_two_staff_moving_two_stops_onto_the_same_days_one_wins(db_url: str) -> None:
    kits, park, stop = _approved()
    other = approve_request(park, Placement(kits[0], *MARCH), actor=STAFF)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def move(request_id: int) -> None:
        barrier.wait()
        try:
            move_stop(request_id, Placement(kits[1], *LATER), actor=STAFF, today=TODAY)
            outcomes.append("won")
        except Conflict as exc:
            assert "déjà réservé ou mis de côté du 9 février 2027 au 26 février 2027" in str(exc)
            outcomes.append("Conflict")

    threads = [
        threading.Thread(target=move, args=(rid,)) for rid in (stop.request_id, other.request_id)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["Conflict", "won"]
    with db.read_session() as session:
        on_second_kit = session.exec(
            select(KitOccupancy).where(KitOccupancy.kit_id == kits[1])
        ).all()
        stops = session.exec(select(Stop).order_by(col(Stop.id))).all()
    assert len(on_second_kit) == 1
    assert sorted(s.kit_id for s in stops) == sorted([kits[0], kits[1]])


# ---------------------------------------------------------------------------- the page

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
QUEUE = "booking/ui/pages/requests_queue.py"


def _by_label(widgets: Any, label: str) -> Any:
    found = [w for w in widgets if w.label == label]
    assert found, (label, [w.label for w in widgets])
    return found[0]


def test_staff_move_a_stop_from_the_request_page(sqlite_url: str) -> None:
    today = paris_today()
    with db.transaction() as session:
        w = world(session)
        request, _ = make_request(
            session,
            w.exhibition,
            w.venues[0],
            windows=[(today + dt.timedelta(days=40), today + dt.timedelta(days=130))],
        )
        request_id = request.id
    assert request_id is not None
    staff = add_user(
        email="sam@metropole.example",
        display_name="Sam",
        role="staff",
        password="correct horse battery",
    )
    first, *others = candidate_placements(request_id)
    stop = approve_request(request_id, first.placement, actor=STAFF)
    # Another possible placement of the same kit, another week (the kit's own days are free).
    target = next(c for c in others if c.kit_id == first.kit_id and c.install != first.install)

    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["user_id"] = staff.id
    at.run()
    at.query_params["id"] = str(request_id)
    at.switch_page(QUEUE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"Demande n° {request_id} — confirmée" in [h.value for h in at.header]
    assert "Déplacer l'étape" in [s.value for s in at.subheader]

    # The form starts from the current dates: moving there is refused in words.
    assert _by_label(at.date_input, "Installation").value == first.install
    _by_label(at.button, "Déplacer l'étape").click().run()
    assert [e.value for e in at.error] == [
        "Ce sont déjà le kit et les dates de l'étape : rien à déplacer."
    ]

    # Start from another possible placement: the form takes its dates.
    start_from = at.selectbox(key=f"queue.move_from.{request_id}")
    label = (
        f"{target.kit_code} : {format_date(target.install, 'fr')} → "
        f"{format_date(target.dismantle, 'fr')}"
    )
    start_from.select_index(start_from.options.index(label)).run()
    assert _by_label(at.date_input, "Installation").value == target.install
    assert _by_label(at.date_input, "Dernier jour d'ouverture").value == target.last_open
    assert _by_label(at.date_input, "Démontage").value == target.dismantle
    _by_label(at.text_area, "Motif (envoyé au lieu, facultatif)").input("Salle prise")
    _by_label(at.button, "Déplacer l'étape").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    (success,) = [s.value for s in at.success]
    assert f"installation le {format_date(target.install, 'fr')}" in success
    assert f"démontage le {format_date(target.dismantle, 'fr')}" in success
    with db.read_session() as session:
        moved = session.get(Stop, stop.id)
        mail = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "moved")).one()
    assert moved is not None and moved.sequence == stop.sequence + 1
    assert (moved.install_date, moved.last_open_date, moved.dismantle_date) == (
        target.install,
        target.last_open,
        target.dismantle,
    )
    assert "Motif : Salle prise" in mail.body_text
    history = at.dataframe[-2].value  # the request's audit trail, newest first
    assert history.iloc[0, 2] == "stop.moved"
