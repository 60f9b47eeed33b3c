"""Every page of the app on ten years of data, timed with Streamlit's AppTest.

    .venv/bin/python bench/scale_generate.py --out /tmp/tournee-10y.db   # once (about 2 min)
    .venv/bin/python bench/scale_pages.py --db /tmp/tournee-10y.db

For each role (visitor, staff, Tuba, admin) and each page it may open, the server time of a
full render (a new session's first run, straight on the page, shell included, through
`streamlit_app.py` and its navigation) is divided by the time of the same for a bare
one-line Streamlit page, in the same process and run.
Target: ≤ 3× on every page. Prints a table: each page's median time, the bare page's, and
the median of the ratios of runs made in turns (page, bare, page, bare…).

`st.cache_data` is cleared before every timed render, so a figure is the work a page does,
not what a cache hid (`--cached` keeps the caches, for comparison). The first render of each
page warms the process (imports, the feedback read model) and is not counted. A Streamlit
server compiles each script once (its script cache) where AppTest compiles it again for every
test: the runs here share one script cache, as a server's sessions do.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE = 'import streamlit as st\n\nst.write("Bonjour")\n'
TOKEN = "benchmark-private-link-token-0000000000000000"  # noqa: S105 (a bench fixture)
TARGET = 3.0
# streamlit_app.py's page code, with `path` made the default page (the one a first run shows).
ENTRY = """
import booking.ui.shell as shell
from booking.ui import nav

shell.pages_for = lambda role: sorted(nav.pages_for(role), key=lambda s: s.path != {path!r})
shell.run()
"""


def _prepare(path: Path) -> dict[str, int]:
    """Point the app at the database; give one past stop's request a known private link."""
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ["TOURNEE_JOBS_IN_APP"] = "0"
    from booking.config import reset_settings

    reset_settings()
    from sqlmodel import col, select

    from booking import db
    from booking.feedback.submit import local_today
    from booking.models import BookingRequest, Stop, StopStatus, User
    from booking.security import hash_token

    today = local_today()
    with db.transaction() as session:
        stop = session.exec(
            select(Stop)
            .where(Stop.status == StopStatus.confirmed, col(Stop.last_open_date) < today)
            .order_by(col(Stop.last_open_date).desc())
        ).first()
        assert stop is not None, "generate the database with bench/scale_generate.py first"
        request = session.get(BookingRequest, stop.request_id)
        assert request is not None
        request.token_hash = hash_token(TOKEN)
        users = {u.role: u.id for u in session.exec(select(User))}
    return {str(role): int(uid) for role, uid in users.items() if uid is not None}


def _timed(make: Any, runs: int, clear: bool) -> list[float]:
    import streamlit as st

    times = []
    for _ in range(runs):
        if clear:
            st.cache_data.clear()
        at, step = make()
        started = time.perf_counter()
        step(at)
        times.append(time.perf_counter() - started)
        assert not at.exception, [e.value for e in at.exception]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="from bench/scale_generate.py")
    parser.add_argument("--runs", type=int, default=3, help="timed renders per page")
    parser.add_argument("--cached", action="store_true", help="keep st.cache_data between runs")
    parser.add_argument("--only", default="", help="only pages whose URL path contains this")
    args = parser.parse_args()
    users = _prepare(args.db)

    import streamlit.testing.v1.app_test as app_test_module
    import streamlit.testing.v1.local_script_runner as runner_module
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest

    shared_cache = ScriptCache()
    app_test_module.ScriptCache = runner_module.ScriptCache = lambda: shared_cache  # type: ignore[assignment,misc]

    from booking.models import Role
    from booking.ui.nav import pages_for

    def bare() -> tuple[Any, Any]:
        return AppTest.from_string(BARE, default_timeout=60), lambda at: at.run()

    # Beside streamlit_app.py, so the pages' links resolve the same way (removed at the end);
    # one file per page, each compiled once.
    entries: list[Path] = []

    def page(role: Role | None, spec: Any) -> Any:
        def make() -> tuple[Any, Any]:
            # A new session's first run, straight on the page (as a browser opening its
            # address): the app's own shell, with the page put first in the navigation.
            entry = ROOT / f".scale_pages_{spec.url_path}.py"
            if entry not in entries:
                entry.write_text(ENTRY.format(path=spec.path), encoding="utf-8")
                entries.append(entry)
            at = AppTest.from_file(str(entry), default_timeout=600)
            if role is not None:
                at.session_state["user_id"] = users[role.value]
            if spec.url_path in ("ma-demande", "rapport"):
                at.query_params["token"] = TOKEN
            return at, shown

        def shown(at: Any) -> None:
            at.run()
            assert at.title, spec.path
            assert spec.path.endswith("exhibitions.py") or at.title[0].value != "Expositions"

        return make

    clear = not args.cached
    _timed(bare, 3, clear)  # warm Streamlit up
    rows = []
    try:
        for role in (None, Role.staff, Role.tuba, Role.admin):
            for spec in pages_for(role):
                if args.only and args.only not in spec.url_path:
                    continue
                make = page(role, spec)
                first = _timed(make, 1, clear)[0]
                # The page and the bare page in turns, so a busy moment of the machine
                # weighs on both sides of a ratio alike.
                pairs = [
                    (_timed(make, 1, clear)[0], _timed(bare, 1, clear)[0]) for _ in range(args.runs)
                ]
                value = statistics.median(p for p, _b in pairs)
                base = statistics.median(b for _p, b in pairs)
                ratio = statistics.median(p / b for p, b in pairs)
                rows.append((role.value if role else "visitor", spec, first, value, base, ratio))
                print(f"  {rows[-1][0]:<8} {spec.url_path:<14} {value:7.3f} s", flush=True)
    finally:
        for entry in entries:
            entry.unlink(missing_ok=True)

    print(f"\n{'role':<9}{'page':<15}{'first s':>9}{'median s':>10}{'bare s':>8}{'÷ bare':>8}  ok")
    worst = 0.0
    for role_name, spec, first, value, base, ratio in rows:
        path = spec.url_path
        worst = max(worst, ratio)
        ok = "yes" if ratio <= TARGET else "NO"
        print(f"{role_name:<9}{path:<15}{first:>9.3f}{value:>10.3f}{base:>8.3f}{ratio:>8.1f}  {ok}")
    print(
        f"\nworst ratio {worst:.1f}× (target ≤ {TARGET:g}×); "
        f"st.cache_data {'kept' if args.cached else 'cleared before every render'}"
    )


if __name__ == "__main__":
    main()
