"""The database's season as a scenario, plans accepted back, and the van's days stored.

- `export_scenario()`: live requests (submitted, held, waitlisted) to place, approved stops
  pinned, kits, vans, depots, venues with their closures — the contract's JSON;
- `current_stops()` and `compare_plans()`: what a proposal moves and the km it saves;
- `accept_plan()`: chosen placements become holds (or stops) through the booking services,
  in one transaction, so the kit no-overlap guarantee and the audit trail are the usual ones;
- `plan_van_days()`: routes the confirmed stops' moves per transport day (pyvroom) and stores
  `VanDay`/`TransportLeg` rows, keeping each row's `uid` and bumping its `sequence` on change;
- `van_day_sheets()` / `season_map()`: plain read models for the pages and the route sheet.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from booking import audit
from booking.config import TIMEZONE, get_settings
from booking.db import read_session, transaction
from booking.errors import NotFound, ValidationError
from booking.i18n import add_messages
from booking.models import (
    BookingRequest,
    Contact,
    Depot,
    Exhibition,
    Kit,
    KitCondition,
    KitPart,
    LegKind,
    RequestStatus,
    RequestWindow,
    Stop,
    StopStatus,
    TransportLeg,
    Van,
    VanDay,
    Venue,
    VenueClosure,
)
from booking.planning.scenario import (
    Plan,
    PlanStop,
    Scenario,
    load_scenario,
    minutes_of,
    read_plan,
)
from booking.planning.travel import TravelModel, travel_model_from_settings
from booking.planning.vans import (
    DayRoutes,
    KitStop,
    Move,
    RouteLeg,
    Site,
    Vehicle,
    kit_moves,
    route_day,
    route_plan,
)
from booking.services.bookings import (
    Placement,
    approve_in_session,
    day_rules,
    hold_in_session,
    load_request,
)
from booking.services.occupancy import release
from booking.types import utcnow

PARIS = ZoneInfo(TIMEZONE)
REQUEST_PREFIX = "req-"
LIVE = (RequestStatus.submitted, RequestStatus.held, RequestStatus.waitlisted)

add_messages(
    {
        "plan.nothing_selected": {
            "fr": "Choisissez au moins une étape à accepter.",
            "en": "Choose at least one stop to accept.",
        },
        "plan.unknown_request": {
            "fr": "La demande « {request} » du plan n'existe pas (ou plus) dans la base.",
            "en": 'The plan\'s request "{request}" does not exist (any more) in the database.',
        },
        "plan.unknown_kit": {
            "fr": "Le kit « {kit} » du plan n'existe pas dans la base.",
            "en": 'The plan\'s kit "{kit}" does not exist in the database.',
        },
        "plan.request_closed": {
            "fr": "La demande « {request} » n'est plus en attente de placement.",
            "en": 'Request "{request}" is no longer waiting to be placed.',
        },
        "plan.bad_mode": {
            "fr": "Mode d'acceptation inconnu.",
            "en": "Unknown acceptance mode.",
        },
        "plan.no_season": {
            "fr": "Aucune demande à planifier : la saison est vide.",
            "en": "No request to plan: the season is empty.",
        },
        "vanday.not_found": {"fr": "Tournée introuvable.", "en": "Van day not found."},
    }
)


def request_key(request_id: int) -> str:
    return f"{REQUEST_PREFIX}{request_id}"


def request_id_of(key: str) -> int | None:
    if key.startswith(REQUEST_PREFIX) and key[len(REQUEST_PREFIX) :].isdigit():
        return int(key[len(REQUEST_PREFIX) :])
    return None


# ---------------------------------------------------------------------------- export


def _hm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def _expand(closures: Iterable[VenueClosure], start: dt.date, end: dt.date) -> list[str]:
    out: set[dt.date] = set()
    for c in closures:
        day = max(c.start, start)
        while day <= min(c.end, end):
            out.add(day)
            day += dt.timedelta(days=1)
    return [d.isoformat() for d in sorted(out)]


def export_scenario(
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    session: Session | None = None,
) -> dict[str, Any]:
    """The season in the database as a scenario: requests waiting for a place (submitted,
    held, waitlisted) to plan, approved stops still to come pinned. Venues without a point
    on the map are left out (they cannot be routed)."""
    if session is None:
        with read_session() as own:
            return export_scenario(start=start, end=end, session=own)
    today = dt.datetime.now(PARIS).date()
    # Only the season's rows are read: years of past stops and windows never leave the
    # database (the horizon comes first, from the waiting requests and the stops to come).
    # Rows of the few columns used, not entities.
    request_columns = sa_select(
        col(BookingRequest.id),
        col(BookingRequest.venue_id),
        col(BookingRequest.exhibition_id),
        col(BookingRequest.status),
        col(BookingRequest.stay_min_days),
        col(BookingRequest.stay_max_days),
        col(BookingRequest.priority),
        col(BookingRequest.preferred_start),
    )
    live = list(session.execute(request_columns.where(col(BookingRequest.status).in_(LIVE))))
    windows: dict[int, list[RequestWindow]] = defaultdict(list)
    for w in session.exec(
        select(RequestWindow).where(col(RequestWindow.request_id).in_([r.id for r in live]))
    ):
        windows[w.request_id].append(w)
    confirmed = (
        sa_select(
            col(Stop.request_id),
            col(Stop.kit_id),
            col(Stop.install_date),
            col(Stop.last_open_date),
            col(Stop.dismantle_date),
        )
        .join(BookingRequest, col(BookingRequest.id) == col(Stop.request_id))
        .where(
            col(Stop.status) == StopStatus.confirmed,
            col(BookingRequest.status) == RequestStatus.approved,
        )
    )
    starts: list[dt.date] = []
    ends: list[dt.date] = []
    for current in session.execute(confirmed.where(col(Stop.dismantle_date) >= today)):
        starts.append(current.install_date)
        ends.append(current.dismantle_date)
    for r in live:
        assert r.id is not None
        for w in windows[r.id]:
            if w.end >= today:
                starts.append(max(w.start, today))
                ends.append(w.end)
    horizon_start = start or (min(starts) if starts else today)
    horizon_end = end or (max(ends) if ends else today + dt.timedelta(days=180))
    if horizon_end < horizon_start:
        horizon_end = horizon_start
    # a stop running today may start the horizon; requests are placed from today on
    earliest = horizon_start if start is not None else max(horizon_start, today)
    stops = {
        s.request_id: s
        for s in session.execute(
            confirmed.where(
                col(Stop.install_date) >= horizon_start, col(Stop.dismantle_date) <= horizon_end
            )
        )
    }
    requests = live + list(
        session.execute(request_columns.where(col(BookingRequest.id).in_(list(stops))))
    )

    exhibitions = {e.id: e for e in session.exec(select(Exhibition))}
    depots = {d.id: d for d in session.exec(select(Depot))}
    vans = list(session.exec(select(Van).where(col(Van.active).is_(True))))
    van_depots = {v.depot_id for v in vans}
    kits = [
        k
        for k in session.exec(select(Kit).where(col(Kit.active).is_(True)))
        if k.condition != KitCondition.out_of_service and k.depot_id in van_depots
    ]
    kit_by_id = {k.id: k for k in kits}
    venues = {v.id: v for v in session.exec(select(Venue))}
    closures: dict[int, list[VenueClosure]] = defaultdict(list)
    for c in session.exec(
        select(VenueClosure).where(  # only those the season's days can meet
            col(VenueClosure.end) >= horizon_start, col(VenueClosure.start) <= horizon_end
        )
    ):
        closures[c.venue_id].append(c)

    out_requests: list[dict[str, Any]] = []
    used_venues: set[int] = set()
    exhibitions_with_kits = {k.exhibition_id for k in kits}
    for r in sorted(requests, key=lambda r: r.id or 0):
        assert r.id is not None
        venue = venues.get(r.venue_id)
        if venue is None or venue.lat is None or venue.lon is None:
            continue
        if r.exhibition_id not in exhibitions_with_kits:
            continue
        slug = exhibitions[r.exhibition_id].slug
        entry: dict[str, Any] = {
            "id": request_key(r.id),
            "venue": venue.code,
            "exhibition": slug,
            "stay_days": [max(1, r.stay_min_days), max(1, r.stay_min_days, r.stay_max_days)],
            "priority": max(0, r.priority),
        }
        if r.status == RequestStatus.approved:
            stop = stops.get(r.id)
            if (
                stop is None
                or stop.kit_id not in kit_by_id
                or stop.install_date < horizon_start
                or stop.dismantle_date > horizon_end
            ):
                continue  # past, outside the season, or on a kit out of service
            stay = (stop.last_open_date - stop.install_date).days + 1
            entry["stay_days"] = [stay, stay]
            entry["windows"] = [[stop.install_date.isoformat(), stop.dismantle_date.isoformat()]]
            entry["pinned"] = {
                "kit": kit_by_id[stop.kit_id].code,
                "install": stop.install_date.isoformat(),
                "last_open": stop.last_open_date.isoformat(),
                "dismantle": stop.dismantle_date.isoformat(),
            }
            entry["preferred_start"] = None
        else:
            clipped = [
                [max(w.start, earliest).isoformat(), min(w.end, horizon_end).isoformat()]
                for w in sorted(windows[r.id], key=lambda w: w.start)
                if max(w.start, earliest) <= min(w.end, horizon_end)
            ]
            if not clipped:
                continue
            entry["windows"] = clipped
            preferred = r.preferred_start
            entry["preferred_start"] = (
                preferred.isoformat()
                if preferred and horizon_start <= preferred <= horizon_end
                else None
            )
        out_requests.append(entry)
        used_venues.add(venue.id)  # type: ignore[arg-type]

    used_exhibitions = [exhibitions[k.exhibition_id] for k in kits]
    handling = {
        "install_minutes": max((e.install_minutes for e in used_exhibitions), default=120),
        "dismantle_minutes": max((e.dismantle_minutes for e in used_exhibitions), default=90),
        "buffer_days": max((e.buffer_days for e in used_exhibitions), default=0),
    }
    rules = day_rules()
    return {
        "version": 1,
        "timezone": TIMEZONE,
        "horizon": {"start": horizon_start.isoformat(), "end": horizon_end.isoformat()},
        "calendar": {
            "transport_weekdays": sorted(rules.transport_weekdays),
            "public_holidays": rules.country,
            "school_holiday_zone": get_settings().school_holiday_zone,
            "closed_dates": [],
        },
        "handling": handling,
        "travel": {"model": "geodesic", "circuity": 1.3, "speed_kmh": 25},
        "depots": [
            {"id": d.code, "name": d.name, "lat": d.lat, "lon": d.lon}
            for d in depots.values()
            if d.id in van_depots
        ],
        "vans": [
            {
                "id": v.code,
                "depot": depots[v.depot_id].code,
                "capacity_kits": max(1, v.capacity_kits),
                "shift_start": _hm(v.shift_start),
                "shift_end": _hm(v.shift_end),
            }
            | (
                {"lunch": {"start": _hm(v.lunch_start), "minutes": v.lunch_minutes}}
                if v.lunch_start is not None and v.lunch_minutes
                else {}
            )
            for v in vans
        ],
        "kits": [
            {
                "id": k.code,
                "exhibition": exhibitions[k.exhibition_id].slug,
                "depot": depots[k.depot_id].code,
                "available_from": min(
                    max(k.available_from or horizon_start, horizon_start), horizon_end
                ).isoformat(),
                "available_to": max(
                    min(k.available_to or horizon_end, horizon_end), horizon_start
                ).isoformat(),
            }
            for k in kits
        ],
        "venues": [
            {
                "id": venues[v].code,
                "name": venues[v].name,
                "type": venues[v].type.value
                if hasattr(venues[v].type, "value")
                else venues[v].type,
                "lat": venues[v].lat,
                "lon": venues[v].lon,
                "open_weekdays": sorted(set(venues[v].open_weekdays)),
                "hours": [_hm(venues[v].opens_at), _hm(venues[v].closes_at)],
                "closed_dates": _expand(closures[v], horizon_start, horizon_end),
            }
            for v in sorted(used_venues)
        ],
        "requests": out_requests,
    }


def season_scenario() -> Scenario:
    """The exported season, validated (what the planning page solves)."""
    data = export_scenario()
    if not data["requests"]:
        raise ValidationError("plan.no_season")
    return load_scenario(data)


# ---------------------------------------------------------------------------- compare


def current_stops(scenario: Scenario) -> list[PlanStop]:
    """The season as it stands: approved stops and live holds, in the scenario's ids."""
    ids = [request_id_of(r.id) for r in scenario.requests]
    wanted = [i for i in ids if i is not None]
    with read_session() as session:
        kits = {k.id: k.code for k in session.exec(select(Kit))}
        rows = session.exec(select(BookingRequest).where(col(BookingRequest.id).in_(wanted)))
        out = []
        for r in rows:
            if r.status not in (RequestStatus.held, RequestStatus.approved):
                continue
            if r.kit_id is None or r.start is None or r.end is None:
                continue
            assert r.id is not None
            out.append(
                PlanStop(request_key(r.id), kits[r.kit_id], r.start, r.end, r.dismantle or r.end)
            )
    return out


