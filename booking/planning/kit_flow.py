"""The season as a flow of kits through the days: the km level's bound and the search that
improves a plan piece by piece.

The same rules as the interval model of `season`, written differently. Kits of one kind
(same exhibition, depot and availability, none pinned) are pooled: a class of K kits is K
units of flow, and which kit serves which stop is decided afterwards, chain by chain (no kit
symmetry for the solver to explore). For every way a request can be served (a kit class and
one of its windows: a *mode*), two chains of Booleans say "installed on or before day t" and
"dismantled on or before day t" (an install on day a is x[a] − x[a−1]); a direct transfer
i → j on day d is a Boolean allowed only when i is dismantled and j installed that day, and
i → j and j → i exclude each other. The kits of a class out on a day (installed, not yet back
at the depot, less the day's transfers, which share one kit) are at most K, and the van
minutes of each transport day fit the shifts. The km and preference days count as in the
interval model, so both models have the same optimum (a test holds them to it).

Its linear relaxation places each request in time, not only pairs it with a partner, so it
is tighter than the interval model's (on the 80-request benchmark, 2,668 km in about 3 s of
GLOP, where CP-SAT's bound on the interval model reaches 2,596 km in 10 s on two workers):
`BoundInBackground` solves it with GLOP beside the search and gives the km level its proven
lower bound. The plan is improved by large-neighbourhood search (`improve`): a few weeks of
the season are freed, everything else is fixed, and CP-SAT solves that small model exactly,
again and again.
"""

from __future__ import annotations

import bisect
import math
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from ortools.graph.python import min_cost_flow
from ortools.linear_solver.python import model_builder as mb
from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from booking.planning.season import _Problem

Goal = Literal["placed", "km"]


@dataclass
class Placed:
    """A stop of the plan in day offsets: the kit, install, last open and dismantle days."""

    kit: int
    install: int
    last_open: int
    dismantle: int
    transfer_out: bool = False


def window_days(h: list[int], lo: int, hi: int, stay_min: int) -> tuple[list[int], list[int]]:
    """Install and dismantle days possible inside [lo, hi] for a stay of at least stay_min."""
    first = bisect.bisect_left(h, lo)
    last = bisect.bisect_right(h, hi)
    days = h[first:last]
    if not days:
        return [], []
    installs = []
    for i in days:
        pos = bisect.bisect_left(days, i + stay_min - 1)
        if pos < len(days):
            installs.append(i)
    if not installs:
        return [], []
    earliest = installs[0] + stay_min - 1
    dismantles = [d for d in days if d >= earliest]
    return installs, dismantles


def kit_classes(problem: _Problem) -> tuple[list[list[int]], list[int]]:
    """Kits that can stand in for one another, and each kit's class. A kit with a pinned stop
    is a class of its own: the pinned stop names it."""
    pinned = {r.pin[0] for r in problem.reqs if r.pin is not None}
    index: dict[tuple[object, ...], int] = {}
    classes: list[list[int]] = []
    kit_class: list[int] = []
    for k, kit in enumerate(problem.scenario.kits):
        key: tuple[object, ...] = (
            ("pinned", k)
            if k in pinned
            else (kit.exhibition, kit.depot, problem.kit_from[k], problem.kit_to[k])
        )
        if key not in index:
            index[key] = len(classes)
            classes.append([])
        classes[index[key]].append(k)
        kit_class.append(index[key])
    return classes, kit_class


class _Builder(Protocol):
    def new_bool_var(self, name: str) -> Any: ...

    def add(self, ct: Any) -> Any: ...


class _Relaxation:
    """The linear relaxation: every Boolean becomes a number in [0, 1]."""

    def __init__(self) -> None:
        self.model = mb.Model()

    def new_bool_var(self, name: str) -> Any:
        return self.model.new_num_var(0.0, 1.0, name)

    def add(self, ct: Any) -> Any:
        return self.model.add(ct)


@dataclass
class _Mode:
    req: int
    cls: int
    installs: list[int]
    dismantles: list[int]
    x: list[Any] = field(default_factory=list)  # installed on or before installs[k]
    y: list[Any] = field(default_factory=list)  # dismantled on or before dismantles[k]

    def x_at(self, day: int) -> Any:
        k = bisect.bisect_right(self.installs, day) - 1
        return self.x[k] if k >= 0 else 0

    def y_at(self, day: int) -> Any:
        k = bisect.bisect_right(self.dismantles, day) - 1
        return self.y[k] if k >= 0 else 0

    def u(self, day: int) -> Any:
        """1 when installed on `day` (a day of `installs`)."""
        k = bisect.bisect_left(self.installs, day)
        return self.x[k] - self.x[k - 1] if k else self.x[k]

    def w(self, day: int) -> Any:
        """1 when dismantled on `day` (a day of `dismantles`)."""
        k = bisect.bisect_left(self.dismantles, day)
        return self.y[k] - self.y[k - 1] if k else self.y[k]


