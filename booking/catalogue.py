"""The exhibition catalogue shipped in data/exhibitions.json, and kits made from it."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select

from booking.config import DATA_DIR
from booking.models import Depot, Exhibition, Kit, KitPart, PartKind

_EXHIBITION_FIELDS = {
    "slug",
    "title",
    "subtitle",
    "summary",
    "description",
    "producer",
    "commissioner",
    "panel_count_min",
    "panel_count_max",
    "length_m",
    "setting",
    "hanging",
    "requirements",
    "audience",
    "min_stay_days",
    "max_stay_days",
    "install_minutes",
    "dismantle_minutes",
    "buffer_days",
}


def shipped_exhibitions() -> list[dict[str, Any]]:
    with open(DATA_DIR / "exhibitions.json", encoding="utf-8") as handle:
        data: list[dict[str, Any]] = json.load(handle)
    return data


def add_exhibition(session: Session, entry: dict[str, Any]) -> Exhibition:
    """Insert a catalogue entry (or return the existing one with the same slug)."""
    existing = session.exec(select(Exhibition).where(Exhibition.slug == entry["slug"])).first()
    if existing:
        return existing
    exhibition = Exhibition(**{k: v for k, v in entry.items() if k in _EXHIBITION_FIELDS})
    session.add(exhibition)
    session.flush()
    return exhibition


def add_kit(
    session: Session,
    exhibition: Exhibition,
    depot: Depot,
    *,
    code: str,
    name: str,
    parts: dict[str, Any] | None = None,
) -> Kit:
    """A kit with its checklist of parts: panels, fixing kit, guide."""
    assert exhibition.id is not None and depot.id is not None
    kit = Kit(exhibition_id=exhibition.id, code=code, name=name, depot_id=depot.id)
    session.add(kit)
    session.flush()
    assert kit.id is not None
    parts = parts or {}
    for position, label in enumerate(parts.get("panels", []), start=1):
        session.add(KitPart(kit_id=kit.id, kind=PartKind.panel, position=position, label=label))
    if parts.get("fixing_kit"):
        session.add(
            KitPart(
                kit_id=kit.id, kind=PartKind.fixing_kit, position=100, label=parts["fixing_kit"]
            )
        )
    if parts.get("guide"):
        session.add(KitPart(kit_id=kit.id, kind=PartKind.guide, position=101, label=parts["guide"]))
    session.flush()
    return kit
