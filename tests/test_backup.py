"""Backup and restore across databases: dump → restore → dump gives the same bytes."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import select

from booking import backup, db
from booking.cli import main
from booking.demo import load_demo
from booking.errors import ValidationError
from booking.models import Stop, StopReport
from tests.conftest import BOTH

TODAY = dt.date(2026, 11, 21)


def _with_photo(url: str, nth_from_last: int = 0) -> None:
    """A stop report with a photo (bytes) on one of the coming stops, which have none yet."""
    with db.transaction(db.get_engine(url)) as session:
        stop_ids = sorted(session.exec(select(Stop.id)).all())
        stop_id = stop_ids[-1 - nth_from_last]
        session.add(
            StopReport(
                stop_id=stop_id, visitors_total=12, photo=b"\x89PNG\x00\xff", photo_mime="image/png"
            )
        )


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_round_trip_is_identical_across_databases(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_demo(db.get_engine(db_url), today=TODAY)
    _with_photo(db_url)
    first = tmp_path / "first.json"
    assert main(["--database-url", db_url, "backup", "--out", str(first)]) == 0

    # restore into an empty SQLite file (from either database), dump again: same bytes
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    assert main(["--database-url", target, "restore", str(first)]) == 0
    second = tmp_path / "second.json"
    assert main(["--database-url", target, "backup", "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    tables = json.loads(first.read_text())["tables"]
    assert len(tables["stop"]) > 10 and any(r["photo"] for r in tables["stop_report"])
    # the restored database keeps working: new rows get fresh ids
    _with_photo(target, nth_from_last=1)
    db.dispose_engines()


def test_restore_into_postgres_then_new_rows(pg_url: str, sqlite_url: str, tmp_path: Path) -> None:
    load_demo(db.get_engine(sqlite_url), today=TODAY)
    document = backup.dump(db.get_engine(sqlite_url))
    backup.restore(db.get_engine(pg_url), document)
    assert backup.dump_bytes(db.get_engine(pg_url)) == backup.dump_bytes(db.get_engine(sqlite_url))
    _with_photo(pg_url, nth_from_last=1)  # sequences were moved past the restored ids


def test_restore_refuses_a_non_empty_database_and_writes_nothing(sqlite_url: str) -> None:
    engine = db.get_engine(sqlite_url)
    load_demo(engine, today=TODAY)
    before = backup.dump_bytes(engine)
    with pytest.raises(ValidationError, match="n'est pas vide"):
        backup.restore(engine, backup.dump(engine))
    assert backup.dump_bytes(engine) == before


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"\xff\xfe garbage", "UnicodeDecodeError"),
        (b"{}", "format"),
        (b'{"format": "tournee-backup", "version": 9, "tables": {}}', "version"),
        (b'{"format": "tournee-backup", "version": 1, "tables": {"secrets": []}}', "unknown table"),
    ],
)
def test_bad_dump_files_are_refused(content: bytes, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        backup.read_dump(content)


def test_restore_cli_on_missing_file_is_one_line(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restore", "/nonexistent/dump.json"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_sqlite_online_copy_while_writing(sqlite_url: str, tmp_path: Path) -> None:
    engine = db.get_engine(sqlite_url)
    load_demo(engine, today=TODAY)
    copy = tmp_path / "copy.db"
    assert main(["backup", "--sqlite-copy", str(copy)]) == 0
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM stop").fetchone()[0] > 10


def test_online_copy_refused_on_postgres(pg_url: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="SQLite"):
        backup.sqlite_online_backup(db.get_engine(pg_url), tmp_path / "x.db")
