"""Scenario builders for the planning tests (plain contract JSON, so the checker reads them)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

BASE: dict[str, Any] = {
    "version": 1,
    "timezone": "Europe/Paris",
    "horizon": {"start": "2027-01-04", "end": "2027-06-30"},
    "calendar": {
        "transport_weekdays": [0, 1, 2, 3, 4],
        "public_holidays": "FR",
        "school_holiday_zone": "A",
        "closed_dates": [],
    },
    "handling": {"install_minutes": 120, "dismantle_minutes": 90, "buffer_days": 0},
    "travel": {"model": "geodesic", "circuity": 1.3, "speed_kmh": 25},
    "depots": [{"id": "depot", "name": "Dépôt Métropole", "lat": 45.7597, "lon": 4.8422}],
    "vans": [
        {
            "id": "van-1",
            "depot": "depot",
            "capacity_kits": 2,
            "shift_start": "08:00",
            "shift_end": "16:30",
        }
    ],
    "kits": [
        {
            "id": "self-data-1",
            "exhibition": "self-data",
            "depot": "depot",
            "available_from": "2027-01-04",
            "available_to": "2027-06-30",
        }
    ],
    "venues": [
        {
            "id": "bm-part-dieu",
            "name": "Bibliothèque de la Part-Dieu",
            "type": "library",
            "lat": 45.7606,
            "lon": 4.8565,
            "open_weekdays": [1, 2, 3, 4, 5],
            "hours": ["10:00", "19:00"],
            "closed_dates": [],
        },
        {
            "id": "college-test",
            "name": "Collège Test",
            "type": "school",
            "lat": 45.7485,
            "lon": 4.8467,
            "open_weekdays": [0, 1, 2, 3, 4],
            "hours": ["08:00", "17:30"],
            "closed_dates": [],
        },
        {
            "id": "parc-champvert",
            "name": "Parc Champvert",
            "type": "park",
            "lat": 45.7678,
            "lon": 4.7986,
            "open_weekdays": [0, 1, 2, 3, 4, 5, 6],
            "hours": ["07:00", "20:00"],
            "closed_dates": [],
        },
    ],
    "requests": [
        {
            "id": "r-001",
            "venue": "bm-part-dieu",
            "exhibition": "self-data",
            "stay_days": [14, 21],
            "windows": [["2027-01-11", "2027-03-05"]],
            "preferred_start": "2027-01-19",
            "priority": 1,
        }
    ],
}


def scenario(**changes: Any) -> dict[str, Any]:
    """A copy of the contract's example scenario with top-level keys replaced."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(changes))
    return data


def request(rid: str, venue: str, start: str, end: str, **kw: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "venue": venue,
        "exhibition": "self-data",
        "stay_days": kw.pop("stay_days", [7, 7]),
        "windows": kw.pop("windows", [[start, end]]),
        "preferred_start": kw.pop("preferred_start", None),
        "priority": kw.pop("priority", 1),
        **kw,
    }


@pytest.fixture
def base() -> dict[str, Any]:
    return scenario()


@pytest.fixture(autouse=True)
def _on_the_day_written(written_on: None) -> None:
    """The seasons here are fixed in 2027: the clock reads the day they were written
    (tests/conftest.py), so "from today on" means the same on any day CI runs."""
