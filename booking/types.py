"""Column types that keep time honest.

`UTCDateTime` refuses naive datetimes on every database (SQLite included), stores UTC and
gives back aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class NaiveDatetimeError(ValueError):
    """A naive datetime reached the data layer."""


class UTCDateTime(TypeDecorator[dt.datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            from booking.errors import ValidationError

            raise ValidationError("error.naive_datetime")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            # SQLite has no time zone type: store naive UTC, re-attach UTC on the way out.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def paris_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Europe/Paris (a request sent at 00:30 in Lyon is sent "today")."""
    from zoneinfo import ZoneInfo

    from booking.config import TIMEZONE

    return (now or utcnow()).astimezone(ZoneInfo(TIMEZONE)).date()
