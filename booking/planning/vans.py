"""The van's days: each transport day's kit moves routed per van with pyvroom (BSD-2).

A *move* carries one kit from where it is to where it goes on one day: depot → venue (a
delivery, installed there), venue → depot (dismantled, taken back) or venue → venue (a direct
transfer). Each move is a vroom shipment: picked up (dismantle time at a venue) and delivered
(install time at a venue) within the venue's opening hours, one kit of the van's capacity,
inside the driver's shift with a lunch break. The route's steps become *legs*: the drives
between two places, with the kits on board.

Times are minutes after local midnight; vroom gets seconds, with drive times rounded up to
whole minutes so every time it returns is a whole minute.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import vroom

from booking.planning.scenario import PlanLeg, PlanStop, Scenario, minutes_of
from booking.planning.travel import GeodesicTravel, TravelMatrix, TravelModel

DEFAULT_EXPLORATION = 5
LUNCH_SLACK_MINUTES = 90  # the break may start up to this long after the lunch time


@dataclass(frozen=True)
class Site:
    """A depot or a venue, with its opening hours (minutes after midnight) for handling."""

    id: str
    lat: float
    lon: float
    opens: int = 0
    closes: int = 24 * 60
    is_depot: bool = False


@dataclass(frozen=True)
class Vehicle:
    id: str
    depot: str
    capacity: int
    shift_start: int
    shift_end: int
    lunch_start: int | None = None
    lunch_minutes: int = 0


@dataclass(frozen=True)
class Move:
    """One kit carried from `source` to `target` on one day."""

    kit: str
    source: str
    target: str
    load_minutes: int  # handling at the source (dismantle at a venue, 0 at a depot)
    unload_minutes: int  # handling at the target (install at a venue, 0 at a depot)
    from_request: str | None = None  # the stop dismantled at the source
    to_request: str | None = None  # the stop installed at the target

    @property
    def kind(self) -> str:
        if self.from_request and self.to_request:
            return "transfer"
        return "delivery" if self.to_request else "pickup"


@dataclass(frozen=True)
class RouteLeg:
    van: str
    source: str
    target: str
    depart: int
    arrive: int
    kits: tuple[str, ...]
    km: float
    minutes: float
    unloaded: tuple[str, ...] = ()  # kits unloaded at the target (installed at a venue)
    loaded: tuple[str, ...] = ()  # kits loaded at the target before the next drive
    handling_minutes: int = 0  # handling at the target


@dataclass
class DayRoutes:
    day: dt.date
    legs: list[RouteLeg] = field(default_factory=list)
    unassigned: list[Move] = field(default_factory=list)
    lunch: dict[str, int] = field(default_factory=dict)  # van -> start of its break

    @property
    def km(self) -> float:
        return sum(leg.km for leg in self.legs)


def _seconds(minutes: float) -> int:
    return int(math.ceil(minutes - 1e-9)) * 60


def route_day(
    day: dt.date,
    moves: Sequence[Move],
    sites: dict[str, Site],
    vehicles: Sequence[Vehicle],
    travel: TravelModel,
    *,
    exploration_level: int = DEFAULT_EXPLORATION,
    threads: int = 2,
) -> DayRoutes:
    """Route one day's moves over the vans; moves no van can fit are returned unassigned."""
    result = DayRoutes(day)
    if not moves:
        return result
    order = sorted(
        {m.source for m in moves} | {m.target for m in moves} | {v.depot for v in vehicles}
    )
    index = {site: i for i, site in enumerate(order)}
    matrix = travel.matrix([(sites[s].lat, sites[s].lon) for s in order])
    problem = vroom.Input()
    durations = [[_seconds(x) for x in row] for row in matrix.minutes]
    distances = [[int(round(x * 1000)) for x in row] for row in matrix.km]
    problem.set_durations_matrix("car", durations)
    problem.set_distances_matrix("car", distances)
    for number, van in enumerate(vehicles, start=1):
        breaks = []
        if van.lunch_start is not None and van.lunch_minutes > 0:
            breaks.append(
                vroom.Break(
                    10_000 + number,
                    time_windows=[
                        vroom.TimeWindow(
                            van.lunch_start * 60, (van.lunch_start + LUNCH_SLACK_MINUTES) * 60
                        )
                    ],
                    service=van.lunch_minutes * 60,
                )
            )
        problem.add_vehicle(
            vroom.Vehicle(
                number,
                start=index[van.depot],
                end=index[van.depot],
                capacity=[van.capacity],
                time_window=vroom.TimeWindow(van.shift_start * 60, van.shift_end * 60),
                breaks=breaks,
                costs=vroom.VehicleCosts(per_hour=1, per_km=1000),
            )
        )

    def step(job_id: int, site_id: str, service: int) -> vroom.ShipmentStep:
        site = sites[site_id]
        windows = []
        if not site.is_depot:
            late = site.closes - service
            windows = [vroom.TimeWindow(site.opens * 60, late * 60)]
        return vroom.ShipmentStep(
            job_id, location=index[site_id], default_service=service * 60, time_windows=windows
        )

    def fits(site_id: str, service: int) -> bool:
        site = sites[site_id]
        return site.is_depot or site.closes - service >= site.opens

    impossible = {
        n
        for n, move in enumerate(moves)
        if not (fits(move.source, move.load_minutes) and fits(move.target, move.unload_minutes))
    }
    for n, move in enumerate(moves):
        if n in impossible:
            continue  # its handling cannot fit in the venue's opening hours
        problem.add_shipment(
            step(2 * n + 1, move.source, move.load_minutes),
            step(2 * n + 2, move.target, move.unload_minutes),
            amount=vroom.Amount([1]),
        )
    assigned: set[int] = set()
    if len(impossible) == len(moves):
        result.unassigned = list(moves)
        return result
    solution = problem.solve(exploration_level=exploration_level, nb_threads=threads).to_dict()
    for route in solution["routes"]:
        van = vehicles[route["vehicle"] - 1]
        legs, served, lunch = _legs_of_route(van, route, moves, order, matrix)
        assigned |= served
        result.legs.extend(legs)
        if lunch is not None:
            result.lunch[van.id] = lunch
    result.unassigned = [m for n, m in enumerate(moves) if n not in assigned]
    return result


