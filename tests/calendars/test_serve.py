"""The feed through the real server: `streamlit run` in a subprocess (st.App with its own
gzip middleware), polled on /health, then fetched raw with `Accept-Encoding: gzip`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from booking.calendars import export_calendar
from booking.calendars.feeds import create_feed, revoke_feed
from tests.calendars.factories_calendars import Tour

ROOT = Path(__file__).resolve().parents[2]
APPS = {
    "feeds_app": Path(__file__).with_name("feeds_app.py"),
    "streamlit_app": ROOT / "streamlit_app.py",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(request: pytest.FixtureRequest, world_tour: Tour) -> Iterator[str]:
    script = APPS[request.param]
    port = _free_port()
    env = os.environ | {"TOURNEE_JOBS_IN_APP": "0", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"the server stopped:\n{output[-2000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the server did not answer /health within 60 s")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("server", sorted(APPS), indirect=True)
def test_feed_through_the_real_app_is_never_gzipped(server: str, world_tour: Tour) -> None:
    feed = create_feed(name="Tout", view="all", actor="test")
    url = f"{server}/calendar/{feed.token}.ics"
    with httpx.Client(timeout=20) as http:
        response = http.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert response.status_code == 200
        assert "content-encoding" not in response.headers
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        assert response.content == export_calendar("all")  # the raw bytes, as sent
        etag = response.headers["etag"]
        assert http.get(url, headers={"If-None-Match": etag}).status_code == 304
        revoke_feed(feed.id, actor="test")
        gone = http.get(url)
        assert (gone.status_code, gone.content) == (404, b"Not Found")
