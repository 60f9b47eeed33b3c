"""The scenario and plan files of `python -m booking plan` (contract version 1).

`load_scenario` validates the whole file before anything is solved and names the bad field
(`requests[3].windows[0]: end before start`); it returns frozen dataclasses the planner reads.
`Plan` is the answer, written with `write_plan` (a temporary file renamed into place, so a
failed run leaves nothing half-written).

Extensions to the contract, all optional and ignored by readers that do not know them:
`requests[].pinned` (an approved stop the plan must keep: kit, install, last_open, dismantle),
`vans[].lunch` (`{"start": "12:00", "minutes": 45}`), and `unscheduled[].code`/`params` beside
the reason in words.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as _holidays

from booking.daycalendar import DayRules, is_public_holiday, is_school_holiday
from booking.errors import ValidationError
from booking.i18n import add_messages, t

VERSION = 1
VENUE_TYPES = ("library", "school", "park", "town_hall", "other")
SCHOOL_ZONES = ("A", "B", "C")
TRAVEL_MODELS = ("geodesic",)

add_messages(
    {
        "scenario.invalid": {"fr": "{field} : {problem}", "en": "{field}: {problem}"},
        "scenario.unreadable": {
            "fr": "Fichier de scénario illisible : {detail}",
            "en": "Unreadable scenario file: {detail}",
        },
        "scenario.p.missing": {"fr": "champ obligatoire absent", "en": "required field missing"},
        "scenario.p.type": {"fr": "doit être {what}", "en": "must be {what}"},
        "scenario.p.version": {
            "fr": "version {value} inconnue (attendue : 1)",
            "en": "unknown version {value} (expected: 1)",
        },
        "scenario.p.timezone": {
            "fr": "fuseau horaire inconnu « {value} »",
            "en": 'unknown time zone "{value}"',
        },
        "scenario.p.date": {
            "fr": "date invalide « {value} » (attendu AAAA-MM-JJ)",
            "en": 'invalid date "{value}" (expected YYYY-MM-DD)',
        },
        "scenario.p.time": {
            "fr": "heure invalide « {value} » (attendu HH:MM)",
            "en": 'invalid time "{value}" (expected HH:MM)',
        },
        "scenario.p.end_before_start": {"fr": "fin avant le début", "en": "end before start"},
        "scenario.p.outside_horizon": {
            "fr": "date hors de l'horizon ({start} – {end})",
            "en": "date outside the horizon ({start} – {end})",
        },
        "scenario.p.weekday": {
            "fr": "jour de semaine invalide {value} (0 = lundi … 6 = dimanche)",
            "en": "invalid weekday {value} (0 = Monday … 6 = Sunday)",
        },
        "scenario.p.country": {
            "fr": "pays de jours fériés inconnu « {value} »",
            "en": 'unknown public-holiday country "{value}"',
        },
        "scenario.p.zone": {
            "fr": "zone de vacances scolaires inconnue « {value} » (A, B ou C)",
            "en": 'unknown school-holiday zone "{value}" (A, B or C)',
        },
        "scenario.p.negative": {
            "fr": "ne peut pas être négatif ({value})",
            "en": "cannot be negative ({value})",
        },
        "scenario.p.positive": {
            "fr": "doit être strictement positif ({value})",
            "en": "must be greater than zero ({value})",
        },
        "scenario.p.circuity": {
            "fr": "le facteur de détour doit être entre 1 et 3 ({value})",
            "en": "the circuity factor must be between 1 and 3 ({value})",
        },
        "scenario.p.model": {
            "fr": "modèle de trajet inconnu « {value} » (attendu : geodesic)",
            "en": 'unknown travel model "{value}" (expected: geodesic)',
        },
        "scenario.p.latitude": {
            "fr": "latitude hors limites ({value})",
            "en": "latitude out of range ({value})",
        },
        "scenario.p.longitude": {
            "fr": "longitude hors limites ({value})",
            "en": "longitude out of range ({value})",
        },
        "scenario.p.duplicate": {
            "fr": "identifiant « {value} » en double",
            "en": 'duplicate id "{value}"',
        },
        "scenario.p.unknown_ref": {
            "fr": "{what} « {value} » inconnu",
            "en": 'unknown {what} "{value}"',
        },
        "scenario.p.venue_type": {
            "fr": "type de lieu inconnu « {value} »",
            "en": 'unknown venue type "{value}"',
        },
        "scenario.p.empty": {"fr": "ne peut pas être vide", "en": "cannot be empty"},
        "scenario.p.pair": {
            "fr": "doit être une paire [début, fin]",
            "en": "must be a pair [start, end]",
        },
        "scenario.p.stay_order": {
            "fr": "durée minimale supérieure à la durée maximale",
            "en": "minimum stay greater than maximum stay",
        },
        "scenario.p.no_kit": {
            "fr": "aucun kit pour l'exposition « {value} »",
            "en": 'no kit for exhibition "{value}"',
        },
        "scenario.p.no_van": {
            "fr": "aucun camion au dépôt « {value} »",
            "en": 'no van at depot "{value}"',
        },
        "scenario.p.shift": {
            "fr": "la fin de service doit suivre le début",
            "en": "the shift must end after it starts",
        },
        "scenario.p.hours": {
            "fr": "l'heure de fermeture doit suivre l'ouverture",
            "en": "closing time must come after opening",
        },
        "scenario.p.pin_kit": {
            "fr": "le kit « {value} » n'est pas un exemplaire de l'exposition demandée",
            "en": 'kit "{value}" is not a copy of the requested exhibition',
        },
        "scenario.p.pin_order": {
            "fr": "les dates doivent se suivre : installation ≤ dernier jour ≤ démontage",
            "en": "dates must follow each other: install ≤ last open ≤ dismantle",
        },
        "scenario.p.ids": {
            "fr": "un identifiant doit être un texte de 1 à 80 caractères",
            "en": "an id must be a text of 1 to 80 characters",
        },
        "scenario.what.depot": {"fr": "dépôt", "en": "depot"},
        "scenario.what.venue": {"fr": "lieu", "en": "venue"},
        "scenario.what.kit": {"fr": "kit", "en": "kit"},
        "scenario.what.request": {"fr": "demande", "en": "request"},
        "scenario.what.van": {"fr": "camion", "en": "van"},
        "scenario.type.object": {"fr": "un objet", "en": "an object"},
        "scenario.type.list": {"fr": "une liste", "en": "a list"},
        "scenario.type.int": {"fr": "un nombre entier", "en": "a whole number"},
        "scenario.type.number": {"fr": "un nombre", "en": "a number"},
        "scenario.type.text": {"fr": "un texte", "en": "a text"},
    }
)


class ScenarioError(ValidationError):
    """An invalid scenario or plan file; `field` is the JSON path of the bad value."""

    def __init__(self, field: str, problem: str, /, **params: object) -> None:
        self.problem = problem
        self.problem_params = params
        super().__init__("scenario.invalid", field=field, path=field, problem_key=problem)

    def message(self, lang: str = "fr") -> str:
        params = dict(self.problem_params)
        for key in ("what",):
            value = params.get(key)
            if isinstance(value, str) and value.startswith("scenario."):
                params[key] = t(value, lang)
        problem = t(f"scenario.p.{self.problem}", lang, **params)
        return t("scenario.invalid", lang, field=self.field, problem=problem)


# ---------------------------------------------------------------------------- data


@dataclass(frozen=True)
class DepotSpec:
    id: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class VanSpec:
    id: str
    depot: str
    capacity_kits: int
    shift_start: dt.time
    shift_end: dt.time
    lunch_start: dt.time | None = None
    lunch_minutes: int = 0


@dataclass(frozen=True)
class KitSpec:
    id: str
    exhibition: str
    depot: str
    available_from: dt.date
    available_to: dt.date


@dataclass(frozen=True)
class VenueSpec:
    id: str
    name: str
    type: str
    lat: float
    lon: float
    open_weekdays: frozenset[int]
    opens: dt.time
    closes: dt.time
    closed_dates: frozenset[dt.date]


@dataclass(frozen=True)
class Pin:
    kit: str
    install: dt.date
    last_open: dt.date
    dismantle: dt.date


@dataclass(frozen=True)
class RequestSpec:
    id: str
    venue: str
    exhibition: str
    stay_min: int
    stay_max: int
    windows: tuple[tuple[dt.date, dt.date], ...]
    preferred_start: dt.date | None
    priority: int
    pinned: Pin | None = None


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the season to plan."""

    timezone: str
    horizon_start: dt.date
    horizon_end: dt.date
    transport_weekdays: frozenset[int]
    public_holidays: str
    school_zone: str
    closed_dates: frozenset[dt.date]
    install_minutes: int
    dismantle_minutes: int
    buffer_days: int
    travel_model: str
    circuity: float
    speed_kmh: float
    depots: tuple[DepotSpec, ...]
    vans: tuple[VanSpec, ...]
    kits: tuple[KitSpec, ...]
    venues: tuple[VenueSpec, ...]
    requests: tuple[RequestSpec, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def depot_by_id(self) -> dict[str, DepotSpec]:
        return {d.id: d for d in self.depots}

    @cached_property
    def venue_by_id(self) -> dict[str, VenueSpec]:
        return {v.id: v for v in self.venues}

    @cached_property
    def kit_by_id(self) -> dict[str, KitSpec]:
        return {k.id: k for k in self.kits}

    @cached_property
    def van_by_id(self) -> dict[str, VanSpec]:
        return {v.id: v for v in self.vans}

    @cached_property
    def request_by_id(self) -> dict[str, RequestSpec]:
        return {r.id: r for r in self.requests}

    @cached_property
    def rules(self) -> DayRules:
        return DayRules(
            transport_weekdays=self.transport_weekdays,
            country=self.public_holidays,
            school_zone=self.school_zone,
            closed_dates=self.closed_dates,
        )

    def is_transport_day(self, day: dt.date) -> bool:
        return self.rules.is_transport_day(day)

    def venue_open(self, venue: VenueSpec, day: dt.date) -> bool:
        """The venue's own calendar: its weekdays, its closed dates, school holidays.

        Public holidays close the roads' side (no transport), not the venue: a park is open on
        14 July; install and dismantle days need both (`handling_day`).
        """
        if day.weekday() not in venue.open_weekdays or day in venue.closed_dates:
            return False
        return not (venue.type == "school" and is_school_holiday(day, self.school_zone))

    def handling_day(self, venue: VenueSpec, day: dt.date) -> bool:
        """A day a kit can be installed or dismantled at `venue`."""
        return self.is_transport_day(day) and self.venue_open(venue, day)

    def is_public_holiday(self, day: dt.date) -> bool:
        return is_public_holiday(day, self.public_holidays)


# ---------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class PlanStop:
    request: str
    kit: str
    install: dt.date
    last_open: dt.date
    dismantle: dt.date


@dataclass(frozen=True)
class Unscheduled:
    request: str
    reason: str
    code: str = ""
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanLeg:
    van: str
    date: dt.date
    from_: str
    to: str
    depart: int  # minutes after local midnight
    arrive: int
    kits: tuple[str, ...]
    km: float
    minutes: float


@dataclass
class Plan:
    status: str  # optimal | feasible | infeasible
    stops: list[PlanStop]
    unscheduled: list[Unscheduled]
    legs: list[PlanLeg]
    objective: dict[str, float]
    solver: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "status": self.status,
            "stops": [
                {
                    "request": s.request,
                    "kit": s.kit,
                    "install": s.install.isoformat(),
                    "last_open": s.last_open.isoformat(),
                    "dismantle": s.dismantle.isoformat(),
                }
                for s in self.stops
            ],
            "unscheduled": [
                {"request": u.request, "reason": u.reason}
                | ({"code": u.code, "params": dict(u.params)} if u.code else {})
                for u in self.unscheduled
            ],
            "legs": [
                {
                    "van": leg.van,
                    "date": leg.date.isoformat(),
                    "from": leg.from_,
                    "to": leg.to,
                    "depart": hhmm(leg.depart),
                    "arrive": hhmm(leg.arrive),
                    "kits": list(leg.kits),
                    "km": round(leg.km, 2),
                    "minutes": round(leg.minutes, 1),
                }
                for leg in self.legs
            ],
            "objective": self.objective,
            "solver": self.solver,
        }


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def write_plan(plan: Plan, path: str | Path) -> None:
    """Write the plan atomically: a temporary file beside `path`, then renamed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(plan.to_dict(), handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_plan(data: Mapping[str, Any], scenario: Scenario) -> Plan:
    """A plan file read back (for import into the app), its references checked."""
    v = _V()
    obj = v.obj(data, "")
    if obj.get("version") != VERSION:
        raise ScenarioError("version", "version", value=obj.get("version"))
    stops = []
    for i, raw in enumerate(v.lst(obj, "stops", "stops")):
        path = f"stops[{i}]"
        item = v.obj(raw, path)
        request = v.ref(item, "request", path, scenario.request_by_id, "scenario.what.request")
        kit = v.ref(item, "kit", path, scenario.kit_by_id, "scenario.what.kit")
        install = v.date(item.get("install"), f"{path}.install")
        last_open = v.date(item.get("last_open"), f"{path}.last_open")
        dismantle = v.date(item.get("dismantle"), f"{path}.dismantle")
        if not install <= last_open <= dismantle:
            raise ScenarioError(f"{path}.install", "pin_order")
        stops.append(PlanStop(request, kit, install, last_open, dismantle))
    unscheduled = [
        Unscheduled(str(u.get("request", "")), str(u.get("reason", "")), str(u.get("code", "")))
        for u in obj.get("unscheduled", []) or []
        if isinstance(u, Mapping)
    ]
    return Plan(
        status=str(obj.get("status", "feasible")),
        stops=stops,
        unscheduled=unscheduled,
        legs=[],
        objective=dict(obj.get("objective") or {}),
        solver=dict(obj.get("solver") or {}),
    )


# ---------------------------------------------------------------------------- loading


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """Read and fully validate a scenario (a path or already-parsed JSON).

    Raises `ScenarioError` naming the first bad field; nothing else is done with the file.
    """
    if isinstance(source, Mapping):
        data: Any = source
    else:
        try:
            with open(source, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(
                "scenario.unreadable", field="scenario", detail=str(exc)
            ) from None
    return _parse(data)


class _V:
    """Small typed readers that raise `ScenarioError` with the JSON path."""

    def obj(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise ScenarioError(path or "(file)", "type", what="scenario.type.object")
        return value

    def lst(
        self, parent: Mapping[str, Any], key: str, path: str, *, empty: bool = True
    ) -> list[Any]:
        if key not in parent:
            raise ScenarioError(path, "missing")
        value = parent[key]
        if not isinstance(value, list):
            raise ScenarioError(path, "type", what="scenario.type.list")
        if not empty and not value:
            raise ScenarioError(path, "empty")
        return value

    def req(self, parent: Mapping[str, Any], key: str, path: str) -> Any:
        if key not in parent or parent[key] is None:
            raise ScenarioError(path, "missing")
        return parent[key]

    def text(self, parent: Mapping[str, Any], key: str, path: str) -> str:
        value = self.req(parent, key, path)
        if not isinstance(value, str):
            raise ScenarioError(path, "type", what="scenario.type.text")
        return value

    def ident(self, parent: Mapping[str, Any], key: str, path: str) -> str:
        value = self.text(parent, key, path)
        if not 1 <= len(value) <= 80:
            raise ScenarioError(path, "ids")
        return value

    def int_(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(path, "type", what="scenario.type.int")
        return value

    def num(self, value: Any, path: str) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ScenarioError(path, "type", what="scenario.type.number")
        return float(value)

    def date(self, value: Any, path: str) -> dt.date:
        if value is None:
            raise ScenarioError(path, "missing")
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ScenarioError(path, "date", value=str(value)[:40]) from None

    def time(self, value: Any, path: str) -> dt.time:
        if value is None:
            raise ScenarioError(path, "missing")
        try:
            if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
                raise ValueError
            return dt.time(int(value[:2]), int(value[3:]))
        except ValueError:
            raise ScenarioError(path, "time", value=str(value)[:40]) from None

    def weekdays(self, value: Any, path: str) -> frozenset[int]:
        if not isinstance(value, list):
            raise ScenarioError(path, "type", what="scenario.type.list")
        out = set()
        for i, day in enumerate(value):
            if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                raise ScenarioError(f"{path}[{i}]", "weekday", value=day)
            out.add(day)
        return frozenset(out)

    def dates(self, value: Any, path: str) -> frozenset[dt.date]:
        if value is None:
            return frozenset()
        if not isinstance(value, list):
            raise ScenarioError(path, "type", what="scenario.type.list")
        return frozenset(self.date(d, f"{path}[{i}]") for i, d in enumerate(value))

    def latlon(self, parent: Mapping[str, Any], path: str) -> tuple[float, float]:
        lat = self.num(self.req(parent, "lat", f"{path}.lat"), f"{path}.lat")
        lon = self.num(self.req(parent, "lon", f"{path}.lon"), f"{path}.lon")
        if not -90 <= lat <= 90:
            raise ScenarioError(f"{path}.lat", "latitude", value=lat)
        if not -180 <= lon <= 180:
            raise ScenarioError(f"{path}.lon", "longitude", value=lon)
        return lat, lon

    def ref(
        self,
        parent: Mapping[str, Any],
        key: str,
        path: str,
        known: Mapping[str, Any],
        what: str,
    ) -> str:
        value = self.text(parent, key, f"{path}.{key}")
        if value not in known:
            raise ScenarioError(f"{path}.{key}", "unknown_ref", what=what, value=value[:80])
        return value

    def unique(self, ids: Iterable[str], path: str) -> None:
        seen: set[str] = set()
        for i, value in enumerate(ids):
            if value in seen:
                raise ScenarioError(f"{path}[{i}].id", "duplicate", value=value)
            seen.add(value)


def _in_horizon(day: dt.date, start: dt.date, end: dt.date, path: str) -> None:
    if not start <= day <= end:
        raise ScenarioError(path, "outside_horizon", start=start.isoformat(), end=end.isoformat())


def _parse(data: Any) -> Scenario:
    v = _V()
    root = v.obj(data, "")
    version = v.req(root, "version", "version")
    if version != VERSION:
        raise ScenarioError("version", "version", value=version)
    timezone = root.get("timezone", "Europe/Paris")
    try:
        if not isinstance(timezone, str):
            raise ValueError
        ZoneInfo(timezone)
    except (ValueError, ZoneInfoNotFoundError):
        raise ScenarioError("timezone", "timezone", value=str(timezone)[:60]) from None

    horizon = v.obj(v.req(root, "horizon", "horizon"), "horizon")
    h_start = v.date(horizon.get("start"), "horizon.start")
    h_end = v.date(horizon.get("end"), "horizon.end")
    if h_end < h_start:
        raise ScenarioError("horizon.end", "end_before_start")

    calendar = v.obj(root.get("calendar", {}), "calendar")
    transport = v.weekdays(
        calendar.get("transport_weekdays", [0, 1, 2, 3, 4]), "calendar.transport_weekdays"
    )
    country = calendar.get("public_holidays", "FR")
    if not isinstance(country, str) or country not in _holidays.list_supported_countries():
        raise ScenarioError("calendar.public_holidays", "country", value=str(country)[:20])
    zone = calendar.get("school_holiday_zone", "A")
    if zone not in SCHOOL_ZONES:
        raise ScenarioError("calendar.school_holiday_zone", "zone", value=str(zone)[:20])
    closed = v.dates(calendar.get("closed_dates", []), "calendar.closed_dates")

    handling = v.obj(root.get("handling", {}), "handling")
    minutes = {}
    for key, default in (("install_minutes", 120), ("dismantle_minutes", 90), ("buffer_days", 0)):
        value = v.int_(handling.get(key, default), f"handling.{key}")
        if value < 0:
            raise ScenarioError(f"handling.{key}", "negative", value=value)
        minutes[key] = value

    travel = v.obj(root.get("travel", {}), "travel")
    model = travel.get("model", "geodesic")
    if model not in TRAVEL_MODELS:
        raise ScenarioError("travel.model", "model", value=str(model)[:40])
    circuity = v.num(travel.get("circuity", 1.3), "travel.circuity")
    if not 1.0 <= circuity <= 3.0:
        raise ScenarioError("travel.circuity", "circuity", value=circuity)
    speed = v.num(travel.get("speed_kmh", 25), "travel.speed_kmh")
    if speed <= 0:
        raise ScenarioError("travel.speed_kmh", "positive", value=speed)

    depots = []
    for i, raw in enumerate(v.lst(root, "depots", "depots", empty=False)):
        path = f"depots[{i}]"
        item = v.obj(raw, path)
        lat, lon = v.latlon(item, path)
        depots.append(
            DepotSpec(v.ident(item, "id", f"{path}.id"), str(item.get("name", "")), lat, lon)
        )
    v.unique((d.id for d in depots), "depots")
    depot_ids = {d.id: d for d in depots}

    vans = []
    for i, raw in enumerate(v.lst(root, "vans", "vans", empty=False)):
        path = f"vans[{i}]"
        item = v.obj(raw, path)
        capacity = v.int_(
            v.req(item, "capacity_kits", f"{path}.capacity_kits"), f"{path}.capacity_kits"
        )
        if capacity <= 0:
            raise ScenarioError(f"{path}.capacity_kits", "positive", value=capacity)
        start = v.time(item.get("shift_start"), f"{path}.shift_start")
        end = v.time(item.get("shift_end"), f"{path}.shift_end")
        if end <= start:
            raise ScenarioError(f"{path}.shift_end", "shift")
        lunch_start, lunch_minutes = None, 0
        if item.get("lunch") is not None:
            lunch = v.obj(item["lunch"], f"{path}.lunch")
            lunch_start = v.time(lunch.get("start"), f"{path}.lunch.start")
            lunch_minutes = v.int_(lunch.get("minutes", 45), f"{path}.lunch.minutes")
            if lunch_minutes < 0:
                raise ScenarioError(f"{path}.lunch.minutes", "negative", value=lunch_minutes)
        vans.append(
            VanSpec(
                v.ident(item, "id", f"{path}.id"),
                v.ref(item, "depot", path, depot_ids, "scenario.what.depot"),
                capacity,
                start,
                end,
                lunch_start,
                lunch_minutes,
            )
        )
    v.unique((x.id for x in vans), "vans")

    kits = []
    for i, raw in enumerate(v.lst(root, "kits", "kits")):
        path = f"kits[{i}]"
        item = v.obj(raw, path)
        kit_id = v.ident(item, "id", f"{path}.id")
        exhibition = v.ident(item, "exhibition", f"{path}.exhibition")
        depot = v.ref(item, "depot", path, depot_ids, "scenario.what.depot")
        if not any(van.depot == depot for van in vans):
            raise ScenarioError(f"{path}.depot", "no_van", value=depot)
        a_from = (
            v.date(item["available_from"], f"{path}.available_from")
            if item.get("available_from") is not None
            else h_start
        )
        a_to = (
            v.date(item["available_to"], f"{path}.available_to")
            if item.get("available_to") is not None
            else h_end
        )
        _in_horizon(a_from, h_start, h_end, f"{path}.available_from")
        _in_horizon(a_to, h_start, h_end, f"{path}.available_to")
        if a_to < a_from:
            raise ScenarioError(f"{path}.available_to", "end_before_start")
        kits.append(KitSpec(kit_id, exhibition, depot, a_from, a_to))
    v.unique((k.id for k in kits), "kits")
    kit_ids = {k.id: k for k in kits}
    exhibitions = {k.exhibition for k in kits}

    venues = []
    for i, raw in enumerate(v.lst(root, "venues", "venues")):
        path = f"venues[{i}]"
        item = v.obj(raw, path)
        venue_type = item.get("type", "other")
        if venue_type not in VENUE_TYPES:
            raise ScenarioError(f"{path}.type", "venue_type", value=str(venue_type)[:40])
        lat, lon = v.latlon(item, path)
        hours = item.get("hours", ["09:00", "18:00"])
        if not isinstance(hours, list) or len(hours) != 2:
            raise ScenarioError(f"{path}.hours", "pair")
        opens = v.time(hours[0], f"{path}.hours[0]")
        closes = v.time(hours[1], f"{path}.hours[1]")
        if closes <= opens:
            raise ScenarioError(f"{path}.hours[1]", "hours")
        venues.append(
            VenueSpec(
                v.ident(item, "id", f"{path}.id"),
                str(item.get("name", "")),
                venue_type,
                lat,
                lon,
                v.weekdays(item.get("open_weekdays", [0, 1, 2, 3, 4]), f"{path}.open_weekdays"),
                opens,
                closes,
                v.dates(item.get("closed_dates", []), f"{path}.closed_dates"),
            )
        )
    v.unique((x.id for x in venues), "venues")
    venue_ids = {x.id: x for x in venues}

    requests = []
    for i, raw in enumerate(v.lst(root, "requests", "requests")):
        path = f"requests[{i}]"
        item = v.obj(raw, path)
        request_id = v.ident(item, "id", f"{path}.id")
        venue = v.ref(item, "venue", path, venue_ids, "scenario.what.venue")
        exhibition = v.ident(item, "exhibition", f"{path}.exhibition")
        if exhibition not in exhibitions:
            raise ScenarioError(f"{path}.exhibition", "no_kit", value=exhibition)
        stay = item.get("stay_days")
        if not isinstance(stay, list) or len(stay) != 2:
            raise ScenarioError(f"{path}.stay_days", "pair")
        stay_min = v.int_(stay[0], f"{path}.stay_days[0]")
        stay_max = v.int_(stay[1], f"{path}.stay_days[1]")
        for j, value in enumerate((stay_min, stay_max)):
            if value <= 0:
                raise ScenarioError(f"{path}.stay_days[{j}]", "positive", value=value)
        if stay_max < stay_min:
            raise ScenarioError(f"{path}.stay_days", "stay_order")
        windows = []
        for j, win in enumerate(v.lst(item, "windows", f"{path}.windows", empty=False)):
            wpath = f"{path}.windows[{j}]"
            if not isinstance(win, list) or len(win) != 2:
                raise ScenarioError(wpath, "pair")
            w_start = v.date(win[0], f"{wpath}[0]")
            w_end = v.date(win[1], f"{wpath}[1]")
            if w_end < w_start:
                raise ScenarioError(wpath, "end_before_start")
            _in_horizon(w_start, h_start, h_end, f"{wpath}[0]")
            _in_horizon(w_end, h_start, h_end, f"{wpath}[1]")
            windows.append((w_start, w_end))
        preferred = None
        if item.get("preferred_start") is not None:
            preferred = v.date(item["preferred_start"], f"{path}.preferred_start")
            _in_horizon(preferred, h_start, h_end, f"{path}.preferred_start")
        priority = v.int_(item.get("priority", 1), f"{path}.priority")
        if priority < 0:
            raise ScenarioError(f"{path}.priority", "negative", value=priority)
        pin = None
        if item.get("pinned") is not None:
            ppath = f"{path}.pinned"
            praw = v.obj(item["pinned"], ppath)
            kit = v.ref(praw, "kit", ppath, kit_ids, "scenario.what.kit")
            if kit_ids[kit].exhibition != exhibition:
                raise ScenarioError(f"{ppath}.kit", "pin_kit", value=kit)
            pin = Pin(
                kit,
                v.date(praw.get("install"), f"{ppath}.install"),
                v.date(praw.get("last_open"), f"{ppath}.last_open"),
                v.date(praw.get("dismantle"), f"{ppath}.dismantle"),
            )
            if not pin.install <= pin.last_open <= pin.dismantle:
                raise ScenarioError(f"{ppath}.install", "pin_order")
            _in_horizon(pin.install, h_start, h_end, f"{ppath}.install")
            _in_horizon(pin.dismantle, h_start, h_end, f"{ppath}.dismantle")
        requests.append(
            RequestSpec(
                request_id,
                venue,
                exhibition,
                stay_min,
                stay_max,
                tuple(windows),
                preferred,
                priority,
                pin,
            )
        )
    v.unique((r.id for r in requests), "requests")

    return Scenario(
        timezone=timezone,
        horizon_start=h_start,
        horizon_end=h_end,
        transport_weekdays=transport,
        public_holidays=country,
        school_zone=zone,
        closed_dates=closed,
        install_minutes=minutes["install_minutes"],
        dismantle_minutes=minutes["dismantle_minutes"],
        buffer_days=minutes["buffer_days"],
        travel_model=model,
        circuity=circuity,
        speed_kmh=speed,
        depots=tuple(depots),
        vans=tuple(vans),
        kits=tuple(kits),
        venues=tuple(venues),
        requests=tuple(requests),
        raw=root,
    )


def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    """The scenario as contract JSON (the inverse of `load_scenario`)."""

    def days(values: Iterable[dt.date]) -> list[str]:
        return [d.isoformat() for d in sorted(values)]

    def hm(value: dt.time) -> str:
        return value.strftime("%H:%M")

    return {
        "version": VERSION,
        "timezone": s.timezone,
        "horizon": {"start": s.horizon_start.isoformat(), "end": s.horizon_end.isoformat()},
        "calendar": {
            "transport_weekdays": sorted(s.transport_weekdays),
            "public_holidays": s.public_holidays,
            "school_holiday_zone": s.school_zone,
            "closed_dates": days(s.closed_dates),
        },
        "handling": {
            "install_minutes": s.install_minutes,
            "dismantle_minutes": s.dismantle_minutes,
            "buffer_days": s.buffer_days,
        },
        "travel": {"model": s.travel_model, "circuity": s.circuity, "speed_kmh": s.speed_kmh},
        "depots": [{"id": d.id, "name": d.name, "lat": d.lat, "lon": d.lon} for d in s.depots],
        "vans": [
            {
                "id": v.id,
                "depot": v.depot,
                "capacity_kits": v.capacity_kits,
                "shift_start": hm(v.shift_start),
                "shift_end": hm(v.shift_end),
            }
            | (
                {"lunch": {"start": hm(v.lunch_start), "minutes": v.lunch_minutes}}
                if v.lunch_start is not None and v.lunch_minutes
                else {}
            )
            for v in s.vans
        ],
        "kits": [
            {
                "id": k.id,
                "exhibition": k.exhibition,
                "depot": k.depot,
                "available_from": k.available_from.isoformat(),
                "available_to": k.available_to.isoformat(),
            }
            for k in s.kits
        ],
        "venues": [
            {
                "id": v.id,
                "name": v.name,
                "type": v.type,
                "lat": v.lat,
                "lon": v.lon,
                "open_weekdays": sorted(v.open_weekdays),
                "hours": [hm(v.opens), hm(v.closes)],
                "closed_dates": days(v.closed_dates),
            }
            for v in s.venues
        ],
        "requests": [
            {
                "id": r.id,
                "venue": r.venue,
                "exhibition": r.exhibition,
                "stay_days": [r.stay_min, r.stay_max],
                "windows": [[a.isoformat(), b.isoformat()] for a, b in r.windows],
                "preferred_start": r.preferred_start.isoformat() if r.preferred_start else None,
                "priority": r.priority,
            }
            | (
                {
                    "pinned": {
                        "kit": r.pinned.kit,
                        "install": r.pinned.install.isoformat(),
                        "last_open": r.pinned.last_open.isoformat(),
                        "dismantle": r.pinned.dismantle.isoformat(),
                    }
                }
                if r.pinned
                else {}
            )
            for r in s.requests
        ],
    }


def minutes_of(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def parse_hhmm(value: str) -> int:
    return int(value[:2]) * 60 + int(value[3:5])


def sorted_unique(values: Sequence[str]) -> list[str]:
    return sorted(set(values))