def _legs_of_route(
    van: Vehicle,
    route: dict,  # type: ignore[type-arg]
    moves: Sequence[Move],
    order: list[str],
    matrix: TravelMatrix,
) -> tuple[list[RouteLeg], set[int], int | None]:
    """Turn vroom's steps into drives between places, with the kits on board."""
    on_board: list[str] = []
    legs: list[RouteLeg] = []
    served: set[int] = set()
    lunch: int | None = None
    here: int | None = None
    pending: dict[str, object] | None = None  # the drive that arrived at `here`
    unloaded: list[str] = []
    loaded: list[str] = []
    handling = 0

    def close_arrival() -> None:
        nonlocal pending, unloaded, loaded, handling
        if pending is not None:
            legs.append(
                RouteLeg(
                    **pending,  # type: ignore[arg-type]
                    unloaded=tuple(unloaded),
                    loaded=tuple(loaded),
                    handling_minutes=handling,
                )
            )
        pending, unloaded, loaded, handling = None, [], [], 0

    for st in route["steps"]:
        kind = st["type"]
        if kind == "break":
            lunch = st["arrival"] // 60 + st.get("waiting_time", 0) // 60
            continue
        loc = st["location_index"]
        if here is not None and loc != here:
            close_arrival()
            drive = _seconds(matrix.minutes[here][loc]) // 60
            arrive = st["arrival"] // 60
            pending = {
                "van": van.id,
                "source": order[here],
                "target": order[loc],
                "depart": arrive - drive,
                "arrive": arrive,
                "kits": tuple(sorted(on_board)),
                "km": matrix.km[here][loc],
                "minutes": matrix.minutes[here][loc],
            }
        here = loc
        if kind in ("pickup", "delivery"):
            number = (st["id"] - 1) // 2
            move = moves[number]
            served.add(number)
            if kind == "pickup":
                on_board.append(move.kit)
                loaded.append(move.kit)
                handling += move.load_minutes
            else:
                on_board.remove(move.kit)
                unloaded.append(move.kit)
                handling += move.unload_minutes
    close_arrival()
    return legs, served, lunch


# ---------------------------------------------------------------------------- from a plan


@dataclass(frozen=True)
class KitStop:
    """One stop of a kit's season, where `site` is the venue's site id."""

    request: str
    site: str
    install: dt.date
    dismantle: dt.date


