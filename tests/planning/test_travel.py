"""Travel models: the geodesic default, and the OSRM client against a local server replaying
responses in OSRM's /table format, its answers cached in the database."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from geopy.distance import geodesic
from sqlmodel import select

from booking.db import read_session
from booking.errors import DomainError
from booking.models import TravelCache
from booking.planning.travel import GeodesicTravel, OsrmTravel, travel_model_from_settings
from tests.conftest import BOTH

FIXTURES = Path(__file__).parent / "fixtures"
DEPOT, PART_DIEU, CHAMPVERT = (45.7597, 4.8422), (45.7606, 4.8565), (45.7678, 4.7986)


class Replay:
    """A local HTTP server answering recorded /table requests; counts what it served."""

    def __init__(self, fixture: str | None) -> None:
        self.hits = 0
        record = json.loads((FIXTURES / fixture).read_text("utf-8")) if fixture else None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                outer.hits += 1
                parts = urlsplit(self.path)
                ok = record is not None and (
                    unquote(parts.path) == record["request"]["path"]
                    and parse_qs(parts.query) == parse_qs(record["request"]["query"])
                )
                body: Any = (
                    record["response"] if ok else {"code": "InvalidQuery", "message": "no such"}
                )
                data = json.dumps(body).encode()
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def osrm() -> Iterator[Replay]:
    server = Replay("osrm_table_lyon3.json")
    yield server
    server.close()


def test_geodesic_piecewise_circuity_and_stop_time() -> None:
    travel = GeodesicTravel()
    assert travel.factor(1.0) == 1.4
    assert travel.factor(5.0) == 1.3
    assert travel.factor(20.0) == 1.25
    km, minutes = travel.leg(DEPOT, PART_DIEU)
    straight = geodesic(DEPOT, PART_DIEU).km
    assert km == pytest.approx(straight * 1.4, rel=0.003)  # great circle vs WGS-84: < 0.3 %
    assert minutes == pytest.approx(km / 25 * 60 + 5.0)
    matrix = travel.matrix([DEPOT, PART_DIEU, CHAMPVERT])
    assert matrix.km[0][1] == pytest.approx(km)
    assert matrix.km[1][1] == 0 and matrix.minutes[1][1] == 0
    far_km, _ = travel.leg(DEPOT, (45.87, 4.83))  # Albigny, ~12 km
    assert far_km == pytest.approx(geodesic(DEPOT, (45.87, 4.83)).km * 1.25, rel=0.003)


def test_geodesic_is_configurable() -> None:
    travel = GeodesicTravel(circuity=1.5, speed_kmh=30, stop_minutes=0)
    km, minutes = travel.leg(DEPOT, CHAMPVERT)
    assert km == pytest.approx(geodesic(DEPOT, CHAMPVERT).km * 1.5, rel=0.003)
    assert minutes == pytest.approx(km / 30 * 60)


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_osrm_answers_are_used_and_cached_in_the_database(db_url: str, osrm: Replay) -> None:
    travel = OsrmTravel(osrm.url, stop_minutes=5)
    matrix = travel.matrix([DEPOT, PART_DIEU, CHAMPVERT])
    assert osrm.hits == 1
    assert matrix.km[0][1] == pytest.approx(1.8934)
    assert matrix.minutes[0][1] == pytest.approx(301.6 / 60 + 5)
    assert matrix.km[2][1] == pytest.approx(5.5028)
    with read_session() as session:
        assert len(session.exec(select(TravelCache)).all()) == 6
    again = OsrmTravel(osrm.url, stop_minutes=5).matrix([CHAMPVERT, DEPOT])
    assert osrm.hits == 1  # from the cache
    assert again.km[0][1] == pytest.approx(4.2903)


def test_osrm_error_and_unreachable_server_are_told_in_words(sqlite_url: str) -> None:
    server = Replay(None)
    try:
        with pytest.raises(DomainError) as info:
            OsrmTravel(server.url).matrix([DEPOT, PART_DIEU, CHAMPVERT])
        assert "InvalidQuery" in info.value.message("en")
    finally:
        server.close()
    with pytest.raises(DomainError) as info:
        OsrmTravel(server.url, timeout=1).matrix([DEPOT, PART_DIEU])
    assert info.value.key == "travel.router_unreachable"
    assert "ne répond pas" in info.value.message("fr")


def test_osrm_unroutable_pair_is_refused(sqlite_url: str) -> None:
    server = Replay("osrm_table_null.json")
    try:
        with pytest.raises(DomainError) as info:
            OsrmTravel(server.url).matrix([DEPOT, PART_DIEU, CHAMPVERT])
        assert info.value.key == "travel.no_route"
    finally:
        server.close()
    with read_session() as session:
        assert session.exec(select(TravelCache)).all() == []


def test_settings_choose_the_travel_model(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, osrm: Replay
) -> None:
    from booking.config import reset_settings

    assert isinstance(travel_model_from_settings(), GeodesicTravel)
    monkeypatch.setenv("TOURNEE_ROUTER", "osrm")
    monkeypatch.setenv("TOURNEE_ROUTER_URL", osrm.url)
    reset_settings()
    model = travel_model_from_settings()
    assert isinstance(model, OsrmTravel)
    model.matrix([DEPOT, PART_DIEU, CHAMPVERT])
    assert model.leg(DEPOT, PART_DIEU)[0] == pytest.approx(1.8934)  # the cached answer
    assert osrm.hits == 1
