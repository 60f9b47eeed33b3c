"""Fixtures of the calendar tests: a fixed base URL and the `tour` world in the database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from booking.config import reset_settings
from booking.db import transaction
from tests.calendars.factories_calendars import Tour, tour

BASE_URL = "https://tournee.example.org"


@pytest.fixture(autouse=True)
def _base_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TOURNEE_BASE_URL", BASE_URL)
    reset_settings()
    yield
    reset_settings()


@pytest.fixture
def world_tour(db_url: str) -> Tour:
    """The fixed `tour` world, written to the test's database (SQLite unless parametrised)."""
    with transaction() as session:
        return tour(session)
