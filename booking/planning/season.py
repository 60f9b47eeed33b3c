"""The season plan: which request gets which kit and which dates, solved with OR-Tools CP-SAT.

The interval model (days are whole days counted from the horizon's start):
- per request: install day I, stay S, last open day L = I + S − 1, dismantle day D ≥ L, with I
  and D restricted to the venue's *handling days* (transport days the venue is open) inside
  one of the request's windows; a presence literal per compatible kit, summing to "placed";
- per kit: no overlap of the optional intervals [I, E), where E = D + buffer_days, or D + 1
  when the kit is not handed over the same day (so the same day is taken only by a direct
  venue-to-venue transfer, allowed when dismantle, drive and install fit in one van shift);
- per transport day: the handling and driving minutes of installs and dismantles fit in the
  vans' shifts (a cumulative; the van stage routes each day exactly afterwards);
- pinned stops (already approved) are fixed; the plan works around them.

The objective is lexicographic, solved in two stages: (A) priority-weighted placed requests,
then placed requests, on the interval model; (B) with A kept, transport km, then distance
from preferred dates. A small season (up to EXACT_MAX_REQUESTS requests) solves B on the
interval model too, which proves it. A larger one solves B on the kit-flow model
(`kit_flow`, the same rules with kits of one kind pooled and days indexed): a
large-neighbourhood search improves the plan a few weeks at a time, and the linear
relaxation of the whole model, solved beside it, bounds the km (the gap). When A is not
proven, the search first places more requests, then reduces km.

The km of the models count every move as its own trip from the depot; the plan's `km` is the
sum of the routed legs. A greedy placement gives the first hint; after solving, requests
left out are tried once more in the gaps (a time-limited search may leave some), and the
days are routed van by van (`vans.route_plan`). The per-day van minutes are an estimate (each
install or dismantle its handling and one drive from the depot; routing also drives from
venue to venue and waits for venues that open late), so a day may not route: its minutes are
then lowered and the stops around it solved again on the kit-flow model with every request
kept (`kit_flow.repair`); when that finds nothing in time, the stop whose move no van can
fit is tried on other days, else taken out with its reason.
"""

from __future__ import annotations

import bisect
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from booking.i18n import add_messages, format_date, t
from booking.planning.kit_flow import (
    BoundInBackground,
    Goal,
    Improvement,
    evaluate,
    flow_size,
    full_score,
    handover_bound,
    improve,
    repair,
)
from booking.planning.kit_flow import Placed as _Placed
from booking.planning.kit_flow import window_days as _window_days
from booking.planning.scenario import (
    Plan,
    PlanStop,
    RequestSpec,
    Scenario,
    Unscheduled,
    minutes_of,
)
from booking.planning.vans import (
    DEFAULT_EXPLORATION,
    DayRoutes,
    Move,
    plan_legs,
    route_plan,
    scenario_travel,
)

add_messages(
    {
        "season.reason.no_kit": {
            "fr": "aucun kit de cette exposition n'est disponible entre le {start} et le {end}",
            "en": "no kit of this exhibition is available between {start} and {end}",
        },
        "season.reason.no_days": {
            "fr": "aucun couple de jours d'installation et de démontage ne tient entre le {start} et le {end} (jours d'ouverture du lieu, jours de transport, fériés et vacances, durée de {min} à {max} jours)",
            "en": "no install and dismantle days fit between {start} and {end} (venue open days, transport days, holidays, stay of {min} to {max} days)",
        },
        "season.reason.hours": {
            "fr": "les horaires du lieu ne laissent pas le temps d'installer dans le service d'un camion",
            "en": "the venue's hours leave no time to install within a van shift",
        },
        "season.reason.taken": {
            "fr": "plus aucun créneau libre pour aucun kit entre le {start} et le {end}",
            "en": "no window left for any kit between {start} and {end}",
        },
        "season.reason.van_day": {
            "fr": "plus de place dans les tournées du camion le {day}",
            "en": "no van time left on {day}",
        },
        "season.reason.pinned_conflict": {
            "fr": "des étapes déjà confirmées se chevauchent : le plan est impossible sans les modifier",
            "en": "already approved stops overlap: no plan is possible without changing them",
        },
        "season.progress.greedy": {
            "fr": "Placement initial : {placed} demandes sur {total}",
            "en": "First placement: {placed} of {total} requests",
        },
        "season.progress.stage_a": {
            "fr": "Recherche du plus grand nombre de demandes placées…",
            "en": "Searching for the most requests placed…",
        },
        "season.progress.stage_b": {
            "fr": "Réduction des kilomètres ({placed} demandes placées)…",
            "en": "Reducing kilometres ({placed} requests placed)…",
        },
        "season.progress.routing": {
            "fr": "Tournées du camion jour par jour…",
            "en": "Routing the van day by day…",
        },
        "season.progress.solution": {
            "fr": "Solution trouvée : {value}",
            "en": "Solution found: {value}",
        },
    }
)

CAPACITY_SHARE = 0.8  # share of the vans' shift minutes the season model may fill per day
EXACT_MAX_REQUESTS = 24  # up to this many requests, the interval model solves the km level
STAGE_A_SHARE, STAGE_A_SHARE_LARGE = 0.5, 0.3  # of the time limit, for the placement stage
LARGE_SEASON = 150  # requests: beyond, the placement stage gets the smaller share
ROUTING_SECONDS_PER_REQUEST = 0.005  # kept back from the search for routing the van days
REPAIR_MIN_SECONDS = 0.1  # left of the routing time: a day that does not route is solved again
BOUND_MAX_VARIABLES = 20_000  # the kit-flow LP (GLOP) takes about 3 s at 11,000, 77 s at 37,000
MAX_TRANSFER_CANDIDATES = 8  # per request: the best savings
Progress = Callable[[str], None]


