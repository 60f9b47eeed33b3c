"""Ten years of Tournée in one SQLite file, for the scale benchmark of every page.

    .venv/bin/python bench/scale_generate.py --out /tmp/tournee-10y.db

20 kits touring for ten years (eight behind, two ahead): 5,000 stops one after another on
each kit, with their requests, contacts (erased once old enough), windows, occupancy, van
days and transport legs, emails; 1,500 more requests that were declined, withdrawn, cancelled
or are still waiting; 600 venues with closures; 500,000 visitor responses (with their
received-idea answers) and a report for every past stop; 50,000 audit events; job runs and
calendar feeds. Rows are written in bulk (executemany) in a few large transactions;
responses and reports come from the feedback feature's own generator
(`booking.feedback.demo`), so they look like the real thing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
import uuid
from collections import defaultdict
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
from booking.i18n import PARIS  # noqa: E402
from booking.models import (  # noqa: E402
    AuditEvent,
    BookingRequest,
    CalendarFeed,
    Contact,
    Depot,
    JobRun,
    KitOccupancy,
    OutboxMessage,
    RequestWindow,
    Stop,
    TransportLeg,
    Van,
    VanDay,
    Venue,
    VenueClosure,
    VenueType,
)
from booking.security import hash_token, new_token  # noqa: E402
from booking.services.accounts import add_user  # noqa: E402

KITS = 20
STOPS = 5_000
OTHER_REQUESTS = 1_500
VENUES = 600
RESPONSES = 500_000
AUDIT_EVENTS = 50_000
JOB_RUNS = 20_000
YEARS_BEHIND = 8
STAY = 10  # open days of a stop
SLOT = 14  # days between two installs of one kit
DEMO_PASSWORD = "tournee-demo"  # noqa: S105 (the demo accounts' documented password)
TYPES = [VenueType.library, VenueType.school, VenueType.park, VenueType.town_hall]


def _communes() -> list[dict[str, Any]]:
    with open(DATA_DIR / "gazetteer.json", encoding="utf-8") as handle:
        return list(json.load(handle)["communes"])


def _utc(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), PARIS).astimezone(dt.UTC)


def _bulk(session: Any, model: Any, rows: list[dict[str, Any]], chunk: int = 20_000) -> list[int]:
    """INSERT … RETURNING id for many rows (executemany), in chunks; the new ids in order."""
    ids: list[int] = []
    table = model.__table__
    for start in range(0, len(rows), chunk):
        result = session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True),
            rows[start : start + chunk],
        )
        ids += list(result.scalars())
    return ids


def build(engine: Engine, seed: int = 2027) -> dict[str, int]:
    rng = random.Random(seed)
    today = local_today()
    first_day = today - dt.timedelta(days=365 * YEARS_BEHIND)
    communes = _communes()
    counts: dict[str, int] = {}
    with db.transaction(engine) as session:
        exhibition = add_exhibition(session, shipped_exhibitions()[0])
        depot = Depot(code="metropole", name="Dépôt de la Métropole", lat=45.7597, lon=4.8422)
        session.add(depot)
        session.flush()
        parts = shipped_exhibitions()[0]["parts"]
        kit_ids = [
            add_kit(
                session, exhibition, depot, code=f"kit-{k:02d}", name=f"Kit {k}", parts=parts
            ).id
            for k in range(KITS)
        ]
        vans = [Van(code=f"van-{v}", name=f"Camion {v}", depot_id=depot.id) for v in (1, 2)]
        session.add_all(vans)
        session.flush()
        van_ids = [v.id for v in vans]

        venue_rows = []
        for v in range(VENUES):
            commune = rng.choice(communes)
            kind = TYPES[v % len(TYPES)]
            venue_rows.append(
                {
                    "code": f"venue-{v:04d}",
                    "name": f"{kind.value.replace('_', ' ').title()} {v} – {commune['name']}",
                    "type": kind.value,
                    "address": f"{1 + v % 90} rue de la République",
                    "postcode": (commune.get("postcodes") or ["69000"])[0],
                    "commune": commune["name"],
                    "insee": commune.get("insee", ""),
                    "lat": commune["lat"] + rng.uniform(-0.01, 0.01),
                    "lon": commune["lon"] + rng.uniform(-0.01, 0.01),
                    "geocode_source": "gazetteer",
                    "open_weekdays": list(range(7)) if kind == VenueType.park else [0, 1, 2, 3, 4],
                    "opens_at": dt.time(9),
                    "closes_at": dt.time(18),
                    "indoor": kind != VenueType.park,
                    "created_at": _utc(first_day),
                }
            )
        venue_ids = _bulk(session, Venue, venue_rows)
        closures = []
        for v in venue_ids:
            for _ in range(3):
                start = first_day + dt.timedelta(days=rng.randrange(365 * 10))
                closures.append(
                    {
                        "venue_id": v,
                        "start": start,
                        "end": start + dt.timedelta(days=rng.randrange(1, 8)),
                        "reason": "Fermeture annuelle",
                        "source": "manual",
                    }
                )
        _bulk(session, VenueClosure, closures)

        # ------------------------------------------------ stops and their requests
        placed: list[tuple[int, int, dt.date, dt.date, str]] = []  # kit, venue, install, last
        for i in range(STOPS):
            kit = kit_ids[i % KITS]
            slot = i // KITS
            install = first_day + dt.timedelta(days=slot * SLOT + (i % KITS) % 5)
            while install.weekday() >= 5:  # the van drives on working days
                install += dt.timedelta(days=1)
            last = install + dt.timedelta(days=STAY - 1)
            cancelled = rng.random() < 0.02
            placed.append(
                (
                    kit,
                    venue_ids[rng.randrange(VENUES)],
                    install,
                    last,
                    "cancelled" if cancelled else "confirmed",
                )
            )
        contact_rows, request_rows = [], []
        erase_before = today - dt.timedelta(days=36 * 30)
        for n, (_kit, venue, install, last, _status) in enumerate(placed):
            erased = last < erase_before
            contact_rows.append(
                {
                    "venue_id": venue,
                    "name": None if erased else f"Contact {n}",
                    "role": None if erased else "Responsable",
                    "email": None if erased else f"contact{n}@example.org",
                    "phone": None,
                    "language": "fr",
                    "created_at": _utc(install - dt.timedelta(days=60)),
                    "erased_at": _utc(last + dt.timedelta(days=36 * 30)) if erased else None,
                }
            )
        contact_ids = _bulk(session, Contact, contact_rows)
        for n, (kit, venue, install, last, status) in enumerate(placed):
            request_rows.append(
                {
                    "exhibition_id": exhibition.id,
                    "venue_id": venue,
                    "contact_id": contact_ids[n],
                    "status": "approved" if status == "confirmed" else "cancelled",
                    "token_hash": hash_token(new_token()),
                    "language": "fr",
                    "stay_min_days": 7,
                    "stay_max_days": 21,
                    "kit_id": kit,
                    "start": install,
                    "end": last,
                    "dismantle": last,
                    "message": "Pour nos publics",
                    "decision_reason": "Travaux" if status == "cancelled" else "",
                    "submitted_at": _utc(install - dt.timedelta(days=60)),
                    "updated_at": _utc(install - dt.timedelta(days=30)),
                }
            )
        request_ids = _bulk(session, BookingRequest, request_rows)
        windows = [
            {
                "request_id": rid,
                "start": install - dt.timedelta(days=14),
                "end": last + dt.timedelta(days=14),
            }
            for rid, (_k, _v, install, last, _s) in zip(request_ids, placed, strict=True)
        ]
        _bulk(session, RequestWindow, windows)
        _bulk(
            session,
            KitOccupancy,
            [
                {
                    "kit_id": kit,
                    "request_id": rid,
                    "kind": "stop",
                    "start": install,
                    "end": last + dt.timedelta(days=1),
                }
                for rid, (kit, _v, install, last, status) in zip(request_ids, placed, strict=True)
                if status == "confirmed"
            ],
        )
        stop_ids = _bulk(
            session,
            Stop,
            [
                {
                    "request_id": rid,
                    "kit_id": kit,
                    "venue_id": venue,
                    "exhibition_id": exhibition.id,
                    "install_date": install,
                    "last_open_date": last,
                    "dismantle_date": last,
                    "status": status,
                    "cancel_reason": "Travaux" if status == "cancelled" else "",
                    "uid": f"stop-{uuid.uuid4()}@tournee",
                    "sequence": 1 if status == "cancelled" else 0,
                    "feedback_token": new_token(),
                    "created_at": _utc(install - dt.timedelta(days=30)),
                    "updated_at": _utc(install - dt.timedelta(days=30)),
                }
                for rid, (kit, venue, install, last, status) in zip(
                    request_ids, placed, strict=True
                )
            ],
        )
        counts["stops"] = len(stop_ids)

        # ------------------------------------------------ other requests
        other_rows, other_contacts = [], []
        states = (
            ["declined"] * 500
            + ["withdrawn"] * 400
            + ["cancelled"] * 300
            + ["waitlisted"] * 100
            + ["submitted"] * 200
        )
        for n, state in enumerate(states):
            live = state in ("submitted", "waitlisted")
            day = (
                today + dt.timedelta(days=30 + rng.randrange(300))
                if live
                else first_day + dt.timedelta(days=rng.randrange(365 * YEARS_BEHIND))
            )
            other_contacts.append(
                {
                    "venue_id": venue_ids[rng.randrange(VENUES)],
                    "name": f"Demandeur {n}",
                    "email": f"demandeur{n}@example.org",
                    "language": "fr",
                    "created_at": _utc(day - dt.timedelta(days=60)),
                }
            )
            other_rows.append((state, day))
        other_contact_ids = _bulk(session, Contact, other_contacts)
        other_ids = _bulk(
            session,
            BookingRequest,
            [
                {
                    "exhibition_id": exhibition.id,
                    "venue_id": contact["venue_id"],
                    "contact_id": cid,
                    "status": state,
                    "token_hash": hash_token(new_token()),
                    "stay_min_days": 7,
                    "stay_max_days": 21,
                    "decision_reason": "Période complète" if state == "declined" else "",
                    "submitted_at": _utc(day - dt.timedelta(days=60)),
                    "updated_at": _utc(day - dt.timedelta(days=50)),
                }
                for (state, day), contact, cid in zip(
                    other_rows, other_contacts, other_contact_ids, strict=True
                )
            ],
        )
        _bulk(
            session,
            RequestWindow,
            [
                {"request_id": rid, "start": day, "end": day + dt.timedelta(days=45)}
                for rid, (_state, day) in zip(other_ids, other_rows, strict=True)
            ],
        )
        counts["requests"] = len(request_ids) + len(other_ids)

        # ------------------------------------------------ the van's days
        by_day: dict[tuple[int, dt.date], list[tuple[str, int, int, int]]] = defaultdict(list)
        for stop_id, (kit, venue, install, last, status) in zip(stop_ids, placed, strict=True):
            if status != "confirmed":
                continue
            van = van_ids[kit_ids.index(kit) % 2]
            by_day[(van, install)].append(("delivery", stop_id, venue, kit))
            by_day[(van, last)].append(("pickup", stop_id, venue, kit))
        keys = sorted(by_day, key=lambda k: (k[1], k[0]))
        van_day_ids = _bulk(
            session,
            VanDay,
            [
                {
                    "van_id": van,
                    "date": day,
                    "start_at": _utc(day, 8),
                    "end_at": _utc(day, 8 + len(by_day[(van, day)])),
                    "km": 18.0 * len(by_day[(van, day)]),
                    "minutes": 60.0 * len(by_day[(van, day)]),
                    "solver": "pyvroom",
                    "uid": f"vanday-{uuid.uuid4()}@tournee",
                    "updated_at": _utc(day - dt.timedelta(days=7)),
                }
                for van, day in keys
            ],
        )
        legs = []
        for van_day_id, key in zip(van_day_ids, keys, strict=True):
            for position, (kind, stop_id, venue, kit) in enumerate(by_day[key]):
                day = key[1]
                depart = _utc(day, 8 + position)
                legs.append(
                    {
                        "van_day_id": van_day_id,
                        "position": position,
                        "date": day,
                        "kind": kind,
                        "from_depot_id": depot.id if kind == "delivery" else None,
                        "from_venue_id": venue if kind == "pickup" else None,
                        "to_depot_id": depot.id if kind == "pickup" else None,
                        "to_venue_id": venue if kind == "delivery" else None,
                        "kit_ids": [kit],
                        "stop_id": stop_id,
                        "depart_at": depart,
                        "arrive_at": depart + dt.timedelta(minutes=35),
                        "handling_minutes": 90,
                        "km": 18.0,
                        "minutes": 35.0,
                        "uid": f"leg-{uuid.uuid4()}@tournee",
                    }
                )
        _bulk(session, TransportLeg, legs)
        counts["van_days"], counts["legs"] = len(van_day_ids), len(legs)

        # ------------------------------------------------ emails, audit, jobs, feeds
        messages = []
        for rid, (_k, _v, install, _last, _s) in zip(request_ids, placed, strict=True):
            for kind in ("received", "approved", "reminder"):
                messages.append(
                    {
                        "dedup_key": f"{kind}:request-{rid}",
                        "kind": kind,
                        "to_address": "contact@example.org",
                        "subject": f"Message {kind}",
                        "body_text": "Bonjour,\n\nVoici les nouvelles de votre demande.\n",
                        "attachments": [],
                        "request_id": rid,
                        "status": "sent",
                        "attempts": 1,
                        "created_at": _utc(install - dt.timedelta(days=40)),
                        "next_attempt_at": _utc(install - dt.timedelta(days=40)),
                        "sent_at": _utc(install - dt.timedelta(days=40)),
                    }
                )
        _bulk(session, OutboxMessage, messages)
        counts["emails"] = len(messages)
        actions = ["request.submitted", "request.held", "request.approved", "van_day.changed"]
        all_requests = request_ids + other_ids
        _bulk(
            session,
            AuditEvent,
            [
                {
                    "at": _utc(first_day + dt.timedelta(days=n * 3650 // AUDIT_EVENTS)),
                    "actor": "user:staff@tournee.example",
                    "action": actions[n % len(actions)],
                    "entity": "request",
                    "entity_id": all_requests[n % len(all_requests)],
                    "details": {"n": n},
                }
                for n in range(AUDIT_EVENTS)
            ],
        )
        counts["audit_events"] = AUDIT_EVENTS
        jobs = ["holds.expire", "outbox.send", "reminders.send", "retention.comments"]
        _bulk(
            session,
            JobRun,
            [
                {
                    "job": jobs[n % len(jobs)],
                    "started_at": _utc(today - dt.timedelta(days=(JOB_RUNS - n) // 100)),
                    "finished_at": _utc(today - dt.timedelta(days=(JOB_RUNS - n) // 100)),
                    "ok": True,
                    "detail": "nothing to do",
                }
                for n in range(JOB_RUNS)
            ],
        )
        _bulk(
            session,
            CalendarFeed,
            [
                {
                    "token": new_token(),
                    "name": f"Abonnement {n}",
                    "scope": "venue" if n % 2 else "kit",
                    "scope_id": venue_ids[n] if n % 2 else kit_ids[n % KITS],
                    "created_by": "user:staff@tournee.example",
                    "created_at": _utc(today - dt.timedelta(days=n)),
                }
                for n in range(30)
            ],
        )
    for role in ("staff", "tuba", "admin"):
        add_user(
            email=f"{role}@tournee.example",
            display_name=role.title(),
            role=role,
            password=DEMO_PASSWORD,
        )
    ensure_default_questionnaire()

    # ------------------------------------------------ visitor feedback and stop reports
    shown = [
        stop_id
        for stop_id, (_k, _v, install, _last, status) in zip(stop_ids, placed, strict=True)
        if status == "confirmed" and install <= today
    ]
    last_day = {stop_id: p[3] for stop_id, p in zip(stop_ids, placed, strict=True)}
    per_stop, extra = divmod(RESPONSES, len(shown))
    written = 0
    for start in range(0, len(shown), 250):
        chunk = shown[start : start + 250]
        with db.transaction(engine) as session:
            for n, stop_id in enumerate(chunk):
                written += add_demo_feedback(
                    session, [stop_id], rng, per_stop + (1 if start + n < extra else 0)
                )
                if last_day[stop_id] < today:
                    add_demo_report(session, stop_id, rng)
    counts["responses"] = written
    return counts


def generate(path: Path) -> dict[str, Any]:
    import os

    from booking.config import reset_settings

    url = f"sqlite:///{path}"
    os.environ["DATABASE_URL"] = url
    os.environ["TOURNEE_JOBS_IN_APP"] = "0"
    reset_settings()
    db.upgrade(url)
    engine = db.get_engine(url)
    started = time.perf_counter()
    counts = build(engine)  # no ANALYZE: the app never runs one either
    return {**counts, "seconds": round(time.perf_counter() - started, 1), "url": url}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="SQLite file to create")
    args = parser.parse_args()
    if args.out.exists():
        parser.error(f"{args.out} exists: choose a new file")
    print(json.dumps(generate(args.out)))


if __name__ == "__main__":
    main()
