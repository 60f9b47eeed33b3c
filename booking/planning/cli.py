"""`python -m booking plan` (the scenario contract) and `python -m booking season export`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from booking.errors import DomainError


def _plan(args: argparse.Namespace) -> int:
    from booking.planning.scenario import load_scenario, write_plan
    from booking.planning.season import plan_season

    try:
        scenario = load_scenario(args.scenario)
    except DomainError as exc:
        print(f"error: {exc.message(args.lang)}", file=sys.stderr)
        return 2
    if args.time_limit <= 0:
        print("error: --time-limit must be greater than zero", file=sys.stderr)
        return 2

    def progress(message: str) -> None:
        if args.verbose:
            print(message, file=sys.stderr)

    outcome = plan_season(scenario, time_limit=args.time_limit, progress=progress, lang=args.lang)
    write_plan(outcome.plan, args.out)
    plan = outcome.plan
    print(
        f"{plan.status}: {plan.objective['scheduled']} of {len(scenario.requests)} requests "
        f"placed, {plan.objective['km']} km, gap {plan.solver['gap']:.2%}, "
        f"{plan.solver['seconds']} s -> {args.out}"
    )
    return 0


def _season_export(args: argparse.Namespace) -> int:
    import json

    from booking.planning.db_season import export_scenario

    data = export_scenario()
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        from pathlib import Path

        Path(args.out).write_text(text, encoding="utf-8")
        print(f"scenario written to {args.out}: {len(data['requests'])} requests")
    return 0


def register(sub: Any) -> None:
    """Add `plan` and `season export` to the main parser."""
    p = sub.add_parser(
        "plan",
        help="plan a season: scenario file in, plan file out",
        description=(
            "Place a scenario's requests on kits and dates (OR-Tools CP-SAT) and route the "
            "van's days (pyvroom). Exit 0 when a plan was written, 2 on an invalid scenario "
            "(the message names the bad field; nothing is written)."
        ),
    )
    p.add_argument("--scenario", required=True, help="scenario JSON file (contract version 1)")
    p.add_argument("--out", required=True, help="plan JSON file to write")
    p.add_argument(
        "--time-limit",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="solver time limit in seconds (default 30)",
    )
    p.add_argument(
        "--lang", choices=["fr", "en"], default="fr", help="language of messages and reasons"
    )
    p.add_argument("--verbose", action="store_true", help="print the solver's progress")
    p.set_defaults(handler=_plan)

    season = sub.add_parser("season", help="the season as a scenario file").add_subparsers(
        dest="season_command", required=True
    )
    p = season.add_parser("export", help="export the database's season as a scenario")
    p.add_argument("--out", default="-", help="file to write (default: standard output)")
    p.set_defaults(handler=_season_export)