@dataclass
class _Req:
    n: int
    spec: RequestSpec
    venue: int  # index in `_Problem.venues`
    installs: list[int]
    dismantles: list[int]
    kits: list[int]
    windows: list[tuple[int, int]]
    pref: int | None
    pin: tuple[int, int, int, int] | None  # kit, I, L, D
    reason: str = ""  # when it cannot be placed at all
    demand_install: int = 0
    demand_dismantle: int = 0
    cost: dict[int, int] = field(default_factory=dict)  # kit -> model km (hectometres)


@dataclass
class _Problem:
    scenario: Scenario
    days: int
    reqs: list[_Req]
    kits: list[str]
    kit_from: list[int]
    kit_to: list[int]
    capacity: int  # minutes per transport day
    pairs: list[tuple[int, int, int]]  # (i, j, saving in hm) candidate direct transfers
    handling: dict[int, list[int]]  # venue -> sorted handling days
    # days whose van minutes routing showed to be fewer than `capacity`: day -> minutes
    day_capacity: dict[int, int] = field(default_factory=dict)

    def capacity_on(self, day: int) -> int:
        """The van minutes the season model may fill on a transport day."""
        return self.day_capacity.get(day, self.capacity)

    def day(self, offset: int) -> dt.date:
        return self.scenario.horizon_start + dt.timedelta(days=offset)

    def offset(self, day: dt.date) -> int:
        return (day - self.scenario.horizon_start).days


@dataclass
class SeasonOutcome:
    plan: Plan
    routes: dict[dt.date, DayRoutes]
    problem_size: dict[str, int]


# ---------------------------------------------------------------------------- the problem


def _hm(km: float) -> int:
    return int(round(km * 10))


def _build(scenario: Scenario) -> _Problem:
    start = scenario.horizon_start
    n_days = (scenario.horizon_end - start).days + 1
    venue_ids = [v.id for v in scenario.venues]
    venue_index = {v: i for i, v in enumerate(venue_ids)}
    depot_ids = [d.id for d in scenario.depots]
    points = [(d.lat, d.lon) for d in scenario.depots] + [(v.lat, v.lon) for v in scenario.venues]
    matrix = scenario_travel(scenario).matrix(points)
    km = np.asarray(matrix.km)
    minutes = np.asarray(matrix.minutes)
    nd = len(depot_ids)
    depot_index = {d: i for i, d in enumerate(depot_ids)}

    transport = [scenario.is_transport_day(start + dt.timedelta(days=o)) for o in range(n_days)]
    handling: dict[int, list[int]] = {}
    for vi, venue in enumerate(scenario.venues):
        handling[vi] = [
            o
            for o in range(n_days)
            if transport[o] and scenario.venue_open(venue, start + dt.timedelta(days=o))
        ]

    kits = [k.id for k in scenario.kits]
    kit_index = {k: i for i, k in enumerate(kits)}
    kit_from = [(k.available_from - start).days for k in scenario.kits]
    kit_to = [(k.available_to - start).days for k in scenario.kits]
    kit_depot = [depot_index[k.depot] for k in scenario.kits]

    vans = scenario.vans
    shift_minutes = sum(
        minutes_of(v.shift_end) - minutes_of(v.shift_start) - v.lunch_minutes for v in vans
    )
    capacity = int(shift_minutes * CAPACITY_SHARE)

    # Can a van serve a venue at all (drive, handle within hours, come back)?
    def op_ok(vi: int, service: int) -> bool:
        venue = scenario.venues[vi]
        for van in vans:
            d = depot_index[van.depot]
            s = max(minutes_of(van.shift_start) + minutes[d][nd + vi], minutes_of(venue.opens))
            e = s + service
            if e <= minutes_of(venue.closes) and e + minutes[nd + vi][d] <= minutes_of(
                van.shift_end
            ):
                return True
        return False

    reqs: list[_Req] = []
    for n, spec in enumerate(scenario.requests):
        vi = venue_index[spec.venue]
        h = handling[vi]
        windows = [((a - start).days, (b - start).days) for a, b in spec.windows]
        pin = None
        if spec.pinned:
            p = spec.pinned
            pin = (
                kit_index[p.kit],
                (p.install - start).days,
                (p.last_open - start).days,
                (p.dismantle - start).days,
            )
        req = _Req(
            n,
            spec,
            vi,
            [],
            [],
            [],
            windows,
            (spec.preferred_start - start).days if spec.preferred_start else None,
            pin,
        )
        compatible = [i for i, k in enumerate(scenario.kits) if k.exhibition == spec.exhibition]
        if pin is not None:
            req.installs, req.dismantles, req.kits = [pin[1]], [pin[3]], [pin[0]]
        else:
            installs: set[int] = set()
            dismantles: set[int] = set()
            any_kit = False
            for k in compatible:
                for ws, we in windows:
                    lo, hi = max(ws, kit_from[k]), min(we, kit_to[k])
                    if lo > hi:
                        continue
                    any_kit = True
                    ins, dis = _window_days(h, lo, hi, spec.stay_min)
                    if ins:
                        installs.update(ins)
                        dismantles.update(dis)
                        if k not in req.kits:
                            req.kits.append(k)
            if not any_kit:
                req.reason = "no_kit"
            elif not installs:
                req.reason = "no_days"
            elif not (
                op_ok(vi, scenario.install_minutes) and op_ok(vi, scenario.dismantle_minutes)
            ):
                req.reason = "hours"
                req.kits = []
            req.installs, req.dismantles = sorted(installs), sorted(dismantles)
            if req.reason:
                req.installs, req.dismantles, req.kits = [], [], []
        drive = min(minutes[kit_depot[k]][nd + vi] for k in compatible) if compatible else 0
        req.demand_install = scenario.install_minutes + int(round(drive))
        req.demand_dismantle = scenario.dismantle_minutes + int(round(drive))
        req.cost = {k: _hm(4 * km[kit_depot[k]][nd + vi]) for k in req.kits}
        reqs.append(req)

    pairs = _transfer_pairs(scenario, reqs, n_days, km, minutes, nd, depot_index, kit_depot)
    return _Problem(scenario, n_days, reqs, kits, kit_from, kit_to, capacity, pairs, handling)


