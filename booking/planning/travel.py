"""Travel distances and times: one `TravelModel` interface, two implementations.

- `GeodesicTravel` (offline default): great-circle distance (geopy's formula and Earth radius)
  × a circuity factor ÷ an urban speed, plus a fixed stop time. The factor is piecewise by
  default (1.4 under 2 km, 1.3 from 2 to 10 km, 1.25 beyond); a scenario file uses a fixed one.
- `OsrmTravel`: an OSRM server's `/table` service; its answers are cached in `travel_cache`,
  so a matrix is asked for once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from geopy.distance import EARTH_RADIUS, great_circle
from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select

from booking.errors import DomainError
from booking.i18n import add_messages

add_messages(
    {
        "travel.router_unreachable": {
            "fr": "Le calculateur d'itinéraires ne répond pas ({detail}) ; réessayez ou repassez au calcul à vol d'oiseau (TOURNEE_ROUTER=geodesic).",
            "en": "The route server does not answer ({detail}); try again or switch to straight-line travel (TOURNEE_ROUTER=geodesic).",
        },
        "travel.no_route": {
            "fr": "Aucun itinéraire routier entre {a} et {b}.",
            "en": "No road route between {a} and {b}.",
        },
    }
)

Point = tuple[float, float]  # (lat, lon)
DEFAULT_BANDS: tuple[tuple[float, float], ...] = ((2.0, 1.4), (10.0, 1.3), (math.inf, 1.25))


@dataclass(frozen=True)
class TravelMatrix:
    """`km[i][j]` and `minutes[i][j]` from point i to point j."""

    km: list[list[float]]
    minutes: list[list[float]]


class TravelModel(Protocol):
    """What the planner needs to know about the roads."""

    @property
    def name(self) -> str:
        """A short label, also the cache key of a road router's answers."""
        ...

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        """Distances (km) and times (minutes, stop time included) between all points."""
        ...

    def leg(self, a: Point, b: Point) -> tuple[float, float]:
        """(km, minutes) from a to b."""
        ...


def great_circle_km(points: Sequence[Point]) -> np.ndarray:
    """Every pairwise great-circle distance (same formula and radius as geopy's)."""
    arr = np.radians(np.asarray(points, dtype=float).reshape(-1, 2))
    lat, lon = arr[:, 0][:, None], arr[:, 1][:, None]
    lat2, lon2 = lat.T, lon.T
    dlon = lon2 - lon
    sin_lat1, cos_lat1 = np.sin(lat), np.cos(lat)
    sin_lat2, cos_lat2 = np.sin(lat2), np.cos(lat2)
    num = np.sqrt(
        (cos_lat2 * np.sin(dlon)) ** 2
        + (cos_lat1 * sin_lat2 - sin_lat1 * cos_lat2 * np.cos(dlon)) ** 2
    )
    den = sin_lat1 * sin_lat2 + cos_lat1 * cos_lat2 * np.cos(dlon)
    result: np.ndarray = EARTH_RADIUS * np.arctan2(num, den)
    return result


@dataclass(frozen=True)
class GeodesicTravel:
    """Offline travel: straight line × circuity ÷ speed + a fixed stop time.

    `circuity` is either one factor or bands `((up_to_km, factor), …)` in increasing order.
    """

    circuity: float | tuple[tuple[float, float], ...] = DEFAULT_BANDS
    speed_kmh: float = 25.0
    stop_minutes: float = 5.0
    name: str = field(default="geodesic")

    def __post_init__(self) -> None:
        if self.speed_kmh <= 0:
            raise ValueError("speed_kmh must be positive")

    @classmethod
    def fixed(cls, circuity: float, speed_kmh: float, stop_minutes: float = 0.0) -> GeodesicTravel:
        """The scenario contract's model: one factor, no stop time."""
        return cls(circuity=circuity, speed_kmh=speed_kmh, stop_minutes=stop_minutes)

    def factor(self, straight_km: float) -> float:
        if isinstance(self.circuity, int | float):
            return float(self.circuity)
        for up_to, value in self.circuity:
            if straight_km < up_to:
                return value
        return self.circuity[-1][1]

    def _road(self, straight: np.ndarray) -> np.ndarray:
        if isinstance(self.circuity, int | float):
            return straight * float(self.circuity)
        factors = np.full(straight.shape, self.circuity[-1][1])
        for up_to, value in reversed(self.circuity):
            factors = np.where(straight < up_to, value, factors)
        return straight * factors

    def leg(self, a: Point, b: Point) -> tuple[float, float]:
        straight = great_circle(a, b).km
        km = straight * self.factor(straight)
        minutes = km / self.speed_kmh * 60 + (self.stop_minutes if km > 0 else 0.0)
        return km, minutes

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        if not points:
            return TravelMatrix([], [])
        km = self._road(great_circle_km(points))
        minutes = km / self.speed_kmh * 60 + np.where(km > 0, self.stop_minutes, 0.0)
        return TravelMatrix(km.tolist(), minutes.tolist())


def point_key(point: Point) -> str:
    return f"{point[0]:.5f},{point[1]:.5f}"


