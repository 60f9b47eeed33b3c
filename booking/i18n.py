"""The string catalogue (French first, English as a choice) and locale-aware formatting.

Each feature keeps its own strings next to its code and adds them with `add_messages`;
`t(key, lang, **params)` looks one up. Dates, times and numbers go through Babel, always
shown in Europe/Paris.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from babel.dates import format_date as _format_date
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_time as _format_time
from babel.numbers import format_decimal as _format_decimal

from booking.config import TIMEZONE

LANGUAGES = ("fr", "en")
PARIS = ZoneInfo(TIMEZONE)
_LOCALES = {"fr": "fr_FR", "en": "en_GB"}

_CATALOGUE: dict[str, dict[str, str]] = {}


def add_messages(messages: Mapping[str, Mapping[str, str]]) -> None:
    """Add `{key: {"fr": ..., "en": ...}}` entries; a key may not be defined twice."""
    for key, texts in messages.items():
        if key in _CATALOGUE and _CATALOGUE[key] != dict(texts):
            raise ValueError(f"message {key!r} defined twice")
        if "fr" not in texts:
            raise ValueError(f"message {key!r} has no French text")
        _CATALOGUE[key] = dict(texts)


def t(key: str, lang: str = "fr", /, **params: object) -> str:
    """The text for `key` in `lang` (French when missing), with `{params}` filled in."""
    texts = _CATALOGUE.get(key)
    if texts is None:
        raise KeyError(f"unknown message {key!r}")
    text = texts.get(lang) or texts["fr"]
    return text.format(**params) if params else text


def has_message(key: str) -> bool:
    return key in _CATALOGUE


def normalise_language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else "fr"


def format_date(value: dt.date, lang: str = "fr", fmt: str = "long") -> str:
    """`12 janvier 2027` / `12 January 2027`."""
    return _format_date(value, format=fmt, locale=_LOCALES[normalise_language(lang)])


def format_day(value: dt.date, lang: str = "fr") -> str:
    """`mardi 12 janvier 2027`."""
    return _format_date(value, format="full", locale=_LOCALES[normalise_language(lang)])


def to_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: times must be timezone-aware")
    return value.astimezone(PARIS)


def format_datetime(value: dt.datetime, lang: str = "fr") -> str:
    """An aware datetime shown in Europe/Paris, e.g. `12 janv. 2027, 09:30`."""
    return _format_datetime(
        to_local(value), format="medium", tzinfo=PARIS, locale=_LOCALES[normalise_language(lang)]
    )


def format_time(value: dt.datetime | dt.time, lang: str = "fr") -> str:
    if isinstance(value, dt.datetime):
        value = to_local(value).timetz()
    return _format_time(value, format="HH:mm", locale=_LOCALES[normalise_language(lang)])


def format_number(value: float, lang: str = "fr", digits: int = 1) -> str:
    return _format_decimal(
        round(value, digits),
        format=f"#,##0.{'#' * digits}" if digits else "#,##0",
        locale=_LOCALES[normalise_language(lang)],
    )


add_messages(
    {
        "app.title": {"fr": "Tournée", "en": "Tournée"},
        "error.generic": {
            "fr": "Une erreur est survenue ; rien n'a été enregistré.",
            "en": "Something went wrong; nothing was saved.",
        },
        "error.database_url": {
            "fr": "DATABASE_URL n'est pas valide : {detail}. Exemple : sqlite:///var/tournee.db ou postgresql+psycopg://user@host/base.",
            "en": "DATABASE_URL is not valid: {detail}. Example: sqlite:///var/tournee.db or postgresql+psycopg://user@host/db.",
        },
        "error.bad_setting": {
            "fr": "Le réglage {variable} n'est pas valide : {detail}.",
            "en": "The setting {variable} is not valid: {detail}.",
        },
        "error.database_unreachable": {
            "fr": "Impossible de joindre la base de données ({detail}).",
            "en": "Cannot reach the database ({detail}).",
        },
        "error.database_newer": {
            "fr": "La base de données est à une version plus récente ({revision}) que ce code ; mettez l'application à jour.",
            "en": "The database is at a newer version ({revision}) than this code; upgrade the application.",
        },
        "error.database_not_migrated": {
            "fr": "La base de données n'est pas à jour ; lancez « python -m booking db upgrade ».",
            "en": 'The database is not up to date; run "python -m booking db upgrade".',
        },
        "error.migration_busy": {
            "fr": "Une autre instance met déjà la base de données à jour ; réessayez dans un instant.",
            "en": "Another instance is already upgrading the database; try again in a moment.",
        },
        "error.naive_datetime": {
            "fr": "Heure sans fuseau horaire refusée : toutes les heures doivent être explicites (UTC).",
            "en": "Time without a time zone refused: every time must be explicit (UTC).",
        },
        "error.conflict": {
            "fr": "Quelqu'un d'autre vient de modifier cet élément ; rechargez la page et réessayez.",
            "en": "Someone else has just changed this item; reload the page and try again.",
        },
        "error.not_found": {"fr": "{what} introuvable.", "en": "{what} not found."},
        "error.forbidden": {
            "fr": "Vous n'avez pas accès à cette page.",
            "en": "You do not have access to this page.",
        },
    }
)
