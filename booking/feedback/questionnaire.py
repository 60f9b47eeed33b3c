"""The visitor questionnaire: versioned data that Tuba edits between stops.

The default ships as `data/questionnaire_v1.json`. Saving an edited questionnaire always makes
a new version (answers keep the version they answered); versions are never changed after.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from booking import audit
from booking.config import DATA_DIR
from booking.db import get_engine, read_session, transaction
from booking.errors import Conflict, ValidationError
from booking.i18n import add_messages
from booking.models import Questionnaire

DEFAULT_FILE = DATA_DIR / "questionnaire_v1.json"
SCHEMA = 1
MAX_TEXT = 300
MAX_COMMENT = 500  # FeedbackResponse.comment's column size
ACTIVE_TTL_SECONDS = 5.0

# (section, key pattern, max key length, min options, max options)
_CHOICE_SECTIONS = {
    "will_do": (40, 1, 12),
    "age_band": (16, 2, 12),  # FeedbackResponse.age_band holds 16 characters
    "came_with": (16, 2, 12),
}
_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")

_SECTION_NAMES = {
    "title": ("titre", "title"),
    "intro": ("introduction", "introduction"),
    "rating": ("note de la visite", "rating of the visit"),
    "ideas": ("idées reçues", "received ideas"),
    "ideas.scale": ("échelle des idées reçues", "scale of the received ideas"),
    "will_do": ("ce que je ferai", "what I will do"),
    "age_band": ("âge", "age"),
    "came_with": ("venu·e avec", "came with"),
    "comment": ("commentaire", "comment"),
}

add_messages(
    {
        "questionnaire.missing_text": {
            "fr": "Texte français manquant ({where_fr}).",
            "en": "French text missing ({where_en}).",
        },
        "questionnaire.text_too_long": {
            "fr": "Texte trop long ({where_fr}) : {max} caractères au plus.",
            "en": "Text too long ({where_en}): at most {max} characters.",
        },
        "questionnaire.bad_key": {
            "fr": "Clé « {key} » non valide ({where_fr}) : minuscules sans accent, chiffres et _, {max} caractères au plus.",
            "en": 'Key "{key}" is not valid ({where_en}): lowercase letters, digits and _, at most {max} characters.',
        },
        "questionnaire.duplicate_key": {
            "fr": "La clé « {key} » apparaît deux fois ({where_fr}).",
            "en": 'The key "{key}" appears twice ({where_en}).',
        },
        "questionnaire.option_count": {
            "fr": "Il faut entre {min} et {max} choix ({where_fr}).",
            "en": "Between {min} and {max} choices are needed ({where_en}).",
        },
        "questionnaire.bad_scale": {
            "fr": "Les valeurs doivent être 1, 2, 3… dans l'ordre ({where_fr}).",
            "en": "Values must be 1, 2, 3… in order ({where_en}).",
        },
        "questionnaire.bad_comment_length": {
            "fr": "La longueur maximale du commentaire doit être comprise entre 50 et {max} caractères.",
            "en": "The comment's maximum length must be between 50 and {max} characters.",
        },
        "questionnaire.bad_shape": {
            "fr": "Questionnaire mal formé ({where_fr}).",
            "en": "Malformed questionnaire ({where_en}).",
        },
    }
)


@dataclass(frozen=True)
class QuestionnaireInfo:
    """One version of the questionnaire, as plain data."""

    version: int
    title: str
    definition: dict[str, Any]
    active: bool
    created_at: dt.datetime
    created_by: str


def text(node: Mapping[str, Any] | None, lang: str) -> str:
    """The text of a `{"fr": ..., "en": ...}` node in `lang`, French when missing."""
    if not node:
        return ""
    return str(node.get(lang) or node.get("fr") or "")


def idea_keys(definition: Mapping[str, Any]) -> list[str]:
    return [item["key"] for item in definition["ideas"]["items"]]


def option_values(definition: Mapping[str, Any], section: str) -> list[Any]:
    return [option["value"] for option in definition[section]["options"]]


def scale_values(definition: Mapping[str, Any]) -> list[int]:
    return [option["value"] for option in definition["ideas"]["scale"]]


def default_definition() -> dict[str, Any]:
    """The shipped questionnaire (data/questionnaire_v1.json), validated."""
    with open(DEFAULT_FILE, encoding="utf-8") as handle:
        return validate_definition(json.load(handle))


# ---------------------------------------------------------------------------- validation


def _where(section: str, row: int | None = None) -> dict[str, str]:
    fr, en = _SECTION_NAMES.get(section, (section, section))
    if row is not None:
        fr, en = f"{fr}, ligne {row}", f"{en}, row {row}"
    return {"where_fr": fr, "where_en": en}


def _text_node(value: Any, section: str, row: int | None = None) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValidationError("questionnaire.missing_text", field=section, **_where(section, row))
    result = {}
    for language in ("fr", "en"):
        raw = value.get(language)
        cleaned = " ".join(str(raw).split()) if raw is not None else ""
        if len(cleaned) > MAX_TEXT:
            raise ValidationError(
                "questionnaire.text_too_long", field=section, max=MAX_TEXT, **_where(section, row)
            )
        if cleaned:
            result[language] = cleaned
    if "fr" not in result:
        raise ValidationError("questionnaire.missing_text", field=section, **_where(section, row))
    return result


def _section(definition: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = definition.get(name)
    if not isinstance(value, Mapping):
        raise ValidationError("questionnaire.bad_shape", field=name, **_where(name))
    return value


def _list(value: Any, section: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValidationError("questionnaire.bad_shape", field=section, **_where(section))
    return value


def _key(value: Any, section: str, row: int, max_len: int) -> str:
    key = str(value or "").strip()
    if not _KEY_RE.match(key) or len(key) > max_len:
        raise ValidationError(
            "questionnaire.bad_key", field=section, key=key, max=max_len, **_where(section, row)
        )
    return key


def _scale(options: Any, section: str, lo: int, hi: int) -> list[dict[str, Any]]:
    options = _list(options, section)
    if not lo <= len(options) <= hi:
        raise ValidationError(
            "questionnaire.option_count", field=section, min=lo, max=hi, **_where(section)
        )
    result = []
    for i, option in enumerate(options, start=1):
        if not isinstance(option, Mapping) or option.get("value") != i:
            raise ValidationError("questionnaire.bad_scale", field=section, **_where(section, i))
        result.append({"value": i, "label": _text_node(option.get("label"), section, i)})
    return result


def _keyed(items: Any, section: str, key_field: str, max_len: int, lo: int, hi: int) -> list[Any]:
    items = _list(items, section)
    if not lo <= len(items) <= hi:
        raise ValidationError(
            "questionnaire.option_count", field=section, min=lo, max=hi, **_where(section)
        )
    seen: set[str] = set()
    result = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            raise ValidationError("questionnaire.bad_shape", field=section, **_where(section, i))
        key = _key(item.get(key_field), section, i, max_len)
        if key in seen:
            raise ValidationError(
                "questionnaire.duplicate_key", field=section, key=key, **_where(section, i)
            )
        seen.add(key)
        result.append({key_field: key, "label": _text_node(item.get("label"), section, i)})
    return result


def validate_definition(definition: Mapping[str, Any]) -> dict[str, Any]:
    """A clean copy of `definition`, or a ValidationError naming the first problem.

    The shape is fixed (rating, received ideas before → after, what I will do, age band, how I
    came, optional comment); labels, ideas and choices are the data Tuba edits.
    """
    if not isinstance(definition, Mapping):
        raise ValidationError("questionnaire.bad_shape", **_where("title"))
    rating = _section(definition, "rating")
    ideas = _section(definition, "ideas")
    comment = _section(definition, "comment")
    clean: dict[str, Any] = {
        "schema": SCHEMA,
        "title": _text_node(definition.get("title"), "title"),
        "intro": _text_node(definition.get("intro"), "intro"),
        "rating": {
            "label": _text_node(rating.get("label"), "rating"),
            "options": _scale(rating.get("options"), "rating", 3, 10),
        },
        "ideas": {
            "label": _text_node(ideas.get("label"), "ideas"),
            "before": _text_node(ideas.get("before"), "ideas"),
            "after": _text_node(ideas.get("after"), "ideas"),
            "scale": _scale(ideas.get("scale"), "ideas.scale", 2, 7),
            "items": _keyed(ideas.get("items"), "ideas", "key", 40, 1, 10),
        },
    }
    for name, (max_len, lo, hi) in _CHOICE_SECTIONS.items():
        section = _section(definition, name)
        clean[name] = {
            "label": _text_node(section.get("label"), name),
            "options": _keyed(section.get("options"), name, "value", max_len, lo, hi),
        }
    max_length = comment.get("max_length", MAX_COMMENT)
    if not isinstance(max_length, int) or not 50 <= max_length <= MAX_COMMENT:
        raise ValidationError("questionnaire.bad_comment_length", field="comment", max=MAX_COMMENT)
    clean["comment"] = {
        "enabled": bool(comment.get("enabled", True)),
        "label": _text_node(comment.get("label"), "comment"),
        "warning": _text_node(comment.get("warning"), "comment"),
        "max_length": max_length,
    }
    return clean


# ---------------------------------------------------------------------------- reading


def _info(row: Questionnaire) -> QuestionnaireInfo:
    return QuestionnaireInfo(
        version=row.version,
        title=row.title,
        definition=copy.deepcopy(row.definition),
        active=row.active,
        created_at=row.created_at,
        created_by=row.created_by,
    )


_cache_lock = threading.Lock()
_by_version: dict[tuple[str, int], QuestionnaireInfo] = {}  # versions never change
_active: dict[str, tuple[float, int]] = {}  # engine url -> (read at, active version)


def _engine_key(engine: Engine | None) -> tuple[Engine, str]:
    engine = engine or get_engine()
    return engine, engine.url.render_as_string(hide_password=True)


def _forget_active() -> None:
    with _cache_lock:
        _active.clear()


def clear_cache() -> None:
    """Forget every cached version (tests that empty the database between runs)."""
    with _cache_lock:
        _active.clear()
        _by_version.clear()


def get_questionnaire(version: int, *, engine: Engine | None = None) -> QuestionnaireInfo | None:
    """One version (cached in memory: a saved version never changes)."""
    engine, key = _engine_key(engine)
    with _cache_lock:
        cached = _by_version.get((key, version))
    if cached is not None:
        return cached
    with read_session(engine) as session:
        row = session.exec(select(Questionnaire).where(Questionnaire.version == version)).first()
        if row is None:
            return None
        info = _info(row)
    with _cache_lock:
        _by_version[(key, version)] = info
    return info


def _active_row(session: Session) -> Questionnaire | None:
    return session.exec(
        select(Questionnaire)
        .where(col(Questionnaire.active).is_(True))
        .order_by(col(Questionnaire.version).desc())
    ).first()


def active_questionnaire(*, engine: Engine | None = None) -> QuestionnaireInfo | None:
    """The version visitors answer now (its number is re-read every few seconds)."""
    engine, key = _engine_key(engine)
    now = time.monotonic()
    with _cache_lock:
        cached = _active.get(key)
    if cached is None or now - cached[0] > ACTIVE_TTL_SECONDS:
        with read_session(engine) as session:
            row = _active_row(session)
            if row is None:
                return None
            version = row.version
        with _cache_lock:
            _active[key] = (now, version)
    else:
        version = cached[1]
    return get_questionnaire(version, engine=engine)


def list_questionnaires() -> list[QuestionnaireInfo]:
    """Every version, newest first."""
    with read_session() as session:
        rows = session.exec(select(Questionnaire).order_by(col(Questionnaire.version).desc()))
        return [_info(r) for r in rows]


def all_definitions() -> dict[int, dict[str, Any]]:
    """Every version's definition by version number (labels for the dashboard and exports)."""
    with read_session() as session:
        rows = session.exec(select(Questionnaire.version, Questionnaire.definition))
        return {int(v): dict(d) for v, d in rows}