@dataclass(frozen=True)
class ChangeRow:
    request: str
    venue: str
    status: str  # new | moved | unchanged | removed | pinned
    current: PlanStop | None
    proposed: PlanStop | None


@dataclass
class Comparison:
    rows: list[ChangeRow]
    current_km: float
    proposed_km: float
    current_routes: dict[dt.date, DayRoutes] = field(default_factory=dict)

    @property
    def km_saved(self) -> float:
        return self.current_km - self.proposed_km


def compare_plans(
    scenario: Scenario,
    current: Sequence[PlanStop],
    proposal: Plan,
    proposal_km: float | None = None,
) -> Comparison:
    """What the proposal moves against the current season, and the van km of each.

    The km are the routed legs of every stop in each plan, so they compare like with like."""
    now = {s.request: s for s in current}
    new = {s.request: s for s in proposal.stops}
    rows = []
    for request in scenario.requests:
        a, b = now.get(request.id), new.get(request.id)
        if a is None and b is None:
            continue
        if request.pinned is not None:
            status = "pinned"
        elif a is None:
            status = "new"
        elif b is None:
            status = "removed"
        elif a == b:
            status = "unchanged"
        else:
            status = "moved"
        rows.append(ChangeRow(request.id, request.venue, status, a, b))
    current_routes = route_plan(scenario, list(current)) if current else {}
    current_km = sum(day.km for day in current_routes.values())
    proposed_km = proposal_km if proposal_km is not None else float(proposal.objective["km"])
    return Comparison(rows, current_km, proposed_km, current_routes)