def _transfer_pairs(
    scenario: Scenario,
    reqs: list[_Req],
    n_days: int,
    km: np.ndarray,
    minutes: np.ndarray,
    nd: int,
    depot_index: dict[str, int],
    kit_depot: list[int],
) -> list[tuple[int, int, int]]:
    """Candidate direct transfers i → j: j may be installed on a day i may be dismantled,
    they share a kit, and one van can dismantle, drive and install within its shift."""
    if scenario.buffer_days > 0 or len(reqs) < 2:
        return []
    n = len(reqs)
    ins = np.zeros((n, n_days), dtype=np.float32)
    dis = np.zeros((n, n_days), dtype=np.float32)
    for r in reqs:
        if r.kits:
            ins[r.n, r.installs] = 1
            dis[r.n, r.dismantles] = 1
    overlap = (dis @ ins.T) > 0
    np.fill_diagonal(overlap, False)

    venues = scenario.venues
    nv = len(venues)
    opens = np.array([minutes_of(v.opens) for v in venues], dtype=float)
    closes = np.array([minutes_of(v.closes) for v in venues], dtype=float)
    feasible = np.zeros((nv, nv), dtype=bool)
    vv = minutes[nd:, nd:]
    for van in scenario.vans:
        d = depot_index[van.depot]
        t0 = minutes_of(van.shift_start) + minutes[d, nd:]
        s1 = np.maximum(t0, opens)
        e1 = s1 + scenario.dismantle_minutes
        ok1 = e1 <= closes
        t2 = e1[:, None] + vv
        s2 = np.maximum(t2, opens[None, :])
        e2 = s2 + scenario.install_minutes
        ok2 = (e2 <= closes[None, :]) & (e2 + minutes[nd:, d][None, :] <= minutes_of(van.shift_end))
        feasible |= ok1[:, None] & ok2

    def saving_of(i: int, j: int) -> int:
        """Hectometres saved by driving i → j instead of i → depot and depot → j."""
        vi, vj, d = reqs[i].venue, reqs[j].venue, kit_depot[reqs[i].kits[0]]
        return _hm(max(0.0, km[d, nd + vi] + km[d, nd + vj] - km[nd + vi, nd + vj]))

    pairs: list[tuple[int, int, int]] = []
    limit = MAX_TRANSFER_CANDIDATES
    for r in reqs:
        if not r.kits:
            continue
        candidates: list[tuple[int, int]] = []
        pinned: list[int] = []  # handovers between two approved stops: always candidates
        for j_index in np.nonzero(overlap[r.n])[0]:
            j = int(j_index)
            other = reqs[j]
            if not other.kits or not set(r.kits) & set(other.kits):
                continue
            if other.venue == r.venue:
                continue  # the kit is taken away, not left for the venue's next request
            both_pinned = r.pin is not None and other.pin is not None
            if both_pinned:
                assert r.pin is not None and other.pin is not None
                if r.pin[0] == other.pin[0] and r.pin[3] == other.pin[1]:
                    pinned.append(j)  # the pinned plan already does it
                continue
            if not feasible[r.venue, other.venue]:
                continue
            candidates.append((saving_of(r.n, j), j))
        candidates.sort(reverse=True)
        for j in pinned:
            pairs.append((r.n, j, saving_of(r.n, j)))
        for saving, j in candidates[: max(0, limit - len(pinned))]:
            pairs.append((r.n, j, saving))
    return pairs


# ---------------------------------------------------------------------------- greedy


class _Timeline:
    """Occupied [start, end) ranges per kit and handling minutes per day."""

    def __init__(self, problem: _Problem) -> None:
        self.problem = problem
        self.ranges: dict[int, list[tuple[int, int, int]]] = defaultdict(list)  # kit -> (s, e, req)
        self.load: dict[int, int] = defaultdict(int)

    def free(self, kit: int, s: int, e: int) -> bool:
        ranges = self.ranges[kit]
        pos = bisect.bisect_left(ranges, (s, -1, -1))
        if pos < len(ranges) and ranges[pos][0] < e:
            return False
        return not (pos > 0 and ranges[pos - 1][1] > s)

    def add(self, req: _Req, placed: _Placed, end: int) -> None:
        bisect.insort(self.ranges[placed.kit], (placed.install, end, req.n))
        self.load[placed.install] += req.demand_install
        self.load[placed.dismantle] += req.demand_dismantle

    def fits_day(self, day: int, demand: int) -> bool:
        return self.load[day] + demand <= self.problem.capacity_on(day)


def _end(problem: _Problem, placed: _Placed) -> int:
    buffer = problem.scenario.buffer_days
    if buffer == 0 and placed.transfer_out:
        return max(placed.dismantle, placed.install + 1)
    return max(placed.dismantle + max(buffer, 1), placed.install + 1)


