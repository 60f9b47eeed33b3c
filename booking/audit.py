"""Audit events: written in the same transaction as the change they describe."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from booking.models import AuditEvent


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    **details: Any,
) -> AuditEvent:
    """Add one audit event to the session's transaction (committed with the change)."""
    event = AuditEvent(
        actor=actor, action=action, entity=entity, entity_id=entity_id, details=_jsonable(details)
    )
    session.add(event)
    return event


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def list_events(
    *,
    entity: str | None = None,
    entity_id: int | None = None,
    action_prefix: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The newest audit events first, as plain rows for a page or an export."""
    from sqlmodel import col, select

    from booking.db import read_session

    query = select(AuditEvent).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    if entity:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == entity_id)
    if action_prefix:
        query = query.where(col(AuditEvent.action).startswith(action_prefix))
    query = query.offset(max(0, offset)).limit(max(1, min(limit, 1000)))
    with read_session() as session:
        return [
            {
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "details": e.details,
            }
            for e in session.exec(query)
        ]