# ---------------------------------------------------------------------------- accept


def accept_plan(
    stops: Sequence[PlanStop],
    *,
    actor: str,
    mode: str = "hold",
    lang: str = "fr",
    notify: bool = True,
) -> dict[str, int]:
    """Turn chosen placements into holds (`mode="hold"`) or approved stops (`"approve"`).

    One transaction: every placement goes through `hold_in_session`/`approve_in_session`
    (calendar rules re-checked, the kit's occupancy taken under the database's no-overlap
    guard, one audit event each); any refusal rolls the whole acceptance back. Approved
    requests are left as they are (they were pinned); a hold already on the same kit and
    dates is kept."""
    if mode not in ("hold", "approve"):
        raise ValidationError("plan.bad_mode", field="mode")
    if not stops:
        raise ValidationError("plan.nothing_selected", field="stops")
    counts = {"held": 0, "approved": 0, "unchanged": 0}
    with transaction() as session:
        kits = {k.code: k for k in session.exec(select(Kit))}
        work: list[tuple[BookingRequest, Placement]] = []
        for stop in stops:
            request_id = request_id_of(stop.request)
            if request_id is None:
                raise NotFound("plan.unknown_request", field="stops", request=stop.request)
            try:
                request = load_request(session, request_id)
            except NotFound:
                raise NotFound(
                    "plan.unknown_request", field="stops", request=stop.request
                ) from None
            kit = kits.get(stop.kit)
            if kit is None or kit.id is None:
                raise NotFound("plan.unknown_kit", field="stops", kit=stop.kit)
            placement = Placement(kit.id, stop.install, stop.last_open, stop.dismantle)
            if request.status == RequestStatus.approved:
                counts["unchanged"] += 1
                continue
            if request.status not in LIVE:
                raise ValidationError("plan.request_closed", field="stops", request=stop.request)
            same = (
                request.status == RequestStatus.held
                and request.kit_id == kit.id
                and (request.start, request.end, request.dismantle)
                == (stop.install, stop.last_open, stop.dismantle)
            )
            if same and mode == "hold":
                counts["unchanged"] += 1
                continue
            work.append((request, placement))
        # Holds that move give their days back first: two holds may swap dates.
        for request, _placement in work:
            if request.status == RequestStatus.held and request.id is not None:
                release(session, request.id)
        for request, placement in sorted(work, key=lambda item: item[1].install):
            if mode == "hold":
                hold_in_session(session, request, placement, actor=actor, lang=lang, notify=notify)
                counts["held"] += 1
            else:
                approve_in_session(
                    session, request, placement, actor=actor, lang=lang, notify=notify
                )
                counts["approved"] += 1
        audit.record(
            session,
            actor=actor,
            action="plan.accepted",
            entity="season",
            entity_id=None,
            mode=mode,
            requests=[s.request for s in stops],
            **counts,
        )
    return counts


