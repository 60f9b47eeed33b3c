"""Test fixtures: a real SQLite file and the real PostgreSQL server of the machine.

- `db_url`: a migrated, empty database, parametrised over SQLite and PostgreSQL for
  data-layer tests (`@pytest.mark.parametrize("db_url", BOTH, indirect=True)`), SQLite by
  default. The URL is also put in DATABASE_URL so services use it.
- PostgreSQL: one database per test session, created from `PG_ADMIN_URL` (default
  postgres@127.0.0.1:5432/test, trust auth) and dropped at the end; tables are emptied
  between tests.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import time_machine
from sqlalchemy import text
from sqlmodel import SQLModel

from booking import db
from booking.config import reset_settings

PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
BOTH = ["sqlite", "postgresql"]


def _use(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TOURNEE_JOBS_IN_APP", "0")
    reset_settings()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db.upgrade(f"sqlite:///{path}")
    db.dispose_engines()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    name = f"tournee_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"
    db.upgrade(url)
    yield url
    db.dispose_engines()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty_pg(url: str) -> None:
    import booking.models  # noqa: F401

    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with db.get_engine(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_url(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    path = tmp_path / "tournee.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    _use(url, monkeypatch)
    yield url
    db.dispose_engines()


@pytest.fixture
def pg_url(pg_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    _empty_pg(pg_database)
    _use(pg_database, monkeypatch)
    yield pg_database


@pytest.fixture
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated empty database: SQLite by default, or the `indirect` parameter's."""
    kind = getattr(request, "param", "sqlite")
    if kind == "postgresql":
        return request.getfixturevalue("pg_url")
    return request.getfixturevalue("sqlite_url")


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    return db.get_engine(db_url)


# The day the tests with fixed calendar dates (a February 2027 stop, a spring season…) were
# written for. Those tests travel to it, with the clock running on from there, so they
# mean the same thing whatever day CI runs them (else they fail once their dates have
# passed). Tests built from the real today do not use it.
WRITTEN_ON = dt.datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def written_on() -> Iterator[None]:
    with time_machine.travel(WRITTEN_ON, tick=True):
        yield