@dataclass
class _Transfer:
    var: Any
    saving: int
    day: int


def _is_const(expr: Any) -> bool:
    return isinstance(expr, int | float)


class KitFlow:
    """The kit-flow model on a CP-SAT model or a linear relaxation.

    With `free` given, only those requests may move: every other request keeps its stop in
    `fixed` (or stays out of the plan), which makes a small model of a piece of the season.
    """

    def __init__(
        self,
        problem: _Problem,
        builder: _Builder,
        *,
        fixed: Mapping[int, Placed] | None = None,
        free: Collection[int] | None = None,
    ) -> None:
        self.problem = problem
        self.builder = builder
        self.classes, self.kit_class = kit_classes(problem)
        self.modes: dict[int, list[_Mode]] = {}
        self.placed: dict[int, Any] = {}
        self.transfers: dict[tuple[int, int, int, int], _Transfer] = {}  # (i, j, class, day)
        self.span_of_free: list[tuple[int, int]] = []
        self.fixed: Mapping[int, Placed] = fixed or {}
        active = [r for r in problem.reqs if r.kits]
        self.weight = len(active) + 1
        self._modes(active, self.fixed, free)
        self._variables()
        self._transfer_vars()
        self._kit_counts()
        self._van_minutes()
        self.score: Any = sum(
            (problem.reqs[n].spec.priority * self.weight + 1) * p for n, p in self.placed.items()
        )
        self.km: Any = self._km()
        self.preference: Any = self._preference()

    # -- building ----------------------------------------------------------------------------

    def _modes(
        self,
        active: Sequence[Any],
        fixed: Mapping[int, Placed],
        free: Collection[int] | None,
    ) -> None:
        problem = self.problem
        for r in active:
            n = r.n
            if r.pin is not None:
                kit, install, _last_open, dismantle = r.pin
                self.modes[n] = [_Mode(n, self.kit_class[kit], [install], [dismantle], [1], [1])]
                continue
            if free is not None and n not in free:
                p = fixed.get(n)
                self.modes[n] = (
                    []
                    if p is None
                    else [_Mode(n, self.kit_class[p.kit], [p.install], [p.dismantle], [1], [1])]
                )
                continue
            modes = []
            h = problem.handling[r.venue]
            for c in sorted({self.kit_class[k] for k in r.kits}):
                k0 = self.classes[c][0]
                for ws, we in r.windows:
                    lo, hi = max(ws, problem.kit_from[k0]), min(we, problem.kit_to[k0])
                    if lo > hi:
                        continue
                    installs, dismantles = window_days(h, lo, hi, r.spec.stay_min)
                    if installs:
                        modes.append(_Mode(n, c, installs, dismantles))
            self.modes[n] = modes

    def _variables(self) -> None:
        b = self.builder
        for n, modes in self.modes.items():
            r = self.problem.reqs[n]
            if not modes or modes[0].x:  # out of the plan, or a fixed stop
                self.placed[n] = 1 if modes else 0
                continue
            for mi, md in enumerate(modes):
                md.x = [b.new_bool_var(f"x{n}_{mi}_{a}") for a in md.installs]
                md.y = [b.new_bool_var(f"y{n}_{mi}_{d}") for d in md.dismantles]
                for before, after in zip(md.x, md.x[1:], strict=False):
                    b.add(before <= after)
                for before, after in zip(md.y, md.y[1:], strict=False):
                    b.add(before <= after)
                b.add(md.x[-1] == md.y[-1])
                for d, yd in zip(md.dismantles, md.y, strict=True):
                    b.add(yd <= md.x_at(d - r.spec.stay_min + 1))
                self.span_of_free.append((md.installs[0], md.dismantles[-1]))
            p = b.new_bool_var(f"p{n}")
            b.add(sum(md.x[-1] for md in modes) == p)
            self.placed[n] = p

    def _transfer_vars(self) -> None:
        b = self.builder
        outs: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
        ins: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
        between: dict[tuple[int, int], list[Any]] = defaultdict(list)
        for i, j, saving in self.problem.pairs:
            for mi in self.modes.get(i, []):
                for mj in self.modes.get(j, []):
                    if mi.cls != mj.cls:
                        continue
                    for d in sorted(set(mi.dismantles) & set(mj.installs)):
                        if mi.x and mj.x and _is_const(mi.x[0]) and _is_const(mj.x[0]):
                            # two stops that stay: their handover stays as it is
                            if not self._handed_over(i, j):
                                continue
                            var: Any = 1
                        else:
                            var = b.new_bool_var(f"z{i}_{j}_{d}")
                        self.transfers[(i, j, mi.cls, d)] = _Transfer(var, saving, d)
                        outs[(i, mi.cls, d)].append(var)
                        ins[(j, mi.cls, d)].append(var)
                        between[(min(i, j), max(i, j))].append(var)
        for (n, c, d), lits in outs.items():
            modes = [md for md in self.modes[n] if md.cls == c]
            self._add(sum(lits) <= sum(md.w(d) for md in modes if d in md.dismantles))
            if self.problem.reqs[n].spec.stay_min == 1:
                # installed and dismantled the same day: the kit goes back, not on
                self._add(sum(lits) + sum(md.u(d) for md in modes if d in md.installs) <= 1)
        for (n, c, d), lits in ins.items():
            modes = [md for md in self.modes[n] if md.cls == c]
            self._add(sum(lits) <= sum(md.u(d) for md in modes if d in md.installs))
        for lits in between.values():
            self._add(sum(lits) <= 1)  # i → j and later j → i cannot both happen

    def _handed_over(self, i: int, j: int) -> bool:
        ri, rj = self.problem.reqs[i], self.problem.reqs[j]
        if ri.pin is not None and rj.pin is not None:
            return ri.pin[0] == rj.pin[0] and ri.pin[3] == rj.pin[1]
        pi, pj = self.fixed.get(i), self.fixed.get(j)
        return bool(
            pi is not None
            and pj is not None
            and pi.transfer_out
            and pi.kit == pj.kit
            and pi.dismantle == pj.install
        )

    def _add(self, ct: Any) -> None:
        """A constraint, unless it holds between constants only (the stops that stay)."""
        if isinstance(ct, bool):
            return
        self.builder.add(ct)

    def _kit_counts(self) -> None:
        problem = self.problem
        release = max(problem.scenario.buffer_days, 1)
        lo = min((s for s, _ in self.span_of_free), default=0)
        hi = max((e for _, e in self.span_of_free), default=-1) + release
        transfers_on: dict[tuple[int, int], list[Any]] = defaultdict(list)
        for (_i, _j, c, day), tr in self.transfers.items():
            transfers_on[(c, day)].append(tr.var)
        for c, kits in enumerate(self.classes):
            by_day: dict[int, list[_Mode]] = defaultdict(list)
            starts: set[int] = set()
            for modes in self.modes.values():
                for md in modes:
                    if md.cls != c:
                        continue
                    first, last = md.installs[0], md.dismantles[-1] + release
                    if last <= lo or first > hi:
                        continue
                    starts.update(a for a in md.installs if lo <= a <= hi)
                    for day in range(max(first, lo), min(last, hi + 1)):
                        by_day[day].append(md)
            for day in sorted(starts):
                out = sum(md.x_at(day) - md.y_at(day - release) for md in by_day[day])
                expr = out - sum(transfers_on.get((c, day), []))
                if not _is_const(expr):
                    self.builder.add(expr <= len(kits))

    def _van_minutes(self) -> None:
        problem = self.problem
        load: dict[int, list[Any]] = defaultdict(list)
        fixed_load: dict[int, int] = defaultdict(int)
        pinned_load: dict[int, int] = defaultdict(int)
        for n, modes in self.modes.items():
            r = problem.reqs[n]
            for md in modes:
                if _is_const(md.x[0]):
                    target = pinned_load if r.pin is not None else fixed_load
                    target[md.installs[0]] += r.demand_install
                    target[md.dismantles[0]] += r.demand_dismantle
                    continue
                for a in md.installs:
                    load[a].append(r.demand_install * md.u(a))
                for d in md.dismantles:
                    load[d].append(r.demand_dismantle * md.w(d))
        for day, terms in load.items():
            capacity = problem.capacity_on(day)
            taken = min(pinned_load.get(day, 0), capacity) + fixed_load.get(day, 0)
            self.builder.add(sum(terms) <= max(0, capacity - taken))

    def _km(self) -> Any:
        cost = sum(
            self.problem.reqs[md.req].cost[self.classes[md.cls][0]] * md.x[-1]
            for modes in self.modes.values()
            for md in modes
        )
        return cost - sum(tr.saving * tr.var for tr in self.transfers.values())

    def _preference(self) -> Any:
        terms = []
        for n, modes in self.modes.items():
            r = self.problem.reqs[n]
            if r.pref is None:
                continue
            for md in modes:
                for a in md.installs:
                    if a != r.pref:
                        terms.append(abs(a - r.pref) * md.u(a))
        return sum(terms)

    # -- hints and solutions -----------------------------------------------------------------

    def hint(self, model: cp_model.CpModel, placed: Mapping[int, Placed]) -> None:
        model.clear_hints()
        chosen: dict[int, _Mode] = {}
        for n, modes in self.modes.items():
            p = placed.get(n)
            selected = None
            if p is not None:
                selected = next(
                    (
                        md
                        for md in modes
                        if md.cls == self.kit_class[p.kit]
                        and p.install in md.installs
                        and p.dismantle in md.dismantles
                    ),
                    None,
                )
            if selected is not None:
                chosen[n] = selected
            for md in modes:
                on = md is selected
                for a, var in zip(md.installs, md.x, strict=True):
                    if not _is_const(var):
                        model.add_hint(var, on and p is not None and a >= p.install)
                for d, var in zip(md.dismantles, md.y, strict=True):
                    if not _is_const(var):
                        model.add_hint(var, on and p is not None and d >= p.dismantle)
        for n, lit in self.placed.items():
            if not _is_const(lit):
                model.add_hint(lit, n in chosen)
        on_kit_day = {(p.kit, p.install): n for n, p in placed.items()}
        for (i, j, _c, d), tr in self.transfers.items():
            if _is_const(tr.var):
                continue
            p = placed.get(i)
            model.add_hint(
                tr.var,
                bool(
                    p is not None
                    and i in chosen
                    and j in chosen
                    and p.transfer_out
                    and p.dismantle == d
                    and on_kit_day.get((p.kit, d)) == j
                ),
            )

    def read(
        self, solver: cp_model.CpSolver, prefer: Mapping[int, int] | None = None
    ) -> dict[int, Placed]:
        """The solution as stops, each chain of transfers on one kit of its class (the kit
        `prefer` names for its first request when that kit is free)."""

        def value(expr: Any) -> int:
            return int(expr) if _is_const(expr) else int(solver.value(expr))

        stops: dict[int, tuple[int, int, int]] = {}
        for n, modes in self.modes.items():
            for md in modes:
                if value(md.x[-1]):
                    install = next(a for a, v in zip(md.installs, md.x, strict=True) if value(v))
                    dismantle = next(
                        d for d, v in zip(md.dismantles, md.y, strict=True) if value(v)
                    )
                    stops[n] = (md.cls, install, dismantle)
        following = {i: j for (i, j, _c, _d), tr in self.transfers.items() if value(tr.var)}
        return self._chains(stops, following, prefer or {})

    def _chains(
        self,
        stops: dict[int, tuple[int, int, int]],
        following: dict[int, int],
        prefer: Mapping[int, int],
    ) -> dict[int, Placed]:
        problem = self.problem
        release = max(problem.scenario.buffer_days, 1)
        has_previous = set(following.values())
        chains = []
        for n in stops:
            if n in has_previous:
                continue
            chain = [n]
            while chain[-1] in following:
                chain.append(following[chain[-1]])
            chains.append(chain)
        chains.sort(key=lambda chain: (stops[chain[0]][1], chain[0]))
        free_from = {k: -(10**9) for kits in self.classes for k in kits}
        placed: dict[int, Placed] = {}
        for chain in chains:
            c, start, _ = stops[chain[0]]
            # the kit `prefer` names, else the one free the longest: kits wear evenly; one is
            # always free (the count), and any free kit will do when chains start in order
            wanted = prefer.get(chain[0])
            kit = min(
                (k for k in self.classes[c] if free_from[k] <= start),
                key=lambda k: (k != wanted, free_from[k], k),
                default=None,
            )
            if kit is None:
                raise RuntimeError(f"no kit of class {c} free on day {start}")
            for position, n in enumerate(chain):
                _, install, dismantle = stops[n]
                r = problem.reqs[n]
                if r.pin is not None:
                    last_open = r.pin[2]
                else:
                    last_open = min(install + r.spec.stay_max - 1, dismantle)
                placed[n] = Placed(
                    kit, install, last_open, dismantle, transfer_out=position < len(chain) - 1
                )
            free_from[kit] = stops[chain[-1]][2] + release
        return placed


