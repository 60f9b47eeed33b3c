"""A kit's occupancy: the one place holds and stops take a kit's days.

The database refuses overlaps (exclusion constraint / trigger); this module checks first to
name the conflict in words, and turns the database's refusal (a race lost to another
process) into the same message.
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col, select

from booking.errors import Conflict, ValidationError
from booking.i18n import add_messages, format_date
from booking.models import KitOccupancy, OccupancyKind

DEADLOCK_ATTEMPTS = 5

add_messages(
    {
        "occupancy.kit_taken": {
            "fr": "Ce kit est déjà réservé ou mis de côté du {start} au {end}.",
            "en": "This kit is already held or booked from {start} to {end}.",
        },
        "occupancy.bad_dates": {
            "fr": "Dates incohérentes : l'installation ({install}) doit précéder le démontage ({dismantle}).",
            "en": "Inconsistent dates: installation ({install}) must come before dismantling ({dismantle}).",
        },
    }
)


def occupancy_range(
    install: dt.date, dismantle: dt.date, buffer_days: int
) -> tuple[dt.date, dt.date]:
    """[start, end) of the days a stop takes its kit, turnaround buffer included."""
    if dismantle < install:
        raise ValidationError(
            "occupancy.bad_dates", install=install.isoformat(), dismantle=dismantle.isoformat()
        )
    end = max(dismantle + dt.timedelta(days=max(0, buffer_days)), install + dt.timedelta(days=1))
    return install, end


def conflicts(
    session: Session,
    kit_id: int,
    start: dt.date,
    end: dt.date,
    *,
    exclude_request: int | None = None,
) -> list[KitOccupancy]:
    """Occupancies of the kit that overlap [start, end)."""
    query = select(KitOccupancy).where(
        KitOccupancy.kit_id == kit_id, col(KitOccupancy.start) < end, col(KitOccupancy.end) > start
    )
    if exclude_request is not None:
        query = query.where(KitOccupancy.request_id != exclude_request)
    return list(session.exec(query.order_by(col(KitOccupancy.start))))


def _taken(session: Session, other: KitOccupancy, lang: str) -> Conflict:
    # Name the other booking's own dates (install → dismantle), not the buffered range.
    from booking.models import BookingRequest

    request = session.get(BookingRequest, other.request_id)
    last = request.dismantle if request and request.dismantle else other.end - dt.timedelta(days=1)
    return Conflict(
        "occupancy.kit_taken", start=format_date(other.start, lang), end=format_date(last, lang)
    )


def occupy(
    session: Session,
    *,
    request_id: int,
    kit_id: int,
    kind: OccupancyKind,
    install: dt.date,
    dismantle: dt.date,
    buffer_days: int,
    lang: str = "fr",
) -> KitOccupancy:
    """Take the kit's days for this request (replacing the request's previous occupancy).

    Raises Conflict naming the dates when another hold or stop has them, whether seen here
    or refused by the database because another transaction got there first.
    """
    start, end = occupancy_range(install, dismantle, buffer_days)
    clash = conflicts(session, kit_id, start, end, exclude_request=request_id)
    if clash:
        raise _taken(session, clash[0], lang)
    existing = session.exec(
        select(KitOccupancy).where(KitOccupancy.request_id == request_id)
    ).first()
    for attempt in range(DEADLOCK_ATTEMPTS):
        try:
            with session.begin_nested():
                if existing is None:
                    existing = KitOccupancy(
                        request_id=request_id, kit_id=kit_id, kind=kind, start=start, end=end
                    )
                else:
                    existing.kit_id, existing.kind = kit_id, kind
                    existing.start, existing.end = start, end
                session.add(existing)
                session.flush()
            return existing
        except IntegrityError:
            clash = conflicts(session, kit_id, start, end, exclude_request=request_id)
            if clash:
                raise _taken(session, clash[0], lang) from None
            raise
        except OperationalError as exc:
            # PostgreSQL may pick this insert as the victim of a deadlock inside the exclusion
            # constraint's check. The savepoint keeps the transaction usable: try again; the
            # retry waits for the other writer and then meets its row (the Conflict above).
            if getattr(exc.orig, "sqlstate", None) != "40P01" or attempt == DEADLOCK_ATTEMPTS - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def release(session: Session, request_id: int) -> bool:
    """Free the kit's days held by this request; True when there were any."""
    existing = session.exec(
        select(KitOccupancy).where(KitOccupancy.request_id == request_id)
    ).first()
    if existing is None:
        return False
    session.delete(existing)
    session.flush()
    return True