def _try_place(
    problem: _Problem, tl: _Timeline, req: _Req, banned: Collection[int] = ()
) -> _Placed | None:
    """The best free slot for a request: nearest its preferred start, then the lowest cost
    (never handled on a `banned` day)."""
    h = problem.handling[req.venue]
    best: tuple[int, int, _Placed] | None = None
    for k in req.kits:
        for ws, we in req.windows:
            lo, hi = max(ws, problem.kit_from[k]), min(we, problem.kit_to[k])
            installs, _ = _window_days(h, lo, hi, req.spec.stay_min)
            if req.pref is not None:
                pref = req.pref
                installs = sorted(installs, key=lambda i: (abs(i - pref), i))
            for i in installs:
                score = abs(i - req.pref) if req.pref is not None else 0
                if best is not None and (score, req.cost.get(k, 0)) >= best[:2]:
                    break
                if i in banned or not tl.fits_day(i, req.demand_install):
                    continue
                last_open = i + req.spec.stay_min - 1
                pos = bisect.bisect_left(h, last_open)
                found = None
                while pos < len(h) and h[pos] <= hi:
                    d = h[pos]
                    if d not in banned and tl.fits_day(d, req.demand_dismantle):
                        found = d
                        break
                    pos += 1
                if found is None:
                    continue
                placed = _Placed(k, i, last_open, found)
                if tl.free(k, i, _end(problem, placed)):
                    best = (score, req.cost.get(k, 0), placed)
                    break
    return best[2] if best else None


def _place_pinned(problem: _Problem, tl: _Timeline) -> dict[int, _Placed]:
    placed: dict[int, _Placed] = {}
    pinned = [r for r in problem.reqs if r.pin is not None]
    outgoing = {i for i, j, _ in problem.pairs if problem.reqs[i].pin and problem.reqs[j].pin}
    for r in pinned:
        assert r.pin is not None
        k, i, last_open, d = r.pin
        p = _Placed(k, i, last_open, d, transfer_out=r.n in outgoing)
        placed[r.n] = p
        tl.add(r, p, _end(problem, p))
    return placed


def _greedy(problem: _Problem, start: dict[int, _Placed] | None = None) -> dict[int, _Placed]:
    """Place requests one by one (highest priority and tightest first) in free slots."""
    tl = _Timeline(problem)
    if start is None:
        placed = _place_pinned(problem, tl)
    else:
        placed = dict(start)
        for n, p in placed.items():
            tl.add(problem.reqs[n], p, _end(problem, p))
    order = sorted(
        (r for r in problem.reqs if r.n not in placed and r.kits),
        key=lambda r: (-r.spec.priority, len(r.installs) * len(r.kits), r.installs[0]),
    )
    for r in order:
        found = _try_place(problem, tl, r)
        if found is not None:
            placed[r.n] = found
            tl.add(r, found, _end(problem, found))
    return placed


# ---------------------------------------------------------------------------- CP-SAT


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: Progress | None, lang: str) -> None:
        super().__init__()
        self.progress = progress
        self.lang = lang
        self.last = 0.0

    def on_solution_callback(self) -> None:
        now = time.monotonic()
        if self.progress is not None and now - self.last > 0.5:
            self.last = now
            self.progress(
                t("season.progress.solution", self.lang, value=f"{self.ObjectiveValue():.0f}")
            )


@dataclass
class _Vars:
    p: dict[int, cp_model.IntVar]
    x: dict[tuple[int, int], cp_model.IntVar]
    install: dict[int, cp_model.IntVar]
    stay: dict[int, cp_model.IntVar]
    dismantle: dict[int, cp_model.IntVar]
    end: dict[int, cp_model.IntVar]
    t: dict[tuple[int, int], cp_model.IntVar]
    out: dict[int, list[cp_model.IntVar]]