def kit_moves(
    kit: str, depot: str, stops: Iterable[KitStop], install: int, dismantle: int
) -> list[tuple[dt.date, Move]]:
    """Every move a kit's stops imply: out of the depot to the first stop, venue to venue
    when a stop is installed on the day the previous one is dismantled, back to the depot
    otherwise and after the last stop."""
    moves: list[tuple[dt.date, Move]] = []
    previous: KitStop | None = None
    for stop in sorted(stops, key=lambda s: (s.install, s.dismantle)):
        if previous is not None and previous.dismantle == stop.install:
            moves.append(
                (
                    stop.install,
                    Move(
                        kit,
                        previous.site,
                        stop.site,
                        dismantle,
                        install,
                        previous.request,
                        stop.request,
                    ),
                )
            )
        else:
            if previous is not None:
                back = Move(kit, previous.site, depot, dismantle, 0, previous.request)
                moves.append((previous.dismantle, back))
            moves.append(
                (stop.install, Move(kit, depot, stop.site, 0, install, None, stop.request))
            )
        previous = stop
    if previous is not None:
        moves.append(
            (previous.dismantle, Move(kit, previous.site, depot, dismantle, 0, previous.request))
        )
    return moves


def moves_by_day(scenario: Scenario, stops: Iterable[PlanStop]) -> dict[dt.date, list[Move]]:
    """Every kit move of a plan, by day (see `kit_moves`)."""
    by_kit: dict[str, list[KitStop]] = defaultdict(list)
    for stop in stops:
        venue = scenario.request_by_id[stop.request].venue
        by_kit[stop.kit].append(KitStop(stop.request, venue, stop.install, stop.dismantle))
    moves: dict[dt.date, list[Move]] = defaultdict(list)
    for kit_id, kit_stops in sorted(by_kit.items()):
        depot = scenario.kit_by_id[kit_id].depot
        for day, move in kit_moves(
            kit_id, depot, kit_stops, scenario.install_minutes, scenario.dismantle_minutes
        ):
            moves[day].append(move)
    return dict(moves)


def scenario_sites(scenario: Scenario) -> dict[str, Site]:
    sites = {d.id: Site(d.id, d.lat, d.lon, is_depot=True) for d in scenario.depots}
    for v in scenario.venues:
        sites[v.id] = Site(v.id, v.lat, v.lon, minutes_of(v.opens), minutes_of(v.closes))
    return sites


def scenario_vehicles(scenario: Scenario) -> list[Vehicle]:
    return [
        Vehicle(
            v.id,
            v.depot,
            v.capacity_kits,
            minutes_of(v.shift_start),
            minutes_of(v.shift_end),
            minutes_of(v.lunch_start) if v.lunch_start else None,
            v.lunch_minutes,
        )
        for v in scenario.vans
    ]


def scenario_travel(scenario: Scenario) -> GeodesicTravel:
    """The contract's travel model: one circuity factor, no stop time."""
    return GeodesicTravel.fixed(scenario.circuity, scenario.speed_kmh)


def route_plan(
    scenario: Scenario,
    stops: Sequence[PlanStop],
    *,
    exploration_level: int = DEFAULT_EXPLORATION,
    cache: dict[tuple[dt.date, frozenset[Move]], DayRoutes] | None = None,
) -> dict[dt.date, DayRoutes]:
    """Route every transport day of a plan; `cache` reuses days whose moves did not change."""
    sites, vehicles, travel = (
        scenario_sites(scenario),
        scenario_vehicles(scenario),
        scenario_travel(scenario),
    )
    out: dict[dt.date, DayRoutes] = {}
    for day, moves in sorted(moves_by_day(scenario, stops).items()):
        key = (day, frozenset(moves))
        if cache is not None and key in cache:
            out[day] = cache[key]
            continue
        routes = route_day(day, moves, sites, vehicles, travel, exploration_level=exploration_level)
        if cache is not None:
            cache[key] = routes
        out[day] = routes
    return out


def plan_legs(days: dict[dt.date, DayRoutes]) -> list[PlanLeg]:
    """The contract's legs: per van and date, in driving order."""
    legs = []
    for day in sorted(days):
        for leg in sorted(days[day].legs, key=lambda x: x.van):  # stable: driving order kept
            legs.append(
                PlanLeg(
                    leg.van,
                    day,
                    leg.source,
                    leg.target,
                    leg.depart,
                    leg.arrive,
                    leg.kits,
                    leg.km,
                    leg.minutes,
                )
            )
    return legs
