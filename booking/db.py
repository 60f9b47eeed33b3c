"""Engine, sessions and migrations.

- SQLite by default (a file under `var/`), WAL, busy timeout, foreign keys on;
  PostgreSQL through `DATABASE_URL`.
- `transaction()` is the one way services write: one transaction, database errors turned
  into domain errors.
- `upgrade()` migrates under a lock so two processes starting at once do not both migrate.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, StatementError
from sqlmodel import Session

from booking.config import PROJECT_ROOT, get_settings
from booking.errors import ConfigurationError, DomainError

SQLITE_BUSY_TIMEOUT_MS = 15_000
READ_ONLY_OPTION = "tournee_read_only"
_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def normalise_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` as written by hosting providers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _check_url(url: str) -> Any:
    if not url.strip():
        raise ConfigurationError("error.database_url", detail="vide / empty")
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError("error.database_url", detail=str(exc)) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            "error.database_url", detail=f"« {parsed.get_backend_name()} » non pris en charge"
        )
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ConfigurationError("error.database_url", detail="SQLite needs a file path")
    return parsed


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions start (BEGIN IMMEDIATE below).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _on_sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front: two writers queue instead of failing half-way.
    # Readers (`read_session`) read a WAL snapshot and never hold the lock.
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None) -> Engine:
    url = normalise_url(url if url is not None else get_settings().database_url)
    parsed = _check_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    return engine


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process."""
    key = normalise_url(url if url is not None else get_settings().database_url)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = make_engine(key)
        return engine


def dispose_engines() -> None:
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _unwrap(exc: StatementError) -> BaseException:
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, DomainError) else exc


@contextlib.contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    A domain error raised while binding a value (a naive datetime) comes out as itself.
    """
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except StatementError as exc:
        session.rollback()
        unwrapped = _unwrap(exc)
        if unwrapped is not exc:
            raise unwrapped from None
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextlib.contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session for reads; nothing it does is committed, and on SQLite it reads a snapshot
    without taking the write lock (a long dashboard query never makes a visitor wait)."""
    engine = engine or get_engine()
    session = Session(engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()  # rolls back the connection; loaded objects stay readable


# ---------------------------------------------------------------------------- migrations


def alembic_config(url: str) -> Config:
    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {rev.revision for rev in script.walk_revisions()}


def check_schema(engine: Engine) -> None:
    """Refuse a database at a revision this code does not know, or not migrated."""
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise ConfigurationError("error.database_unreachable", detail=_short(exc)) from None
    if current is not None and current not in _known_revisions():
        raise ConfigurationError("error.database_newer", revision=current)
    if current != head_revision():
        raise ConfigurationError("error.database_not_migrated")


def _short(exc: BaseException) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]


@contextlib.contextmanager
def _migration_lock(engine: Engine, wait: bool) -> Iterator[None]:
    """A lock across processes: a file lock for SQLite, an advisory lock for PostgreSQL."""
    if engine.dialect.name == "sqlite":
        db_path = Path(str(engine.url.database))
        lock_path = db_path.with_name(db_path.name + ".migrate.lock")
        with open(lock_path, "a+") as handle:
            flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
            try:
                fcntl.flock(handle, flags)
            except BlockingIOError:
                raise ConfigurationError("error.migration_busy") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        with engine.connect() as conn:
            key = 0x70_75_72_6E  # "tourn": one constant for every process of this app
            if wait:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            else:
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
                if not got:
                    raise ConfigurationError("error.migration_busy")
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


def upgrade(url: str | None = None, revision: str = "head", wait: bool = True) -> str:
    """Migrate the database to `revision`; returns the revision reached.

    With `wait`, a second process waits for the first one's migration, then finds nothing
    to do; without it, it gets a clear "busy" error.
    """
    url = normalise_url(url if url is not None else get_settings().database_url)
    engine = get_engine(url)
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        raise ConfigurationError("error.database_unreachable", detail=_short(exc)) from None
    current = current_revision(engine)
    if current is not None and current not in _known_revisions():
        raise ConfigurationError("error.database_newer", revision=current)
    with _migration_lock(engine, wait):
        command.upgrade(alembic_config(url), revision)
    reached = current_revision(engine)
    return reached or ""


def downgrade(url: str, revision: str) -> None:
    engine = get_engine(url)
    with _migration_lock(engine, True):
        command.downgrade(alembic_config(normalise_url(url)), revision)


def is_empty(engine: Engine) -> bool:
    """True when the database holds no exhibition yet (demo data may be loaded)."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM exhibition")).scalar() == 0


def database_label(engine: Engine) -> str:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return f"SQLite {os.path.relpath(str(url.database), PROJECT_ROOT)}"
    return f"PostgreSQL {url.host}/{url.database}"
