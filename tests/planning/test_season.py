"""The season planner on small seasons whose best plan is known; every plan goes through the
independent checker, and the checker itself is shown to catch broken plans."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model

from booking.cli import main
from booking.planning import kit_flow, season
from booking.planning.scenario import load_scenario
from booking.planning.season import plan_season
from booking.planning.vans import DEFAULT_EXPLORATION, route_plan
from tests.planning.checker import assert_valid, check_plan
from tests.planning.conftest import request, scenario

ROOT = Path(__file__).resolve().parents[2]


def _plan(data: dict[str, Any], lang: str = "en", limit: float = 10.0) -> dict[str, Any]:
    outcome = plan_season(load_scenario(data), time_limit=limit, lang=lang)
    plan = outcome.plan.to_dict()
    assert_valid(data, plan)
    return plan


def _stop(plan: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(s for s in plan["stops"] if s["request"] == rid)


def _chain() -> dict[str, Any]:
    return scenario(
        requests=[
            request("r1", "bm-part-dieu", "2027-01-12", "2027-01-22"),
            request("r2", "parc-champvert", "2027-01-19", "2027-02-05"),
        ]
    )


def test_consecutive_stops_hand_the_kit_over_directly_when_it_saves_km() -> None:
    plan = _plan(_chain())
    assert plan["status"] == "optimal"
    r1, r2 = _stop(plan, "r1"), _stop(plan, "r2")
    assert r1["dismantle"] == r2["install"] == "2027-01-19"
    transfer = [
        leg
        for leg in plan["legs"]
        if leg["from"] == "bm-part-dieu" and leg["to"] == "parc-champvert"
    ]
    assert transfer and transfer[0]["kits"] == ["self-data-1"]
    # dismantle (90 min) at the library, which opens at 10:00, before the drive
    assert transfer[0]["depart"] >= "11:30"


def test_buffer_days_keep_a_kit_at_the_depot_between_stops() -> None:
    data = _chain()
    data["handling"]["buffer_days"] = 2
    plan = _plan(data)
    r1, r2 = _stop(plan, "r1"), _stop(plan, "r2")
    gap = dt.date.fromisoformat(r2["install"]) - dt.date.fromisoformat(r1["dismantle"])
    assert gap.days >= 2
    assert not [leg for leg in plan["legs"] if leg["from"] != "depot" and leg["to"] != "depot"]


def test_public_and_school_holidays_are_never_handling_days() -> None:
    data = scenario(
        requests=[
            # Easter Monday 29 March 2027 is preferred but a public holiday: no van
            request(
                "park",
                "parc-champvert",
                "2027-03-29",
                "2027-04-09",
                preferred_start="2027-03-29",
                stay_days=[3, 3],
            ),
            # the collège is closed for the zone A spring holidays (10–26 April 2027)
            request("school", "college-test", "2027-04-12", "2027-04-23", stay_days=[3, 5]),
        ]
    )
    plan = _plan(data)
    assert _stop(plan, "park")["install"] == "2027-03-30"
    (left,) = plan["unscheduled"]
    assert left["request"] == "school"
    assert left["code"] == "no_days"
    assert "12 April 2027" in left["reason"] and "23 April 2027" in left["reason"]


def test_pinned_stop_stays_and_the_plan_works_around_it() -> None:
    pinned = request(
        "approved",
        "bm-part-dieu",
        "2027-02-02",
        "2027-02-12",
        stay_days=[10, 10],
        pinned={
            "kit": "self-data-1",
            "install": "2027-02-02",
            "last_open": "2027-02-11",
            "dismantle": "2027-02-12",
        },
    )
    data = scenario(
        requests=[
            pinned,
            request(
                "new", "college-test", "2027-01-25", "2027-03-12", preferred_start="2027-02-03"
            ),
        ]
    )
    plan = _plan(data)
    assert _stop(plan, "approved")["install"] == "2027-02-02"
    new = _stop(plan, "new")
    assert new["dismantle"] <= "2027-02-02" or new["install"] >= "2027-02-12"


def test_higher_priority_wins_the_only_slot_and_the_other_gets_a_reason() -> None:
    data = scenario(
        requests=[
            request("low", "bm-part-dieu", "2027-03-02", "2027-03-12", priority=1),
            request("high", "parc-champvert", "2027-03-02", "2027-03-12", priority=3),
        ]
    )
    plan = _plan(data)
    assert [s["request"] for s in plan["stops"]] == ["high"]
    (left,) = plan["unscheduled"]
    assert left["request"] == "low"
    assert left["reason"] == "no window left for any kit between 2 March 2027 and 12 March 2027"
    assert plan["objective"]["priority_scheduled"] == 3


def test_reasons_are_in_french_by_default() -> None:
    data = scenario(
        requests=[
            request("a", "bm-part-dieu", "2027-03-02", "2027-03-12"),
            request("b", "parc-champvert", "2027-03-02", "2027-03-12"),
        ]
    )
    plan = _plan(data, lang="fr")
    assert plan["unscheduled"][0]["reason"].startswith("plus aucun créneau libre pour aucun kit")


def test_overlapping_pinned_stops_make_the_season_infeasible() -> None:
    pin = {
        "kit": "self-data-1",
        "install": "2027-02-02",
        "last_open": "2027-02-08",
        "dismantle": "2027-02-09",
    }
    data = scenario(
        requests=[
            request("a", "bm-part-dieu", "2027-02-01", "2027-02-20", pinned=pin),
            request("b", "college-test", "2027-02-01", "2027-02-20", pinned=pin),
        ]
    )
    plan = plan_season(load_scenario(data), time_limit=5).plan
    assert plan.status == "infeasible"
    assert not plan.stops


def test_priority_weighted_then_count_then_km_then_preference() -> None:
    """Two kits, three requests in one slot: both kits used; the nearest venues win on km
    when priorities tie; preferred starts are met exactly when nothing else is at stake."""
    data = scenario(
        kits=[
            dict(scenario()["kits"][0]),
            dict(scenario()["kits"][0], id="self-data-2"),
        ],
        requests=[
            request(
                "near", "bm-part-dieu", "2027-03-02", "2027-03-19", preferred_start="2027-03-10"
            ),
            request("far", "parc-champvert", "2027-03-02", "2027-03-12"),
            request("mid", "college-test", "2027-03-02", "2027-03-12"),
        ],
    )
    plan = _plan(data)
    assert plan["objective"]["scheduled"] == 3
    assert _stop(plan, "near")["install"] == "2027-03-10"
    assert plan["objective"]["preference_days"] == 0


# ---------------------------------------------------------------------------- the checker


@pytest.fixture(scope="module")
def good() -> tuple[dict[str, Any], dict[str, Any]]:
    data = _chain()
    return data, _plan(data)


BREAKS = [
    ("stop moved onto a closed day", lambda p: _stop(p, "r1").update(install="2027-01-11")),
    ("stay too short", lambda p: _stop(p, "r1").update(last_open=_stop(p, "r1")["install"])),
    ("leg km wrong", lambda p: p["legs"][0].update(km=p["legs"][0]["km"] * 1.2)),
    ("leg removed", lambda p: p["legs"].pop(1)),
    ("leaves before the shift", lambda p: p["legs"][0].update(depart="07:00")),
    ("too many kits", lambda p: p["legs"][0].update(kits=["a", "b", "c"])),
    ("request lost", lambda p: p["stops"].pop()),
    ("objective lies", lambda p: p["objective"].update(scheduled=5)),
    ("handling outside hours", lambda p: p["legs"][0].update(arrive="18:59")),
]


@pytest.mark.parametrize(("name", "breaking"), BREAKS, ids=[b[0] for b in BREAKS])
def test_checker_catches_a_broken_plan(
    good: tuple[dict[str, Any], dict[str, Any]], name: str, breaking: Any
) -> None:
    data, plan = good
    assert check_plan(data, plan) == []
    broken = copy.deepcopy(plan)
    breaking(broken)
    assert check_plan(data, broken), name


def test_checker_catches_overlapping_stops_on_one_kit(
    good: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    data, plan = good
    broken = copy.deepcopy(plan)
    _stop(broken, "r2").update(install="2027-01-14", last_open="2027-01-20", dismantle="2027-01-20")
    assert any("before" in e for e in check_plan(data, broken))


# ---------------------------------------------------------------------------- the command


def test_plan_command_on_the_shipped_scenario_writes_a_valid_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = ROOT / "bench" / "scenarios" / "grand-lyon-20.json"
    out = tmp_path / "plan.json"
    code = main(["plan", "--scenario", str(source), "--out", str(out), "--time-limit", "4"])
    assert code == 0
    assert str(out) in capsys.readouterr().out
    data = json.loads(source.read_text(encoding="utf-8"))
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert_valid(data, plan)
    assert plan["objective"]["scheduled"] >= 15
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temporary file left


def test_python_dash_m_booking_plan_runs_as_the_contract_says(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    source = tmp_path / "s.json"
    source.write_text(json.dumps(_chain()), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "booking", "plan", "--scenario", str(source), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert_valid(_chain(), json.loads(out.read_text(encoding="utf-8")))


# ---------------------------------------------------------------------------- larger seasons


def _grand_lyon(requests: int) -> dict[str, Any]:
    """The shipped 80-request season of the Grand Lyon, cut to its first requests."""
    data = json.loads((ROOT / "bench" / "scenarios" / "grand-lyon-80.json").read_text("utf-8"))
    data["requests"] = data["requests"][:requests]
    return data


def test_a_larger_season_hands_kits_over_and_reports_its_km_against_a_proven_bound() -> None:
    data = _grand_lyon(40)
    plan = _plan(data, limit=3.0)
    placed_stage, km_stage = plan["solver"]["stages"]
    assert placed_stage["status"] == "OPTIMAL"
    # the kit-flow relaxation's bound, or the quick one if that LP did not finish in time
    assert km_stage["stage"] == "km" and km_stage["bound"] in ("kit-flow LP", "handovers")
    # the bound is below the plan, and the gap says by how much
    assert km_stage["bound_km"] <= plan["solver"]["model_km"]
    assert 0 <= plan["solver"]["gap"] < 0.5
    # many stops hand their kit straight on to the next venue
    assert _handovers(plan) >= len(plan["stops"]) // 4


def _handovers(plan: dict[str, Any]) -> int:
    """Stops whose kit goes straight on to its next stop, installed the day it leaves."""
    count = 0
    for kit in {s["kit"] for s in plan["stops"]}:
        stops = sorted((s for s in plan["stops"] if s["kit"] == kit), key=lambda s: s["install"])
        count += sum(a["dismantle"] == b["install"] for a, b in zip(stops, stops[1:], strict=False))
    return count


def test_the_kit_flow_model_and_the_interval_model_agree_on_a_small_season() -> None:
    """Both models of the km level find the same best km: the kit-flow model (the bound and
    the search of larger seasons) is the same problem, not an approximation of it."""
    data = _grand_lyon(14)
    plan = _plan(data, limit=20.0)
    assert plan["status"] == "optimal"  # the interval model proved it
    problem = season._build(load_scenario(data))
    m = cp_model.CpModel()
    flow = kit_flow.KitFlow(problem, m)
    weight = problem.days * len(problem.reqs) + 1
    m.add(flow.score >= _score(problem, plan))
    m.minimize(flow.km * weight + flow.preference)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(m) == cp_model.OPTIMAL
    best = flow.read(solver)
    _score_of, km, preference = kit_flow.evaluate(problem, best)
    assert km / 10 == plan["solver"]["model_km"]
    assert preference == plan["objective"]["preference_days"]
    bound = kit_flow.BoundInBackground(
        problem, min_score=_score(problem, plan), km_weight=weight, time_limit=20
    ).result(wait=20)
    assert bound is not None and bound <= km * weight + preference


def _score(problem: Any, plan: dict[str, Any]) -> int:
    weight = sum(1 for r in problem.reqs if r.kits) + 1
    priority = {r.spec.id: r.spec.priority for r in problem.reqs}
    return sum(priority[s["request"]] * weight + 1 for s in plan["stops"])


def test_buffer_days_pinned_stops_and_a_late_kit_hold_on_a_larger_season() -> None:
    data = _grand_lyon(36)
    data["handling"]["buffer_days"] = 1
    late = dict(data["kits"][0], id="self-data-3", available_from="2027-01-04")
    data["kits"].append(late)
    first = _plan(data, limit=2.0)
    pins = {s["request"]: s for s in first["stops"][3:5]}
    for r in data["requests"]:
        if r["id"] in pins:
            stop = pins[r["id"]]
            r["pinned"] = {k: stop[k] for k in ("kit", "install", "last_open", "dismantle")}
    plan = _plan(data, limit=2.5)  # the checker: a day between a kit's stops, availability
    for rid, stop in pins.items():
        assert _stop(plan, rid) == stop
    assert _handovers(plan) == 0


# ---------------------------------------------------------------------------- van days


def _far_libraries() -> dict[str, Any]:
    """Two kits, four libraries (open 10:00 to 19:00, Tuesday to Saturday) far from the depot
    and from one another (about 28 min from the depot, 49 min between them): three of their
    visits need more than a van's day from 10:00 to 16:30."""
    base = scenario()
    library = next(v for v in base["venues"] if v["type"] == "library")
    depot_lat, depot_lon = base["depots"][0]["lat"], base["depots"][0]["lon"]

    def at(vid: str, km_north: float, km_east: float) -> dict[str, Any]:
        lat = depot_lat + km_north / 111.2
        lon = depot_lon + km_east / (111.2 * math.cos(math.radians(depot_lat)))
        return dict(library, id=vid, name=vid, lat=round(lat, 5), lon=round(lon, 5))

    return scenario(
        kits=[base["kits"][0], dict(base["kits"][0], id="self-data-2")],
        venues=[
            at("lib-n", 9.0, 0.0),
            at("lib-se", -4.5, 7.79),
            at("lib-sw", -4.5, -7.79),
            at("lib-w", 0.0, -5.0),
        ],
        requests=[
            request("r1", "lib-n", "2027-03-09", "2027-03-16", preferred_start="2027-03-10"),
            # stays 8 days: installed on 16 March or not at all
            request("r2", "lib-se", "2027-03-16", "2027-03-23", stay_days=[8, 8]),
            request("r3", "lib-sw", "2027-03-02", "2027-03-16", preferred_start="2027-03-09"),
            request("r4", "lib-w", "2027-02-23", "2027-03-09", preferred_start="2027-03-02"),
        ],
    )


