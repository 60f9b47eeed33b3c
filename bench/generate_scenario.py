"""Generate a planning scenario of the Grand Lyon (contract version 1) from the gazetteer.

Venues stand near the communes' town halls of `data/gazetteer.json` (the Métropole's 58
communes and Lyon's 9 arrondissements), with the opening hours and days of their kind;
requests ask for 1 or 2 windows, stays of one to four weeks and a preferred start.

    .venv/bin/python bench/generate_scenario.py --requests 80 --kits 2 --vans 1 --out s.json
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GAZETTEER = ROOT / "data" / "gazetteer.json"

# kind -> (share, open weekdays, hours)
VENUE_KINDS: dict[str, tuple[float, list[int], list[str]]] = {
    "library": (0.35, [1, 2, 3, 4, 5], ["10:00", "19:00"]),
    "school": (0.30, [0, 1, 2, 3, 4], ["08:00", "17:30"]),
    "town_hall": (0.20, [0, 1, 2, 3, 4], ["08:30", "17:00"]),
    "park": (0.15, [0, 1, 2, 3, 4, 5, 6], ["07:00", "20:00"]),
}
NAMES = {
    "library": "Médiathèque",
    "school": "Collège",
    "town_hall": "Mairie",
    "park": "Parc",
}


def communes() -> list[dict[str, Any]]:
    with open(GAZETTEER, encoding="utf-8") as handle:
        data = json.load(handle)
    points = [c for c in data["communes"] if c.get("lat") is not None]
    # Lyon as a whole stands for its arrondissements: keep the finer points only
    arrondissements = [c for c in points if c.get("kind") == "arrondissement"]
    if arrondissements:
        points = [c for c in points if c.get("insee") != "69123"]
    return points


def _jitter(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    angle, dist = rng.uniform(0, 2 * math.pi), km * math.sqrt(rng.random())
    dlat = dist * math.cos(angle) / 111.2
    dlon = dist * math.sin(angle) / (111.2 * math.cos(math.radians(lat)))
    return round(lat + dlat, 5), round(lon + dlon, 5)


def generate(
    requests: int,
    kits: int,
    vans: int,
    *,
    seed: int = 2027,
    load: float = 0.85,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    rng = random.Random(seed)
    places = communes()
    if start is None or end is None:
        # small seasons: one half-year; large ones: the school year
        if requests <= 20:
            start, end = date(2027, 1, 4), date(2027, 6, 30)
        else:
            start, end = date(2026, 9, 1), date(2027, 7, 2)
    depot_point = next((c for c in places if c["insee"] == "69383"), places[0])
    depot = {
        "id": "depot",
        "name": "Dépôt Métropole",
        "lat": round(depot_point["lat"] - 0.004, 5),
        "lon": round(depot_point["lon"] - 0.002, 5),
    }
    n_exhibitions = max(1, kits // 5)
    exhibitions = ["self-data"] + [f"expo-{i}" for i in range(2, n_exhibitions + 1)]
    kit_list = [
        {
            "id": f"{exhibitions[i % n_exhibitions]}-{i // n_exhibitions + 1}",
            "exhibition": exhibitions[i % n_exhibitions],
            "depot": "depot",
            "available_from": start.isoformat(),
            "available_to": end.isoformat(),
        }
        for i in range(kits)
    ]
    n_venues = max(10, min(requests, int(requests * 0.7)))
    kinds = list(VENUE_KINDS)
    weights = [VENUE_KINDS[k][0] for k in kinds]
    venues = []
    for i in range(n_venues):
        place = places[i % len(places)] if i < len(places) else rng.choice(places)
        kind = rng.choices(kinds, weights)[0]
        lat, lon = _jitter(rng, place["lat"], place["lon"], 1.5)
        closed = []
        if rng.random() < 0.3:
            day = start + timedelta(days=rng.randrange((end - start).days))
            closed = [(day + timedelta(days=j)).isoformat() for j in range(rng.randint(1, 5))]
        venues.append(
            {
                "id": f"v{i + 1:04d}",
                "name": f"{NAMES[kind]} {place['short_name']} {i + 1}",
                "type": kind,
                "lat": lat,
                "lon": lon,
                "open_weekdays": VENUE_KINDS[kind][1],
                "hours": VENUE_KINDS[kind][2],
                "closed_dates": closed,
            }
        )
    span = (end - start).days
    # Stays sized so the requests ask for about `load` of the kits' days (a kit also
    # waits for a handling day before and after each stay: about two days more).
    mean_stay = max(3.0, load * kits * span / requests - 2.0)
    stays = [s for s in (3, 5, 7, 10, 14, 21) if s <= max(3, 2 * mean_stay)]
    request_list = []
    for i in range(requests):
        venue = rng.choice(venues)
        stay_min = min(stays, key=lambda s: abs(s - rng.uniform(0.6, 1.4) * mean_stay))
        stay_max = stay_min + rng.choice([0, 2, 7])
        windows = []
        n_windows = 1 if rng.random() < 0.75 else 2
        cursor = rng.randrange(0, max(1, span - 60))
        for _ in range(n_windows):
            length = rng.randint(max(21, stay_max + 7), 56)
            w_start = start + timedelta(days=cursor)
            w_end = min(end, w_start + timedelta(days=length))
            windows.append([w_start.isoformat(), w_end.isoformat()])
            cursor += length + rng.randint(14, 60)
            if cursor >= span - 21:
                break
        first = date.fromisoformat(windows[0][0])
        first_end = date.fromisoformat(windows[0][1])
        slack = max(0, (first_end - first).days - stay_max)
        preferred = first + timedelta(days=rng.randint(0, slack)) if rng.random() < 0.8 else None
        request_list.append(
            {
                "id": f"r{i + 1:04d}",
                "venue": venue["id"],
                "exhibition": exhibitions[rng.randrange(n_exhibitions)],
                "stay_days": [stay_min, stay_max],
                "windows": windows,
                "preferred_start": preferred.isoformat() if preferred else None,
                "priority": rng.choices([1, 2, 3], [0.7, 0.2, 0.1])[0],
            }
        )
    return {
        "version": 1,
        "timezone": "Europe/Paris",
        "horizon": {"start": start.isoformat(), "end": end.isoformat()},
        "calendar": {
            "transport_weekdays": [0, 1, 2, 3, 4],
            "public_holidays": "FR",
            "school_holiday_zone": "A",
            "closed_dates": [],
        },
        "handling": {"install_minutes": 120, "dismantle_minutes": 90, "buffer_days": 0},
        "travel": {"model": "geodesic", "circuity": 1.3, "speed_kmh": 25},
        "depots": [depot],
        "vans": [
            {
                "id": f"van-{i + 1}",
                "depot": "depot",
                "capacity_kits": 2,
                "shift_start": "08:00",
                "shift_end": "16:30",
            }
            for i in range(vans)
        ],
        "kits": kit_list,
        "venues": venues,
        "requests": request_list,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--kits", type=int, default=2)
    parser.add_argument("--vans", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument(
        "--load", type=float, default=0.85, help="kit-days asked ÷ kit-days available"
    )
    parser.add_argument("--out", default="-")
    args = parser.parse_args(argv)
    scenario = generate(args.requests, args.kits, args.vans, seed=args.seed, load=args.load)
    text = json.dumps(scenario, ensure_ascii=False, indent=1) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