# ---------------------------------------------------------------------------- the bound


def evaluate(problem: _Problem, placed: Mapping[int, Placed]) -> tuple[int, int, int]:
    """(priority score, model km in hectometres, preference days) of a plan, as the models
    count them."""
    weight = sum(1 for r in problem.reqs if r.kits) + 1
    score = sum(problem.reqs[n].spec.priority * weight + 1 for n in placed)
    km = sum(problem.reqs[n].cost.get(p.kit, 0) for n, p in placed.items())
    for i, j, saving in problem.pairs:
        pi, pj = placed.get(i), placed.get(j)
        if (
            pi is not None
            and pj is not None
            and pi.transfer_out
            and pi.kit == pj.kit
            and pi.dismantle == pj.install
        ):
            km -= saving
    preference = sum(
        abs(p.install - pref)
        for n, p in placed.items()
        if (pref := problem.reqs[n].pref) is not None
    )
    return score, km, preference


def full_score(problem: _Problem) -> int:
    """The score of a plan that places every request that has a kit and days at all."""
    active = [r for r in problem.reqs if r.kits]
    return sum(r.spec.priority * (len(active) + 1) + 1 for r in active)


def flow_size(problem: _Problem) -> int:
    """About how many variables the whole kit-flow model has (its install and dismantle
    days and its transfer days)."""
    days = sum(len(r.installs) + len(r.dismantles) for r in problem.reqs if r.kits)
    handovers = 0
    for i, j, _saving in problem.pairs:
        handovers += len(set(problem.reqs[i].dismantles) & set(problem.reqs[j].installs))
    return days + handovers


