"""Where a venue is: an address turned into a point, and whether it lies in the Métropole.

- Online (`TOURNEE_GEOCODER=ban`): geopy's `BANFrance`, the French national address base,
  at `TOURNEE_BAN_SCHEME://TOURNEE_BAN_DOMAIN` (tests point it at a local server).
- Offline (the default), or when the BAN cannot be reached: the shipped gazetteer
  `data/gazetteer.json` (the Métropole's communes and Lyon's arrondissements); the point is
  the commune's town hall, found from the postcode and the commune's name.
- Answers are cached in `geocode_cache`. A point outside the Métropole is not refused: it
  is flagged (`inside=False`) and staff decide.

The network call never happens inside a write transaction: `locate` caches in its own short
transaction, so a slow address server does not hold SQLite's write lock.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from geopy.distance import geodesic, great_circle
from geopy.exc import GeopyError
from geopy.geocoders import BANFrance
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from booking.config import DATA_DIR, get_settings
from booking.db import transaction
from booking.errors import ValidationError
from booking.i18n import add_messages
from booking.models import GeocodeCache

# A point farther than this from every commune's reference point is called "outside".
INSIDE_RADIUS_KM = 6.0
MIN_BAN_SCORE = 0.5
BAN_TIMEOUT_S = 5

add_messages(
    {
        "geocoding.not_found": {
            "fr": "Adresse introuvable : vérifiez le code postal et la commune (ou corrigez le point sur la carte).",
            "en": "Address not found: check the postcode and the town (or correct the point on the map).",
        },
        "geocoding.ambiguous": {
            "fr": "Plusieurs communes ont le code postal {postcode} : indiquez le nom de la commune.",
            "en": "Several towns share the postcode {postcode}: give the town's name.",
        },
        "geocoding.bad_point": {
            "fr": "Coordonnées impossibles : la latitude va de -90 à 90 et la longitude de -180 à 180.",
            "en": "Impossible coordinates: latitude runs from -90 to 90 and longitude from -180 to 180.",
        },
        "geocoding.outside": {
            "fr": "Ce point semble hors de la Métropole de Lyon : la demande est acceptée, l'équipe décidera.",
            "en": "This point seems to be outside the Métropole de Lyon: the request is accepted, the team will decide.",
        },
        "geocoding.approximate": {
            "fr": "Point approximatif (la mairie de la commune) : corrigez-le si besoin.",
            "en": "Approximate point (the town hall): correct it if needed.",
        },
        "geocoding.unknown_commune": {
            "fr": "Commune inconnue dans la Métropole.",
            "en": "Unknown town in the Métropole.",
        },
    }
)


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    short_name: str
    kind: str  # commune | arrondissement
    postcodes: tuple[str, ...]
    lat: float
    lon: float
    town_hall: str


@dataclass(frozen=True)
class Point:
    """A located address: the point, what it was matched to, and how."""

    lat: float
    lon: float
    label: str
    postcode: str
    commune: str
    insee: str
    source: str  # ban | gazetteer | manual
    inside: bool

    @property
    def approximate(self) -> bool:
        return self.source == "gazetteer"


# ---------------------------------------------------------------------------- the gazetteer


@lru_cache(maxsize=1)
def communes() -> tuple[Commune, ...]:
    """The Métropole's communes and Lyon's arrondissements from `data/gazetteer.json`."""
    with open(DATA_DIR / "gazetteer.json", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    result = []
    for c in data["communes"]:
        hall = c.get("town_hall") or {}
        result.append(
            Commune(
                insee=str(c["insee"]),
                name=c["name"],
                short_name=c.get("short_name") or c["name"],
                kind=c.get("kind", "commune"),
                postcodes=tuple(c.get("postcodes", ())),
                lat=float(c["lat"]),
                lon=float(c["lon"]),
                town_hall=hall.get("address", ""),
            )
        )
    return tuple(result)


def commune_by_insee(insee: str) -> Commune | None:
    return next((c for c in communes() if c.insee == insee), None)


def commune_choices() -> list[Commune]:
    """Communes to pick from, Lyon's arrondissements instead of Lyon as a whole."""
    return sorted(
        (c for c in communes() if not (c.kind == "commune" and len(c.postcodes) > 3)),
        key=lambda c: _norm(c.name),
    )


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"\b(\d+)\s*(er|e|eme|ème)\b", r"\1", text)
    text = re.sub(r"\barrondissement\b", "", text)
    words = {"st": "saint", "ste": "sainte"}
    return " ".join(words.get(w, w) for w in text.split())


def find_commune(postcode: str, name: str) -> Commune | None:
    """The commune (or Lyon arrondissement) a postcode and a name point to; None when it is
    not in the Métropole. Raises when a shared postcode comes without a name."""
    postcode = (postcode or "").strip()
    wanted = _norm(name)
    by_postcode = [c for c in communes() if postcode and postcode in c.postcodes]
    # "Lyon" with 69003 means the 3rd arrondissement: the most precise match wins.
    precise = [c for c in by_postcode if len(c.postcodes) == 1] or by_postcode
    if wanted:
        named = [c for c in communes() if wanted in (_norm(c.name), _norm(c.short_name))]
        both = [c for c in named if c in by_postcode]
        if wanted == "lyon" and precise and all(c.insee.startswith("6938") for c in precise):
            return precise[0]
        if both:
            return both[0]
        if named:
            return named[0]
    if len(precise) == 1:
        return precise[0]
    if len(precise) > 1:
        raise ValidationError("geocoding.ambiguous", field="commune", postcode=postcode)
    return None