def import_plan(data: Mapping[str, Any], scenario: Scenario) -> Plan:
    """A plan file read against the exported season (its ids checked)."""
    return read_plan(data, scenario)


# ---------------------------------------------------------------------------- van days


def _local(day: dt.date, minutes: int) -> dt.datetime:
    """A local wall-clock time of `day` (minutes after midnight, Europe/Paris) in UTC."""
    wall = dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=PARIS)
    return wall.astimezone(dt.UTC)


@dataclass
class _DbSeason:
    sites: dict[str, Site]
    vehicles: list[Vehicle]
    van_ids: dict[str, int]
    depot_ids: dict[str, int]
    venue_ids: dict[str, int]
    moves: dict[dt.date, list[Move]]
    stop_ids: dict[str, int]  # request key -> stop id


def _db_moves(session: Session, start: dt.date, end: dt.date) -> _DbSeason:
    depots = {d.id: d for d in session.exec(select(Depot))}
    vans = list(session.exec(select(Van).where(col(Van.active).is_(True))))
    exhibitions = {e.id: e for e in session.exec(select(Exhibition))}
    kits = {k.id: k for k in session.exec(select(Kit))}
    venues = {v.id: v for v in session.exec(select(Venue))}
    stops = list(
        session.exec(
            select(Stop)
            .where(Stop.status == StopStatus.confirmed)
            .order_by(col(Stop.kit_id), col(Stop.install_date))
        )
    )
    sites: dict[str, Site] = {}
    for d in depots.values():
        sites[f"depot:{d.id}"] = Site(f"depot:{d.id}", d.lat, d.lon, is_depot=True)
    for v in venues.values():
        if v.lat is not None and v.lon is not None:
            sites[f"venue:{v.id}"] = Site(
                f"venue:{v.id}", v.lat, v.lon, minutes_of(v.opens_at), minutes_of(v.closes_at)
            )
    vehicles = [
        Vehicle(
            van.code,
            f"depot:{van.depot_id}",
            max(1, van.capacity_kits),
            minutes_of(van.shift_start),
            minutes_of(van.shift_end),
            minutes_of(van.lunch_start) if van.lunch_start else None,
            van.lunch_minutes,
        )
        for van in vans
    ]
    moves: dict[dt.date, list[Move]] = defaultdict(list)
    by_kit: dict[int, list[KitStop]] = defaultdict(list)
    stop_ids: dict[str, int] = {}
    for s in stops:
        if f"venue:{s.venue_id}" in sites and s.id is not None:
            key = request_key(s.request_id)
            stop_ids[key] = s.id
            by_kit[s.kit_id].append(
                KitStop(key, f"venue:{s.venue_id}", s.install_date, s.dismantle_date)
            )
    for kit_id, kit_stops in by_kit.items():
        kit = kits[kit_id]
        ex = exhibitions[kit.exhibition_id]
        for day, move in kit_moves(
            kit.code,
            f"depot:{kit.depot_id}",
            kit_stops,
            ex.install_minutes,
            ex.dismantle_minutes,
        ):
            moves[day].append(move)
    in_range = {d: m for d, m in moves.items() if start <= d <= end}
    return _DbSeason(
        sites,
        vehicles,
        {v.code: v.id for v in vans if v.id is not None},
        {f"depot:{d}": d for d in depots if d is not None},
        {f"venue:{v}": v for v in venues if v is not None},
        in_range,
        stop_ids,
    )