def handover_bound(problem: _Problem, min_score: int) -> int:
    """A quick lower bound of the model km (hectometres) of any plan scoring `min_score` or
    more: the cheapest requests reaching that score (their depot round trips, fractions
    allowed), less the best handovers when every request may hand over to its best partner
    once in and once out (an assignment, solved as a min-cost flow). Far weaker than the
    kit-flow relaxation, but instant at any size."""
    active = [r for r in problem.reqs if r.kits]
    weight = len(active) + 1
    need = float(min_score)
    cost = 0.0
    pinned = [r for r in active if r.pin is not None]
    others = sorted(
        (r for r in active if r.pin is None),
        key=lambda r: min(r.cost.values()) / (r.spec.priority * weight + 1),
    )
    for r in pinned + others:
        if need <= 0 and r.pin is None:
            break
        value = r.spec.priority * weight + 1
        share = 1.0 if r.pin is not None else min(1.0, need / value)
        cost += share * min(r.cost.values())
        need -= share * value
    n = len(problem.reqs)
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 2 * n, 2 * n + 1
    for r in active:
        flow.add_arc_with_capacity_and_unit_cost(source, r.n, 1, 0)
        flow.add_arc_with_capacity_and_unit_cost(n + r.n, sink, 1, 0)
    for i, j, saving in problem.pairs:
        flow.add_arc_with_capacity_and_unit_cost(i, n + j, 1, -saving)
    flow.add_arc_with_capacity_and_unit_cost(source, sink, len(active), 0)
    flow.set_node_supply(source, len(active))
    flow.set_node_supply(sink, -len(active))
    if flow.solve() != flow.OPTIMAL:
        return 0
    return math.ceil(cost - 1e-6) + flow.optimal_cost()


