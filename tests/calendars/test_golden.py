"""Golden files: exports of a fixed world compared byte for byte, on SQLite and PostgreSQL, and
read back by both parsers to check the instants a person would see in their calendar.

Regenerate after an intended change with `TOURNEE_UPDATE_GOLDEN=1 pytest tests/calendars`,
then read the diff: every changed line must be explained by the change.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from booking.calendars import export_calendar
from tests.calendars.factories_calendars import Tour
from tests.calendars.parsing import read_events
from tests.conftest import BOTH

GOLDEN = Path(__file__).parent / "golden"
UTC = dt.UTC

CASES: dict[str, Callable[[Tour], str]] = {
    "stop_march": lambda t: f"stop:{t.stops['march'].id}",
    "stop_october": lambda t: f"stop:{t.stops['october'].id}",
    "stop_month_end": lambda t: f"stop:{t.stops['month_end'].id}",
    "stop_one_day": lambda t: f"stop:{t.stops['one_day'].id}",
    "stop_cancelled": lambda t: f"stop:{t.stops['cancelled'].id}",
    "van_march": lambda t: f"van:{t.van_march.id}",
    "van_october": lambda t: f"van:{t.van_october.id}",
    "venue_college": lambda t: f"venue:{t.college.id}",
    "kit_b": lambda t: f"kit:{t.kit_b.id}",
    "tuba": lambda t: "tuba",
    "all": lambda t: "all",
}


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
@pytest.mark.parametrize("case", sorted(CASES))
def test_export_matches_golden_file(world_tour: Tour, case: str) -> None:
    data = export_calendar(CASES[case](world_tour))
    path = GOLDEN / f"{case}.ics"
    if os.environ.get("TOURNEE_UPDATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert data == path.read_bytes(), f"{case}: the export changed (see the module docstring)"
    read_events(data)  # both parsers agree on every event


def _read(name: str) -> dict:
    return read_events((GOLDEN / f"{name}.ics").read_bytes())


def test_stop_across_the_march_change() -> None:
    """Installed on Monday 22 March (CET, UTC+1), dismantled on Friday 2 April (CEST, UTC+2),
    both at the library's 10:00 opening: the calendar shows 10:00 both times."""
    events = _read("stop_march")
    open_period = events["stop-march@tournee.test"]
    assert (open_period.start, open_period.end) == (dt.date(2027, 3, 22), dt.date(2027, 4, 2))
    install = events["install-stop-march@tournee.test"]
    assert (install.start, install.end) == (utc(2027, 3, 22, 9), utc(2027, 3, 22, 11))
    dismantle = events["dismantle-stop-march@tournee.test"]
    assert (dismantle.start, dismantle.end) == (utc(2027, 4, 2, 8), utc(2027, 4, 2, 9, 30))
    assert "Contact" not in (GOLDEN / "stop_march.ics").read_text(encoding="utf-8")


def test_stop_across_the_october_change() -> None:
    events = _read("stop_october")
    assert events["install-stop-october@tournee.test"].start == utc(2027, 10, 25, 8)  # CEST
    assert events["dismantle-stop-october@tournee.test"].start == utc(2027, 11, 8, 9)  # CET


def test_van_legs_across_the_march_change() -> None:
    events = _read("van_march")
    night = events["leg-night-march@tournee.test"]  # 01:30 CET → 03:30 CEST: one hour
    assert (night.start, night.end) == (utc(2027, 3, 28, 0, 30), utc(2027, 3, 28, 1, 30))
    delivery = events["leg-delivery@tournee.test"]
    assert (delivery.start, delivery.end) == (utc(2027, 3, 26, 7, 30), utc(2027, 3, 26, 8, 5))
    pickup = events["leg-pickup@tournee.test"]
    assert (pickup.start, pickup.sequence) == (utc(2027, 3, 29, 12), 1)
    assert events["vanday-van-mars-2027-03-29@tournee.test"].start == dt.date(2027, 3, 29)
    text = (GOLDEN / "van_march.ics").read_text(encoding="utf-8")
    assert "DTSTART;TZID=Europe/Paris:20270328T013000" in text
    assert "DTEND;TZID=Europe/Paris:20270328T033000" in text


def test_van_legs_across_the_october_change() -> None:
    events = _read("van_october")
    night = events["leg-night-october@tournee.test"]  # 02:15 CEST → 02:45 CET: 90 minutes
    assert (night.start, night.end) == (utc(2027, 10, 31, 0, 15), utc(2027, 10, 31, 1, 45))
    assert events["leg-before-october@tournee.test"].start == utc(2027, 10, 29, 6)
    assert events["leg-after-october@tournee.test"].start == utc(2027, 11, 2, 7)
    text = (GOLDEN / "van_october.ics").read_text(encoding="utf-8")
    assert "DTSTART;TZID=Europe/Paris:20271029T080000" in text  # 08:00 CEST
    assert "DTSTART;TZID=Europe/Paris:20271102T080000" in text  # 08:00 CET
    assert "DTSTART:20271031T001500Z" in text  # the repeated hour, said in UTC


def test_stop_over_a_month_end_and_one_day_stop() -> None:
    month_end = _read("stop_month_end")["stop-month-end@tournee.test"]
    assert (month_end.start, month_end.end) == (dt.date(2027, 1, 25), dt.date(2027, 2, 4))
    events = _read("stop_one_day")
    one_day = events["stop-one-day@tournee.test"]
    assert (one_day.start, one_day.end) == (dt.date(2027, 6, 15), dt.date(2027, 6, 16))
    # installed at the 08:00 opening, taken down before the 17:30 closing (CEST)
    assert events["install-stop-one-day@tournee.test"].start == utc(2027, 6, 15, 6)
    dismantle = events["dismantle-stop-one-day@tournee.test"]
    assert (dismantle.start, dismantle.end) == (utc(2027, 6, 15, 14), utc(2027, 6, 15, 15, 30))


def test_install_and_dismantle_follow_the_van() -> None:
    """The college stop: the van arrives at 09:05 (install from then), leaves at 14:00
    (dismantle until then); their SEQUENCE counts the legs' changes."""
    events = _read("venue_college")
    install = events["install-stop-march-college@tournee.test"]
    assert (install.start, install.end, install.sequence) == (
        utc(2027, 3, 26, 8, 5),
        utc(2027, 3, 26, 10, 5),
        1,
    )
    dismantle = events["dismantle-stop-march-college@tournee.test"]
    assert (dismantle.start, dismantle.end, dismantle.sequence) == (
        utc(2027, 3, 29, 10, 30),
        utc(2027, 3, 29, 12),
        2,
    )


def test_cancelled_stop_stays_with_its_sequence_bumped() -> None:
    events = _read("stop_cancelled")
    assert {e.status for e in events.values()} == {"CANCELLED"}
    assert {e.sequence for e in events.values()} == {1}
    assert all(e.summary.startswith("ANNULÉ – ") for e in events.values())
    text = (GOLDEN / "stop_cancelled.ics").read_text(encoding="utf-8")
    assert "DTSTAMP:20261204T093000Z" in text and "LAST-MODIFIED:20261204T093000Z" in text
    assert "Travaux imprévus" not in text  # the reason is for staff views only


def test_tuba_view_shows_open_periods_only_without_contacts() -> None:
    events = _read("tuba")
    assert all(
        isinstance(e.start, dt.date) and not isinstance(e.start, dt.datetime)
        for e in events.values()
    )
    assert len(events) == 6
    text = (GOLDEN / "tuba.ics").read_text(encoding="utf-8")
    assert "@example.org" not in text and "UID:leg-" not in text
