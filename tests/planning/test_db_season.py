"""The season in the database: export as a scenario, accept a plan through the booking
services, store the van days (stable uids, sequences, UTC times across clock changes)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from booking.db import read_session, transaction
from booking.errors import Conflict
from booking.models import (
    AuditEvent,
    BookingRequest,
    KitOccupancy,
    OutboxMessage,
    RequestStatus,
    TransportLeg,
    VanDay,
    Venue,
    VenueClosure,
)
from booking.planning.db_season import (
    accept_plan,
    compare_plans,
    current_stops,
    export_scenario,
    list_van_days,
    plan_van_days,
    request_key,
    season_scenario,
    van_day_sheet,
)
from booking.planning.scenario import PlanStop, load_scenario
from booking.planning.season import plan_season
from booking.services.bookings import Placement, hold_request
from tests.conftest import BOTH
from tests.factories import make_request, make_stop, world
from tests.planning.checker import assert_valid

PARIS = ZoneInfo("Europe/Paris")
D = dt.date


def _season() -> dict[str, int]:
    """Three requests to place in March–April 2027 and one approved stop in February."""
    with transaction() as session:
        w = world(session)
        ids = {}
        for venue, key in zip(w.venues, ("library", "school", "park"), strict=True):
            request, _ = make_request(
                session,
                w.exhibition,
                venue,
                windows=[(D(2027, 3, 1), D(2027, 4, 30))],
                stay_min_days=7,
                stay_max_days=14,
            )
            ids[key] = request.id
        approved, _ = make_request(session, w.exhibition, w.venues[0])
        make_stop(session, approved, w.kits[0], D(2027, 2, 2), D(2027, 2, 11), D(2027, 2, 12))
        ids["approved"] = approved.id
        session.add(VenueClosure(venue_id=w.venues[2].id, start=D(2027, 3, 1), end=D(2027, 3, 3)))
        ids["kit1"], ids["kit2"] = w.kits[0].id, w.kits[1].id
    return ids  # type: ignore[return-value]


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_export_is_a_valid_scenario_with_approved_stops_pinned(db_url: str) -> None:
    ids = _season()
    data = export_scenario()
    scenario = load_scenario(json.loads(json.dumps(data)))
    by_id = scenario.request_by_id
    assert set(by_id) == {request_key(i) for k, i in ids.items() if not k.startswith("kit")}
    pin = by_id[request_key(ids["approved"])].pinned
    assert pin is not None and pin.install == D(2027, 2, 2) and pin.kit == "self-data-1"
    park = scenario.venue_by_id["parc-champvert"]
    assert D(2027, 3, 2) in park.closed_dates
    assert scenario.vans[0].lunch_start == dt.time(12, 0)


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_accepted_plan_becomes_holds_through_the_booking_services(db_url: str) -> None:
    ids = _season()
    data = export_scenario()
    scenario = season_scenario()
    plan = plan_season(scenario, time_limit=5).plan
    assert_valid(data, plan.to_dict())
    comparison = compare_plans(scenario, current_stops(scenario), plan)
    new = [row.proposed for row in comparison.rows if row.status == "new"]
    assert len(new) == 3 and all(p is not None for p in new)
    counts = accept_plan([p for p in new if p], actor="user:staff@example.org")
    assert counts == {"held": 3, "approved": 0, "unchanged": 0}
    with read_session() as session:
        for key in ("library", "school", "park"):
            request = session.get(BookingRequest, ids[key])
            assert request is not None and request.status == RequestStatus.held
            assert request.kit_id in (ids["kit1"], ids["kit2"])
        assert len(session.exec(select(KitOccupancy)).all()) == 4
        actions = [e.action for e in session.exec(select(AuditEvent))]
        assert actions.count("request.held") == 3 and actions.count("plan.accepted") == 1
        assert session.exec(select(OutboxMessage)).all()  # the venues are told
    # accepting the same plan again changes nothing
    again = accept_plan([p for p in new if p], actor="user:staff@example.org")
    assert again["unchanged"] == 3


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_acceptance_that_meets_a_taken_kit_writes_nothing(db_url: str) -> None:
    ids = _season()
    scenario = season_scenario()
    stops = [
        PlanStop(
            request_key(ids["library"]), "self-data-2", D(2027, 3, 2), D(2027, 3, 8), D(2027, 3, 9)
        ),
        PlanStop(
            request_key(ids["school"]), "self-data-2", D(2027, 3, 9), D(2027, 3, 15), D(2027, 3, 16)
        ),
    ]
    assert scenario.requests  # the season exists
    # meanwhile someone holds the park on self-data-2 over the school's dates
    hold_request(
        ids["park"],
        Placement(ids["kit2"], D(2027, 3, 11), D(2027, 3, 17), D(2027, 3, 18)),
        actor="user:other@example.org",
        notify=False,
    )
    with pytest.raises(Conflict) as info:
        accept_plan(stops, actor="user:staff@example.org", notify=False)
    assert "déjà réservé" in info.value.message("fr")
    with read_session() as session:
        library = session.get(BookingRequest, ids["library"])
        assert library is not None and library.status == RequestStatus.submitted
        assert not session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "plan.accepted")
        ).all()


def _approve_on(install: D, last_open: D, dismantle: D) -> None:
    with transaction() as session:
        w = world(session)
        request, _ = make_request(session, w.exhibition, w.venues[0])
        make_stop(session, request, w.kits[0], install, last_open, dismantle)


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_van_days_are_stored_in_utc_across_the_clock_changes(db_url: str) -> None:
    # Tuesday 30 March 2027 (summer time since Sunday 28) and Tuesday 2 November 2027
    # (winter time since Sunday 31 October; Monday 1 November is a public holiday)
    _approve_on(D(2027, 3, 30), D(2027, 10, 29), D(2027, 11, 2))
    result = plan_van_days(start=D(2027, 3, 1), end=D(2027, 12, 31), actor="test")
    assert (result.days, result.changed, result.unassigned) == (2, 2, [])
    with read_session() as session:
        legs = session.exec(select(TransportLeg).order_by(col(TransportLeg.date))).all()
        march = [leg for leg in legs if leg.date == D(2027, 3, 30)]
        november = [leg for leg in legs if leg.date == D(2027, 11, 2)]
    out = march[0]
    assert out.arrive_at is not None and out.arrive_at.utcoffset() == dt.timedelta(0)
    local = out.arrive_at.astimezone(PARIS)
    assert local.utcoffset() == dt.timedelta(hours=2)
    assert local.time() >= dt.time(9, 0)  # opening-time delivery, shown in Paris time
    assert out.arrive_at.hour == local.hour - 2
    pickup = november[0]
    assert pickup.arrive_at is not None
    assert pickup.arrive_at.astimezone(PARIS).utcoffset() == dt.timedelta(hours=1)
    assert pickup.arrive_at.astimezone(PARIS).time() >= dt.time(10, 0)


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_replanning_keeps_uids_and_bumps_sequences_only_on_change(db_url: str) -> None:
    _approve_on(D(2027, 3, 16), D(2027, 3, 26), D(2027, 3, 26))
    window = {"start": D(2027, 3, 1), "end": D(2027, 4, 30), "actor": "test"}
    plan_van_days(**window)  # type: ignore[arg-type]
    with read_session() as session:
        before = {vd.date: (vd.uid, vd.sequence) for vd in session.exec(select(VanDay))}
        legs_before = {leg.uid: leg.sequence for leg in session.exec(select(TransportLeg))}
    assert set(before) == {D(2027, 3, 16), D(2027, 3, 26)}
    assert plan_van_days(**window).changed == 0  # type: ignore[arg-type]
    with transaction() as session:
        venue = session.exec(select(Venue).where(Venue.code == "bm-part-dieu")).one()
        venue.opens_at = dt.time(13, 0)  # the library now opens at 13:00
    assert plan_van_days(**window).changed == 2  # type: ignore[arg-type]
    with read_session() as session:
        after = {vd.date: (vd.uid, vd.sequence) for vd in session.exec(select(VanDay))}
        legs_after = {leg.uid: leg.sequence for leg in session.exec(select(TransportLeg))}
        first = session.exec(
            select(TransportLeg)
            .where(TransportLeg.date == D(2027, 3, 16))
            .order_by(col(TransportLeg.position))
        ).first()
    assert {d: uid for d, (uid, _) in after.items()} == {d: uid for d, (uid, _) in before.items()}
    assert all(after[d][1] == before[d][1] + 1 for d in before)
    assert set(legs_after) == set(legs_before)
    assert sum(legs_after.values()) > sum(legs_before.values())
    assert first is not None and first.arrive_at is not None
    assert first.arrive_at.astimezone(PARIS).time() >= dt.time(13, 0)


def test_route_sheet_read_model_has_what_the_driver_needs(sqlite_url: str) -> None:
    _approve_on(D(2027, 3, 16), D(2027, 3, 26), D(2027, 3, 26))
    plan_van_days(start=D(2027, 3, 1), end=D(2027, 4, 30), actor="test")
    rows = list_van_days(start=D(2027, 3, 1))
    sheet = van_day_sheet(rows[0]["id"])
    assert sheet.load_list and list(sheet.load_list)[0] == "self-data-1"
    assert "Panneau 12" in sheet.load_list["self-data-1"]
    venue_stop = next(s for s in sheet.stops if not s.is_depot)
    assert venue_stop.place == "Bibliothèque de la Part-Dieu"
    assert venue_stop.unload == ["self-data-1"] and venue_stop.handling_minutes == 120
    assert venue_stop.contacts and "Camille Exemple" in venue_stop.contacts[0]
    assert sheet.stops[-1].is_depot


def test_season_export_command_and_plan_file_read_back(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from booking.cli import main
    from booking.planning.db_season import import_plan
    from booking.planning.scenario import write_plan

    _season()
    out = tmp_path / "season.json"
    assert main(["season", "export", "--out", str(out)]) == 0
    assert "4 requests" in capsys.readouterr().out
    scenario = load_scenario(out)
    plan = plan_season(scenario, time_limit=3).plan
    write_plan(plan, tmp_path / "plan.json")
    back = import_plan(json.loads((tmp_path / "plan.json").read_text("utf-8")), scenario)
    assert back.stops == plan.stops
    broken = json.loads((tmp_path / "plan.json").read_text("utf-8"))
    broken["stops"][0]["kit"] = "no-such-kit"
    with pytest.raises(Exception) as info:
        import_plan(broken, scenario)
    assert "stops[0].kit" in str(info.value)


def test_requests_are_planned_from_today_even_with_a_stop_running(sqlite_url: str) -> None:
    today = dt.datetime.now(PARIS).date()
    with transaction() as session:
        w = world(session)
        running, _ = make_request(session, w.exhibition, w.venues[0])
        make_stop(
            session,
            running,
            w.kits[0],
            today - dt.timedelta(days=5),
            today + dt.timedelta(days=3),
        )
        waiting, _ = make_request(
            session,
            w.exhibition,
            w.venues[1],
            windows=[(today - dt.timedelta(days=10), today + dt.timedelta(days=60))],
        )
    data = export_scenario()
    assert data["horizon"]["start"] == (today - dt.timedelta(days=5)).isoformat()
    entry = next(r for r in data["requests"] if r["id"] == request_key(waiting.id or 0))
    assert entry["windows"] == [[today.isoformat(), (today + dt.timedelta(days=60)).isoformat()]]
    load_scenario(data)
