"""Locating a venue: the BAN through geopy's BANFrance against a local server replaying BAN
answers (fixtures/README.md), the shipped gazetteer offline, the cache, the Métropole's area."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import select

from booking import db
from booking.config import reset_settings
from booking.errors import ValidationError
from booking.geocoding import find_commune, inside_metropole, locate, manual_point
from booking.models import GeocodeCache
from booking.services.requests import VenueInput, submit_request
from tests.requests.conftest import TODAY, Ids, free_port, request_input

FIXTURES = Path(__file__).parent / "fixtures"


class BanReplay(BaseHTTPRequestHandler):
    """Answers `/search?q=…` with the fixture whose place the query names."""

    queries: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        query = parse_qs(url.query).get("q", [""])[0]
        type(self).queries.append(query)
        if url.path.rstrip("/") != "/search":
            self.send_error(404)
            return
        name = "ban_empty.json"
        if "Vivier Merle" in query:
            name = "ban_part_dieu.json"
        elif "Sous-Préfecture" in query:
            name = "ban_villefranche.json"
        body = (FIXTURES / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        pass


@pytest.fixture(scope="module")
def ban_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BanReplay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture
def ban(ban_server: int, monkeypatch: pytest.MonkeyPatch, db_url: str) -> list[str]:
    monkeypatch.setenv("TOURNEE_GEOCODER", "ban")
    monkeypatch.setenv("TOURNEE_BAN_DOMAIN", f"127.0.0.1:{ban_server}")
    monkeypatch.setenv("TOURNEE_BAN_SCHEME", "http")
    reset_settings()
    BanReplay.queries.clear()
    return BanReplay.queries


def test_the_ban_locates_an_address_and_the_answer_is_cached(ban: list[str]) -> None:
    point = locate("30 boulevard Marius Vivier Merle", "69003", "Lyon")
    assert (point.source, point.insee, point.postcode) == ("ban", "69383", "69003")
    assert (point.lat, point.lon) == (45.76062, 4.85653) and point.inside
    assert point.label == "30 Boulevard Marius Vivier Merle 69003 Lyon"
    assert ban == ["30 boulevard Marius Vivier Merle, 69003 Lyon"]
    again = locate("30 Boulevard  Marius-Vivier-Merle ", "69003", "LYON")
    assert again == point and len(ban) == 1  # from the cache, no second call
    with db.read_session() as session:
        assert session.exec(select(GeocodeCache)).one().source == "ban"


def test_an_address_outside_the_metropole_is_flagged_not_refused(ban: list[str], ids: Ids) -> None:
    venue = VenueInput(
        name="Médiathèque Pierre-Mendès-France",
        type="library",
        address="96 rue de la Sous-Préfecture",
        postcode="69400",
        commune="Villefranche-sur-Saône",
    )
    sent = submit_request(request_input(ids.exhibition, venue=venue), today=TODAY)
    assert sent.created and "outside" in sent.warnings and "approximate" not in sent.warnings


def test_no_ban_match_falls_back_to_the_commune_then_refuses(ban: list[str]) -> None:
    point = locate("Chemin inconnu", "69100", "Villeurbanne")
    assert (point.source, point.insee) == ("gazetteer", "69266") and point.approximate
    with pytest.raises(ValidationError, match="Adresse introuvable"):
        locate("Chemin inconnu", "75001", "Paris")


def test_an_unreachable_ban_falls_back_to_the_gazetteer(
    ban: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOURNEE_BAN_DOMAIN", f"127.0.0.1:{free_port()}")
    reset_settings()
    point = locate("30 boulevard Marius Vivier Merle", "69003", "Lyon")
    assert (point.source, point.insee) == ("gazetteer", "69383")
    with db.read_session() as session:  # the fallback is not cached as the BAN's answer
        keys = [row.query for row in session.exec(select(GeocodeCache))]
    assert keys and all(key.startswith("gazetteer:") for key in keys)


@pytest.mark.parametrize(
    ("postcode", "name", "insee"),
    [
        ("69100", "Villeurbanne", "69266"),
        ("69003", "Lyon", "69383"),
        ("", "Lyon 3e", "69383"),
        ("69007", "lyon 7ème arrondissement", "69387"),
        ("", "St-Priest", "69290"),
        ("69200", "", "69259"),
        ("75001", "Paris", None),
    ],
)
def test_the_gazetteer_matches_postcode_and_name(postcode: str, name: str, insee: str) -> None:
    found = find_commune(postcode, name)
    assert (found.insee if found else None) == insee


def test_a_shared_postcode_needs_the_name() -> None:
    with pytest.raises(ValidationError, match="Plusieurs communes ont le code postal 69250"):
        find_commune("69250", "")
    assert find_commune("69250", "Neuville-sur-Saône") is not None


def test_manual_points_inside_and_outside() -> None:
    assert inside_metropole(45.7578, 4.8320)  # place Bellecour
    assert not inside_metropole(45.9896, 4.7186)  # Villefranche-sur-Saône
    assert not inside_metropole(48.8566, 2.3522)  # Paris
    outside = manual_point(45.9896, 4.7186)
    assert (outside.source, outside.inside, outside.insee) == ("manual", False, "")
    inside = manual_point(45.7663, 4.8797)
    assert (inside.insee, inside.inside) == ("69266", True)


def test_the_fixtures_are_in_the_ban_format() -> None:
    for path in FIXTURES.glob("ban_*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["type"] == "FeatureCollection"
        for feature in data["features"]:
            assert feature["geometry"]["type"] == "Point"
            assert {"label", "score", "postcode", "citycode", "city"} <= set(feature["properties"])