def _model(problem: _Problem) -> tuple[cp_model.CpModel, _Vars, object, object, object]:
    m = cp_model.CpModel()
    buffer = problem.scenario.buffer_days
    horizon = problem.days + buffer + 2
    v = _Vars({}, {}, {}, {}, {}, {}, {}, defaultdict(list))
    incoming: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    active = [r for r in problem.reqs if r.kits]
    for r in active:
        n = r.n
        p = m.new_bool_var(f"p{n}")
        install = m.new_int_var_from_domain(cp_model.Domain.from_values(r.installs), f"I{n}")
        dismantle = m.new_int_var_from_domain(cp_model.Domain.from_values(r.dismantles), f"D{n}")
        stay = m.new_int_var(r.spec.stay_min, r.spec.stay_max, f"S{n}")
        m.add(install + stay - 1 <= dismantle)
        end = m.new_int_var(1, horizon, f"E{n}")
        v.p[n], v.install[n], v.dismantle[n], v.stay[n], v.end[n] = p, install, dismantle, stay, end
        for k in r.kits:
            v.x[n, k] = m.new_bool_var(f"x{n}_{k}")
        m.add(sum(v.x[n, k] for k in r.kits) == p)
        if r.pin is not None:
            k, i, last_open, d = r.pin
            m.add(p == 1)
            m.add(v.x[n, k] == 1)
            m.add(stay == last_open - i + 1)
        else:
            if len(r.windows) > 1:
                chosen = [m.new_bool_var(f"w{n}_{j}") for j in range(len(r.windows))]
                m.add(sum(chosen) == p)
                for lit, (ws, we) in zip(chosen, r.windows, strict=True):
                    m.add(install >= ws).only_enforce_if(lit)
                    m.add(dismantle <= we).only_enforce_if(lit)
            for k in r.kits:
                if problem.kit_from[k] > r.installs[0]:
                    m.add(install >= problem.kit_from[k]).only_enforce_if(v.x[n, k])
                if problem.kit_to[k] < r.dismantles[-1]:
                    m.add(dismantle <= problem.kit_to[k]).only_enforce_if(v.x[n, k])
    kit_var: dict[int, cp_model.IntVar] = {}
    for i, j, _saving in problem.pairs:
        ri, rj = problem.reqs[i], problem.reqs[j]
        lit = m.new_bool_var(f"t{i}_{j}")
        v.t[i, j] = lit
        m.add_implication(lit, v.p[i])
        m.add_implication(lit, v.p[j])
        m.add(v.dismantle[i] == v.install[j]).only_enforce_if(lit)
        for r in (ri, rj):
            if r.n not in kit_var:
                kv = m.new_int_var_from_domain(cp_model.Domain.from_values(r.kits), f"K{r.n}")
                for k in r.kits:
                    m.add(kv == k).only_enforce_if(v.x[r.n, k])
                kit_var[r.n] = kv
        m.add(kit_var[i] == kit_var[j]).only_enforce_if(lit)
        v.out[i].append(lit)
        incoming[j].append(lit)
    for r in active:
        n = r.n
        if buffer == 0:
            out = sum(v.out[n]) if v.out[n] else 0
            if v.out[n]:
                m.add(sum(v.out[n]) <= 1)
            m.add(v.end[n] == v.dismantle[n] + 1 - out)
        else:
            m.add(v.end[n] == v.dismantle[n] + buffer)
        m.add(v.end[n] >= v.install[n] + 1)
        if incoming[n]:
            m.add(sum(incoming[n]) <= 1)
    by_kit: dict[int, list[object]] = defaultdict(list)
    ops: list[object] = []
    demands: list[int] = []
    pinned_load: dict[int, int] = defaultdict(int)
    for r in active:
        n = r.n
        size = m.new_int_var(1, horizon, f"Z{n}")
        m.add(size == v.end[n] - v.install[n])
        for k in r.kits:
            by_kit[k].append(
                m.new_optional_interval_var(v.install[n], size, v.end[n], v.x[n, k], f"iv{n}_{k}")
            )
        if r.pin is not None:
            pinned_load[r.pin[1]] += r.demand_install
            pinned_load[r.pin[3]] += r.demand_dismantle
            continue
        ops.append(m.new_optional_fixed_size_interval_var(v.install[n], 1, v.p[n], f"in{n}"))
        demands.append(r.demand_install)
        ops.append(m.new_optional_fixed_size_interval_var(v.dismantle[n], 1, v.p[n], f"out{n}"))
        demands.append(r.demand_dismantle)
    # approved stops take their share of the day first, never more than all of it
    for day in sorted(pinned_load.keys() | problem.day_capacity.keys()):
        # and a day found shorter by routing is taken off the top
        taken = min(pinned_load.get(day, 0), problem.capacity_on(day))
        taken += problem.capacity - problem.capacity_on(day)
        if taken > 0:
            ops.append(m.new_fixed_size_interval_var(day, 1, f"taken{day}"))
            demands.append(min(taken, problem.capacity))
    for intervals in by_kit.values():
        m.add_no_overlap(intervals)  # type: ignore[arg-type]
    if ops:
        m.add_cumulative(ops, demands, problem.capacity)  # type: ignore[arg-type]

    weight = len(active) + 1
    placed_score = sum((r.spec.priority * weight + 1) * v.p[r.n] for r in active)
    km_expr = sum(c * v.x[r.n, k] for r in active for k, c in r.cost.items()) - sum(
        s * v.t[i, j] for i, j, s in problem.pairs
    )
    devs = []
    for r in active:
        if r.pref is None or r.pin is not None:
            continue
        dev = m.new_int_var(0, problem.days, f"dev{r.n}")
        m.add(dev >= v.install[r.n] - r.pref).only_enforce_if(v.p[r.n])
        m.add(dev >= r.pref - v.install[r.n]).only_enforce_if(v.p[r.n])
        m.add(dev == 0).only_enforce_if(~v.p[r.n])
        devs.append(dev)
    pref_expr = sum(devs)
    return m, v, placed_score, km_expr, pref_expr


def _hint(m: cp_model.CpModel, problem: _Problem, v: _Vars, placed: dict[int, _Placed]) -> None:
    m.clear_hints()
    for r in problem.reqs:
        n = r.n
        if n not in v.p:
            continue
        p = placed.get(n)
        m.add_hint(v.p[n], p is not None)
        for k in r.kits:
            m.add_hint(v.x[n, k], p is not None and p.kit == k)
        if p is not None:
            m.add_hint(v.install[n], p.install)
            m.add_hint(v.dismantle[n], p.dismantle)
            m.add_hint(v.stay[n], p.last_open - p.install + 1)
    for (i, j), lit in v.t.items():
        pi, pj = placed.get(i), placed.get(j)
        m.add_hint(
            lit,
            bool(pi and pj and pi.transfer_out and pi.kit == pj.kit and pi.dismantle == pj.install),
        )


def _read(solver: cp_model.CpSolver, problem: _Problem, v: _Vars) -> dict[int, _Placed]:
    placed: dict[int, _Placed] = {}
    outs = {i for (i, _j), lit in v.t.items() if solver.boolean_value(lit)}
    for n, p in v.p.items():
        if not solver.boolean_value(p):
            continue
        r = problem.reqs[n]
        kit = next(k for k in r.kits if solver.boolean_value(v.x[n, k]))
        install = solver.value(v.install[n])
        placed[n] = _Placed(
            kit,
            install,
            install + solver.value(v.stay[n]) - 1,
            solver.value(v.dismantle[n]),
            transfer_out=n in outs,
        )
    return placed


def _gap(solver: cp_model.CpSolver) -> float:
    value, bound = solver.objective_value, solver.best_objective_bound
    return abs(value - bound) / max(1.0, abs(value))


