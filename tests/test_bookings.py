"""Holds and approvals: the state machine and the kit's calendar, on both databases."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlmodel import select

from booking import db
from booking.errors import Conflict, ValidationError
from booking.models import AuditEvent, KitOccupancy, RequestStatus, Stop
from booking.services.bookings import Placement, approve_request, hold_request
from tests.conftest import BOTH
from tests.factories import make_request, world

pytestmark = pytest.mark.parametrize("db_url", BOTH, indirect=True)

# Tuesday 2 Feb 2027 .. Friday 19 Feb 2027: both transport days, the library is open.
FEB = Placement(0, dt.date(2027, 2, 2), dt.date(2027, 2, 19), dt.date(2027, 2, 19))


def _setup(n: int = 2) -> tuple[int, list[int]]:
    with db.transaction() as session:
        w = world(session)
        ids = [make_request(session, w.exhibition, w.venues[0])[0].id for _ in range(n)]
        assert w.kits[0].id is not None
        return w.kits[0].id, [i for i in ids if i is not None]


def test_hold_then_approve_makes_a_stop(db_url: str) -> None:
    kit_id, (rid, _) = _setup()
    placement = Placement(kit_id, FEB.install, FEB.last_open, FEB.dismantle)
    held = hold_request(rid, placement, actor="user:s@example.org")
    assert held.status == RequestStatus.held and held.hold_expires_at is not None
    stop = approve_request(rid, actor="user:s@example.org")
    assert (stop.install_date, stop.dismantle_date) == (FEB.install, FEB.dismantle)
    with db.read_session() as session:
        occ = session.exec(select(KitOccupancy)).one()
        assert occ.kind == "stop" and occ.end == dt.date(
            2027, 2, 19
        )  # exclusive: next stop may install that day
        actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["request.held", "request.approved"]


def test_second_hold_on_same_days_is_refused_in_words(db_url: str) -> None:
    kit_id, (r1, r2) = _setup()
    hold_request(r1, Placement(kit_id, FEB.install, FEB.last_open, FEB.dismantle), actor="t")
    with pytest.raises(
        Conflict, match=r"déjà réservé ou mis de côté du 2 février 2027 au 19 février 2027"
    ):
        hold_request(
            r2,
            Placement(kit_id, dt.date(2027, 2, 9), dt.date(2027, 2, 26), dt.date(2027, 2, 26)),
            actor="t",
        )
    with db.read_session() as session:
        assert len(session.exec(select(KitOccupancy)).all()) == 1


def test_install_on_a_public_holiday_is_refused(db_url: str) -> None:
    kit_id, (rid, _) = _setup()
    ascension = dt.date(2027, 5, 6)
    with pytest.raises(ValidationError, match="pas de transport"):
        hold_request(
            rid, Placement(kit_id, ascension, dt.date(2027, 5, 20), dt.date(2027, 5, 20)), actor="t"
        )


def test_stay_outside_bounds_is_refused(db_url: str) -> None:
    kit_id, (rid, _) = _setup()
    with pytest.raises(ValidationError, match="entre 14 et 21 jours"):
        hold_request(
            rid,
            Placement(kit_id, dt.date(2027, 2, 2), dt.date(2027, 2, 5), dt.date(2027, 2, 5)),
            actor="t",
        )


def test_two_staff_approving_at_once_one_wins(db_url: str) -> None:
    kit_id, (rid, _) = _setup()
    placement = Placement(kit_id, FEB.install, FEB.last_open, FEB.dismantle)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve() -> None:
        barrier.wait()
        try:
            approve_request(rid, placement, actor="t", expected_version=1)
            outcomes.append("won")
        except (Conflict, ValidationError) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["Conflict", "won"]
    with db.read_session() as session:
        assert len(session.exec(select(Stop)).all()) == 1
