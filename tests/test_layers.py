"""The dependency rule, checked on the source: only booking/ui imports streamlit; pages and
routes hold no SQL; the domain never imports ui/ or web/."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOKING = ROOT / "booking"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_only_ui_imports_streamlit() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in _modules(BOOKING)
        if "ui" not in p.relative_to(BOOKING).parts[:1]
        and any(n == "streamlit" or n.startswith("streamlit.") for n in _imports(p))
    ]
    assert offenders == []


def test_pages_and_routes_hold_no_sql() -> None:
    sql = ("sqlalchemy", "sqlmodel", "booking.db", "psycopg", "sqlite3")
    folders = [BOOKING / "ui", BOOKING / "web"]
    offenders = []
    for folder in folders:
        for path in _modules(folder):
            if path.name == "lifespan.py" or (folder.name == "ui" and path.name == "common.py"):
                continue  # start-up migration and the engine cache are not queries
            bad = [n for n in _imports(path) if n.startswith(sql)]
            if bad:
                offenders.append(f"{path.relative_to(ROOT)}: {bad}")
    assert offenders == []


def test_domain_does_not_import_ui_or_web() -> None:
    offenders = []
    for path in _modules(BOOKING):
        part = path.relative_to(BOOKING).parts[0]
        if part in ("ui", "web"):
            continue
        bad = [n for n in _imports(path) if n.startswith(("booking.ui", "booking.web"))]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)}: {bad}")
    assert offenders == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    """The rule above would catch a domain module importing streamlit."""
    bad = tmp_path / "bad.py"
    bad.write_text("import streamlit as st\nfrom sqlmodel import select\n", encoding="utf-8")
    assert {"streamlit", "sqlmodel"} <= _imports(bad)
