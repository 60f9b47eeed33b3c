"""Backup and restore: a portable dump of all data, not a file copy.

The dump is one JSON document: the schema revision, then every table's rows in primary-key
order, with dates and times in ISO 8601 (UTC) and bytes in base64, so it restores into an
empty SQLite or PostgreSQL database at the same revision, and dump → restore → dump gives the
same bytes. For the embedded default there is also SQLite's online backup, safe while the app
runs.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, LargeBinary, func, select, text
from sqlalchemy.sql.schema import Table
from sqlmodel import SQLModel

import booking.models  # noqa: F401  (registers the tables)
from booking import db
from booking.errors import ValidationError
from booking.i18n import add_messages
from booking.types import UTCDateTime

FORMAT = "tournee-backup"
FORMAT_VERSION = 1

add_messages(
    {
        "backup.not_a_dump": {
            "fr": "Ce fichier n'est pas une sauvegarde Tournée ({detail}).",
            "en": "This file is not a Tournée backup ({detail}).",
        },
        "backup.revision": {
            "fr": "La sauvegarde est à la révision {dump} et la base à {db} : mettez-les au même niveau.",
            "en": "The backup is at revision {dump} and the database at {db}: bring them level.",
        },
        "backup.not_empty": {
            "fr": "La base de destination n'est pas vide (table {table}) : la restauration se fait dans une base vide.",
            "en": "The target database is not empty (table {table}): restore into an empty database.",
        },
        "backup.not_sqlite": {
            "fr": "La sauvegarde en ligne ne concerne que SQLite ; utilisez « backup --out » pour PostgreSQL.",
            "en": 'Online backup is for SQLite only; use "backup --out" for PostgreSQL.',
        },
        "backup.unwritable": {
            "fr": "Impossible d'écrire {path} ({detail}).",
            "en": "Cannot write {path} ({detail}).",
        },
    }
)


def _tables() -> list[Table]:
    return list(SQLModel.metadata.sorted_tables)


def _encode(column: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def _decode(column: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64decode(value)
    if isinstance(column.type, UTCDateTime):
        return dt.datetime.fromisoformat(value)
    python_type = None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type is dt.date:
        return dt.date.fromisoformat(value)
    if python_type is dt.time:
        return dt.time.fromisoformat(value)
    if python_type is float and value is not None:
        return float(value)
    return value


def dump(engine: Engine) -> dict[str, Any]:
    """All data as plain JSON-able values, tables and rows in a stable order."""
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        revision = db.current_revision(engine)
        for table in _tables():
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).mappings()
            tables[table.name] = [
                {col.name: _encode(col, row[col.name]) for col in table.columns} for row in rows
            ]
    return {"format": FORMAT, "version": FORMAT_VERSION, "revision": revision, "tables": tables}


def dump_bytes(engine: Engine) -> bytes:
    return (json.dumps(dump(engine), ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode(
        "utf-8"
    )


def write_dump(engine: Engine, path: Path) -> int:
    """Write the dump atomically (a temp file renamed); returns its size in bytes."""
    data = dump_bytes(engine)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise ValidationError(
            "backup.unwritable", path=str(path), detail=exc.strerror or str(exc)
        ) from None
    return len(data)


def read_dump(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError("backup.not_a_dump", detail=type(exc).__name__) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationError("backup.not_a_dump", detail="format")
    if document.get("version") != FORMAT_VERSION or not isinstance(document.get("tables"), dict):
        raise ValidationError("backup.not_a_dump", detail="version")
    known = {t.name for t in _tables()}
    unknown = set(document["tables"]) - known
    if unknown:
        raise ValidationError("backup.not_a_dump", detail=f"unknown table {sorted(unknown)[0]}")
    return document


def restore(engine: Engine, document: dict[str, Any]) -> dict[str, int]:
    """Load a dump into an empty database at the same revision; all or nothing."""
    current = db.current_revision(engine)
    if document.get("revision") != current:
        raise ValidationError("backup.revision", dump=document.get("revision"), db=current)
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        for table in _tables():
            if conn.execute(select(func.count()).select_from(table)).scalar():
                raise ValidationError("backup.not_empty", table=table.name)
        for table in _tables():
            rows = document["tables"].get(table.name, [])
            columns = {c.name: c for c in table.columns}
            decoded = [
                {
                    name: _decode(columns[name], value)
                    for name, value in row.items()
                    if name in columns
                }
                for row in rows
            ]
            if decoded:
                conn.execute(table.insert(), decoded)
            counts[table.name] = len(decoded)
        if engine.dialect.name == "postgresql":
            for table in _tables():
                pk = list(table.primary_key.columns)
                if len(pk) == 1 and pk[0].autoincrement is not False and counts.get(table.name):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{pk[0].name}'), "
                            f'(SELECT MAX("{pk[0].name}") FROM "{table.name}"))'
                        )
                    )
    return counts


def sqlite_online_backup(engine: Engine, target: Path) -> int:
    """Copy a live SQLite database page by page (consistent while the app writes)."""
    if engine.dialect.name != "sqlite":
        raise ValidationError("backup.not_sqlite")
    source_path = str(engine.url.database)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.partial")
        with sqlite3.connect(source_path, timeout=15) as source, sqlite3.connect(tmp) as copy:
            source.backup(copy, pages=256)
        os.replace(tmp, target)
    except OSError as exc:
        raise ValidationError(
            "backup.unwritable", path=str(target), detail=exc.strerror or str(exc)
        ) from None
    return target.stat().st_size