def _kind(leg: RouteLeg) -> LegKind:
    if not leg.kits:
        return LegKind.empty
    a, b = leg.source.startswith("depot:"), leg.target.startswith("depot:")
    if a and not b:
        return LegKind.delivery
    if b and not a:
        return LegKind.pickup
    return LegKind.transfer


@dataclass(frozen=True)
class VanDaysResult:
    days: int
    changed: int
    removed: int
    unassigned: list[tuple[dt.date, str, str]]  # day, kit, request


def plan_van_days(
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    actor: str,
    travel: TravelModel | None = None,
) -> VanDaysResult:
    """Route the confirmed stops' moves for each day in [start, end] and store the van days.

    A van day keeps its `uid` when re-planned; its `sequence` and its legs' go up when a
    time, a place or the kits on board change. Days that no longer have moves are removed.
    One transaction; one audit event per van day created, changed or removed."""
    today = dt.datetime.now(PARIS).date()
    start = start or today
    end = end or start + dt.timedelta(days=366)
    travel = travel or travel_model_from_settings()
    with read_session() as session:
        season = _db_moves(session, start, end)
    routed: dict[dt.date, DayRoutes] = {}
    for day, moves in sorted(season.moves.items()):
        routed[day] = route_day(day, moves, season.sites, season.vehicles, travel)
    changed = removed = 0
    unassigned: list[tuple[dt.date, str, str]] = []
    with transaction() as session:
        existing = {
            (vd.van_id, vd.date): vd
            for vd in session.exec(
                select(VanDay).where(col(VanDay.date) >= start, col(VanDay.date) <= end)
            )
        }
        seen: set[tuple[int, dt.date]] = set()
        for day, routes in routed.items():
            for move in routes.unassigned:
                unassigned.append((day, move.kit, move.to_request or move.from_request or ""))
            by_van: dict[str, list[RouteLeg]] = defaultdict(list)
            for leg in routes.legs:
                by_van[leg.van].append(leg)
            for van_code, legs in by_van.items():
                van_id = season.van_ids[van_code]
                seen.add((van_id, day))
                if _store_van_day(
                    session, season, van_id, day, legs, routes.lunch.get(van_code), existing, actor
                ):
                    changed += 1
        for key, van_day in existing.items():
            if key in seen:
                continue
            for old_leg in session.exec(
                select(TransportLeg).where(TransportLeg.van_day_id == van_day.id)
            ):
                session.delete(old_leg)
            session.delete(van_day)
            removed += 1
            audit.record(
                session,
                actor=actor,
                action="van_day.removed",
                entity="van_day",
                entity_id=van_day.id,
                date=van_day.date,
            )
    return VanDaysResult(len(routed), changed, removed, unassigned)