class BoundInBackground:
    """The linear relaxation's optimum of the km level, solved by GLOP in a thread (it
    releases the GIL, so the search goes on beside it). `value` is a proven lower bound of
    km × km_weight + preference days, or None when it did not finish."""

    def __init__(
        self, problem: _Problem, *, min_score: int, km_weight: int, time_limit: float
    ) -> None:
        self.value: int | None = None
        self.min_score = min_score
        self.seconds = 0.0  # how long it took
        self._cancelled = False
        self._started = time.monotonic()
        self._solver = mb.Solver("glop")
        self._solver.set_time_limit_in_seconds(max(0.1, time_limit))
        self._thread = threading.Thread(
            target=self._run, args=(problem, min_score, km_weight), daemon=True
        )
        self._thread.start()

    def _run(self, problem: _Problem, min_score: int, km_weight: int) -> None:
        relaxation = _Relaxation()
        flow = KitFlow(problem, relaxation)
        relaxation.add(flow.score >= min_score)
        relaxation.model.minimize(flow.km * km_weight + flow.preference)
        if self._cancelled:
            return
        if self._solver.solve(relaxation.model) == mb.SolveStatus.OPTIMAL:
            value = self._solver.objective_value
            # the objective is a whole number: round up, minus the LP's tolerance
            self.value = math.ceil(value - 1e-6 * max(1.0, abs(value)))
        self.seconds = time.monotonic() - self._started

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def cancel(self) -> None:
        self._cancelled = True
        self._solver.stop_search()

    def result(self, wait: float) -> int | None:
        """The bound, waiting at most `wait` seconds for it (then it is given up)."""
        self._thread.join(max(0.0, wait))
        if self._thread.is_alive():
            self.cancel()
            self._thread.join(1.0)
        return self.value


