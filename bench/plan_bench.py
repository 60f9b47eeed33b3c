"""Season-plan benchmark: generated Grand Lyon seasons, solved and checked; prints a table.

    .venv/bin/python bench/plan_bench.py            # the four sizes of the issue
    .venv/bin/python bench/plan_bench.py --only 80  # one size
    .venv/bin/python bench/plan_bench.py --only 80 --repeat 5  # its spread

Each plan goes through the independent checker (tests/planning/checker.py). "placed level"
is the status of the first lexicographic level (priority-weighted, then number of requests
placed): OPTIMAL means no plan places more. "gap" is the relative gap of the first level not
proven optimal (0 when the whole plan is proven). "model km" is the km level as the solver
counts it (every move its own trip from the depot, handovers saved), "bound km" the proven
lower bound it is measured against (the kit-flow LP, or the quick handover bound), "rounds"
the rounds of the large-neighbourhood search; "km" are the routed legs of the plan.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate_scenario import generate  # noqa: E402

from booking.planning.scenario import load_scenario  # noqa: E402
from booking.planning.season import plan_season  # noqa: E402
from tests.planning.checker import check_plan  # noqa: E402

# (requests, kits, vans, time limit in seconds); targets: 80/2/1 proven or gap ≤ 1 % in
# ≤ 10 s with every request that can fit placed; 1,000/20/3 feasible in ≤ 60 s.
SIZES = [
    (20, 1, 1, 10.0),
    (80, 2, 1, 10.0),
    (300, 10, 2, 30.0),
    (1000, 20, 3, 40.0),
]


def run(requests: int, kits: int, vans: int, limit: float, seed: int) -> dict[str, object]:
    data = generate(requests, kits, vans, seed=seed)
    started = time.perf_counter()
    outcome = plan_season(load_scenario(data), time_limit=limit, lang="en")
    seconds = time.perf_counter() - started
    plan = outcome.plan.to_dict()
    errors = check_plan(data, plan)
    stages = plan["solver"].get("stages", [])
    km_stage = stages[-1] if len(stages) > 1 else {}
    return {
        "size": f"{requests}/{kits}/{vans}",
        "status": plan["status"],
        "placed": f"{plan['objective']['scheduled']}/{requests}",
        "placed_level": stages[0]["status"] if stages else "-",
        "gap": plan["solver"]["gap"],
        "km": plan["objective"]["km"],
        "model_km": plan["solver"].get("model_km", 0.0),
        "bound_km": km_stage.get("bound_km", "-"),
        "bound": km_stage.get("bound", "-"),
        "rounds": km_stage.get("rounds", "-"),
        "pref_days": plan["objective"]["preference_days"],
        "pairs": outcome.problem_size.get("transfer_pairs", 0),
        "solve_s": sum(float(s["seconds"]) for s in stages),
        "total_s": seconds,
        "violations": len(errors),
        "first_violation": errors[0] if errors else "",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", type=int, help="only the size with this many requests")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each size this many times (timing varies)"
    )
    args = parser.parse_args(argv)
    rows = []
    header = (
        f"{'req/kits/vans':>14} {'status':>9} {'placed':>9} {'placed level':>12} "
        f"{'gap':>7} {'km':>8} {'model km':>9} {'bound km':>9} {'bound':>12} {'rounds':>6} "
        f"{'pref d':>7} {'pairs':>6} {'solve s':>8} {'total s':>8} {'checker':>8}"
    )
    print(header)
    print("-" * len(header))
    runs = [size for size in SIZES if not args.only or size[0] == args.only]
    for requests, kits, vans, limit in [size for size in runs for _ in range(args.repeat)]:
        row = run(requests, kits, vans, limit, args.seed)
        rows.append(row)
        print(
            f"{row['size']:>14} {row['status']:>9} {row['placed']:>9} {row['placed_level']:>12} "
            f"{row['gap']:>7.2%} {row['km']:>8.1f} {row['model_km']:>9} {row['bound_km']:>9} "
            f"{row['bound']:>12} {row['rounds']:>6} {row['pref_days']:>7} {row['pairs']:>6} "
            f"{row['solve_s']:>8.1f} {row['total_s']:>8.1f} "
            f"{'ok' if not row['violations'] else row['violations']:>8}",
            flush=True,
        )
        if row["violations"]:
            print(f"    first violation: {row['first_violation']}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 1 if any(r["violations"] for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