def _store_van_day(
    session: Session,
    season: _DbSeason,
    van_id: int,
    day: dt.date,
    legs: list[RouteLeg],
    lunch: int | None,
    existing: dict[tuple[int, dt.date], VanDay],
    actor: str,
) -> bool:
    """Create or update one van day and its legs; True when anything changed."""
    van_day = existing.get((van_id, day))
    created = van_day is None
    if van_day is None:
        van_day = VanDay(van_id=van_id, date=day, uid=f"vanday-{uuid.uuid4()}@tournee")
        session.add(van_day)
        session.flush()
    start_at = _local(day, legs[0].depart)
    end_at = _local(day, legs[-1].arrive)
    km = round(sum(leg.km for leg in legs), 3)
    minutes = float(legs[-1].arrive - legs[0].depart)
    old_legs = list(
        session.exec(
            select(TransportLeg)
            .where(TransportLeg.van_day_id == van_day.id)
            .order_by(col(TransportLeg.position))
        )
    )
    by_key: dict[tuple[str, str, int], TransportLeg] = {}
    counter: dict[tuple[str, str], int] = defaultdict(int)
    for old in old_legs:
        a = f"depot:{old.from_depot_id}" if old.from_depot_id else f"venue:{old.from_venue_id}"
        b = f"depot:{old.to_depot_id}" if old.to_depot_id else f"venue:{old.to_venue_id}"
        by_key[(a, b, counter[(a, b)])] = old
        counter[(a, b)] += 1
    counter.clear()
    kit_ids = {k.code: k.id for k in session.exec(select(Kit))}
    any_change = created
    kept: set[int] = set()
    for position, leg in enumerate(legs):
        key = (leg.source, leg.target, counter[(leg.source, leg.target)])
        counter[(leg.source, leg.target)] += 1
        row = by_key.get(key)
        depart_at, arrive_at = _local(day, leg.depart), _local(day, leg.arrive)
        kits = sorted(int(kit_ids[k] or 0) for k in leg.kits)
        stop_id = None
        for kit in (*leg.unloaded, *leg.loaded, *leg.kits):
            # the stop installed at the target, else the one dismantled at the source
            for request in _requests_of(season, day, kit, leg):
                stop_id = season.stop_ids.get(request)
                if stop_id:
                    break
            if stop_id:
                break
        values: dict[str, Any] = {
            "position": position,
            "kind": _kind(leg),
            "from_depot_id": season.depot_ids.get(leg.source),
            "from_venue_id": season.venue_ids.get(leg.source),
            "to_depot_id": season.depot_ids.get(leg.target),
            "to_venue_id": season.venue_ids.get(leg.target),
            "kit_ids": kits,
            "stop_id": stop_id,
            "depart_at": depart_at,
            "arrive_at": arrive_at,
            "handling_minutes": leg.handling_minutes,
            "km": round(leg.km, 3),
            "minutes": round(leg.minutes, 2),
        }
        if row is None:
            row = TransportLeg(
                van_day_id=van_day.id, date=day, uid=f"leg-{uuid.uuid4()}@tournee", **values
            )
            session.add(row)
            any_change = True
        else:
            if any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                row.sequence += 1
                any_change = True
            kept.add(row.id or 0)
    for old in old_legs:
        if (old.id or 0) not in kept:
            session.delete(old)
            any_change = True
    changed = (van_day.start_at, van_day.end_at, round(van_day.km, 3)) != (start_at, end_at, km)
    if changed or any_change:
        if not created:
            van_day.sequence += 1
        van_day.start_at, van_day.end_at, van_day.km, van_day.minutes = (
            start_at,
            end_at,
            km,
            minutes,
        )
        van_day.solver = "pyvroom"
        van_day.updated_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="van_day.created" if created else "van_day.changed",
            entity="van_day",
            entity_id=van_day.id,
            date=day,
            legs=len(legs),
            km=km,
            lunch=lunch,
        )
        return True
    return False


def _requests_of(season: _DbSeason, day: dt.date, kit: str, leg: RouteLeg) -> list[str]:
    out = []
    for move in season.moves.get(day, []):
        if move.kit != kit:
            continue
        if move.target == leg.target and move.to_request:
            out.append(move.to_request)
        if move.source == leg.source and move.from_request:
            out.append(move.from_request)
    return out


# ---------------------------------------------------------------------------- read models


@dataclass(frozen=True)
class SheetStop:
    """One place the van stops at, in order, with what the driver needs there."""

    position: int
    arrive: dt.datetime
    depart: dt.datetime | None
    place: str
    address: str
    is_depot: bool
    lat: float | None
    lon: float | None
    unload: list[str]  # kit codes installed here
    load: list[str]  # kit codes dismantled here
    handling_minutes: int
    hours: str
    contacts: list[str]
    access: str


@dataclass(frozen=True)
class VanDaySheet:
    id: int
    uid: str
    van: str
    van_name: str
    date: dt.date
    start_at: dt.datetime | None
    end_at: dt.datetime | None
    km: float
    depot: str
    depot_address: str
    depot_point: tuple[float, float]
    stops: list[SheetStop]
    load_list: dict[str, list[str]]  # kit code -> parts checklist, loaded at the depot
    points: list[tuple[float, float, str]]  # the route in order: lat, lon, label


def list_van_days(
    *, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict[str, Any]]:
    """Van days as plain rows (newest last) for a page's table."""
    with read_session() as session:
        vans = {v.id: v for v in session.exec(select(Van))}
        query = select(VanDay).order_by(col(VanDay.date), col(VanDay.van_id))
        if start:
            query = query.where(col(VanDay.date) >= start)
        if end:
            query = query.where(col(VanDay.date) <= end)
        days = list(session.exec(query))
        # Legs counted in SQL, for these days only (not every leg of every year).
        counts: dict[int, int] = dict(
            session.exec(  # type: ignore[arg-type]
                select(TransportLeg.van_day_id, func.count())
                .where(col(TransportLeg.van_day_id).in_([vd.id for vd in days]))
                .group_by(col(TransportLeg.van_day_id))
            ).all()
        )
        return [
            {
                "id": vd.id,
                "date": vd.date,
                "van": vans[vd.van_id].name if vd.van_id in vans else "?",
                "start_at": vd.start_at,
                "end_at": vd.end_at,
                "km": vd.km,
                "legs": counts.get(vd.id or 0, 0),
                "sequence": vd.sequence,
            }
            for vd in days
        ]


def van_day_sheet(van_day_id: int) -> VanDaySheet:
    """Everything a route sheet shows for one van day."""
    with read_session() as session:
        van_day = session.get(VanDay, van_day_id)
        if van_day is None:
            raise NotFound("vanday.not_found")
        van = session.get(Van, van_day.van_id)
        assert van is not None
        depot = session.get(Depot, van.depot_id)
        assert depot is not None
        legs = list(
            session.exec(
                select(TransportLeg)
                .where(TransportLeg.van_day_id == van_day.id)
                .order_by(col(TransportLeg.position))
            )
        )
        kits = {k.id: k for k in session.exec(select(Kit))}
        parts: dict[int, list[str]] = defaultdict(list)
        for p in session.exec(select(KitPart).order_by(col(KitPart.kit_id), col(KitPart.position))):
            parts[p.kit_id].append(p.label)
        stops: list[SheetStop] = []
        load_list: dict[str, list[str]] = {}
        if legs:
            for kit_id in legs[0].kit_ids:
                kit = kits.get(kit_id)
                if kit is not None:
                    load_list[kit.code] = parts.get(kit_id, [])
        points = [(depot.lat, depot.lon, depot.name)]
        for i, leg in enumerate(legs):
            nxt = legs[i + 1] if i + 1 < len(legs) else None
            on = set(leg.kit_ids)
            after = set(nxt.kit_ids) if nxt else set()
            code = {k: kits[k].code for k in on | after if k in kits}
            if leg.to_venue_id:
                venue = session.get(Venue, leg.to_venue_id)
                assert venue is not None
                contacts = [
                    " · ".join(x for x in (c.name, c.role, c.phone, c.email) if x)
                    for c in session.exec(
                        select(Contact).where(
                            Contact.venue_id == venue.id, col(Contact.erased_at).is_(None)
                        )
                    )
                ]
                access = " · ".join(
                    x for x in (venue.access_notes, venue.van_parking, venue.floor) if x
                )
                stops.append(
                    SheetStop(
                        i + 1,
                        leg.arrive_at or van_day.start_at or utcnow(),
                        nxt.depart_at if nxt else None,
                        venue.name,
                        " ".join(x for x in (venue.address, venue.postcode, venue.commune) if x),
                        False,
                        venue.lat,
                        venue.lon,
                        sorted(code[k] for k in on - after),
                        sorted(code[k] for k in after - on),
                        leg.handling_minutes,
                        f"{_hm(venue.opens_at)}–{_hm(venue.closes_at)}",
                        contacts,
                        access,
                    )
                )
                if venue.lat is not None and venue.lon is not None:
                    points.append((venue.lat, venue.lon, venue.name))
            else:
                to_depot = session.get(Depot, leg.to_depot_id) if leg.to_depot_id else depot
                assert to_depot is not None
                stops.append(
                    SheetStop(
                        i + 1,
                        leg.arrive_at or van_day.end_at or utcnow(),
                        nxt.depart_at if nxt else None,
                        to_depot.name,
                        to_depot.address,
                        True,
                        to_depot.lat,
                        to_depot.lon,
                        sorted(code[k] for k in on - after),
                        sorted(code[k] for k in after - on),
                        0,
                        "",
                        [],
                        "",
                    )
                )
                points.append((to_depot.lat, to_depot.lon, to_depot.name))
                if nxt is not None:
                    for kit_id in after - on:
                        kit = kits.get(kit_id)
                        if kit is not None:
                            load_list[kit.code] = parts.get(kit_id, [])
        assert van_day.id is not None
        return VanDaySheet(
            van_day.id,
            van_day.uid,
            van.code,
            van.name,
            van_day.date,
            van_day.start_at,
            van_day.end_at,
            van_day.km,
            depot.name,
            depot.address,
            (depot.lat, depot.lon),
            stops,
            load_list,
            points,
        )


