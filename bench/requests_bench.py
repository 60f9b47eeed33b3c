"""Figures of the venue-requests feature on a busy season; prints them, asserts nothing.

    .venv/bin/python bench/requests_bench.py [--kits 6] [--stops 300] [--requests 2000]

Builds a fresh SQLite file (or uses DATABASE_URL if given with --url), then times:
candidate placements for a request with three wide windows, the public availability
calendar over 78 weeks, the staff queue, request submission, and sending the outbox through
a local SMTP server (aiosmtpd).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed(func: Callable[[], object], repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kits", type=int, default=6)
    parser.add_argument("--stops", type=int, default=300)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--url", default="", help="database URL (default: a temporary SQLite)")
    args = parser.parse_args()

    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    os.environ["DATABASE_URL"] = url
    os.environ["TOURNEE_JOBS_IN_APP"] = "0"
    from booking import db
    from booking.catalogue import add_exhibition, add_kit, shipped_exhibitions
    from booking.config import reset_settings
    from booking.models import (
        BookingRequest,
        Contact,
        Depot,
        KitOccupancy,
        OccupancyKind,
        RequestStatus,
        RequestWindow,
        Venue,
        VenueType,
    )
    from booking.security import hash_token, new_token
    from booking.services.requests import (
        ContactInput,
        RequestDetails,
        RequestInput,
        VenueInput,
        availability,
        candidate_placements,
        list_requests,
        submit_request,
    )

    reset_settings()
    db.upgrade(url)
    rng = random.Random(2027)
    today = dt.date(2026, 11, 20)
    entry = shipped_exhibitions()[0]
    with db.transaction() as session:
        exhibition = add_exhibition(session, entry)
        depot = Depot(code="depot", name="Dépôt", lat=45.76, lon=4.84)
        session.add(depot)
        session.flush()
        kits = [
            add_kit(
                session, exhibition, depot, code=f"kit-{i}", name=f"Kit {i}", parts=entry["parts"]
            )
            for i in range(args.kits)
        ]
        venues = []
        for i in range(200):
            venue = Venue(
                code=f"v{i}",
                name=f"Lieu {i}",
                type=rng.choice(list(VenueType)),
                commune="Lyon",
                lat=45.7 + rng.random() / 10,
                lon=4.8 + rng.random() / 10,
                open_weekdays=[0, 1, 2, 3, 4, 5],
            )
            session.add(venue)
            venues.append(venue)
        session.flush()
        # Confirmed stops back to back on every kit, with gaps, over 18 months.
        day = {k.id: today + dt.timedelta(days=rng.randint(20, 40)) for k in kits}
        requests = []
        for n in range(args.requests):
            venue = venues[n % len(venues)]
            contact = Contact(venue_id=venue.id, name="X", email=f"x{n}@example.org")
            session.add(contact)
            session.flush()
            request = BookingRequest(
                exhibition_id=exhibition.id,
                venue_id=venue.id,
                contact_id=contact.id,
                token_hash=hash_token(new_token()),
                stay_min_days=14,
                stay_max_days=21,
            )
            session.add(request)
            requests.append(request)
        session.flush()
        for n, request in enumerate(requests):
            start = today + dt.timedelta(days=30 + n % 300)
            session.add(
                RequestWindow(request_id=request.id, start=start, end=start + dt.timedelta(days=60))
            )
            if n < args.stops:
                kit = kits[n % len(kits)]
                install = day[kit.id]
                end = install + dt.timedelta(days=rng.randint(10, 25))
                session.add(
                    KitOccupancy(
                        kit_id=kit.id,
                        request_id=request.id,
                        kind=OccupancyKind.stop,
                        start=install,
                        end=end,
                    )
                )
                request.status = RequestStatus.approved
                day[kit.id] = end + dt.timedelta(days=rng.choice([0, 0, 3, 7, 14]))
        target = requests[-1]
        for row in session.exec(
            __import__("sqlmodel")
            .select(RequestWindow)
            .where(RequestWindow.request_id == target.id)
        ):
            session.delete(row)
        for months in (2, 6, 10):
            start = today + dt.timedelta(days=30 * months)
            session.add(
                RequestWindow(request_id=target.id, start=start, end=start + dt.timedelta(days=75))
            )
        target_id, exhibition_id, venue_id = target.id, exhibition.id, venues[0].id

    print(f"database: {db.database_label(db.get_engine())}")
    print(f"world: {args.kits} kits, {args.stops} confirmed stops, {args.requests} requests")
    ms, found = _timed(lambda: candidate_placements(target_id, today=today))
    print(f"candidate_placements (3 windows of 75 days): {ms:.1f} ms median, {len(found)} shown")  # type: ignore[arg-type]
    ms, _ = _timed(lambda: availability(exhibition_id, start=today, weeks=78))
    print(f"availability, {args.kits} kits x 78 weeks: {ms:.1f} ms median")
    ms, rows = _timed(lambda: list_requests(statuses=["submitted", "held", "waitlisted"]))
    print(f"staff queue ({len(rows)} live requests): {ms:.1f} ms median")  # type: ignore[arg-type]

    def submit() -> object:
        data = RequestInput(
            exhibition_id=exhibition_id,
            venue=VenueInput(id=venue_id),
            details=RequestDetails(
                contact=ContactInput(name="Bench", email="bench@example.org"),
                windows=[(today + dt.timedelta(days=60), today + dt.timedelta(days=120))],
                stay_min_days=14,
                stay_max_days=21,
            ),
        )
        return submit_request(data, today=today)

    ms, _ = _timed(submit, repeat=50)
    print(f"submit_request: {ms:.1f} ms median over 50")

    from aiosmtpd.controller import Controller

    class Sink:
        count = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802, ANN001, ANN201
            Sink.count += 1
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    os.environ.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
    reset_settings()
    from booking.jobs import run_jobs

    start = time.perf_counter()
    sent = 0
    while True:
        (outcome,) = run_jobs(only=["outbox.send"])
        if outcome.detail == "nothing to send":
            break
        sent = Sink.count
    elapsed = time.perf_counter() - start
    controller.stop()
    print(f"outbox.send: {sent} messages in {elapsed:.2f} s ({sent / elapsed:.0f} per second)")


if __name__ == "__main__":
    main()
