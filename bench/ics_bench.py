"""A calendar feed of 10,000 events: `export_calendar("all")` against plain icalendar
serialisation of the same events. Prints the figures, asserts nothing.

    .venv/bin/python bench/ics_bench.py [--stops 2135] [--repeat 5] [--url DATABASE_URL]

Builds a fresh SQLite file (or uses --url, e.g. the local PostgreSQL) with `--stops` stops
(3 events each: open period, install, dismantle), one delivery and half a pickup leg per stop,
and van days to carry them: 10,000 events with the defaults. Then times, as the median of
`--repeat` runs:
- export: the whole `export_calendar("all")` path (queries, events, components, bytes);
- baseline: `Calendar.to_ical()` on pre-built icalendar components of the same events (the
  export parsed back by icalendar, so the components are icalendar's own);
and prints both, their ratio (target ≤ 1.5) and the phases of the export.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _populate(stops: int) -> dict[str, int]:
    """Rows written straight with SQLAlchemy Core (the services' checks are not timed here)."""
    from sqlalchemy import insert

    from booking.catalogue import add_exhibition, add_kit, shipped_exhibitions
    from booking.db import transaction
    from booking.models import (
        BookingRequest,
        Contact,
        Depot,
        LegKind,
        RequestStatus,
        Stop,
        StopStatus,
        TransportLeg,
        Van,
        VanDay,
        Venue,
        VenueType,
    )

    stamp = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
    kits_count, venues_count = 40, 150
    per_kit = -(-stops // kits_count)
    with transaction() as session:
        entry = shipped_exhibitions()[0]
        exhibition = add_exhibition(session, entry)
        depot = Depot(
            code="depot",
            name="Dépôt de la Métropole",
            address="20 rue du Lac, 69003 Lyon",
            lat=45.7597,
            lon=4.8422,
        )
        session.add(depot)
        session.flush()
        kits = [
            add_kit(
                session,
                exhibition,
                depot,
                code=f"kit-{k}",
                name=f"Self Data – kit {k}",
                parts=entry["parts"],
            )
            for k in range(kits_count)
        ]
        van = Van(code="van-1", name="Camion de la Métropole", depot_id=depot.id)
        session.add(van)
        session.flush()
        venue_rows = [
            {
                "code": f"venue-{v}",
                "name": f"Médiathèque n° {v} – « Les Quais »",
                "type": VenueType.library,
                "address": f"{v} rue de la République",
                "postcode": "69002",
                "commune": "Lyon 2e",
                "lat": 45.75 + v / 10_000,
                "lon": 4.83 + v / 10_000,
                "open_weekdays": [1, 2, 3, 4, 5],
                "opens_at": dt.time(10, 0),
                "closes_at": dt.time(18, 0),
                "access_notes": "Entrée par la cour ; monte-charge ; prévenir l'accueil la veille.",
                "van_parking": "Place de livraison devant l'entrée",
                "created_at": stamp,
            }
            for v in range(venues_count)
        ]
        session.execute(insert(Venue), venue_rows)
        venue_ids = list(
            session.exec(Venue.__table__.select().with_only_columns(Venue.__table__.c.id)).scalars()
        )  # type: ignore[attr-defined]
        session.execute(
            insert(Contact),
            [
                {
                    "venue_id": vid,
                    "name": f"Contact {vid}",
                    "role": "Responsable",
                    "email": f"contact{vid}@example.org",
                    "phone": "04 00 00 00 00",
                    "language": "fr",
                    "created_at": stamp,
                }
                for vid in venue_ids
            ],
        )
        requests, stop_rows, legs, van_days = [], [], [], {}
        n = 0
        first = dt.date(2027, 1, 4)
        for k, kit in enumerate(kits):
            day = first + dt.timedelta(days=k % 7)
            for _ in range(per_kit):
                if n >= stops:
                    break
                n += 1
                venue_id = venue_ids[n % len(venue_ids)]
                install, last_open = day, day + dt.timedelta(days=12)
                dismantle = last_open + dt.timedelta(days=1)
                requests.append(
                    {
                        "id": n,
                        "exhibition_id": exhibition.id,
                        "venue_id": venue_id,
                        "contact_id": venue_id,
                        "status": RequestStatus.approved,
                        "token_hash": f"{n:064x}",
                        "language": "fr",
                        "stay_min_days": 7,
                        "stay_max_days": 21,
                        "submitted_at": stamp,
                        "updated_at": stamp,
                    }
                )
                stop_rows.append(
                    {
                        "id": n,
                        "request_id": n,
                        "kit_id": kit.id,
                        "venue_id": venue_id,
                        "exhibition_id": exhibition.id,
                        "install_date": install,
                        "last_open_date": last_open,
                        "dismantle_date": dismantle,
                        "status": StopStatus.cancelled if n % 50 == 0 else StopStatus.confirmed,
                        "uid": f"stop-{n}@bench",
                        "sequence": n % 3,
                        "feedback_token": f"fb-{n}",
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                )
                for leg_day, kind, frm, to, hour in (
                    (install, LegKind.delivery, None, venue_id, 8),
                    (dismantle, LegKind.pickup, venue_id, None, 14),
                ):
                    if kind == LegKind.pickup and n % 2:
                        continue  # half the kits go straight on: a transfer, not a pickup
                    van_days.setdefault(leg_day, len(van_days) + 1)
                    depart = dt.datetime.combine(leg_day, dt.time(hour, n % 60), dt.UTC)
                    legs.append(
                        {
                            "van_day_id": van_days[leg_day],
                            "position": len(legs),
                            "date": leg_day,
                            "kind": kind,
                            "from_depot_id": depot.id if frm is None else None,
                            "from_venue_id": frm,
                            "to_depot_id": depot.id if to is None else None,
                            "to_venue_id": to,
                            "kit_ids": [kit.id],
                            "depart_at": depart,
                            "arrive_at": depart + dt.timedelta(minutes=35),
                            "handling_minutes": 120,
                            "km": 14.2,
                            "minutes": 35.0,
                            "uid": f"leg-{len(legs)}@bench",
                            "sequence": 0,
                        }
                    )
                day = dismantle + dt.timedelta(days=1)
        session.execute(insert(BookingRequest), requests)
        session.execute(insert(Stop), stop_rows)
        session.execute(
            insert(VanDay),
            [
                {
                    "id": vid,
                    "van_id": van.id,
                    "date": day,
                    "uid": f"vanday-{vid}@bench",
                    "sequence": 0,
                    "km": 42.0,
                    "minutes": 120.0,
                    "updated_at": stamp,
                }
                for day, vid in van_days.items()
            ],
        )
        session.execute(insert(TransportLeg), legs)
    return {"stops": len(stop_rows), "legs": len(legs), "van_days": len(van_days)}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stops", type=int, default=2135)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", default="", help="database URL (default: a temporary SQLite)")
    args = parser.parse_args()

    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    os.environ["DATABASE_URL"] = url
    os.environ["TOURNEE_JOBS_IN_APP"] = "0"
    from booking import db
    from booking.config import reset_settings

    reset_settings()
    db.upgrade(url)
    if not db.is_empty(db.get_engine(url)):
        sys.exit(f"{url} is not empty: give an empty database")
    rows = _populate(args.stops)

    from icalendar import Calendar

    from booking.calendars import export_calendar
    from booking.calendars.ics import build_calendar_component, clear_caches
    from booking.calendars.views import clear_caches as clear_view_caches
    from booking.calendars.views import load_view, parse_view
    from booking.db import read_session

    def load() -> Any:
        with read_session() as session:
            return load_view(session, parse_view("all"))

    title, cal_events = load()
    data = export_calendar("all")
    events = data.count(b"BEGIN:VEVENT\r\n")
    parsed = Calendar.from_ical(data)  # icalendar's own components, as its parser builds them
    built = build_calendar_component(cal_events, name=title)  # the components the export builds

    def cold() -> bytes:
        clear_caches()
        clear_view_caches()
        start = time.perf_counter()
        result = export_calendar("all")
        cold.seconds = time.perf_counter() - start  # type: ignore[attr-defined]
        return result

    # The machine may be busy: runs are interleaved and the best of each kind is kept.
    runs: dict[str, list[float]] = {k: [] for k in ("cold", "warm", "parsed", "built", "load")}
    for _ in range(args.repeat):
        cold()
        runs["cold"].append(cold.seconds)  # type: ignore[attr-defined]
        runs["warm"].append(_timed(lambda: export_calendar("all"), 1)[0])
        runs["parsed"].append(_timed(parsed.to_ical, 1)[0])
        runs["built"].append(_timed(built.to_ical, 1)[0])
        runs["load"].append(_timed(load, 1)[0])
    best = {k: min(v) for k, v in runs.items()}
    plain = min(best["parsed"], best["built"])
    same = export_calendar("all") == data == built.to_ical()

    print(f"database          {db.database_label(db.get_engine(url))}")
    print(
        f"rows              {rows['stops']} stops, {rows['legs']} legs, {rows['van_days']} van days"
    )
    print(f"feed              {events} events, {len(data) / 1e6:.1f} MB")
    print(
        f"plain icalendar   {plain * 1000:7.0f} ms  Calendar.to_ical() on pre-built components "
        f"(parsed {best['parsed'] * 1000:.0f} ms, as built {best['built'] * 1000:.0f} ms)"
    )
    print(
        f"export, cold      {best['cold'] * 1000:7.0f} ms  export_calendar('all'), caches emptied"
    )
    print(f"export, warm      {best['warm'] * 1000:7.0f} ms  the same feed fetched again")
    print(f"  of which load   {best['load'] * 1000:7.0f} ms  queries and plain events (load_view)")
    print(
        f"ratio, cold       {best['cold'] / plain:7.2f}     export ÷ plain serialisation (target ≤ 1.5)"
    )
    print(f"ratio, warm       {best['warm'] / plain:7.2f}")
    print(f"same bytes        {same}  (export twice, and Calendar.to_ical() of the whole calendar)")
    print(f"best of {args.repeat} interleaved runs each")


if __name__ == "__main__":
    main()