def _tidy(problem: _Problem, placed: dict[int, _Placed]) -> None:
    """Dismantle as soon as the stay is over when nothing is handed over that day: the same
    objective, and the kit is free earlier."""
    tl = _Timeline(problem)
    for n, p in placed.items():
        tl.add(problem.reqs[n], p, _end(problem, p))
    for n, p in placed.items():
        r = problem.reqs[n]
        if r.pin is not None or p.transfer_out:
            continue
        h = problem.handling[r.venue]
        pos = bisect.bisect_left(h, p.last_open)
        while pos < len(h) and h[pos] < p.dismantle:
            d = h[pos]
            if tl.fits_day(d, r.demand_dismantle):
                tl.load[p.dismantle] -= r.demand_dismantle
                tl.load[d] += r.demand_dismantle
                p.dismantle = d
                break
            pos += 1


# ---------------------------------------------------------------------------- the entry point


def plan_season(
    scenario: Scenario,
    *,
    time_limit: float = 30.0,
    workers: int = 2,
    progress: Progress | None = None,
    lang: str = "fr",
    exploration_level: int = DEFAULT_EXPLORATION,
    route: bool = True,
) -> SeasonOutcome:
    """Plan the season: the best placement found within `time_limit` seconds of solving,
    its van days routed, every unplaced request with its reason in words."""
    started = time.monotonic()
    problem = _build(scenario)
    say = progress or (lambda _msg: None)
    greedy = _greedy(problem)
    total = len(problem.reqs)
    say(t("season.progress.greedy", lang, placed=len(greedy), total=total))
    # the search stops early enough for the van days to be routed within the time limit
    reserve = min(0.15 * time_limit, 0.5 + ROUTING_SECONDS_PER_REQUEST * total) if route else 0
    deadline = started + time_limit - reserve

    stages: list[dict[str, float | str]] = []
    placed = greedy
    proven = True
    gap = 0.0
    gap_on_km = True  # whether `gap` is the km level's (else the placement's)
    movable = sum(1 for r in problem.reqs if r.kits and r.pin is None)
    early = None
    bounded = workers > 1 and flow_size(problem) <= BOUND_MAX_VARIABLES  # a core for GLOP
    if movable > EXACT_MAX_REQUESTS and bounded:
        # the km bound assuming every request is placed, solved beside the placement stage:
        # kept if the placement proves so
        early = BoundInBackground(
            problem,
            min_score=full_score(problem),
            km_weight=_km_weight(problem),
            time_limit=deadline - time.monotonic(),
        )
    if any(r.kits for r in problem.reqs):
        m, v, placed_score, km_expr, pref_expr = _model(problem)
        say(t("season.progress.stage_a", lang))
        m.maximize(placed_score)  # type: ignore[arg-type]
        _hint(m, problem, v, greedy)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers
        # a large season leaves more of its time to the search on the kit-flow model
        share = STAGE_A_SHARE if movable <= LARGE_SEASON else STAGE_A_SHARE_LARGE
        solver.parameters.max_time_in_seconds = max(0.5, time_limit * share)
        callback = _Callback(progress, lang)
        code = solver.solve(m, callback)
        stages.append(
            {
                "stage": "placed",
                "status": solver.status_name(code),
                "seconds": round(solver.wall_time, 2),
                "gap": round(_gap(solver), 6) if code == cp_model.FEASIBLE else 0.0,
            }
        )
        if code == cp_model.INFEASIBLE:
            if early is not None:
                early.cancel()
            return _infeasible(scenario, problem, started, stages, lang)
        if code in (cp_model.OPTIMAL, cp_model.FEASIBLE) and movable <= EXACT_MAX_REQUESTS:
            # a small season: the interval model itself, which proves it
            placed = _read(solver, problem, v)
            if code != cp_model.OPTIMAL:
                proven, gap, gap_on_km = False, _gap(solver), False
            say(t("season.progress.stage_b", lang, placed=len(placed)))
            m.add(placed_score >= int(round(solver.objective_value)))  # type: ignore[operator]
            m.minimize(km_expr * _km_weight(problem) + pref_expr)  # type: ignore[operator]
            _hint(m, problem, v, placed)
            solver_b = cp_model.CpSolver()
            solver_b.parameters.num_workers = workers
            solver_b.parameters.max_time_in_seconds = max(0.5, deadline - time.monotonic())
            code_b = solver_b.solve(m, callback)
            stages.append(
                {
                    "stage": "km",
                    "status": solver_b.status_name(code_b),
                    "seconds": round(solver_b.wall_time, 2),
                    "gap": round(_gap(solver_b), 6) if code_b == cp_model.FEASIBLE else 0.0,
                }
            )
            if code_b in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                placed = _read(solver_b, problem, v)
                if code_b != cp_model.OPTIMAL and proven:
                    proven, gap = False, _gap(solver_b)
            else:
                proven = False
        else:
            score_bound: float | None = None
            if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                placed = _read(solver, problem, v)
                if code == cp_model.FEASIBLE:
                    score_bound = min(solver.best_objective_bound, full_score(problem))
                    # a time-limited search may end below its own hint, and leave room
                    placed = max(
                        _greedy(problem, placed), greedy, key=lambda p: evaluate(problem, p)[0]
                    )
            else:  # no solution in time: at best, every request placed
                score_bound = float(full_score(problem))
            placed, proven, gap, gap_on_km = _improve(
                problem, placed, stages, score_bound, deadline, workers, early, bounded, say, lang
            )
    solved = dict(placed)
    placed = _greedy(problem, placed)  # a time-limited search may leave room
    _tidy(problem, placed)
    if len(placed) > len(solved):
        proven = False
    status = "optimal" if proven else "feasible"

    dropped: dict[int, str] = {}
    routes: dict[dt.date, DayRoutes] = {}
    repairs = 0  # times the stops around days that did not route were solved again
    if route:
        say(t("season.progress.routing", lang))
        _score, km_before, preference_before = evaluate(problem, placed)
        routes, dropped, repairs = _route_until_fits(
            problem,
            placed,
            exploration_level,
            deadline=started + time_limit,
            workers=workers,
        )
        if dropped or repairs:
            status = "feasible"
        if repairs and gap_on_km:
            # the same lower bound, against the plan as repaired
            weight = _km_weight(problem)
            before = km_before * weight + preference_before
            lower = before - gap * max(1.0, abs(before))
            _score, km_after, preference_after = evaluate(problem, placed)
            after = km_after * weight + preference_after
            gap = max(0.0, after - lower) / max(1.0, abs(after))
    plan = _plan(problem, placed, routes, dropped, status, gap, started, stages, lang)
    plan.solver["repaired_van_days"] = repairs
    size = {
        "requests": len(problem.reqs),
        "kits": len(problem.kits),
        "transfer_pairs": len(problem.pairs),
        "days": problem.days,
    }
    return SeasonOutcome(plan, routes, size)


