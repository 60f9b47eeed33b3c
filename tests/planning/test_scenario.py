"""Scenario files are validated whole before solving, and the bad field is named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from booking.cli import main
from booking.planning.scenario import ScenarioError, load_scenario, scenario_to_dict
from tests.planning.conftest import scenario


def _bad(mutate: Any) -> dict[str, Any]:
    data = scenario()
    mutate(data)
    return data


CASES = [
    ("unknown venue", lambda d: d["requests"][0].update(venue="nowhere"), "requests[0].venue"),
    (
        "window end before start",
        lambda d: d["requests"][0].update(windows=[["2027-03-01", "2027-02-01"]]),
        "requests[0].windows[0]",
    ),
    (
        "window outside the horizon",
        lambda d: d["requests"][0].update(windows=[["2027-06-01", "2027-08-01"]]),
        "requests[0].windows[0][1]",
    ),
    ("empty windows", lambda d: d["requests"][0].update(windows=[]), "requests[0].windows"),
    (
        "negative stay",
        lambda d: d["requests"][0].update(stay_days=[-3, 7]),
        "requests[0].stay_days[0]",
    ),
    (
        "negative handling",
        lambda d: d["handling"].update(install_minutes=-10),
        "handling.install_minutes",
    ),
    ("latitude out of range", lambda d: d["venues"][1].update(lat=95.0), "venues[1].lat"),
    ("longitude out of range", lambda d: d["depots"][0].update(lon=-200), "depots[0].lon"),
    (
        "exhibition without a kit",
        lambda d: d["requests"][0].update(exhibition="other-show"),
        "requests[0].exhibition",
    ),
    ("duplicate id", lambda d: d["venues"].append(dict(d["venues"][0])), "venues[3].id"),
    ("bad date", lambda d: d["horizon"].update(start="2027-13-01"), "horizon.start"),
    ("unknown kit depot", lambda d: d["kits"][0].update(depot="elsewhere"), "kits[0].depot"),
    ("shift backwards", lambda d: d["vans"][0].update(shift_end="07:00"), "vans[0].shift_end"),
    ("bad version", lambda d: d.update(version=2), "version"),
]


@pytest.mark.parametrize(("name", "mutate", "field"), CASES, ids=[c[0] for c in CASES])
def test_invalid_scenario_names_the_field(name: str, mutate: Any, field: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(_bad(mutate))
    assert info.value.field == field
    assert info.value.message("en").startswith(f"{field}: ")
    assert info.value.message("fr").startswith(f"{field} : ")


def test_contract_example_loads_and_round_trips() -> None:
    loaded = load_scenario(scenario())
    assert loaded.requests[0].windows[0][0].isoformat() == "2027-01-11"
    assert load_scenario(scenario_to_dict(loaded)) == loaded


def test_school_venue_closed_in_zone_a_holidays_and_public_holidays_stop_vans() -> None:
    s = load_scenario(scenario())
    school = s.venue_by_id["college-test"]
    import datetime as dt

    assert s.venue_open(school, dt.date(2027, 2, 16)) is False  # zone A winter holidays
    assert s.venue_open(school, dt.date(2027, 3, 16)) is True
    assert s.is_transport_day(dt.date(2027, 5, 6)) is False  # Ascension Thursday
    assert s.is_transport_day(dt.date(2027, 5, 12)) is True


def test_cli_refuses_an_invalid_scenario_with_exit_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = scenario()
    data["requests"] = [dict(data["requests"][0], id=f"r-{i}") for i in range(4)]
    data["requests"][3]["windows"] = [["2027-03-01", "2027-02-01"]]
    path, out = tmp_path / "season.json", tmp_path / "plan.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code = main(["plan", "--scenario", str(path), "--out", str(out), "--lang", "en"])
    assert code == 2
    assert "requests[3].windows[0]: end before start" in capsys.readouterr().err
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]


def test_cli_refuses_a_file_that_is_not_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, out = tmp_path / "season.json", tmp_path / "plan.json"
    path.write_text("{not json", encoding="utf-8")
    assert main(["plan", "--scenario", str(path), "--out", str(out)]) == 2
    assert "illisible" in capsys.readouterr().err
    assert not out.exists()
