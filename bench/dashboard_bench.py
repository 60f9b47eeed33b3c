"""Dashboard benchmark: 500,000 responses over 5,000 stops, rendered by Streamlit's AppTest.

    .venv/bin/python bench/dashboard_bench.py                      # generates a temp database
    .venv/bin/python bench/dashboard_bench.py --db /tmp/fb500k.db  # reuses (or creates) one

Prints the server time of a full render of the Tuba dashboard page divided by the time of a
bare one-line Streamlit page, in the same process and run (target: ≤ 3×), in three states:

- cold: a fresh process (no read model, no page cache): the per-stop read model is built;
- new filters: read model in memory, page cache empty (what a filter change costs);
- cached: the page's `st.cache_data` holds the read models (what a rerun costs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PAGE = ROOT / "booking" / "ui" / "pages" / "feedback_dashboard.py"
BARE = 'import streamlit as st\n\nst.write("Bonjour")\n'


def _timed(at_factory, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        at = at_factory()
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
        assert not at.exception, [e.value for e in at.exception]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (created if missing)")
    parser.add_argument("--stops", type=int, default=5000)
    parser.add_argument("--per-stop", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    path = args.db or workdir / "feedback.db"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["TOURNEE_JOBS_IN_APP"] = "0"
    from booking.config import reset_settings

    reset_settings()
    if not path.exists():
        from feedback_generate import generate

        print(f"generating {args.stops} stops × {args.per_stop} responses into {path} …")
        summary = generate(path, stops=args.stops, per_stop=args.per_stop, kits=100)
        print(f"  {summary['responses']} responses in {summary['seconds']} s")

    import streamlit as st
    from sqlmodel import func, select
    from streamlit.testing.v1 import AppTest

    from booking import db
    from booking.feedback.dashboard import clear_read_models
    from booking.models import FeedbackIdea, FeedbackResponse, Stop, User
    from booking.services.accounts import add_user

    with db.read_session() as session:
        responses = session.exec(select(func.count()).select_from(FeedbackResponse)).one()
        ideas = session.exec(select(func.count()).select_from(FeedbackIdea)).one()
        stops = session.exec(select(func.count()).select_from(Stop)).one()
        user = session.exec(select(User).where(User.email == "bench-tuba@example.org")).first()
    user_id = (
        user.id
        if user
        else add_user(
            email="bench-tuba@example.org",
            display_name="Bench",
            role="tuba",
            password="bench password 1",
        ).id
    )
    bare = workdir / "bare.py"
    bare.write_text(BARE, encoding="utf-8")

    def dashboard() -> AppTest:
        at = AppTest.from_file(str(PAGE), default_timeout=300)
        at.session_state["user_id"] = user_id
        return at

    def bare_page() -> AppTest:
        return AppTest.from_file(str(bare), default_timeout=60)

    print(f"database: {stops} stops, {responses} responses, {ideas} received-idea answers")
    _timed(bare_page, 2)  # warm Streamlit itself up
    st.cache_data.clear()
    clear_read_models()
    cold = _timed(dashboard, 1)[0]
    new_filters = []
    for _ in range(args.runs):
        st.cache_data.clear()
        new_filters += _timed(dashboard, 1)
    cached = _timed(dashboard, args.runs)
    bare_times = _timed(bare_page, args.runs)
    base = statistics.median(bare_times)

    print(f"\n{'render':<34}{'median s':>10}{'min s':>8}{'÷ bare':>9}")
    print(f"{'bare one-line page':<34}{base:>10.3f}{min(bare_times):>8.3f}{1:>9.1f}")
    for label, values in (
        ("dashboard, cold process", [cold]),
        ("dashboard, new filters", new_filters),
        ("dashboard, cached read models", cached),
    ):
        value = statistics.median(values)
        print(f"{label:<34}{value:>10.3f}{min(values):>8.3f}{value / base:>9.1f}")
    ratio = statistics.median(cached) / base
    print(
        f"\ntarget ≤ 3× (cached read models): {'met' if ratio <= 3 else 'NOT met'} ({ratio:.1f}×)"
    )


if __name__ == "__main__":
    main()
