"""Production shape: two `streamlit run` processes on one PostgreSQL database.

- Concurrent approvals never overlap a kit. Twelve requests want the same kit on the same
  days; they are approved at the same instant by four other OS processes (three threads
  each), while both app processes serve the calendar feed and the visitor form under load.
  Exactly one wins; the others get the French conflict message and are left as they were.

  Why other processes and not clicks in the two apps: an approval is one service call
  (`approve_request`, the one the "Confirmer" button makes) in its own transaction on its
  own connection, so what must hold across processes is the database's guard between
  connections of different processes. Worker processes released by one line on their stdin
  race twelve approvals truly at once, which two browser clicks cannot; the browser path to
  the same call is covered by the staff journey (tests/e2e/test_staff_journey.py).
- Feeds and forms answer from either process, with the same bytes, and see each other's
  writes at once (a revoked feed is refused by both; a response sent to one is counted).
- The plain routes refuse bad tokens the same way on both (and /health says nothing more
  than its status); issued tokens are at least 128 random bits.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import icalendar
import pytest
from sqlalchemy import text
from sqlmodel import col, func, select

from booking import db
from booking.calendars.feeds import create_feed, revoke_feed
from booking.feedback.questionnaire import clear_cache, ensure_default_questionnaire
from booking.feedback.submit import local_today
from booking.models import (
    AuditEvent,
    BookingRequest,
    CalendarFeed,
    FeedbackResponse,
    KitOccupancy,
    RequestStatus,
    Stop,
)
from booking.services.requests import candidate_placements, earliest_start, paris_today
from tests.e2e.servers import (
    ROOT,
    app_env,
    free_port,
    start_streamlit,
    stop_process,
    wait_for_health,
)
from tests.factories import make_request, make_stop, world

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

PUBLIC_URL = "https://tournee.example"
WORKERS = 4
THREADS = 3
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

# A worker: warms its engine, waits for "go" on stdin, approves its requests in threads at
# once, prints one JSON line per request.
WORKER = """
import json, sys, threading
from booking import db
from booking.errors import DomainError
from booking.services.bookings import Placement, approve_request
import datetime as dt
kit, install, last_open, dismantle, *ids = sys.argv[1:]
placement = Placement(int(kit), dt.date.fromisoformat(install), dt.date.fromisoformat(last_open),
                      dt.date.fromisoformat(dismantle))
with db.get_engine().connect():
    pass
results = {}
def approve(request_id):
    try:
        stop = approve_request(int(request_id), placement, actor=f"user:worker-{request_id}")
        results[request_id] = {"ok": True, "stop": stop.id}
    except DomainError as exc:
        results[request_id] = {"ok": False, "error": type(exc).__name__, "message": exc.message("fr")}
threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
print("ready", flush=True)
sys.stdin.readline()
for t in threads: t.start()
for t in threads: t.join()
for request_id, result in results.items():
    print(json.dumps({"request": int(request_id), **result}), flush=True)