# ---------------------------------------------------------------------------- the search


@dataclass
class Improvement:
    placed: dict[int, Placed]
    score: int
    km: int
    preference: int
    rounds: int = 0
    better: int = 0
    proven_placed: bool = False  # no plan places more (priority-weighted)
    proven_km: bool = False  # ... and none has fewer km × weight + preference days
    bound: BoundInBackground | None = None  # the km level's bound, once placement is proven
    history: list[tuple[int, str, float]] = field(default_factory=list)  # freed, status, work


MIN_FREE, MAX_FREE = 6, 60  # requests freed per round
ROUND_WORK = 0.3  # CP-SAT deterministic time one round may take (about seconds)
QUICK_ROUND = 0.2  # a round proven optimal with less work than this frees one more next time


def improve(
    problem: _Problem,
    placed: Mapping[int, Placed],
    *,
    goal: Goal,
    deadline: float,
    km_weight: int,
    min_score: int = 0,
    score_bound: float | None = None,
    bound_for: Callable[[int], BoundInBackground | None] | None = None,
    lanes: int = 2,
    on_better: Callable[[Improvement], None] | None = None,
    seed: int = 0,
    max_rounds: int | None = None,
) -> Improvement:
    """Large-neighbourhood search: free the requests around a day (all kits, or one kind of
    kit), the days sweeping the season; keep every other stop, solve that piece exactly with
    CP-SAT (one worker), keep the result when it is better, until `deadline`
    (time.monotonic()). `lanes` searches run side by side on the same plan (threads: CP-SAT
    releases the GIL), each sweeping its own stretch of the season. When a round frees every
    request and is solved to optimality, the plan is proven best.

    goal "placed": more priority-weighted requests placed first, then fewer km, until the
    score reaches `score_bound` (then the placement is proven and the goal becomes km); goal
    "km": fewer km × km_weight + preference days with the score kept at `min_score` or more.
    Once the goal is km, `bound_for(score)` may start the km level's bound beside the search
    (kept in the result); while it runs, only one lane searches. `on_better` hears of each
    better plan (from any lane's thread). Stops early when the plan is proven best: solved
    whole, or as good as the bound."""
    search = _Search(
        problem, placed, goal, deadline, km_weight, min_score, score_bound, bound_for, on_better
    )
    search.max_rounds = max_rounds
    if not search.movable:
        search.result.proven_placed = search.result.proven_km = True
        return search.result
    helpers = [
        threading.Thread(target=search.lane, args=(k, seed + k, lanes), daemon=True)
        for k in range(1, max(1, lanes))
    ]
    for helper in helpers:
        helper.start()
    search.lane(0, seed, max(1, lanes))
    for helper in helpers:
        helper.join()
    if search.error is not None:
        raise search.error
    return search.result


