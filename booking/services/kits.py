"""Kit condition: a kit damaged or out of service, a panel damaged or missing.

Staff mark it; every venue with an upcoming stop on that kit is told in the same
transaction (one message per stop and change, so marking twice does not write twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from booking import audit
from booking.db import read_session
from booking.errors import NotFound, ValidationError
from booking.i18n import add_messages, t
from booking.models import (
    BookingRequest,
    Exhibition,
    Kit,
    KitCondition,
    KitPart,
    PartCondition,
    Stop,
    StopStatus,
    Venue,
)
from booking.notifications import notify_request
from booking.services.bookings import write
from booking.services.requests import clean_text, paris_today

add_messages(
    {
        "kits.not_found": {"fr": "Kit introuvable.", "en": "Kit not found."},
        "kits.part_not_found": {"fr": "Élément du kit introuvable.", "en": "Kit part not found."},
        "kits.bad_condition": {"fr": "État inconnu.", "en": "Unknown condition."},
        "kits.condition.good": {"fr": "bon état", "en": "good"},
        "kits.condition.damaged": {"fr": "abîmé", "en": "damaged"},
        "kits.condition.out_of_service": {"fr": "hors service", "en": "out of service"},
        "kits.part.ok": {"fr": "en état", "en": "fine"},
        "kits.part.damaged": {"fr": "abîmé", "en": "damaged"},
        "kits.part.missing": {"fr": "manquant", "en": "missing"},
        "kits.problem.kit": {
            "fr": "le kit est {condition}",
            "en": "the kit is {condition}",
        },
        "kits.problem.part": {
            "fr": "« {part} » est {condition}",
            "en": '"{part}" is {condition}',
        },
    }
)


@dataclass(frozen=True)
class PartRow:
    id: int
    kind: str
    position: int
    label: str
    condition: str
    note: str


@dataclass(frozen=True)
class UpcomingStop:
    stop_id: int
    request_id: int
    venue: str
    install: dt.date
    dismantle: dt.date


@dataclass(frozen=True)
class KitRow:
    id: int
    code: str
    name: str
    exhibition: str
    condition: str
    condition_note: str
    active: bool
    parts_not_ok: int
    upcoming_stops: int


@dataclass(frozen=True)
class KitDetail:
    kit: KitRow
    parts: list[PartRow]
    upcoming: list[UpcomingStop]


def _upcoming(session: Session, kit_id: int, today: dt.date) -> list[tuple[Stop, Venue]]:
    rows = session.exec(
        select(Stop, Venue)
        .join(Venue, col(Venue.id) == Stop.venue_id)
        .where(
            Stop.kit_id == kit_id,
            Stop.status == StopStatus.confirmed,
            col(Stop.dismantle_date) >= today,
        )
        .order_by(col(Stop.install_date))
    )
    return list(rows)


def _kit_row(session: Session, kit: Kit, today: dt.date) -> KitRow:
    assert kit.id is not None
    exhibition = session.get(Exhibition, kit.exhibition_id)
    parts = session.exec(select(KitPart).where(KitPart.kit_id == kit.id)).all()
    return KitRow(
        id=kit.id,
        code=kit.code,
        name=kit.name,
        exhibition=exhibition.title if exhibition else "",
        condition=str(kit.condition),
        condition_note=kit.condition_note,
        active=kit.active,
        parts_not_ok=sum(p.condition != PartCondition.ok for p in parts),
        upcoming_stops=len(_upcoming(session, kit.id, today)),
    )


def list_kits(*, today: dt.date | None = None) -> list[KitRow]:
    today = today or paris_today()
    with read_session() as session:
        return [
            _kit_row(session, k, today) for k in session.exec(select(Kit).order_by(col(Kit.code)))
        ]


def kit_detail(kit_id: int, *, today: dt.date | None = None) -> KitDetail:
    today = today or paris_today()
    with read_session() as session:
        kit = session.get(Kit, kit_id)
        if kit is None:
            raise NotFound("kits.not_found")
        parts = session.exec(
            select(KitPart).where(KitPart.kit_id == kit_id).order_by(col(KitPart.position))
        )
        return KitDetail(
            kit=_kit_row(session, kit, today),
            parts=[
                PartRow(p.id, str(p.kind), p.position, p.label, str(p.condition), p.note)  # type: ignore[arg-type]
                for p in parts
            ],
            upcoming=[
                UpcomingStop(s.id, s.request_id, v.name, s.install_date, s.dismantle_date)  # type: ignore[arg-type]
                for s, v in _upcoming(session, kit_id, today)
            ],
        )


def record_part_change_in_session(
    session: Session,
    *,
    actor: str,
    action: str,
    kit_id: int,
    before: str,
    after: str,
    fine: str,
    note: str,
    today: dt.date,
    problem: Callable[[str], str],
    **details: object,
) -> int:
    """Audit a change of condition; when it is news of a problem, tell every venue with an
    upcoming stop on the kit (`problem(lang)` says what is wrong). Returns how many were told."""
    event = audit.record(
        session,
        actor=actor,
        action=action,
        entity="kit",
        entity_id=kit_id,
        before=before,
        after=after,
        note=note,
        **details,
    )
    session.flush()
    if after == fine or before == after:
        return 0
    told = 0
    for stop, _venue in _upcoming(session, kit_id, today):
        request = session.get(BookingRequest, stop.request_id)
        assert request is not None
        if notify_request(
            session,
            request,
            "kit_issue",
            stop=stop,
            problem=problem(request.language),
            note=note,
            dedup=f"stop-{stop.id}:event-{event.id}",
        ):
            told += 1
    return told


def _parse(kind: type[KitCondition] | type[PartCondition], value: str) -> str:
    try:
        return kind(value).value
    except ValueError:
        raise ValidationError("kits.bad_condition", field="condition") from None


def set_kit_condition(
    kit_id: int,
    condition: str,
    note: str = "",
    *,
    actor: str,
    today: dt.date | None = None,
) -> int:
    """Mark a kit good, damaged or out of service; venues with upcoming stops on it are told
    of a damage. Returns the number of venues told."""
    day = today or paris_today()
    value = _parse(KitCondition, condition)
    note = clean_text(note, "note")

    def use_case(session: Session) -> int:
        kit = session.get(Kit, kit_id)
        if kit is None:
            raise NotFound("kits.not_found")
        before = str(kit.condition)
        kit.condition, kit.condition_note = KitCondition(value), note
        return record_part_change_in_session(
            session,
            actor=actor,
            action="kit.condition_changed",
            kit_id=kit_id,
            before=before,
            after=value,
            fine=KitCondition.good.value,
            note=note,
            today=day,
            problem=lambda lang: t(
                "kits.problem.kit", lang, condition=t(f"kits.condition.{value}", lang)
            ),
        )

    return write(use_case)


def set_part_condition(
    part_id: int,
    condition: str,
    note: str = "",
    *,
    actor: str,
    today: dt.date | None = None,
) -> int:
    """Mark a panel (or the fixing kit, the guide) fine, damaged or missing; venues with
    upcoming stops on its kit are told of a problem. Returns the number of venues told."""
    day = today or paris_today()
    value = _parse(PartCondition, condition)
    note = clean_text(note, "note")

    def use_case(session: Session) -> int:
        part = session.get(KitPart, part_id)
        if part is None:
            raise NotFound("kits.part_not_found")
        before = str(part.condition)
        part.condition, part.note = PartCondition(value), note
        label = part.label
        return record_part_change_in_session(
            session,
            actor=actor,
            action="kit.part_condition_changed",
            kit_id=part.kit_id,
            before=before,
            after=value,
            fine=PartCondition.ok.value,
            note=note,
            today=day,
            problem=lambda lang: t(
                "kits.problem.part", lang, part=label, condition=t(f"kits.part.{value}", lang)
            ),
            part_id=part.id,
            part=label,
        )

    return write(use_case)
