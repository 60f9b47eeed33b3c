"""Crash safety: the app process is killed (SIGKILL, no chance to clean up) in the middle of a
burst of visitor-feedback submissions; after a restart the SQLite database is intact and
every submission the app acknowledged ("Merci !") is there.

The burst comes from several threads and several client addresses (127.0.0.x: the form's
per-client rate limit is per address), each submission with its own marker in the comment,
so an acknowledged write can be looked for by name.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, select

from booking import db
from booking.feedback.questionnaire import ensure_default_questionnaire
from booking.feedback.submit import local_today
from booking.models import FeedbackResponse
from tests.e2e.servers import app_env, free_port, start_streamlit, stop_process, wait_for_health
from tests.factories import make_kit, make_request, make_stop, world

pytestmark = pytest.mark.slow

CLIENTS = 8  # source addresses 127.0.0.2 … 127.0.0.9
BURST = 240  # submissions attempted
KILL_AFTER = 60  # acknowledged submissions before the kill
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def open_stops(count: int) -> list[str]:
    """Stops on show today (their feedback tokens)."""
    today = local_today()
    tokens = []
    with db.transaction() as session:
        w = world(session)
        for n in range(count):
            request, _link = make_request(session, w.exhibition, w.venues[n % len(w.venues)])
            kit = make_kit(session, w.exhibition, w.depot)  # one kit per stop: no overlap
            stop = make_stop(
                session, request, kit, today - dt.timedelta(days=2), today + dt.timedelta(days=9)
            )
            tokens.append(stop.feedback_token)
    ensure_default_questionnaire()
    return tokens


class Burst:
    """Submissions sent by a pool of threads; remembers which ones the app acknowledged."""

    def __init__(self, base_url: str, tokens: list[str], version: int) -> None:
        self.base_url = base_url
        self.tokens = tokens
        self.version = version
        self.acknowledged: set[str] = set()
        self.failed: set[str] = set()
        self.lock = threading.Lock()
        self.enough = threading.Event()
        self.clients = [
            httpx.Client(
                base_url=base_url,
                timeout=30,
                transport=httpx.HTTPTransport(local_address=f"127.0.0.{2 + n}"),
            )
            for n in range(CLIENTS)
        ]

    def submit(self, n: int) -> None:
        marker = f"burst-{n:04d}"
        client = self.clients[n % CLIENTS]
        token = self.tokens[n % len(self.tokens)]
        try:
            form = client.get(f"/f/{token}")
            match = CSRF.search(form.text)
            assert form.status_code == 200 and match, form.text[:300]
            answer = client.post(
                f"/f/{token}",
                data={
                    "csrf": match.group(1),
                    "v": str(self.version),
                    "lang": "fr",
                    "rating": str(1 + n % 5),
                    "comment": f"{marker} très bien",
                },
            )
        except httpx.TransportError:
            with self.lock:
                self.failed.add(marker)
            return
        if answer.status_code == 200 and "Merci" in answer.text:
            with self.lock:
                self.acknowledged.add(marker)
                if len(self.acknowledged) >= KILL_AFTER:
                    self.enough.set()
        else:
            with self.lock:
                self.failed.add(marker)

    def close(self) -> None:
        for client in self.clients:
            client.close()


def stored_markers() -> set[str]:
    """The markers of the stored responses, each checked whole (its rating is the one sent)."""
    with db.read_session() as session:
        rows = session.exec(
            select(FeedbackResponse.comment, FeedbackResponse.rating).where(
                col(FeedbackResponse.comment).like("burst-%")
            )
        ).all()
    markers = set()
    for comment, rating in rows:
        assert comment is not None
        marker = comment.split()[0]
        assert rating == 1 + int(marker.removeprefix("burst-")) % 5, (comment, rating)
        markers.add(marker)
    return markers


def test_a_killed_app_loses_no_acknowledged_write(sqlite_url: str, tmp_path: Path) -> None:
    tokens = open_stops(4)
    version = ensure_default_questionnaire().version
    db_path = Path(sqlite_url.removeprefix("sqlite:///"))
    port = free_port()
    env = app_env(sqlite_url, port, TOURNEE_JOBS_IN_APP="0")
    log_path = tmp_path / "app.log"
    base_url = f"http://127.0.0.1:{port}"
    process = start_streamlit(env, port, log_path)
    try:
        wait_for_health(base_url, process, log_path)
        burst = Burst(base_url, tokens, version)
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            for n in range(BURST):
                pool.submit(burst.submit, n)
            assert burst.enough.wait(timeout=120), f"only {len(burst.acknowledged)} acknowledged"
            os.kill(process.pid, signal.SIGKILL)  # in the middle of the burst
            process.wait(timeout=10)
        burst.close()
    finally:
        stop_process(process)
    acknowledged, failed = set(burst.acknowledged), set(burst.failed)
    assert len(acknowledged) >= KILL_AFTER
    assert failed, "the kill came after the burst, not in its middle"

    # The database file as the killed process left it (WAL included): intact.
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []

    # Restart on the same file: it serves again, and every acknowledged write is there.
    db.dispose_engines()
    process = start_streamlit(env, port, log_path)
    try:
        wait_for_health(base_url, process, log_path)
        stored = stored_markers()
        assert acknowledged <= stored, f"lost: {sorted(acknowledged - stored)[:10]}"
        after = Burst(base_url, tokens, version)
        after.submit(BURST + 1)
        after.close()
        assert after.acknowledged == {f"burst-{BURST + 1:04d}"}
    finally:
        stop_process(process)
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    print(
        f"\ncrash: {len(acknowledged)} acknowledged before SIGKILL, {len(failed)} cut off, "
        f"{len(stored)} stored, 0 lost"
    )
