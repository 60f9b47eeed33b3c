"""Generate a feedback world for the benchmarks: venues, kits, stops, responses, reports.

    .venv/bin/python bench/feedback_generate.py --out /tmp/feedback.db --stops 5000 --per-stop 100

Stops are written in bulk (executemany); responses and reports come from the feature's own
demo generator (`booking.feedback.demo`), so they look like the real thing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, insert  # noqa: E402

from booking import db  # noqa: E402
from booking.catalogue import add_exhibition, add_kit, shipped_exhibitions  # noqa: E402
from booking.config import DATA_DIR  # noqa: E402
from booking.feedback.demo import add_demo_feedback, add_demo_report  # noqa: E402
from booking.feedback.questionnaire import ensure_default_questionnaire  # noqa: E402
from booking.feedback.submit import local_today  # noqa: E402
from booking.models import (  # noqa: E402
    BookingRequest,
    Depot,
    KitOccupancy,
    RequestStatus,
    Stop,
    Venue,
    VenueType,
)
from booking.security import hash_token, new_token  # noqa: E402
from booking.types import utcnow  # noqa: E402

TYPES = [VenueType.library, VenueType.school, VenueType.park, VenueType.town_hall]


def _communes() -> list[tuple[str, float, float]]:
    try:
        with open(DATA_DIR / "gazetteer.json", encoding="utf-8") as handle:
            data = json.load(handle)
        return [(c["name"], c["lat"], c["lon"]) for c in data["communes"]]
    except (OSError, KeyError, ValueError):
        return [
            ("Lyon", 45.764, 4.8357),
            ("Villeurbanne", 45.7719, 4.8902),
            ("Vénissieux", 45.6975, 4.8867),
        ]


def build_world(
    engine: Engine,
    *,
    stops: int,
    kits: int,
    open_today: bool,
    stay_days: int = 14,
    seed: int = 2027,
) -> list[int]:
    """`stops` confirmed stops on `kits` kits (one after another on each kit); all open today
    when `open_today`, else all in the past. Returns the stop ids."""
    rng = random.Random(seed)
    today = local_today()
    now = utcnow()
    communes = _communes()
    with db.transaction(engine) as session:
        exhibition = add_exhibition(session, shipped_exhibitions()[0])
        depot = Depot(code="bench", name="Dépôt", lat=45.7597, lon=4.8422)
        session.add(depot)
        session.flush()
        parts = shipped_exhibitions()[0]["parts"]
        kit_ids = [
            add_kit(session, exhibition, depot, code=f"bench-{k}", name=f"Kit {k}", parts=parts).id
            for k in range(kits)
        ]
        n_venues = max(1, min(stops, stops // 5 or 1))
        venues = []
        for v in range(n_venues):
            name, lat, lon = rng.choice(communes)
            vtype = rng.choice(TYPES)
            venues.append(
                {
                    "code": f"bench-venue-{v}",
                    "name": f"{vtype.value.replace('_', ' ').title()} {v} – {name}",
                    "type": vtype.value,
                    "commune": name,
                    "lat": lat + rng.uniform(-0.01, 0.01),
                    "lon": lon + rng.uniform(-0.01, 0.01),
                    "open_weekdays": [0, 1, 2, 3, 4, 5]
                    if vtype != VenueType.park
                    else list(range(7)),
                    "opens_at": dt.time(9),
                    "closes_at": dt.time(18),
                    "indoor": vtype != VenueType.park,
                    "created_at": now,
                }
            )
        venue_ids = list(
            session.execute(
                insert(Venue).returning(Venue.id, sort_by_parameter_order=True),
                venues,  # type: ignore[arg-type]
            ).scalars()
        )
        requests, placed = [], []
        per_kit = -(-stops // kits)
        for i in range(stops):
            kit = kit_ids[i % kits]
            slot = i // kits
            if open_today:
                install = today - dt.timedelta(days=3)
            else:
                install = today - dt.timedelta(days=(per_kit - slot) * (stay_days + 1) + 2)
            last = install + dt.timedelta(days=stay_days - 1)
            venue = venue_ids[i % len(venue_ids)]
            requests.append(
                {
                    "exhibition_id": exhibition.id,
                    "venue_id": venue,
                    "status": RequestStatus.approved.value,
                    "token_hash": hash_token(new_token()),
                    "stay_min_days": 7,
                    "stay_max_days": 42,
                    "kit_id": kit,
                    "start": install,
                    "end": last,
                    "dismantle": last,
                    "submitted_at": now,
                    "updated_at": now,
                }
            )
            placed.append((kit, venue, install, last))
        request_ids = list(
            session.execute(
                insert(BookingRequest).returning(BookingRequest.id, sort_by_parameter_order=True),  # type: ignore[arg-type]
                requests,
            ).scalars()
        )
        session.execute(
            insert(KitOccupancy),
            [
                {
                    "kit_id": kit,
                    "request_id": rid,
                    "kind": "stop",
                    "start": install,
                    "end": last + dt.timedelta(days=1),
                }
                for rid, (kit, _, install, last) in zip(request_ids, placed, strict=True)
            ],
        )
        stop_ids = list(
            session.execute(
                insert(Stop).returning(Stop.id, sort_by_parameter_order=True),  # type: ignore[arg-type]
                [
                    {
                        "request_id": rid,
                        "kit_id": kit,
                        "venue_id": venue,
                        "exhibition_id": exhibition.id,
                        "install_date": install,
                        "last_open_date": last,
                        "dismantle_date": last,
                        "status": "confirmed",
                        "uid": f"stop-{uuid.uuid4()}@bench",
                        "feedback_token": new_token(),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for rid, (kit, venue, install, last) in zip(request_ids, placed, strict=True)
                ],
            ).scalars()
        )
    return stop_ids


def add_feedback(
    engine: Engine, stop_ids: list[int], per_stop: int, *, reports: bool, seed: int = 7
) -> int:
    rng = random.Random(seed)
    written = 0
    for start in range(0, len(stop_ids), 500):  # a transaction per 500 stops
        chunk = stop_ids[start : start + 500]
        with db.transaction(engine) as session:
            written += add_demo_feedback(session, chunk, rng, per_stop)
            if reports:
                for stop_id in chunk:
                    add_demo_report(session, stop_id, rng)
    return written


def generate(
    path: Path, *, stops: int, per_stop: int, kits: int, reports: bool = True
) -> dict[str, Any]:
    import os

    from booking.config import reset_settings

    url = f"sqlite:///{path}"
    os.environ["DATABASE_URL"] = url
    reset_settings()
    db.upgrade(url)
    engine = db.get_engine(url)
    started = time.perf_counter()
    stop_ids = build_world(engine, stops=stops, kits=kits, open_today=False)
    ensure_default_questionnaire()
    responses = add_feedback(engine, stop_ids, per_stop, reports=reports)
    return {
        "stops": len(stop_ids),
        "responses": responses,
        "seconds": round(time.perf_counter() - started, 1),
        "url": url,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="SQLite file to create")
    parser.add_argument("--stops", type=int, default=5000)
    parser.add_argument("--per-stop", type=int, default=100)
    parser.add_argument("--kits", type=int, default=100)
    args = parser.parse_args()
    if args.out.exists():
        parser.error(f"{args.out} exists: choose a new file")
    print(json.dumps(generate(args.out, stops=args.stops, per_stop=args.per_stop, kits=args.kits)))


if __name__ == "__main__":
    main()
