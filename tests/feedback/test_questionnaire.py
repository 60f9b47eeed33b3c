"""The questionnaire is data: shipped as JSON, saved as new versions, validated."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlmodel import select

from booking import db
from booking.errors import Conflict, ValidationError
from booking.feedback.questionnaire import (
    active_questionnaire,
    default_definition,
    ensure_default_questionnaire,
    get_questionnaire,
    list_questionnaires,
    save_questionnaire,
)
from booking.models import AuditEvent, Questionnaire
from tests.conftest import BOTH

pytestmark = pytest.mark.parametrize("db_url", BOTH, indirect=True)


def _rows() -> list[Questionnaire]:
    with db.read_session() as session:
        return list(session.exec(select(Questionnaire).order_by(Questionnaire.version)))


def test_the_shipped_questionnaire_is_loaded_once(db_url: str) -> None:
    first = ensure_default_questionnaire()
    again = ensure_default_questionnaire()
    assert first.version == again.version == 1 and first.active
    assert [i["key"] for i in first.definition["ideas"]["items"]][:3] == [
        "nothing_to_hide",
        "just_one_click",
        "data_belongs_to_companies",
    ]
    assert len(_rows()) == 1
    with db.read_session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert actions == ["questionnaire.created"]


def test_joining_the_callers_transaction(db_url: str) -> None:
    with db.transaction() as session:
        info = ensure_default_questionnaire(session=session)
        assert info.version == 1
    assert len(_rows()) == 1


def test_an_edit_is_a_new_active_version(db_url: str) -> None:
    ensure_default_questionnaire()
    edited = default_definition()
    edited["ideas"]["items"].append(
        {"key": "free_means_harmless", "label": {"fr": "« C'est gratuit, donc sans danger »"}}
    )
    saved = save_questionnaire(edited, actor="user:tuba@example.org", based_on=1)
    assert saved.version == 2 and saved.active
    assert active_questionnaire() == get_questionnaire(2)
    assert [r.active for r in _rows()] == [False, True]
    assert get_questionnaire(1).definition == default_definition()  # version 1 never changes
    assert [q.version for q in list_questionnaires()] == [2, 1]
    with db.read_session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.entity_id == saved_id(2))).one()
    assert event.action == "questionnaire.created" and event.actor == "user:tuba@example.org"


def saved_id(version: int) -> int | None:
    with db.read_session() as session:
        return session.exec(select(Questionnaire.id).where(Questionnaire.version == version)).one()


def test_two_editors_cannot_overwrite_each_other(db_url: str) -> None:
    ensure_default_questionnaire()
    save_questionnaire(default_definition(), actor="a", based_on=1)
    with pytest.raises(Conflict):
        save_questionnaire(default_definition(), actor="b", based_on=1)
    assert len(_rows()) == 2


def _broken(change: Any) -> dict[str, Any]:
    definition = copy.deepcopy(default_definition())
    change(definition)
    return definition


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["title"].pop("fr"), "Texte français manquant"),
        (lambda d: d["ideas"]["items"].append(dict(d["ideas"]["items"][0])), "apparaît deux fois"),
        (
            lambda d: d["age_band"]["options"].append(
                {"value": "Plus de 100 ans", "label": {"fr": "x"}}
            ),
            "non valide",
        ),
        (
            lambda d: d["age_band"]["options"].append({"value": "a" * 17, "label": {"fr": "x"}}),
            "16 caractères",
        ),
        (lambda d: d["rating"]["options"].pop(), None),
        (lambda d: d["ideas"]["scale"].reverse(), "dans l'ordre"),
        (lambda d: d["ideas"].update(items=[]), "entre 1 et 10"),
        (lambda d: d["comment"].update(max_length=5000), "entre 50 et 500"),
        (lambda d: d["will_do"]["options"][0]["label"].update(fr="x" * 301), "trop long"),
        (lambda d: d.pop("came_with"), "mal formé"),
    ],
)
def test_a_broken_edit_is_refused_and_nothing_is_saved(
    db_url: str, change: Any, message: str | None
) -> None:
    ensure_default_questionnaire()
    definition = _broken(change)
    if message is None:  # 4 rating levels is fine
        assert save_questionnaire(definition, actor="a", based_on=1).version == 2
        return
    with pytest.raises(ValidationError, match=message):
        save_questionnaire(definition, actor="a", based_on=1)
    assert len(_rows()) == 1