class _Search:
    """What the lanes of `improve` share: the plan so far and the goal, under one lock."""

    def __init__(
        self,
        problem: _Problem,
        placed: Mapping[int, Placed],
        goal: Goal,
        deadline: float,
        km_weight: int,
        min_score: int,
        score_bound: float | None,
        bound_for: Callable[[int], BoundInBackground | None] | None,
        on_better: Callable[[Improvement], None] | None,
    ) -> None:
        self.problem = problem
        self.goal: Goal = goal
        self.deadline = deadline
        self.km_weight = km_weight
        self.min_score = min_score
        self.score_bound = score_bound
        self.bound_for = bound_for
        self.on_better = on_better
        self.max_rounds: int | None = None
        self.lock = threading.Lock()
        self.error: BaseException | None = None
        self.stop = False
        score, km, preference = evaluate(problem, placed)
        self.result = Improvement(dict(placed), score, km, preference)
        self.movable = [r for r in problem.reqs if r.kits and r.pin is None]
        self.spans = {r.n: (r.installs[0], r.dismantles[-1]) for r in self.movable}

    def _over(self) -> bool:
        """Under the lock: switch the goal when the placement is proven; whether to stop."""
        result = self.result
        if (
            self.goal == "placed"
            and self.score_bound is not None
            and result.score >= self.score_bound
        ):
            self.goal, self.min_score = "km", result.score
        if self.goal == "km" and not result.proven_placed:
            result.proven_placed = True
            if self.bound_for is not None:
                result.bound = self.bound_for(self.min_score)
        bound = result.bound
        value = result.km * self.km_weight + result.preference
        if bound is not None and bound.value is not None and value <= bound.value:
            result.proven_km = True
        return (
            self.stop
            or result.proven_km
            or self.deadline - time.monotonic() < 0.05
            or result.rounds == self.max_rounds
        )

    def lane(self, index: int, seed: int, lanes: int) -> None:
        try:
            self._lane(index, seed, lanes)
        except BaseException as exc:  # handed to the caller's thread
            with self.lock:
                self.error, self.stop = exc, True

    def _lane(self, index: int, seed: int, lanes: int) -> None:
        problem = self.problem
        rng = random.Random(seed)
        size = 16
        cursor = rng.randrange(problem.days) + index * problem.days // lanes
        while True:
            with self.lock:
                if self._over():
                    return
                bound = self.result.bound
                waiting = index > 0 and bound is not None and bound.running
                base, goal, min_score = self.result.placed, self.goal, self.min_score
                floor = max(min_score, self.result.score)
            if waiting:  # the bound has this lane's core
                time.sleep(0.05)
                continue
            free, stretch = _neighbourhood(
                problem, base, self.movable, self.spans, cursor, size, rng, goal
            )
            cursor += max(1, stretch // 2)
            model = cp_model.CpModel()
            flow = KitFlow(problem, model, fixed=base, free=free)
            if goal == "km":
                model.add(flow.score >= floor)
                model.minimize(flow.km * self.km_weight + flow.preference)
            else:
                span = sum(tr.saving for tr in flow.transfers.values()) + sum(
                    max(problem.reqs[n].cost.values()) for n in free
                )
                model.maximize(flow.score * (span + 1) - flow.km)
            flow.hint(model, base)
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            solver.parameters.max_deterministic_time = ROUND_WORK
            # small models: the LP with every clause helps; presolve and probing do not pay
            solver.parameters.linearization_level = 2
            solver.parameters.cp_model_presolve = False
            solver.parameters.cp_model_probing_level = 0
            solver.parameters.max_time_in_seconds = max(0.01, self.deadline - time.monotonic())
            solver.parameters.random_seed = rng.randrange(1 << 16)
            status = solver.solve(model)
            work = solver.response_proto.deterministic_time
            if status != cp_model.OPTIMAL:
                size = max(MIN_FREE, size - 1)
            elif work < QUICK_ROUND:
                size = min(MAX_FREE, size + 1)
            candidate = (
                flow.read(solver) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
            )
            whole = len(free) == len(self.movable) and status == cp_model.OPTIMAL
            self._record(candidate, goal, whole, (len(free), solver.status_name(status), work))

    def _record(
        self,
        candidate: dict[int, Placed] | None,
        goal: Goal,
        whole: bool,
        round_: tuple[int, str, float],
    ) -> None:
        """A round's result: kept when better than the plan now (which another lane may have
        bettered meanwhile: every candidate is a whole plan, valid on its own)."""
        with self.lock:
            result = self.result
            result.rounds += 1
            result.history.append((round_[0], round_[1], round(round_[2], 3)))
            if candidate is not None and goal == self.goal:
                if _better(self.problem, candidate, result, goal, self.km_weight, self.min_score):
                    score, km, preference = evaluate(self.problem, candidate)
                    result.placed, result.score, result.km, result.preference = (
                        candidate,
                        score,
                        km,
                        preference,
                    )
                    result.better += 1
                    if self.on_better is not None:
                        self.on_better(result)
                if whole:  # every request was free: nothing better exists
                    if goal == "km":
                        result.proven_km = True
                    else:
                        self.score_bound = result.score


def _neighbourhood(
    problem: _Problem,
    placed: Mapping[int, Placed],
    movable: Sequence[Any],
    spans: Mapping[int, tuple[int, int]],
    cursor: int,
    size: int,
    rng: random.Random,
    goal: Goal,
) -> tuple[list[int], int]:
    """The `size` requests nearest the day `cursor`, of all kits or, half the time, of one
    class of kits: stops of the plan, and when more are to be placed a quarter of requests
    left out (nearest by their windows); and how many days the freed stops cover."""
    classes, kit_class = kit_classes(problem)
    pool = movable
    if len(classes) > 1 and rng.random() < 0.5:
        c = kit_class[rng.choice(rng.choice(movable).kits)]
        pool = [r for r in movable if any(kit_class[k] == c for k in r.kits)]
    center = cursor % problem.days
    near_in: list[tuple[int, float, int]] = []
    near_out: list[tuple[int, float, int]] = []
    for r in pool:
        p = placed.get(r.n)
        start, end = (p.install, p.dismantle) if p is not None else spans[r.n]
        key = (max(0, start - center, center - end), rng.random(), r.n)
        (near_in if p is not None else near_out).append(key)
    out = min(len(near_out), size // 4 if goal == "placed" else 0)
    chosen = sorted(near_out)[:out] + sorted(near_in)[: size - out]
    free = [n for _d, _tie, n in chosen]
    stays = [placed[n] for n in free if n in placed]
    stretch = max(p.dismantle for p in stays) - min(p.install for p in stays) if stays else 14
    return free, stretch


def _better(
    problem: _Problem,
    candidate: Mapping[int, Placed],
    incumbent: Improvement,
    goal: Goal,
    km_weight: int,
    min_score: int,
) -> bool:
    score, km, preference = evaluate(problem, candidate)
    value = km * km_weight + preference
    best = incumbent.km * km_weight + incumbent.preference
    if goal == "km":
        return score >= min_score and value < best
    return (score, -value) > (incumbent.score, -best)


# ---------------------------------------------------------------------------- the repair

REPAIR_SIZES = (8, 16, 32)  # requests freed around the days routing could not fit, round by round


def repair(
    problem: _Problem,
    placed: Mapping[int, Placed],
    days: Collection[int],
    *,
    deadline: float,
    km_weight: int,
    workers: int = 1,
    sizes: Sequence[int] = REPAIR_SIZES,
) -> dict[int, Placed] | None:
    """A plan as good on the placement level as `placed` that fits the van minutes of `days`
    (lowered by the caller, `problem.day_capacity`, after routing found them short): every
    movable stop handled on those days is freed with the stops nearest them, everything else
    kept, and CP-SAT solves that piece (the same priority-weighted score, then fewest km and
    preference days); when it finds nothing, a larger piece is freed, up to the last of
    `sizes`, until `deadline` (time.monotonic()). None when no such plan is found in time.
    The stops keep their kits where they can, so the days they did not change need no new
    routing."""
    movable = {n for n in placed if problem.reqs[n].pin is None}
    on_days = {n for n in movable if placed[n].install in days or placed[n].dismantle in days}
    if not on_days:
        return None

    def distance(n: int) -> int:
        p = placed[n]
        return min(max(0, p.install - d, d - p.dismantle) for d in days)

    others = sorted(movable - on_days, key=lambda n: (distance(n), n))
    score = evaluate(problem, placed)[0]
    kits = {n: p.kit for n, p in placed.items()}
    for round_, size in enumerate(sizes):
        left = deadline - time.monotonic()
        if left <= 0.01:
            return None
        free = on_days | set(others[: max(0, size - len(on_days))])
        model = cp_model.CpModel()
        flow = KitFlow(problem, model, fixed=placed, free=free)
        model.add(flow.score >= score)
        model.minimize(flow.km * km_weight + flow.preference)
        flow.hint(model, placed)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = max(1, workers)
        # the last round has what is left; the others half of it (a first plan comes fast)
        last = round_ == len(sizes) - 1 or len(free) == len(movable)
        solver.parameters.max_time_in_seconds = left if last else left / 2
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return flow.read(solver, prefer=kits)
        if last:
            return None
    return None
