"""The data layer on SQLite and PostgreSQL: migrations, time, the no-overlap guarantee."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, text
from sqlmodel import select

from booking import db
from booking.errors import ConfigurationError, Conflict, ValidationError
from booking.models import AuditEvent, KitOccupancy, OccupancyKind, User
from booking.services.occupancy import occupy
from tests.conftest import BOTH
from tests.factories import make_request, world

pytestmark = pytest.mark.parametrize("db_url", BOTH, indirect=True)


def test_migrations_upgrade_downgrade_upgrade(db_url: str) -> None:
    engine = db.get_engine(db_url)
    assert db.current_revision(engine) == db.head_revision()
    db.downgrade(db_url, "base")
    assert "stop" not in inspect(engine).get_table_names()
    assert db.upgrade(db_url) == db.head_revision()
    assert {"stop", "kit_occupancy", "booking_request", "feedback_response"} <= set(
        inspect(engine).get_table_names()
    )
    db.check_schema(engine)  # does not raise


def test_a_database_at_the_first_revision_is_brought_up_to_date(db_url: str) -> None:
    """A database made by the first release gets the later revisions (the comment index)."""
    engine = db.get_engine(db_url)
    db.downgrade(db_url, "0001")
    with pytest.raises(ConfigurationError):
        db.check_schema(engine)  # the app refuses to run on it until it is migrated
    assert "ix_feedback_comment_hour" not in _indexes(engine)
    assert db.upgrade(db_url) == db.head_revision()
    assert "ix_feedback_comment_hour" in _indexes(engine)
    db.check_schema(engine)


def _indexes(engine: object) -> set[str]:
    return {i["name"] for i in inspect(engine).get_indexes("feedback_response") if i["name"]}


def test_database_at_newer_revision_is_refused(db_url: str) -> None:
    engine = db.get_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    try:
        with pytest.raises(ConfigurationError, match="plus récente"):
            db.check_schema(engine)
        with pytest.raises(ConfigurationError, match="plus récente"):
            db.upgrade(db_url)
    finally:  # the PostgreSQL test database is shared by the session's later tests
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": db.head_revision()}
            )


def test_aware_times_round_trip_in_utc_and_naive_ones_are_refused(db_url: str) -> None:
    paris = dt.datetime(
        2027, 3, 28, 3, 30, tzinfo=ZoneInfo("Europe/Paris")
    )  # just after the spring change
    with db.transaction() as session:
        session.add(AuditEvent(at=paris, actor="test", action="t", entity="x"))
    with db.read_session() as session:
        event = session.exec(select(AuditEvent)).one()
    assert event.at.tzinfo is not None and event.at.utcoffset() == dt.timedelta(0)
    assert event.at == paris and event.at.hour == 1  # 03:30 CEST is 01:30 UTC

    with pytest.raises(ValidationError, match="fuseau"), db.transaction() as session:
        session.add(
            User(
                email="a@example.org",
                display_name="A",
                role="staff",
                last_login_at=dt.datetime(2027, 1, 1, 12, 0),
            )
        )
    with db.read_session() as session:
        assert session.exec(select(User)).first() is None  # nothing written


def test_overlapping_occupancy_refused_by_the_database_itself(db_url: str) -> None:
    with db.transaction() as session:
        w = world(session)
        r1, _ = make_request(session, w.exhibition, w.venues[0])
        r2, _ = make_request(session, w.exhibition, w.venues[1])
        kit_id, r1_id, r2_id = w.kits[0].id, r1.id, r2.id
        session.add(
            KitOccupancy(
                kit_id=kit_id,
                request_id=r1_id,
                kind=OccupancyKind.stop,
                start=dt.date(2027, 2, 1),
                end=dt.date(2027, 2, 20),
            )
        )
    # bypass the service's check: the constraint (PostgreSQL) or trigger (SQLite) must refuse
    with pytest.raises(Exception, match="(?i)overlap|exclu|conflict"), db.transaction() as session:
        session.add(
            KitOccupancy(
                kit_id=kit_id,
                request_id=r2_id,
                kind=OccupancyKind.hold,
                start=dt.date(2027, 2, 19),
                end=dt.date(2027, 3, 1),
            )
        )
    # touching ranges are fine: the next stop may be installed on the dismantle day
    with db.transaction() as session:
        session.add(
            KitOccupancy(
                kit_id=kit_id,
                request_id=r2_id,
                kind=OccupancyKind.hold,
                start=dt.date(2027, 2, 20),
                end=dt.date(2027, 3, 1),
            )
        )


def test_sixteen_concurrent_approvals_one_wins(db_url: str) -> None:
    """16 threads behind a barrier try to take overlapping days of one kit: exactly one wins."""
    with db.transaction() as session:
        w = world(session)
        kit_id = w.kits[0].id
        request_ids = [
            make_request(session, w.exhibition, w.venues[i % 3])[0].id for i in range(16)
        ]
    barrier = threading.Barrier(16)
    wins: list[int] = []
    conflicts: list[str] = []
    errors: list[BaseException] = []

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            with db.transaction() as session:
                occupy(
                    session,
                    request_id=request_ids[i],
                    kit_id=kit_id,
                    kind=OccupancyKind.stop,
                    install=dt.date(2027, 2, 1 + i % 5),
                    dismantle=dt.date(2027, 2, 15),
                    buffer_days=0,
                )
            wins.append(i)
        except Conflict as exc:
            conflicts.append(exc.message())
        except BaseException as exc:  # anything else is a bug
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(wins) == 1 and len(conflicts) == 15
    assert all("déjà réservé" in c for c in conflicts)
    with db.read_session() as session:
        assert len(session.exec(select(KitOccupancy)).all()) == 1


def test_sixteen_concurrent_raw_inserts_one_wins(db_url: str) -> None:
    """Same race with no check in the code at all: only the database stands in the way."""
    with db.transaction() as session:
        w = world(session)
        kit_id = w.kits[0].id
        request_ids = [make_request(session, w.exhibition, w.venues[0])[0].id for _ in range(16)]
    barrier = threading.Barrier(16)
    wins: list[int] = []
    refused: list[BaseException] = []

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            with db.transaction() as session:
                session.add(
                    KitOccupancy(
                        kit_id=kit_id,
                        request_id=request_ids[i],
                        kind=OccupancyKind.stop,
                        start=dt.date(2027, 2, 1 + i % 7),
                        end=dt.date(2027, 2, 20),
                    )
                )
            wins.append(i)
        except Exception as exc:
            refused.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1, refused[:2]
    assert len(refused) == 15
    # the constraint refuses, or PostgreSQL breaks a deadlock inside its check: both refusals
    assert all(any(w in str(e).lower() for w in ("overlap", "exclu", "deadlock")) for e in refused)


def test_sqlite_runs_in_wal_with_foreign_keys_and_busy_timeout(db_url: str) -> None:
    engine = db.get_engine(db_url)
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas only")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS
