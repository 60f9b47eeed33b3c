"""Load benchmark: 500 visitors submitting the feedback form at once, over loopback, against
the app started with `streamlit run` on a temporary SQLite database.

    .venv/bin/python bench/feedback_load.py                 # 500 visitors over 50 stops
    .venv/bin/python bench/feedback_load.py --visitors 200  # fewer

Each visitor is a separate client (its own cookie jar and its own loopback address,
127.0.x.y, like 500 phones): it opens its stop's form (GET), then all 500 send their answers
at the same moment (POST). Printed:

- lost submissions: responses in the database minus submissions accepted (must be 0);
- p50 / p95 latency of the submissions;
- throughput of the submissions ÷ throughput of a bare route of the same server answering a
  constant page (`/bench/constant`, added by bench/feedback_load_app.py; same clients, same
  concurrency); target ≥ 0.3;
- then a whole class behind one school address at one stop, and a burst over the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

ANSWERS = {
    "v": "1",
    "rating": "4",
    "idea.nothing_to_hide.before": "1",
    "idea.nothing_to_hide.after": "3",
    "idea.just_one_click.before": "2",
    "idea.just_one_click.after": "3",
    "will_do": ["check_settings", "talk_about_it"],
    "age_band": "15_17",
    "came_with": "school_group",
    "comment": "Très intéressant, merci.",
    "lang": "fr",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [
        str(ROOT / ".venv" / "bin" / "streamlit"),
        "run",
        str(ROOT / "bench" / "feedback_load_app.py"),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
    ]
    handle = open(log, "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


def wait_healthy(base: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server stopped; see its log")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not become healthy in time")


def address(i: int) -> str:
    """A distinct loopback address per visitor (127.0.1.1, 127.0.1.2, …)."""
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


def client(i: int, base: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address(i))
    return httpx.AsyncClient(
        base_url=base, transport=transport, timeout=httpx.Timeout(60.0), follow_redirects=False
    )


async def open_form(c: httpx.AsyncClient, token: str) -> tuple[str, float]:
    started = time.perf_counter()
    response = await c.get(f"/f/{token}")
    elapsed = time.perf_counter() - started
    match = re.search(r'name="csrf" value="([^"]+)"', response.text)
    if response.status_code != 200 or not match:
        raise RuntimeError(f"form did not open: {response.status_code}")
    return match.group(1), elapsed


async def submit(c: httpx.AsyncClient, token: str, csrf: str) -> tuple[int, bool, float]:
    started = time.perf_counter()
    response = await c.post(f"/f/{token}", data={**ANSWERS, "csrf": csrf})
    elapsed = time.perf_counter() - started
    return response.status_code, "Merci !" in response.text, elapsed


async def constant(c: httpx.AsyncClient) -> float:
    started = time.perf_counter()
    response = await c.get("/bench/constant")
    response.raise_for_status()
    return time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def run(base: str, tokens: list[str], visitors: int, rounds: int) -> dict[str, Any]:
    """`rounds` times: every visitor opens its form, then the bare route is hit by everyone
    at once, then everyone submits at once. Walls are kept per round (medians reported)."""
    clients = [client(i, base) for i in range(visitors)]
    stop_of = [tokens[i % len(tokens)] for i in range(visitors)]
    out: dict[str, Any] = {
        "accepted": 0,
        "statuses": {},
        "get_latencies": [],
        "post_latencies": [],
        "bare_latencies": [],
        "get_walls": [],
        "post_walls": [],
        "bare_walls": [],
    }
    try:
        for _ in range(rounds):
            started = time.perf_counter()
            opened = await asyncio.gather(
                *(open_form(c, t) for c, t in zip(clients, stop_of, strict=True))
            )
            out["get_walls"].append(time.perf_counter() - started)
            out["get_latencies"] += [e for _, e in opened]

            started = time.perf_counter()
            out["bare_latencies"] += await asyncio.gather(*(constant(c) for c in clients))
            out["bare_walls"].append(time.perf_counter() - started)

            started = time.perf_counter()
            results = await asyncio.gather(
                *(
                    submit(c, t, csrf)
                    for c, t, (csrf, _) in zip(clients, stop_of, opened, strict=True)
                )
            )
            out["post_walls"].append(time.perf_counter() - started)
            out["post_latencies"] += [e for _, _, e in results]
            out["accepted"] += sum(1 for status, thanks, _ in results if status == 200 and thanks)
            for status, _, _ in results:
                out["statuses"][status] = out["statuses"].get(status, 0) + 1
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return out


async def class_behind_one_address(base: str, token: str, pupils: int) -> dict[int, int]:
    """A whole class on the school's wifi: one address, one stop, everyone at once."""
    transport_address = "127.0.9.9"
    clients = [
        httpx.AsyncClient(
            base_url=base,
            transport=httpx.AsyncHTTPTransport(local_address=transport_address),
            timeout=60,
        )
        for _ in range(pupils)
    ]
    try:
        forms = await asyncio.gather(*(open_form(c, token) for c in clients))
        results = await asyncio.gather(
            *(submit(c, token, csrf) for c, (csrf, _) in zip(clients, forms, strict=True))
        )
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    statuses: dict[int, int] = {}
    for status, _, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=500)
    parser.add_argument("--stops", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of 500 (medians shown)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="feedback-load-"))
    path = workdir / "load.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{path}",
        "TOURNEE_JOBS_IN_APP": "0",
        "TOURNEE_BASE_URL": base,
    }
    os.environ.update(
        {k: env[k] for k in ("DATABASE_URL", "TOURNEE_JOBS_IN_APP", "TOURNEE_BASE_URL")}
    )
    from booking import db
    from booking.config import reset_settings

    reset_settings()
    from feedback_generate import build_world
    from sqlmodel import col, func, select

    from booking.feedback.questionnaire import ensure_default_questionnaire
    from booking.models import FeedbackResponse, Stop

    db.upgrade()
    engine = db.get_engine()
    stop_ids = build_world(engine, stops=args.stops + 1, kits=args.stops + 1, open_today=True)
    ensure_default_questionnaire()
    with db.read_session() as session:
        tokens = list(
            session.exec(
                select(Stop.feedback_token).where(col(Stop.id).in_(stop_ids)).order_by(Stop.id)
            )
        )
    class_token, tokens = tokens[-1], tokens[:-1]

    log = workdir / "server.log"
    server = start_server(port, env, log)
    try:
        wait_healthy(base, server)
        asyncio.run(run(base, tokens, min(20, args.visitors), 1))  # warm up (not counted)
        with db.read_session() as session:
            warm = session.exec(select(func.count()).select_from(FeedbackResponse)).one()
        result = asyncio.run(run(base, tokens, args.visitors, args.rounds))
        with db.read_session() as session:
            stored = session.exec(select(func.count()).select_from(FeedbackResponse)).one() - warm
        pupils = asyncio.run(class_behind_one_address(base, class_token, 35))
        burst = asyncio.run(class_behind_one_address(base, class_token, 60))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    posts, bares = result["post_latencies"], result["bare_latencies"]
    post_rate = args.visitors / statistics.median(result["post_walls"])
    bare_rate = args.visitors / statistics.median(result["bare_walls"])
    get_rate = args.visitors / statistics.median(result["get_walls"])
    print(f"server: streamlit run bench/feedback_load_app.py on {base}, SQLite {path}")
    print(
        f"{args.visitors} visitors over {len(tokens)} stops, each its own loopback address; "
        f"{args.rounds} rounds (req/s: median round)\n"
    )
    print(f"{'':<28}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}")
    for label, latencies, rate in (
        ("open the form (GET)", result["get_latencies"], get_rate),
        ("submit (POST)", posts, post_rate),
        ("bare constant page (GET)", bares, bare_rate),
    ):
        print(
            f"{label:<28}{statistics.median(latencies) * 1000:>9.0f}"
            f"{pct(latencies, 0.95) * 1000:>9.0f}{rate:>9.0f}"
        )
    print(f"\nstatuses of the submissions: {result['statuses']}")
    print(f"accepted {result['accepted']}, stored {stored}: lost {result['accepted'] - stored}")
    ratio = post_rate / bare_rate
    print(
        f"throughput submit ÷ bare route: {ratio:.2f} "
        f"(target ≥ 0.3: {'met' if ratio >= 0.3 else 'NOT met'})"
    )
    print(f"a class of 35 behind one address at one stop: {pupils}")
    print(f"then 60 more from that address at once (over the limit): {burst}")


if __name__ == "__main__":
    main()
