"""A van day routed with pyvroom: capacity, shift, lunch break, venue hours."""

from __future__ import annotations

import datetime as dt

from booking.planning.travel import GeodesicTravel
from booking.planning.vans import Move, Site, Vehicle, route_day

DAY = dt.date(2027, 3, 16)
SITES = {
    "depot": Site("depot", 45.7597, 4.8422, is_depot=True),
    "a": Site("a", 45.7606, 4.8565, 10 * 60, 19 * 60),
    "b": Site("b", 45.7485, 4.8467, 8 * 60, 17 * 60 + 30),
    "c": Site("c", 45.7678, 4.7986, 7 * 60, 20 * 60),
    "short": Site("short", 45.77, 4.85, 10 * 60, 10 * 60 + 30),
}
TRAVEL = GeodesicTravel()


def _van(**kw: object) -> Vehicle:
    values: dict = {  # type: ignore[type-arg]
        "id": "van-1",
        "depot": "depot",
        "capacity": 2,
        "shift_start": 8 * 60,
        "shift_end": 16 * 60 + 30,
    } | kw
    return Vehicle(**values)


def _deliveries(*targets: str) -> list[Move]:
    return [Move(f"kit-{i}", "depot", t, 0, 60, None, f"r{i}") for i, t in enumerate(targets, 1)]


def test_three_deliveries_with_room_for_two_kits_go_out_twice() -> None:
    day = route_day(DAY, _deliveries("a", "b", "c"), SITES, [_van()], TRAVEL)
    assert not day.unassigned
    assert max(len(leg.kits) for leg in day.legs) <= 2
    assert [leg.source for leg in day.legs].count("depot") == 2
    # one chain: each drive starts where the previous one ended, from and back to the depot
    assert day.legs[0].source == day.legs[-1].target == "depot"
    for a, b in zip(day.legs, day.legs[1:], strict=False):
        assert a.target == b.source and b.depart >= a.arrive + a.handling_minutes
    assert day.legs[0].depart >= 8 * 60 and day.legs[-1].arrive <= 16 * 60 + 30


def test_installs_start_within_opening_hours_and_times_are_whole_minutes() -> None:
    day = route_day(DAY, _deliveries("a"), SITES, [_van()], TRAVEL)
    out, back = day.legs
    assert out.target == "a" and out.unloaded == ("kit-1",) and out.handling_minutes == 60
    assert back.depart >= max(out.arrive, 10 * 60) + 60
    assert all(isinstance(x, int) for leg in day.legs for x in (leg.depart, leg.arrive))
    assert out.arrive - out.depart >= out.minutes


def test_lunch_break_is_taken_in_its_window() -> None:
    van = _van(lunch_start=12 * 60, lunch_minutes=45)
    day = route_day(DAY, _deliveries("a", "b"), SITES, [van], TRAVEL)
    assert not day.unassigned
    assert 12 * 60 <= day.lunch["van-1"] <= 13 * 60 + 30


def test_a_move_no_van_can_fit_is_returned_unassigned() -> None:
    moves = _deliveries("short")  # 60 minutes of install in a 30-minute opening
    day = route_day(DAY, moves, SITES, [_van()], TRAVEL)
    assert day.unassigned == moves
    assert day.legs == []


def test_transfer_carries_the_kit_from_venue_to_venue() -> None:
    move = Move("kit-1", "a", "c", 90, 120, "r1", "r2")
    day = route_day(DAY, [move], SITES, [_van()], TRAVEL)
    assert [(leg.source, leg.target, leg.kits) for leg in day.legs] == [
        ("depot", "a", ()),
        ("a", "c", ("kit-1",)),
        ("c", "depot", ()),
    ]
    assert day.legs[0].loaded == ("kit-1",) and day.legs[1].unloaded == ("kit-1",)
