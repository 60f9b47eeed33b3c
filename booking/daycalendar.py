"""Which days a kit can move and a venue is open: public holidays (`holidays`), school
holidays (`vacances-scolaires-france`, zone A for Lyon), transport weekdays and closures.

Nothing here is a hand-typed list of dates: the packages are the data, closures come from the
database or a scenario file. Shared by the booking services and the season planner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import holidays as _holidays
from vacances_scolaires_france import SchoolHolidayDates, UnsupportedYearException

Closure = tuple[dt.date, dt.date]  # inclusive


@lru_cache(maxsize=1)
def _school_dates() -> SchoolHolidayDates:
    return SchoolHolidayDates()


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> frozenset[dt.date]:
    return frozenset(_holidays.country_holidays(country, years=year).keys())


def public_holiday_name(day: dt.date, country: str = "FR", lang: str = "fr") -> str | None:
    names = _holidays.country_holidays(country, years=day.year, language=lang)
    return names.get(day)


def is_public_holiday(day: dt.date, country: str = "FR") -> bool:
    return day in _public_holidays(country, day.year)


@lru_cache(maxsize=4096)
def is_school_holiday(day: dt.date, zone: str = "A") -> bool:
    """True on a school-holiday day of `zone`; weekends outside holidays are not holidays.

    Beyond the years the package knows, it answers False (the package is updated yearly).
    """
    try:
        return bool(_school_dates().is_holiday_for_zone(day, zone))
    except UnsupportedYearException:
        return False


def school_holiday_years() -> tuple[int, int]:
    dates = _school_dates()
    return dates.min_year, dates.max_year


def in_closures(day: dt.date, closures: Iterable[Closure]) -> bool:
    return any(start <= day <= end for start, end in closures)


@dataclass(frozen=True)
class DayRules:
    """The calendar of a season: when vans drive."""

    transport_weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    country: str = "FR"
    school_zone: str = "A"
    closed_dates: frozenset[dt.date] = field(default_factory=frozenset)

    def is_transport_day(self, day: dt.date) -> bool:
        return (
            day.weekday() in self.transport_weekdays
            and not is_public_holiday(day, self.country)
            and day not in self.closed_dates
        )

    def venue_open(
        self,
        day: dt.date,
        *,
        open_weekdays: Iterable[int],
        closures: Iterable[Closure] = (),
        is_school: bool = False,
    ) -> bool:
        """Is the venue open that day (its weekdays, its closures, school holidays)?"""
        if day.weekday() not in set(open_weekdays):
            return False
        if in_closures(day, closures):
            return False
        if is_school and is_school_holiday(day, self.school_zone):
            return False
        return not is_public_holiday(day, self.country)

    def handling_day(
        self,
        day: dt.date,
        *,
        open_weekdays: Iterable[int],
        closures: Iterable[Closure] = (),
        is_school: bool = False,
    ) -> bool:
        """A day the kit can be installed or dismantled: a transport day the venue is open."""
        return self.is_transport_day(day) and self.venue_open(
            day, open_weekdays=open_weekdays, closures=closures, is_school=is_school
        )


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every day from `start` to `end` inclusive."""
    return [start + dt.timedelta(n) for n in range((end - start).days + 1)]
