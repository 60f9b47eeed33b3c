"""Hypothesis stateful test of the booking rules against a simple interval model.

Random sequences of holds, approvals, releases, declines, waitlists, withdrawals and
cancellations on a few requests and two kits. After every step: no two occupancies of a kit
overlap, every request is in the state the model says (so every transition taken was legal and
every illegal one was refused), and the audit log has one event per change.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import delete
from sqlmodel import SQLModel, func, select

from booking import db
from booking.daycalendar import DayRules
from booking.errors import DomainError
from booking.models import AuditEvent, BookingRequest, KitOccupancy, RequestStatus, VenueType
from booking.services.bookings import (
    ALLOWED,
    Placement,
    approve_request,
    close_request_in_session,
    hold_request,
    load_request,
    release_hold_in_session,
)
from booking.services.occupancy import occupancy_range
from tests.factories import make_request, make_venue, world

S = RequestStatus
N_REQUESTS = 4
RULES = DayRules()


def _candidates() -> list[tuple[dt.date, int]]:
    """Install days (transport days) in Feb–Mar 2027 and stays of 14–21 days."""
    day, out = dt.date(2027, 2, 1), []
    while day < dt.date(2027, 3, 20):
        if RULES.is_transport_day(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return [(d, stay) for d in out for stay in (14, 17, 21)]


CANDIDATES = _candidates()


def _placement(kit_id: int, choice: tuple[dt.date, int]) -> Placement:
    install, stay = choice
    last_open = install + dt.timedelta(days=stay - 1)
    dismantle = last_open
    while not RULES.is_transport_day(dismantle):
        dismantle += dt.timedelta(days=1)
    return Placement(kit_id, install, last_open, dismantle)


class BookingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        with db.transaction() as session:
            for table in reversed(SQLModel.metadata.sorted_tables):
                session.execute(delete(table))
            w = world(session)
            park = make_venue(
                session, code="parc-test", type=VenueType.park, open_weekdays=list(range(7))
            )
            self.kits = [k.id for k in w.kits]
            self.requests = [
                make_request(session, w.exhibition, park)[0].id for _ in range(N_REQUESTS)
            ]
        self.status = dict.fromkeys(self.requests, S.submitted)
        self.occupancy: dict[int, tuple[int, dt.date, dt.date]] = {}  # request -> kit, [start, end)
        self.held_placement: dict[int, Placement] = {}
        self.changes = 0

    # -- the model --------------------------------------------------------------------------
    def _free(self, request_id: int, placement: Placement) -> bool:
        start, end = occupancy_range(placement.install, placement.dismantle, 0)
        return not any(
            kit == placement.kit_id and s < end and start < e
            for other, (kit, s, e) in self.occupancy.items()
            if other != request_id
        )

    def _take(self, request_id: int, placement: Placement) -> None:
        start, end = occupancy_range(placement.install, placement.dismantle, 0)
        self.occupancy[request_id] = (placement.kit_id, start, end)

    def _attempt(self, expected_ok: bool, action) -> bool:  # type: ignore[no-untyped-def]
        try:
            action()
        except DomainError:
            assert not expected_ok, "the service refused a legal change"
            return False
        assert expected_ok, "the service accepted an illegal change"
        self.changes += 1
        return True

    # -- rules ------------------------------------------------------------------------------
    @rule(r=st.integers(0, N_REQUESTS - 1), k=st.integers(0, 1), choice=st.sampled_from(CANDIDATES))
    def hold(self, r: int, k: int, choice: tuple[dt.date, int]) -> None:
        rid, placement = self.requests[r], _placement(self.kits[k], choice)
        ok = S.held in ALLOWED[self.status[rid]] and self._free(rid, placement)
        if self._attempt(ok, lambda: hold_request(rid, placement, actor="test")):
            self.status[rid] = S.held
            self._take(rid, placement)
            self.held_placement[rid] = placement

    @rule(
        r=st.integers(0, N_REQUESTS - 1),
        k=st.integers(0, 1),
        choice=st.none() | st.sampled_from(CANDIDATES),
    )
    def approve(self, r: int, k: int, choice: tuple[dt.date, int] | None) -> None:
        rid = self.requests[r]
        placement = _placement(self.kits[k], choice) if choice else self.held_placement.get(rid)
        ok = (
            S.approved in ALLOWED[self.status[rid]]
            and placement is not None
            and (choice is not None or self.status[rid] == S.held)
            and self._free(rid, placement)
        )
        if self._attempt(
            ok,
            lambda: approve_request(
                rid, _placement(self.kits[k], choice) if choice else None, actor="test"
            ),
        ):
            assert placement is not None
            self.status[rid] = S.approved
            self._take(rid, placement)

    @rule(r=st.integers(0, N_REQUESTS - 1))
    def release(self, r: int) -> None:
        rid = self.requests[r]

        def act() -> None:
            with db.transaction() as session:
                release_hold_in_session(
                    session, load_request(session, rid), actor="jobs", action="request.hold_expired"
                )

        if self._attempt(self.status[rid] == S.held, act):
            self.status[rid] = S.submitted
            self.occupancy.pop(rid, None)
            self.held_placement.pop(rid, None)

    @rule(
        r=st.integers(0, N_REQUESTS - 1),
        to=st.sampled_from([S.declined, S.waitlisted, S.withdrawn, S.cancelled]),
        reason=st.sampled_from(["", "Travaux dans le lieu"]),
    )
    def close(self, r: int, to: RequestStatus, reason: str) -> None:
        rid = self.requests[r]
        ok = to in ALLOWED[self.status[rid]] and (
            reason != "" or to not in (S.declined, S.cancelled)
        )

        def act() -> None:
            with db.transaction() as session:
                close_request_in_session(
                    session, load_request(session, rid), to, actor="test", reason=reason
                )

        if self._attempt(ok, act):
            self.status[rid] = to
            self.occupancy.pop(rid, None)
            self.held_placement.pop(rid, None)

    # -- invariants -------------------------------------------------------------------------
    @invariant()
    def database_matches_model(self) -> None:
        with db.read_session() as session:
            rows = session.exec(select(KitOccupancy)).all()
            statuses = {r.id: S(r.status) for r in session.exec(select(BookingRequest))}
            audit = session.exec(select(func.count()).select_from(AuditEvent)).one()
        by_kit: dict[int, list[tuple[dt.date, dt.date]]] = {}
        for row in rows:
            by_kit.setdefault(row.kit_id, []).append((row.start, row.end))
        for ranges in by_kit.values():
            ranges.sort()
            assert all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:], strict=False)), "overlap"
        assert {row.request_id: (row.kit_id, row.start, row.end) for row in rows} == self.occupancy
        assert statuses == self.status
        assert audit == self.changes


@pytest.mark.slow
def test_booking_rules_hold_under_random_sequences(sqlite_url: str) -> None:
    run_state_machine_as_test(
        BookingMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
