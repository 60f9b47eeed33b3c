"""The no-overlap guarantee at the level of the approve service, on SQLite and PostgreSQL:
16 staff approving 16 different requests onto overlapping days of one kit, at once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import text
from sqlmodel import select

from booking import db
from booking.errors import Conflict
from booking.models import KitOccupancy, OutboxMessage, Stop
from booking.security import new_token
from booking.services.bookings import Placement, approve_in_session, approve_request, load_request
from booking.services.requests import submit_request
from tests.conftest import BOTH
from tests.factories import make_request, world
from tests.requests.conftest import TODAY, request_input

THREADS = 16
INSTALLS = [dt.date(2027, 2, d) for d in (2, 3, 4, 5, 9)]  # Tue … Tue, transport days
DISMANTLES = [dt.date(2027, 2, d) for d in (23, 24, 25, 26)]


def _placement(kit_id: int, i: int) -> Placement:
    install, dismantle = INSTALLS[i % len(INSTALLS)], DISMANTLES[i % len(DISMANTLES)]
    return Placement(kit_id, install, dismantle, dismantle)


def _requests(n: int) -> tuple[int, list[int]]:
    with db.transaction() as session:
        w = world(session)
        ids = [
            make_request(session, w.exhibition, w.venues[0], stay_min_days=7, stay_max_days=42)[
                0
            ].id
            for _ in range(n)
        ]
        return w.kits[0].id, ids  # type: ignore[return-value]


def _race(work: Callable[[int], object]) -> tuple[list[int], list[str], list[BaseException]]:
    barrier = threading.Barrier(THREADS)
    wins: list[int] = []
    refusals: list[str] = []
    errors: list[BaseException] = []

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            work(i)
            wins.append(i)
        except Conflict as exc:
            refusals.append(exc.message("fr"))
        except BaseException as exc:  # anything else is a bug
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return wins, refusals, errors


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_sixteen_staff_approving_overlapping_stops_on_one_kit_exactly_one_wins(
    db_url: str,
) -> None:
    kit_id, request_ids = _requests(THREADS)
    wins, refusals, errors = _race(
        lambda i: approve_request(request_ids[i], _placement(kit_id, i), actor=f"user:s{i}@x.org")
    )
    assert errors == []
    assert len(wins) == 1 and len(refusals) == THREADS - 1
    assert all(r.startswith("Ce kit est déjà réservé ou mis de côté du ") for r in refusals)
    with db.read_session() as session:
        (stop,) = session.exec(select(Stop)).all()
        assert stop.request_id == request_ids[wins[0]]
        assert len(session.exec(select(KitOccupancy)).all()) == 1
        # Only the winner's venue is told; the losers' transactions left nothing behind.
        kinds = [m.kind for m in session.exec(select(OutboxMessage))]
    assert kinds == ["approved"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_without_the_exclusion_constraint_the_code_alone_double_books(db_url: str) -> None:
    """Why the database must guard: two approvals whose transactions overlap each check,
    see the kit free, and both commit. (With the constraint the second one would wait for
    the first and be refused, which the test above shows.)"""
    kit_id, (first, second) = _requests(2)
    with db.get_engine(db_url).begin() as conn:
        conn.execute(text("ALTER TABLE kit_occupancy DROP CONSTRAINT kit_occupancy_no_overlap"))
    try:
        with db.transaction() as a, db.transaction() as b:
            approve_in_session(a, load_request(a, first), _placement(kit_id, 0), actor="a")
            a.flush()
            approve_in_session(b, load_request(b, second), _placement(kit_id, 1), actor="b")
        with db.read_session() as session:
            assert len(session.exec(select(Stop)).all()) == 2  # double-booked
    finally:
        with db.get_engine(db_url).begin() as conn:
            conn.execute(text("TRUNCATE kit_occupancy"))
            conn.execute(
                text(
                    "ALTER TABLE kit_occupancy ADD CONSTRAINT kit_occupancy_no_overlap "
                    "EXCLUDE USING gist (kit_id WITH =, daterange(start, \"end\", '[)') WITH &&)"
                )
            )


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_a_form_sent_twice_at_the_same_moment_makes_one_request(db_url: str) -> None:
    with db.transaction() as session:
        w = world(session)
        exhibition_id, venue_id = w.exhibition.id, w.venues[0].id
    token = new_token()
    data = request_input(exhibition_id, venue_id)  # type: ignore[arg-type]
    barrier = threading.Barrier(4)
    results = []

    def send() -> None:
        barrier.wait()
        results.append(submit_request(data, token=token, today=TODAY))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and len({r.request_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    with db.read_session() as session:
        assert len(session.exec(select(OutboxMessage)).all()) == 1


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_two_staff_deciding_the_same_request_at_once_one_decision_stands(db_url: str) -> None:
    from booking.models import BookingRequest
    from booking.services.requests import decline_request

    kit_id, (request_id,) = _requests(1)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(who: str) -> None:
        barrier.wait()
        try:
            if who == "approve":
                approve_request(request_id, _placement(kit_id, 0), actor="a", expected_version=1)
            else:
                decline_request(request_id, "Complet", actor="b", expected_version=1)
            outcomes[who] = "won"
        except Conflict as exc:
            outcomes[who] = exc.message("fr")

    threads = [threading.Thread(target=decide, args=(who,)) for who in ("approve", "decline")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == [
        "Quelqu'un d'autre vient de modifier cet élément ; rechargez la page et réessayez.",
        "won",
    ]
    winner = "approve" if outcomes["approve"] == "won" else "decline"
    with db.read_session() as session:
        request = session.get(BookingRequest, request_id)
        kinds = [m.kind for m in session.exec(select(OutboxMessage))]
        stops = session.exec(select(Stop)).all()
    assert request is not None
    assert request.status == ("approved" if winner == "approve" else "declined")
    assert kinds == ["approved" if winner == "approve" else "declined"]
    assert len(stops) == (1 if winner == "approve" else 0)