def test_a_van_day_the_vans_cannot_fit_is_planned_again_and_no_request_is_lost() -> None:
    """The season model counts 16 March as fitting the van (three library visits, each its
    handling and a drive from the depot), but the libraries open at 10:00 and the van must be
    back at 16:30: one of the moves has no van. No stop can move alone (r2 has only that day,
    r3 has no kit free earlier), so the stops around that day are planned again: r4 and r3
    move earlier and every request stays in the plan."""
    data = _far_libraries()
    problem = season._build(load_scenario(data))
    n = {r.spec.id: r.n for r in problem.reqs}

    def stop(kit: int, install: str, last_open: str, dismantle: str, out: bool = False) -> Any:
        day = problem.offset
        return kit_flow.Placed(
            kit,
            day(dt.date.fromisoformat(install)),
            day(dt.date.fromisoformat(last_open)),
            day(dt.date.fromisoformat(dismantle)),
            transfer_out=out,
        )

    placed = {
        n["r1"]: stop(0, "2027-03-10", "2027-03-16", "2027-03-16", out=True),
        n["r2"]: stop(0, "2027-03-16", "2027-03-23", "2027-03-23"),
        n["r4"]: stop(1, "2027-03-02", "2027-03-08", "2027-03-09", out=True),
        n["r3"]: stop(1, "2027-03-09", "2027-03-15", "2027-03-16"),
    }
    busy = problem.offset(dt.date(2027, 3, 16))
    load = season._day_loads(problem, placed)
    assert load[busy] <= problem.capacity  # the model's estimate lets the day be
    before = route_plan(problem.scenario, season._stops(problem, placed))
    assert before[dt.date(2027, 3, 16)].unassigned  # but no van fits it
    routes, dropped, repairs = season._route_until_fits(
        problem, placed, DEFAULT_EXPLORATION, deadline=time.monotonic() + 20
    )
    assert dropped == {} and repairs >= 1
    assert not [m for day in routes.values() for m in day.unassigned]
    out = season._plan(problem, placed, routes, dropped, "feasible", 0.0, 0.0, [], "en")
    plan = out.to_dict()
    assert_valid(data, plan)
    assert len(plan["stops"]) == 4 and not plan["unscheduled"]
    assert _stop(plan, "r2")["install"] == "2027-03-16"
    assert _stop(plan, "r3")["dismantle"] < "2027-03-16"


def test_the_season_of_far_libraries_is_planned_whole() -> None:
    """The whole planner on the same season: every request placed, every move routed."""
    plan = _plan(_far_libraries())
    assert plan["objective"]["scheduled"] == 4
    assert plan["solver"]["unrouted_moves"] == 0