"""


@dataclass
class Two:
    database_url: str
    urls: list[str]
    competing: list[int]
    kit_id: int
    feed_token: str
    feedback_token: str
    version: int


@pytest.fixture
def two_apps(pg_url: str, tmp_path: Path) -> Iterator[Two]:
    clear_cache()
    today = local_today()
    with db.transaction() as session:
        w = world(session)
        venue = w.venues[0]
        competing = []
        first = earliest_start(paris_today()) + dt.timedelta(days=14)
        for n in range(WORKERS * THREADS):
            request, _token = make_request(
                session,
                w.exhibition,
                venue,
                windows=[(first, first + dt.timedelta(days=60))],
                contact=None,
                message=f"concurrent {n}",
            )
            competing.append(request.id)
        on_show, _token = make_request(session, w.exhibition, w.venues[2])
        open_stop = make_stop(
            session, on_show, w.kits[1], today - dt.timedelta(days=2), today + dt.timedelta(days=9)
        )
        kit_id, feedback_token = w.kits[0].id, open_stop.feedback_token
    assert kit_id is not None
    version = ensure_default_questionnaire().version
    feed = create_feed(name="Tout", view="all", actor="test")
    # The README's production steps: migrate once per release, then start the processes.
    subprocess.run(
        [sys.executable, "-m", "booking", "db", "upgrade"],
        cwd=ROOT, env=app_env(pg_url, 0), check=True, capture_output=True,
    )  # fmt: skip
    processes, urls = [], []
    try:
        for n in range(2):
            port = free_port()
            # behind one reverse proxy: one public address for both
            env = app_env(pg_url, port, TOURNEE_JOBS_IN_APP="0", TOURNEE_BASE_URL=PUBLIC_URL)
            log = tmp_path / f"app-{n}.log"
            processes.append((start_streamlit(env, port, log), log))
            urls.append(f"http://127.0.0.1:{port}")
        for (process, log), url in zip(processes, urls, strict=True):
            wait_for_health(url, process, log)
        yield Two(pg_url, urls, competing, kit_id, feed.token, feedback_token, version)
    finally:
        for process, _log in processes:
            stop_process(process)
        clear_cache()


def _send_feedback(http: httpx.Client, base: str, token: str, version: int, note: str) -> bool:
    form = http.get(f"{base}/f/{token}")
    match = CSRF.search(form.text)
    if form.status_code != 200 or match is None:
        return False
    answer = http.post(
        f"{base}/f/{token}",
        data={"csrf": match.group(1), "v": str(version), "rating": "5", "comment": note},
    )
    return answer.status_code == 200 and "Merci" in answer.text


def test_concurrent_approvals_from_other_processes_never_overlap_a_kit(two_apps: Two) -> None:
    placement = candidate_placements(two_apps.competing[0])[0].placement
    args = [
        str(placement.kit_id),
        placement.install.isoformat(),
        placement.last_open.isoformat(),
        placement.dismantle.isoformat(),
    ]
    env = app_env(two_apps.database_url, 0)
    workers = []
    for n in range(WORKERS):
        ids = [str(i) for i in two_apps.competing[n * THREADS : (n + 1) * THREADS]]
        workers.append(
            subprocess.Popen(
                [sys.executable, "-c", WORKER, *args, *ids],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
        )
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"

    # Both apps serve feeds and forms while the approvals race.
    served: list[tuple[str, int]] = []
    stop_serving = threading.Event()

    def serve(base: str) -> None:
        with httpx.Client(timeout=30) as http:
            while not stop_serving.is_set():
                feed = http.get(f"{base}/calendar/{two_apps.feed_token}.ics")
                served.append(("feed", feed.status_code))
                ok = _send_feedback(http, base, two_apps.feedback_token, two_apps.version, base)
                served.append(("form", 200 if ok else 0))

    readers = [threading.Thread(target=serve, args=(url,)) for url in two_apps.urls]
    for reader in readers:
        reader.start()
    for worker in workers:  # go
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        out, _err = worker.communicate(timeout=120)
        assert worker.returncode == 0
        results += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    stop_serving.set()
    for reader in readers:
        reader.join(timeout=60)

    assert len(results) == WORKERS * THREADS
    winners = [r for r in results if r["ok"]]
    losers = [r for r in results if not r["ok"]]
    assert len(winners) == 1, results
    assert {r["error"] for r in losers} == {"Conflict"}
    assert all(r["message"].startswith("Ce kit est déjà réservé") for r in losers)
    assert served and all(status == 200 for _kind, status in served), served[-5:]
    assert {kind for kind, _status in served} == {"feed", "form"}

    with db.read_session() as session:
        overlapping = session.execute(
            text(
                "SELECT count(*) FROM kit_occupancy a JOIN kit_occupancy b "
                "ON a.kit_id = b.kit_id AND a.id < b.id AND a.start < b.end AND b.start < a.end"
            )
        ).scalar_one()
        assert overlapping == 0
        taken = session.exec(
            select(KitOccupancy).where(KitOccupancy.kit_id == two_apps.kit_id)
        ).all()
        assert [o.request_id for o in taken] == [winners[0]["request"]]
        lost = [r["request"] for r in losers]
        statuses = session.exec(
            select(BookingRequest.status).where(col(BookingRequest.id).in_(lost))
        ).all()
        assert set(statuses) == {RequestStatus.submitted}  # nothing half-written
        assert not session.exec(select(Stop).where(col(Stop.request_id).in_(lost))).all()
        approvals = session.exec(
            select(func.count()).where(AuditEvent.action == "request.approved")
        ).one()
        assert approvals == 1
        stop = session.exec(select(Stop).where(Stop.request_id == winners[0]["request"])).one()

    # Either process serves the new stop in the feed, with the same bytes.
    with httpx.Client(timeout=30) as http:
        bodies = [
            http.get(f"{u}/calendar/{two_apps.feed_token}.ics").content for u in two_apps.urls
        ]
        assert bodies[0] == bodies[1]
        uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(bodies[0]).walk("VEVENT")}
        assert stop.uid in uids

        # A response sent to one process is counted once; a feed revoked is refused by both.
        with db.read_session() as session:
            before = session.exec(
                select(func.count()).where(FeedbackResponse.comment == "to the second")
            ).one()
        assert _send_feedback(
            http, two_apps.urls[1], two_apps.feedback_token, two_apps.version, "to the second"
        )
        with db.read_session() as session:
            after = session.exec(
                select(func.count()).where(FeedbackResponse.comment == "to the second")
            ).one()
        assert after == before + 1
        feed_id = _feed_id(two_apps.feed_token)
        revoke_feed(feed_id, actor="test")
        for url in two_apps.urls:
            assert http.get(f"{url}/calendar/{two_apps.feed_token}.ics").status_code == 404


def _feed_id(token: str) -> int:
    with db.read_session() as session:
        feed = session.exec(select(CalendarFeed).where(CalendarFeed.token == token)).one()
        assert feed.id is not None
        return feed.id


BAD_TOKENS = [
    "x",  # too short
    "A" * 43,  # the right shape, unknown
    "<svg onload=alert(1)>",  # (a token never holds a slash: a path with one is no route)
    "' OR '1'='1' --" + "a" * 30,
    "é" * 43,
    "a" * 2000,  # long
]


def test_plain_routes_refuse_bad_tokens_the_same_on_both(two_apps: Two) -> None:
    with httpx.Client(timeout=30) as http:
        for url in two_apps.urls:
            health = http.get(f"{url}/health")
            assert health.status_code == 200
            assert set(health.json()) == {"status", "database", "version"}
            assert health.json()["status"] == "ok" and health.headers["cache-control"] == "no-store"
            for bad in BAD_TOKENS:
                feed = http.get(f"{url}/calendar/{bad}.ics")
                assert feed.status_code == 404, (bad, feed.status_code)
                assert feed.text == "Not Found"  # the same bare answer, whatever was wrong
                form = http.get(f"{url}/f/{bad}")
                assert form.status_code == 404, (bad, form.status_code)
                assert "Questionnaire introuvable" in form.text
                assert "<script" not in form.text.lower()
                post = http.post(f"{url}/f/{bad}", data={"csrf": "x", "rating": "5"})
                assert post.status_code in (403, 404), (bad, post.status_code)
            # A good token for one route opens nothing on the other.
            assert http.get(f"{url}/calendar/{two_apps.feedback_token}.ics").status_code == 404
            assert http.get(f"{url}/f/{two_apps.feed_token}").status_code == 404


def _bits(token: str) -> int:
    return len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8


def test_issued_tokens_are_at_least_128_random_bits(two_apps: Two) -> None:
    with db.read_session() as session:
        feedback = session.exec(select(Stop.feedback_token)).all()
        hashes = session.exec(select(BookingRequest.token_hash)).all()
    tokens = [two_apps.feed_token, *feedback]
    assert all(_bits(t) >= 128 for t in tokens), tokens
    assert len(set(tokens)) == len(tokens)
    # Private links are stored only as their SHA-256 (the link itself is never kept).
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