class OsrmTravel:
    """An OSRM server's `/table` answers (road km and minutes), cached in the database.

    `stop_minutes` is added to every drive, as with the geodesic model.
    """

    def __init__(
        self,
        base_url: str,
        *,
        profile: str = "driving",
        engine: Engine | None = None,
        stop_minutes: float = 5.0,
        timeout: float = 10.0,
        block: int = 50,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.engine = engine
        self.stop_minutes = stop_minutes
        self.timeout = timeout
        self.block = block
        self.name = f"osrm:{profile}:{self.base_url}"[:60]

    # -- cache --------------------------------------------------------------------------
    def _engine(self) -> Engine:
        from booking.db import get_engine

        return self.engine or get_engine()

    def _cached(self, keys: list[str]) -> dict[tuple[str, str], tuple[float, float]]:
        from booking.db import read_session
        from booking.models import TravelCache

        found: dict[tuple[str, str], tuple[float, float]] = {}
        unique = sorted(set(keys))
        with read_session(self._engine()) as session:
            for start in range(0, len(unique), 400):
                chunk = unique[start : start + 400]
                rows = session.exec(
                    select(TravelCache).where(
                        TravelCache.model == self.name,
                        col(TravelCache.from_key).in_(chunk),
                        col(TravelCache.to_key).in_(unique),
                    )
                )
                for row in rows:
                    found[(row.from_key, row.to_key)] = (row.km, row.minutes)
        return found

    def _store(self, answers: dict[tuple[str, str], tuple[float, float]]) -> None:
        """Remember answers; a row another process stored first is kept as it is."""
        if not answers:
            return
        from booking.db import transaction
        from booking.models import TravelCache
        from booking.types import utcnow

        engine = self._engine()
        rows = [
            {
                "model": self.name,
                "from_key": a,
                "to_key": b,
                "km": km,
                "minutes": minutes,
                "created_at": utcnow(),
            }
            for (a, b), (km, minutes) in answers.items()
        ]
        insert: Any = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        with transaction(engine) as session:
            for start in range(0, len(rows), 500):
                statement = insert(TravelCache).values(rows[start : start + 500])
                session.execute(
                    statement.on_conflict_do_nothing(index_elements=["model", "from_key", "to_key"])
                )

    # -- server -------------------------------------------------------------------------
    def _table(
        self, sources: list[Point], destinations: list[Point]
    ) -> tuple[list[list[float | None]], list[list[float | None]]]:
        import httpx

        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in [*sources, *destinations])
        params = {
            "sources": ";".join(str(i) for i in range(len(sources))),
            "destinations": ";".join(str(len(sources) + j) for j in range(len(destinations))),
            "annotations": "duration,distance",
        }
        url = f"{self.base_url}/table/v1/{self.profile}/{coords}"
        try:
            response = httpx.get(url, params=params, timeout=self.timeout)
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DomainError("travel.router_unreachable", detail=type(exc).__name__) from None
        if response.status_code != 200 or body.get("code") != "Ok":
            detail = f"{response.status_code} {body.get('code', '')} {body.get('message', '')}"
            raise DomainError("travel.router_unreachable", detail=detail.strip()[:200])
        return body["distances"], body["durations"]

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        keys = [point_key(p) for p in points]
        known = self._cached(keys)
        missing_rows = sorted(
            {i for i, a in enumerate(keys) for b in keys if a != b and (a, b) not in known}
        )
        fresh: dict[tuple[str, str], tuple[float, float]] = {}
        if missing_rows:
            by_key = {keys[i]: points[i] for i in range(len(points))}
            unique_keys = list(by_key)
            src_keys = list(dict.fromkeys(keys[i] for i in missing_rows))
            for s0 in range(0, len(src_keys), self.block):
                src = src_keys[s0 : s0 + self.block]
                for d0 in range(0, len(unique_keys), self.block):
                    dst = unique_keys[d0 : d0 + self.block]
                    distances, durations = self._table(
                        [by_key[k] for k in src], [by_key[k] for k in dst]
                    )
                    for i, a in enumerate(src):
                        for j, b in enumerate(dst):
                            meters, seconds = distances[i][j], durations[i][j]
                            if meters is None or seconds is None:
                                raise DomainError("travel.no_route", a=a, b=b)
                            fresh[(a, b)] = (meters / 1000.0, seconds / 60.0)
            self._store({k: v for k, v in fresh.items() if k[0] != k[1]})
            known.update(fresh)
        n = len(points)
        km = [[0.0] * n for _ in range(n)]
        minutes = [[0.0] * n for _ in range(n)]
        for i, a in enumerate(keys):
            for j, b in enumerate(keys):
                if a == b:
                    continue
                road_km, road_min = known[(a, b)]
                km[i][j] = road_km
                minutes[i][j] = road_min + self.stop_minutes
        return TravelMatrix(km, minutes)

    def leg(self, a: Point, b: Point) -> tuple[float, float]:
        m = self.matrix([a, b])
        return m.km[0][1], m.minutes[0][1]


def travel_model_from_settings(engine: Engine | None = None) -> TravelModel:
    """The app's travel model: geodesic offline, or the configured road router."""
    from booking.config import get_settings

    settings = get_settings()
    if settings.router == "osrm" and settings.router_url:
        return OsrmTravel(settings.router_url, engine=engine)
    return GeodesicTravel(
        circuity=settings.circuity,
        speed_kmh=settings.speed_kmh,
        stop_minutes=settings.stop_minutes,
    )