# ---------------------------------------------------------------------------- writing


def _add_version(
    session: Session, version: int, definition: dict[str, Any], actor: str, **details: Any
) -> Questionnaire:
    """A new active version (the caller has deactivated the previous one), audited."""
    row = Questionnaire(
        version=version,
        title=text(definition["title"], "fr"),
        definition=definition,
        active=True,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="questionnaire.created",
        entity="questionnaire",
        entity_id=row.id,
        version=version,
        **details,
    )
    return row


def _ensure_in_session(session: Session, actor: str) -> Questionnaire:
    """The active row, creating version 1 (or re-activating the newest) inside `session`."""
    active = _active_row(session)
    if active is not None:
        return active
    newest = session.exec(select(Questionnaire).order_by(col(Questionnaire.version).desc())).first()
    if newest is None:
        return _add_version(session, 1, default_definition(), actor)
    # Versions exist but none is active (edited by hand): the newest becomes active.
    newest.active = True
    session.add(newest)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="questionnaire.activated",
        entity="questionnaire",
        entity_id=newest.id,
        version=newest.version,
    )
    return newest


def ensure_default_questionnaire(
    *, actor: str = "system", session: Session | None = None
) -> QuestionnaireInfo:
    """The active questionnaire, creating version 1 from the shipped file when there is none.

    Idempotent and safe when two processes call it at once. With `session`, the work joins the
    caller's transaction (the demo loader's).
    """
    if session is not None:
        return _info(_ensure_in_session(session, actor))
    existing = active_questionnaire()
    if existing is not None:
        return existing
    try:
        with transaction() as own:
            _ensure_in_session(own, actor)
    except IntegrityError:
        pass  # another process created it first
    _forget_active()
    info = active_questionnaire()
    assert info is not None
    return info


def save_questionnaire(
    definition: Mapping[str, Any], *, actor: str, based_on: int | None
) -> QuestionnaireInfo:
    """Save an edited questionnaire as a new version and make it the active one.

    `based_on` is the version the editor started from: if someone saved another version in
    the meantime the save is refused (Conflict) rather than silently overwriting their work.
    """
    clean = validate_definition(definition)
    try:
        with transaction() as session:
            current = _active_row(session)
            if (current.version if current else None) != based_on:
                raise Conflict("error.conflict")
            last = session.exec(select(func.max(Questionnaire.version))).one()
            version = int(last or 0) + 1
            if current is not None:
                current.active = False
                session.add(current)
                session.flush()
            row = _add_version(session, version, clean, actor, based_on=based_on)
            info = _info(row)
    except IntegrityError:
        raise Conflict("error.conflict") from None
    _forget_active()
    return info
