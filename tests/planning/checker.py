"""An independent checker of plan files against the scenario contract.

It reads the raw JSON of a scenario and a plan and checks every rule of
shared/contracts/planning-scenario.md with its own code: it imports nothing from
`booking.planning` (only the packages that are the data: `holidays`, `vacances_scolaires_france`,
and geopy's geodesic distance). `check_plan` returns the violations in words; an empty list
means the plan keeps the contract. Used on every plan the tests and the benchmarks produce.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import lru_cache
from typing import Any

import holidays
from geopy.distance import geodesic
from vacances_scolaires_france import SchoolHolidayDates, UnsupportedYearException

KM_TOLERANCE = 0.01  # the contract: km within 1 %
TIME_TOLERANCE = 1  # minutes: HH:MM rounding


def _d(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _m(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


@lru_cache(maxsize=1)
def _school() -> SchoolHolidayDates:
    return SchoolHolidayDates()


@lru_cache(maxsize=64)
def _public(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, years=year))


def _school_holiday(day: dt.date, zone: str) -> bool:
    try:
        return bool(_school().is_holiday_for_zone(day, zone))
    except UnsupportedYearException:
        return False


class _Calendar:
    def __init__(self, scenario: dict[str, Any]) -> None:
        cal = scenario.get("calendar", {})
        self.weekdays = set(cal.get("transport_weekdays", [0, 1, 2, 3, 4]))
        self.country = cal.get("public_holidays", "FR")
        self.zone = cal.get("school_holiday_zone", "A")
        self.closed = {_d(x) for x in cal.get("closed_dates", [])}

    def transport(self, day: dt.date) -> bool:
        return (
            day.weekday() in self.weekdays
            and day not in _public(self.country, day.year)
            and day not in self.closed
        )

    def venue_open(self, venue: dict[str, Any], day: dt.date) -> bool:
        if day.weekday() not in set(venue.get("open_weekdays", [0, 1, 2, 3, 4])):
            return False
        if day.isoformat() in set(venue.get("closed_dates", [])):
            return False
        return not (venue.get("type") == "school" and _school_holiday(day, self.zone))

    def handling(self, venue: dict[str, Any], day: dt.date) -> bool:
        return self.transport(day) and self.venue_open(venue, day)


def check_plan(scenario: dict[str, Any], plan: dict[str, Any]) -> list[str]:
    """Every violation of the contract found in `plan` for `scenario` (empty: valid)."""
    errors: list[str] = []
    err = errors.append
    cal = _Calendar(scenario)
    h_start, h_end = _d(scenario["horizon"]["start"]), _d(scenario["horizon"]["end"])
    handling = scenario.get("handling", {})
    install_min = handling.get("install_minutes", 120)
    dismantle_min = handling.get("dismantle_minutes", 90)
    buffer = handling.get("buffer_days", 0)
    travel = scenario.get("travel", {})
    circuity, speed = travel.get("circuity", 1.3), travel.get("speed_kmh", 25)
    depots = {d["id"]: d for d in scenario["depots"]}
    vans = {v["id"]: v for v in scenario["vans"]}
    kits = {k["id"]: k for k in scenario["kits"]}
    venues = {v["id"]: v for v in scenario["venues"]}
    requests = {r["id"]: r for r in scenario["requests"]}
    places = {**depots, **venues}

    if plan.get("version") != 1:
        err("plan version is not 1")
    if plan.get("status") not in ("optimal", "feasible", "infeasible"):
        err(f"unknown status {plan.get('status')!r}")

    # -- every request once, stops keep their rules ----------------------------------------
    seen: dict[str, int] = defaultdict(int)
    for s in plan["stops"]:
        seen[s["request"]] += 1
    for u in plan["unscheduled"]:
        seen[u["request"]] += 1
        if not str(u.get("reason", "")).strip():
            err(f"unscheduled {u['request']} has no reason")
    for rid in requests:
        if seen.get(rid, 0) != 1:
            err(f"request {rid} appears {seen.get(rid, 0)} times in stops + unscheduled")
    for rid in seen:
        if rid not in requests:
            err(f"unknown request {rid} in the plan")

    stops_by_kit: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in plan["stops"]:
        r, k = requests.get(s["request"]), kits.get(s["kit"])
        if r is None or k is None:
            err(f"stop {s} names an unknown request or kit")
            continue
        venue = venues[r["venue"]]
        ins, last, dis = _d(s["install"]), _d(s["last_open"]), _d(s["dismantle"])
        tag = f"stop {s['request']} on {s['kit']}"
        if k["exhibition"] != r["exhibition"]:
            err(f"{tag}: kit of another exhibition")
        if not ins <= last <= dis:
            err(f"{tag}: dates out of order")
        stay = (last - ins).days + 1
        if not r["stay_days"][0] <= stay <= r["stay_days"][1]:
            err(f"{tag}: stay of {stay} days outside {r['stay_days']}")
        if not any(_d(a) <= ins and dis <= _d(b) for a, b in r["windows"]):
            err(f"{tag}: not inside one window")
        if not h_start <= ins and dis <= h_end:
            err(f"{tag}: outside the horizon")
        a_from = _d(k.get("available_from") or scenario["horizon"]["start"])
        a_to = _d(k.get("available_to") or scenario["horizon"]["end"])
        if ins < a_from or dis > a_to:
            err(f"{tag}: outside the kit's availability")
        for day, what in ((ins, "install"), (dis, "dismantle")):
            if not cal.handling(venue, day):
                err(f"{tag}: {what} on {day}, not a transport day the venue is open")
        pin = r.get("pinned")
        if pin and (
            pin["kit"] != s["kit"]
            or pin["install"] != s["install"]
            or pin["last_open"] != s["last_open"]
            or pin["dismantle"] != s["dismantle"]
        ):
            err(f"{tag}: pinned stop moved")
        stops_by_kit[s["kit"]].append(s)
    for r in requests.values():
        if (
            r.get("pinned")
            and seen.get(r["id"])
            and r["id"] not in {s["request"] for s in plan["stops"]}
            and plan.get("status") != "infeasible"
        ):
            err(f"pinned request {r['id']} left out")

    for kit_id, kit_stops in stops_by_kit.items():
        kit_stops.sort(key=lambda s: s["install"])
        for a, b in zip(kit_stops, kit_stops[1:], strict=False):
            if _d(b["install"]) < _d(a["dismantle"]) + dt.timedelta(days=buffer):
                err(f"kit {kit_id}: {b['request']} installed before {a['request']} is free")

    # -- legs: chains, times, distances, loads ------------------------------------------------
    by_van_day: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for leg in plan["legs"]:
        by_van_day[(leg["van"], leg["date"])].append(leg)
    events: list[tuple[str, int, int, str, str, str]] = []  # (date, time, order, kit, what, place)
    for (van_id, day_text), legs in sorted(by_van_day.items()):
        van = vans.get(van_id)
        if van is None:
            err(f"unknown van {van_id}")
            continue
        day = _d(day_text)
        tag = f"van {van_id} on {day_text}"
        if not cal.transport(day):
            err(f"{tag}: not a transport day")
        if legs[0]["from"] != van["depot"] or legs[-1]["to"] != van["depot"]:
            err(f"{tag}: does not leave from and come back to its depot")
        if _m(legs[0]["depart"]) < _m(van["shift_start"]):
            err(f"{tag}: leaves before the shift starts")
        if _m(legs[-1]["arrive"]) > _m(van["shift_end"]):
            err(f"{tag}: back after the shift ends")
        for i, leg in enumerate(legs):
            a, b = places.get(leg["from"]), places.get(leg["to"])
            if a is None or b is None:
                err(f"{tag}: unknown place in leg {i}")
                continue
            if i and legs[i - 1]["to"] != leg["from"]:
                err(f"{tag}: leg {i} does not start where the previous one ended")
            km = geodesic((a["lat"], a["lon"]), (b["lat"], b["lon"])).km * circuity
            if abs(leg["km"] - km) > KM_TOLERANCE * km + 0.01:
                err(f"{tag}: leg {i} km {leg['km']} but the model says {km:.2f}")
            if abs(leg["minutes"] - leg["km"] / speed * 60) > KM_TOLERANCE * leg["minutes"] + 0.1:
                err(f"{tag}: leg {i} minutes {leg['minutes']} is not km ÷ speed")
            if _m(leg["arrive"]) - _m(leg["depart"]) < leg["minutes"] - TIME_TOLERANCE:
                err(f"{tag}: leg {i} arrives before it could")
            if len(leg["kits"]) > van["capacity_kits"]:
                err(f"{tag}: leg {i} carries more kits than the van holds")
        # what happens at each place: unloaded then loaded, within hours
        for kit in legs[0]["kits"]:
            events.append((day_text, _m(legs[0]["depart"]), 0, kit, "load", legs[0]["from"]))
        for i, leg in enumerate(legs):
            nxt = legs[i + 1] if i + 1 < len(legs) else None
            on, after = set(leg["kits"]), set(nxt["kits"]) if nxt else set()
            unloaded, loaded = on - after, after - on
            place = leg["to"]
            for kit in sorted(unloaded):
                events.append((day_text, _m(leg["arrive"]), 1, kit, "unload", place))
            if nxt is None:
                continue
            for kit in sorted(loaded):
                events.append((day_text, _m(nxt["depart"]), 2, kit, "load", place))
            if place in venues:
                venue = venues[place]
                minutes = install_min * len(unloaded) + dismantle_min * len(loaded)
                start = max(_m(leg["arrive"]), _m(venue["hours"][0]))
                end_limit = min(_m(nxt["depart"]), _m(venue["hours"][1]))
                if minutes and start + minutes > end_limit + TIME_TOLERANCE:
                    err(f"{tag}: handling at {place} does not fit in its hours and the stay")
            elif _m(nxt["depart"]) < _m(leg["arrive"]):
                err(f"{tag}: leaves {place} before arriving")

    # -- each kit's journey: depot → stop → (straight | depot) → … → depot -----------------
    journeys: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    location = {k: kits[k]["depot"] for k in kits}
    for day_text, _time, _order, kit, what, place in sorted(events):
        if kit not in kits:
            err(f"unknown kit {kit} on board")
            continue
        if what == "load":
            if location[kit] != place:
                err(f"kit {kit} loaded at {place} on {day_text} but it is at {location[kit]}")
            location[kit] = "van"
            if place in venues:
                journeys[kit].append((day_text, "load", place))
        else:
            if location[kit] != "van":
                err(f"kit {kit} unloaded on {day_text} but it was not on board")
            location[kit] = place
            if place in venues:
                journeys[kit].append((day_text, "unload", place))
            elif place != kits[kit]["depot"]:
                err(f"kit {kit} taken to another depot than its own on {day_text}")
    for kit, where in location.items():
        if where != kits[kit]["depot"]:
            err(f"kit {kit} does not end at its depot (at {where})")
    for kit in kits:
        expected = []
        for s in sorted(stops_by_kit.get(kit, []), key=lambda s: s["install"]):
            venue = requests[s["request"]]["venue"]
            expected += [(s["install"], "unload", venue), (s["dismantle"], "load", venue)]
        if journeys.get(kit, []) != expected:
            err(f"kit {kit}: moves {journeys.get(kit, [])} do not match its stops {expected}")

    # -- objective -------------------------------------------------------------------------
    obj = plan.get("objective", {})
    stops = plan["stops"]
    if obj.get("scheduled") != len(stops):
        err("objective.scheduled is not the number of stops")
    if obj.get("priority_scheduled") != sum(
        requests[s["request"]].get("priority", 1) for s in stops if s["request"] in requests
    ):
        err("objective.priority_scheduled is not the sum of priorities")
    total_km = sum(leg["km"] for leg in plan["legs"])
    if abs(obj.get("km", 0) - total_km) > KM_TOLERANCE * total_km + 0.05:
        err(f"objective.km {obj.get('km')} is not the legs' {total_km:.2f}")
    pref = sum(
        abs((_d(s["install"]) - _d(requests[s["request"]]["preferred_start"])).days)
        for s in stops
        if s["request"] in requests and requests[s["request"]].get("preferred_start")
    )
    if obj.get("preference_days") != pref:
        err(f"objective.preference_days {obj.get('preference_days')} is not {pref}")
    solver = plan.get("solver", {})
    if not isinstance(solver.get("seconds"), int | float) or not isinstance(
        solver.get("gap"), int | float
    ):
        err("solver.seconds and solver.gap must be numbers")
    return errors


def assert_valid(scenario: dict[str, Any], plan: dict[str, Any]) -> None:
    errors = check_plan(scenario, plan)
    assert not errors, "\n".join(errors[:20])
