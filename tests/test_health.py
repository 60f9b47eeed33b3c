"""/health answers 200 on a migrated database and 503 (with the reason) otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from booking.config import reset_settings
from booking.web.health import ROUTES


def _client() -> TestClient:
    return TestClient(Starlette(routes=ROUTES))


def test_health_ok_on_migrated_database(sqlite_url: str) -> None:
    response = _client().get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["cache-control"] == "no-store"


def test_health_503_on_unmigrated_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    reset_settings()
    response = _client().get("/health")
    assert response.status_code == 503
    assert "not up to date" in response.json()["detail"]
