"""Van-day benchmark: the default engine's km against the best of pyvroom at exploration
level 5 and a 5-second PyVRP run on the same matrix, and seconds per day.

    .venv/bin/python bench/vans_bench.py [--days 8] [--pyvrp-seconds 5]

For each generated season the plan is solved once; then every transport day is routed by the
default engine (pyvroom, exploration level 5, its own seed and run) and timed; the busiest days (`--days`) are also
routed by pyvroom at level 5 and by PyVRP, and the ratio default km ÷ best km is printed.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pyvrp  # noqa: E402
from generate_scenario import generate  # noqa: E402
from pyvrp.stop import MaxRuntime  # noqa: E402

from booking.planning.scenario import load_scenario  # noqa: E402
from booking.planning.season import plan_season  # noqa: E402
from booking.planning.travel import TravelModel  # noqa: E402
from booking.planning.vans import (  # noqa: E402
    DEFAULT_EXPLORATION,
    Move,
    Site,
    Vehicle,
    moves_by_day,
    route_day,
    scenario_sites,
    scenario_travel,
    scenario_vehicles,
)
from tests.planning.checker import check_plan  # noqa: E402

SIZES = [(80, 2, 1, 10.0), (300, 10, 2, 20.0), (1000, 20, 3, 40.0)]


def pyvrp_km(
    moves: list[Move],
    sites: dict[str, Site],
    vehicles: list[Vehicle],
    travel: TravelModel,
    seconds: float,
) -> float | None:
    """The same day as a PyVRP pickup-and-delivery problem; None when it finds no feasible
    solution in time."""
    order = sorted(
        {m.source for m in moves} | {m.target for m in moves} | {v.depot for v in vehicles}
    )
    matrix = travel.matrix([(sites[s].lat, sites[s].lon) for s in order])
    model = pyvrp.Model()
    locations = {s: model.add_location(sites[s].lon * 1000, sites[s].lat * 1000) for s in order}
    depots = {v.depot: model.add_depot(locations[v.depot]) for v in vehicles}
    for van in vehicles:
        model.add_vehicle_type(
            1,
            capacity=[van.capacity],
            start_depot=depots[van.depot],
            end_depot=depots[van.depot],
            tw_early=van.shift_start * 60,
            tw_late=van.shift_end * 60,
        )
    for i, a in enumerate(order):
        for j, b in enumerate(order):
            model.add_edge(
                locations[a],
                locations[b],
                distance=int(round(matrix.km[i][j] * 1000)),
                duration=int(math.ceil(matrix.minutes[i][j] - 1e-9)) * 60,
            )

    def window(site_id: str, service: int) -> tuple[int, int]:
        site = sites[site_id]
        if site.is_depot:
            return 0, 24 * 3600
        return site.opens * 60, (site.closes - service) * 60

    for move in moves:
        p_early, p_late = window(move.source, move.load_minutes)
        d_early, d_late = window(move.target, move.unload_minutes)
        model.add_shipment(
            locations[move.source],
            locations[move.target],
            pickup_tw_early=p_early,
            pickup_tw_late=p_late,
            pickup_service_duration=move.load_minutes * 60,
            delivery_tw_early=d_early,
            delivery_tw_late=d_late,
            delivery_service_duration=move.unload_minutes * 60,
            amount=[1],
        )
    result = model.solve(stop=MaxRuntime(seconds), display=False)
    if not result.is_feasible():
        return None
    return result.best.distance() / 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=8, help="busiest days compared per season")
    parser.add_argument("--pyvrp-seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--only", type=int)
    args = parser.parse_args(argv)
    header = (
        f"{'req/kits/vans':>14} {'days':>5} {'moves/day':>9} {'s/day':>7} {'max s/day':>9} "
        f"{'compared':>8} {'ratio mean':>10} {'ratio max':>9} {'vroom5 km':>10} "
        f"{'pyvrp km':>9} {'default km':>10}"
    )
    print(header)
    print("-" * len(header))
    failed = False
    for requests, kits, vans, limit in SIZES:
        if args.only and requests != args.only:
            continue
        data = generate(requests, kits, vans, seed=args.seed)
        scenario = load_scenario(data)
        outcome = plan_season(scenario, time_limit=limit, lang="en")
        errors = check_plan(data, outcome.plan.to_dict())
        failed |= bool(errors)
        sites, vehicles = scenario_sites(scenario), scenario_vehicles(scenario)
        travel = scenario_travel(scenario)
        by_day = moves_by_day(scenario, outcome.plan.stops)
        timings, defaults = [], {}
        for day, moves in sorted(by_day.items()):
            started = time.perf_counter()
            routed = route_day(
                day, moves, sites, vehicles, travel, exploration_level=DEFAULT_EXPLORATION
            )
            timings.append(time.perf_counter() - started)
            defaults[day] = (routed.km, len(routed.unassigned))
        busiest = sorted(by_day, key=lambda d: -len(by_day[d]))[: args.days]
        ratios, v5_total, vrp_total, def_total = [], 0.0, 0.0, 0.0
        for day in busiest:
            moves = by_day[day]
            v5 = route_day(day, moves, sites, vehicles, travel, exploration_level=5)
            candidates = [v5.km] if not v5.unassigned else []
            vrp = pyvrp_km(moves, sites, vehicles, travel, args.pyvrp_seconds)
            if vrp is not None:
                candidates.append(vrp)
            km, unassigned = defaults[day]
            if not candidates or unassigned:
                continue
            best = min(candidates)
            ratios.append(km / best if best else 1.0)
            v5_total += v5.km
            vrp_total += vrp or 0.0
            def_total += km
        print(
            f"{requests}/{kits}/{vans:>1}".rjust(14)
            + f" {len(by_day):>5} {statistics.mean(len(m) for m in by_day.values()):>9.1f}"
            f" {statistics.mean(timings):>7.3f} {max(timings):>9.3f} {len(ratios):>8}"
            f" {statistics.mean(ratios) if ratios else float('nan'):>10.3f}"
            f" {max(ratios) if ratios else float('nan'):>9.3f}"
            f" {v5_total:>10.1f} {vrp_total:>9.1f} {def_total:>10.1f}"
            + ("" if not errors else f"  CHECKER: {errors[0]}"),
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