def _improve(
    problem: _Problem,
    placed: dict[int, _Placed],
    stages: list[dict[str, float | str]],
    score_bound: float | None,
    deadline: float,
    workers: int,
    early: BoundInBackground | None,
    bounded: bool,
    say: Progress,
    lang: str,
) -> tuple[dict[int, _Placed], bool, float, bool]:
    """The second stage on the kit-flow model (`kit_flow`): with the placement proven best
    (`score_bound` None), fewer km and preference days, against the relaxation's bound;
    otherwise more requests placed first. `early` is the bound started with every request
    placed: used if the placement proves so; `bounded`: whether that LP may be solved at all.
    Returns the plan, whether it is proven best, the relative gap of its first level not
    proven and whether that level is the km level."""
    score, _km, _preference = evaluate(problem, placed)
    goal: Goal = "km" if score_bound is None else "placed"
    if goal == "placed" and early is not None:
        early.cancel()  # its core goes to the search; a bound starts again if it pays
        early = None
    km_weight = _km_weight(problem)
    say(t("season.progress.stage_b", lang, placed=len(placed)))

    def bound_for(min_score: int) -> BoundInBackground | None:
        if early is not None:
            if early.min_score == min_score:
                return early
            early.cancel()
        left = deadline - time.monotonic()
        if not bounded or left < 1.0:
            return None
        return BoundInBackground(problem, min_score=min_score, km_weight=km_weight, time_limit=left)

    def better(found: Improvement) -> None:
        say(t("season.progress.solution", lang, value=f"{found.km / 10:.0f} km"))

    begun = time.monotonic()
    found = improve(
        problem,
        placed,
        goal=goal,
        deadline=deadline,
        km_weight=km_weight,
        min_score=score,
        score_bound=score_bound,
        bound_for=bound_for,
        lanes=workers,
        on_better=better,
    )
    stage: dict[str, float | str] = {
        "stage": "km" if goal == "km" else "placed, then km",
        "seconds": round(time.monotonic() - begun, 2),
        "rounds": found.rounds,
        "improved": found.better,
    }
    value = found.km * km_weight + found.preference
    lower = None
    bound = found.bound
    if bound is not None:
        lower = bound.result(wait=0.0 if found.proven_km else deadline - time.monotonic())
        if lower is not None:
            stage |= {"bound": "kit-flow LP", "bound_seconds": round(bound.seconds, 2)}
    if found.proven_placed and lower is None:
        lower = handover_bound(problem, found.score) * km_weight
        stage["bound"] = "handovers"
    if lower is not None:
        stage["bound_km"] = round((lower // km_weight) / 10, 1)
    if found.proven_km:
        proven, gap = True, 0.0
    elif found.proven_placed:
        assert lower is not None
        gap = max(0.0, value - lower) / max(1.0, abs(value))
        proven = gap == 0.0
    else:
        assert score_bound is not None
        proven = False
        gap = min(1.0, (score_bound - found.score) / max(1.0, found.score))
    stage |= {"status": "OPTIMAL" if proven else "FEASIBLE", "gap": round(gap, 6)}
    stages.append(stage)
    return found.placed, proven, gap, found.proven_placed


def _km_weight(problem: _Problem) -> int:
    """One hectometre outweighs any total of preference days."""
    return problem.days * len(problem.reqs) + 1


def _stops(problem: _Problem, placed: dict[int, _Placed]) -> list[PlanStop]:
    return [
        PlanStop(
            problem.reqs[n].spec.id,
            problem.kits[p.kit],
            problem.day(p.install),
            problem.day(p.last_open),
            problem.day(p.dismantle),
        )
        for n, p in sorted(placed.items(), key=lambda item: (item[1].install, item[0]))
    ]


def _route_until_fits(
    problem: _Problem,
    placed: dict[int, _Placed],
    exploration_level: int,
    *,
    deadline: float | None = None,
    workers: int = 2,
) -> tuple[dict[dt.date, DayRoutes], dict[int, str], int]:
    """Route the days. When a day has a move no van can fit, the season model's estimate of
    that day was too generous: its van minutes are lowered below what it holds, and the
    stops around it are solved again (`kit_flow.repair`, every request kept placed) while time
    is left before `deadline`. Otherwise (or when that finds nothing) the stop is taken out,
    tried once more on other days (never the days it failed on), and the days routed again.
    Returns the routes, the requests taken out (with the day) and how many repairs were made."""
    by_id = {r.spec.id: r.n for r in problem.reqs}
    cache: dict[tuple[dt.date, frozenset[Move]], DayRoutes] = {}
    dropped: dict[int, str] = {}
    failed: dict[int, set[int]] = defaultdict(set)
    repairs = 0
    for attempt in range(50):
        routes = route_plan(
            problem.scenario,
            _stops(problem, placed),
            exploration_level=exploration_level,
            cache=cache,
        )
        victims: dict[int, str] = {}
        short: set[int] = set()  # the days with a move no van fitted
        for day, day_routes in routes.items():
            for move in day_routes.unassigned:
                short.add(problem.offset(day))
                # the stop installed by the move, else the one dismantled
                for request in (move.to_request, move.from_request):
                    if request is None:
                        continue
                    n = by_id[request]
                    if problem.reqs[n].pin is None:
                        victims.setdefault(n, day.isoformat())
                        break
        if not victims:
            return routes, dropped, repairs
        if deadline is not None and deadline - time.monotonic() > REPAIR_MIN_SECONDS:
            repaired = _repair(problem, placed, short, deadline, workers)
            if repaired is not None:
                placed.clear()
                placed.update(repaired)
                repairs += 1
                continue
        for n, day_text in victims.items():
            placed.pop(n, None)
            dropped[n] = day_text
            failed[n].add(problem.offset(dt.date.fromisoformat(day_text)))
        tl = _Timeline(problem)
        for n, p in placed.items():
            tl.add(problem.reqs[n], p, _end(problem, p))
        for n in victims if attempt < 25 else ():
            again = _try_place(problem, tl, problem.reqs[n], failed[n])
            if again is not None:
                placed[n] = again
                tl.add(problem.reqs[n], again, _end(problem, again))
                del dropped[n]
    return routes, dropped, repairs


def _day_loads(problem: _Problem, placed: Mapping[int, _Placed]) -> dict[int, int]:
    """The season model's van minutes per day (installs and dismantles)."""
    load: dict[int, int] = defaultdict(int)
    for n, p in placed.items():
        load[p.install] += problem.reqs[n].demand_install
        load[p.dismantle] += problem.reqs[n].demand_dismantle
    return load


def _repair(
    problem: _Problem,
    placed: dict[int, _Placed],
    days: Collection[int],
    deadline: float,
    workers: int,
) -> dict[int, _Placed] | None:
    """Lower each day routing found short below the model minutes it holds now (which moves
    the vans left out is their choice, not a measure of the day), and solve the stops around
    those days again with every request kept placed."""
    load = _day_loads(problem, placed)
    for day in days:
        problem.day_capacity[day] = max(0, min(load[day], problem.capacity_on(day)) - 1)
    return repair(
        problem,
        placed,
        set(days),
        deadline=deadline,
        km_weight=_km_weight(problem),
        workers=workers,
    )


def _reason(r: _Req, lang: str, dropped_day: str | None) -> Unscheduled:
    spec = r.spec
    params = {
        "start": min(a for a, _ in spec.windows).isoformat(),
        "end": max(b for _, b in spec.windows).isoformat(),
    }
    if dropped_day is not None:
        code, params = "van_day", {"day": dropped_day}
    elif r.reason:
        code = r.reason
        if code == "no_days":
            params |= {"min": str(spec.stay_min), "max": str(spec.stay_max)}
    else:
        code = "taken"
    return Unscheduled(spec.id, reason_text(code, params, lang), code, params)


def _plan(
    problem: _Problem,
    placed: dict[int, _Placed],
    routes: dict[dt.date, DayRoutes],
    dropped: dict[int, str],
    status: str,
    gap: float,
    started: float,
    stages: list[dict[str, float | str]],
    lang: str,
) -> Plan:
    stops = _stops(problem, placed)
    legs = plan_legs(routes)
    unscheduled = [_reason(r, lang, dropped.get(r.n)) for r in problem.reqs if r.n not in placed]
    preference = sum(
        abs(p.install - (problem.reqs[n].pref or 0))
        for n, p in placed.items()
        if problem.reqs[n].pref is not None
    )
    savings = sum(
        saving
        for i, j, saving in problem.pairs
        if i in placed
        and j in placed
        and placed[i].kit == placed[j].kit
        and placed[i].dismantle == placed[j].install
    )
    model_km = (sum(problem.reqs[n].cost.get(p.kit, 0) for n, p in placed.items()) - savings) / 10
    unrouted = sum(len(d.unassigned) for d in routes.values())
    return Plan(
        status=status,
        stops=stops,
        unscheduled=unscheduled,
        legs=legs,
        objective={
            "scheduled": len(placed),
            "priority_scheduled": sum(problem.reqs[n].spec.priority for n in placed),
            "km": round(sum(leg.km for leg in legs), 2),
            "preference_days": preference,
        },
        solver={
            "seconds": round(time.monotonic() - started, 2),
            "gap": round(gap, 6),
            "engine": "ortools-cp-sat + pyvroom",
            "stages": stages,
            "model_km": round(model_km, 1),
            "unrouted_moves": unrouted,
        },
    )


def _infeasible(
    scenario: Scenario,
    problem: _Problem,
    started: float,
    stages: list[dict[str, float | str]],
    lang: str,
) -> SeasonOutcome:
    plan = Plan(
        status="infeasible",
        stops=[],
        unscheduled=[
            Unscheduled(r.id, t("season.reason.pinned_conflict", lang), "pinned_conflict")
            for r in scenario.requests
        ],
        legs=[],
        objective={"scheduled": 0, "priority_scheduled": 0, "km": 0.0, "preference_days": 0},
        solver={"seconds": round(time.monotonic() - started, 2), "gap": 0.0, "stages": stages},
    )
    return SeasonOutcome(plan, {}, {"requests": len(problem.reqs)})


def reason_text(code: str, params: Mapping[str, str], lang: str) -> str:
    """An unscheduled request's reason in words, in `lang` (dates in `params` are ISO)."""
    values = {
        key: format_date(dt.date.fromisoformat(value), lang)
        if key in ("start", "end", "day")
        else value
        for key, value in params.items()
    }
    return t(f"season.reason.{code}", lang, **values)