def nearest_communes(lat: float, lon: float, n: int = 6) -> list[tuple[Commune, float]]:
    """The `n` nearest communes' reference points with their distance in km (landmarks)."""
    ranked = sorted(
        ((c, geodesic((lat, lon), (c.lat, c.lon)).km) for c in commune_choices()),
        key=lambda pair: pair[1],
    )
    return ranked[:n]


@lru_cache(maxsize=4096)
def inside_metropole(lat: float, lon: float, insee: str = "") -> bool:
    """True when the INSEE code is one of the Métropole's, or (with no code) the point is
    within a few km of a commune's reference point. A warning, never a refusal."""
    if insee:
        return commune_by_insee(insee) is not None
    return any(great_circle((lat, lon), (c.lat, c.lon)).km <= INSIDE_RADIUS_KM for c in communes())


def check_point(lat: float | None, lon: float | None) -> tuple[float, float]:
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError("geocoding.bad_point", field="point")
    return float(lat), float(lon)


def manual_point(lat: float | None, lon: float | None, label: str = "") -> Point:
    """A point typed by a person; its commune is the nearest one when it lies inside."""
    lat, lon = check_point(lat, lon)
    nearest, _km = nearest_communes(lat, lon, 1)[0]
    inside = inside_metropole(lat, lon)
    return Point(
        lat=lat,
        lon=lon,
        label=label,
        postcode=nearest.postcodes[0] if inside and nearest.postcodes else "",
        commune=nearest.short_name if inside else "",
        insee=nearest.insee if inside else "",
        source="manual",
        inside=inside,
    )


def commune_point(commune: Commune) -> Point:
    return Point(
        lat=commune.lat,
        lon=commune.lon,
        label=commune.town_hall or commune.name,
        postcode=commune.postcodes[0] if commune.postcodes else "",
        commune=commune.short_name,
        insee=commune.insee,
        source="gazetteer",
        inside=True,
    )


# ---------------------------------------------------------------------------- lookups


def _cache_key(mode: str, address: str, postcode: str, commune: str) -> str:
    return f"{mode}:{_norm(address)}|{postcode.strip()}|{_norm(commune)}"[:400]


def _from_cache(row: GeocodeCache) -> Point:
    return Point(
        lat=row.lat,
        lon=row.lon,
        label=row.label,
        postcode=row.postcode,
        commune=row.commune,
        insee=row.insee,
        source=row.source,
        inside=inside_metropole(row.lat, row.lon, row.insee),
    )


def _ban(address: str, postcode: str, commune: str) -> Point | None:
    settings = get_settings()
    geocoder = BANFrance(
        domain=settings.ban_domain,
        scheme=settings.ban_scheme,
        timeout=BAN_TIMEOUT_S,
        user_agent="tournee (Métropole de Lyon)",
    )
    query = ", ".join(part for part in (address.strip(), f"{postcode} {commune}".strip()) if part)
    location = geocoder.geocode(query, exactly_one=True)
    if location is None:
        return None
    props = (location.raw or {}).get("properties", {})
    if float(props.get("score", 0)) < MIN_BAN_SCORE:
        return None
    insee = str(props.get("citycode", ""))
    return Point(
        lat=location.latitude,
        lon=location.longitude,
        label=str(props.get("label", location.address or ""))[:400],
        postcode=str(props.get("postcode", ""))[:10],
        commune=str(props.get("city", ""))[:120],
        insee=insee[:5],
        source="ban",
        inside=inside_metropole(location.latitude, location.longitude, insee),
    )


def _gazetteer(postcode: str, commune: str) -> Point | None:
    found = find_commune(postcode, commune)
    return commune_point(found) if found else None


def _store(point: Point, key: str) -> None:
    try:
        with transaction() as session:
            session.add(
                GeocodeCache(
                    query=key,
                    lat=point.lat,
                    lon=point.lon,
                    label=point.label[:400],
                    postcode=point.postcode,
                    commune=point.commune,
                    insee=point.insee,
                    source=point.source,
                )
            )
    except IntegrityError:  # cached meanwhile by another request: same answer
        pass


def _cached(session: Session, key: str) -> Point | None:
    row = session.exec(select(GeocodeCache).where(GeocodeCache.query == key)).first()
    return _from_cache(row) if row else None


def locate(address: str, postcode: str, commune: str) -> Point:
    """The point of an address (BAN when configured and reachable, else the gazetteer), from
    the cache when asked before. Raises `geocoding.not_found` when it cannot be located."""
    from booking.db import read_session

    modes = ["ban", "gazetteer"] if get_settings().geocoder == "ban" else ["gazetteer"]
    for mode in modes:
        key = _cache_key(mode, address, postcode, commune)
        with read_session() as session:
            hit = _cached(session, key)
        if hit is not None:
            return hit
        if mode == "ban":
            try:
                point = _ban(address, postcode, commune)
            except GeopyError:
                continue  # unreachable or refusing: fall back to the gazetteer, not cached
        else:
            point = _gazetteer(postcode, commune)
        if point is not None:
            _store(point, key)
            return point
    raise ValidationError("geocoding.not_found", field="address")