def season_map() -> dict[str, list[dict[str, Any]]]:
    """Every stop to come and the depots as points, and the van days' routes as lines.

    Columns, not entities: a season of points and lines is a few light queries."""
    today = dt.datetime.now(PARIS).date()
    with read_session() as session:
        venues = {
            vid: (lat, lon, name)
            for vid, lat, lon, name in session.exec(
                select(col(Venue.id), col(Venue.lat), col(Venue.lon), col(Venue.name))
            )
        }
        depots = {d.id: d for d in session.exec(select(Depot))}
        kits = dict(session.exec(select(col(Kit.id), col(Kit.code))).all())
        stops = session.exec(
            select(col(Stop.venue_id), col(Stop.kit_id), col(Stop.install_date)).where(
                Stop.status == StopStatus.confirmed, col(Stop.dismantle_date) >= today
            )
        ).all()
        legs = session.exec(
            select(  # type: ignore[call-overload]
                col(TransportLeg.id),
                col(TransportLeg.date),
                col(TransportLeg.from_depot_id),
                col(TransportLeg.from_venue_id),
                col(TransportLeg.to_depot_id),
                col(TransportLeg.to_venue_id),
            ).where(col(TransportLeg.date) >= today)
        ).all()
    points = [
        {
            "lat": venues[venue_id][0],
            "lon": venues[venue_id][1],
            "label": venues[venue_id][2],
            "kind": "stop",
            "kit": kits.get(kit_id, ""),
            "install": install.isoformat(),
        }
        for venue_id, kit_id, install in stops
        if venues[venue_id][0] is not None
    ] + [
        {"lat": d.lat, "lon": d.lon, "label": d.name, "kind": "depot", "kit": "", "install": ""}
        for d in depots.values()
    ]

    def end(depot_id: int | None, venue_id: int | None) -> tuple[float, float] | None:
        if depot_id:
            d = depots.get(depot_id)
            return (d.lat, d.lon) if d else None
        v = venues.get(venue_id or 0)
        return (v[0], v[1]) if v is not None and v[0] is not None and v[1] is not None else None

    lines = []
    for leg_id, day, from_depot, from_venue, to_depot, to_venue in legs:
        a, b = end(from_depot, from_venue), end(to_depot, to_venue)
        if a and b:
            lines.append(
                {
                    "leg": leg_id,
                    "date": day.isoformat(),
                    "lat": a[0],
                    "lon": a[1],
                    "lat2": b[0],
                    "lon2": b[1],
                }
            )
    return {"points": points, "lines": lines}


def landmarks() -> list[dict[str, Any]]:
    """The gazetteer's communes as light landmarks for the maps (no tiles, no CDN)."""
    return [dict(mark) for mark in _landmarks()]


@lru_cache(maxsize=1)
def _landmarks() -> tuple[dict[str, Any], ...]:
    # A shipped file that never changes while the app runs: read and parsed once.
    import json

    from booking.config import DATA_DIR

    path = DATA_DIR / "gazetteer.json"
    if not path.exists():
        return ()
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    return tuple(
        {"lat": c["lat"], "lon": c["lon"], "label": c.get("short_name") or c["name"]}
        for c in data.get("communes", [])
        if c.get("lat") is not None and c.get("insee") != "69123"
    )
