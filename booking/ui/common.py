"""Helpers every page uses: the language, the signed-in user, role checks, error display.

Per-user state lives in `st.session_state` only; nothing per user at module level.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn

import streamlit as st

from booking import db
from booking.errors import DomainError
from booking.i18n import add_messages, format_date, format_datetime, normalise_language, t
from booking.models import Role
from booking.services.accounts import UserInfo, get_user

add_messages(
    {
        "map.season_alt": {
            "fr": "Carte de la saison : {stops} étape(s) ({places}) et {depots} dépôt(s) ; le détail est dans les tableaux de la page.",
            "en": "Map of the season: {stops} stop(s) ({places}) and {depots} depot(s); the details are in the page's tables.",
        },
        "map.more": {"fr": "et {n} autre(s)", "en": "and {n} more"},
        "vandays.map_alt": {
            "fr": "Carte de la tournée, dans l'ordre : {places}.",
            "en": "Map of the van day, in driving order: {places}.",
        },
    }
)
add_messages(
    {
        "nav.section.venues": {"fr": "Lieux d'accueil", "en": "Venues"},
        "nav.section.account": {"fr": "Compte", "en": "Account"},
        "nav.section.staff": {"fr": "Métropole", "en": "Métropole staff"},
        "nav.section.tuba": {"fr": "Médiation (Tuba)", "en": "Mediation (Tuba)"},
        "nav.section.admin": {"fr": "Administration", "en": "Administration"},
        "nav.exhibitions": {"fr": "Expositions", "en": "Exhibitions"},
        "nav.request_form": {"fr": "Demander une exposition", "en": "Request an exhibition"},
        "nav.my_request": {"fr": "Ma demande", "en": "My request"},
        "nav.stop_report": {"fr": "Bilan de l'étape", "en": "Stop report"},
        "nav.login": {"fr": "Connexion", "en": "Sign in"},
        "nav.requests": {"fr": "Demandes", "en": "Requests"},
        "nav.planning": {"fr": "Planification", "en": "Planning"},
        "nav.van_days": {"fr": "Tournées du camion", "en": "Van days"},
        "nav.kits": {"fr": "Kits", "en": "Kits"},
        "nav.venues": {"fr": "Lieux", "en": "Venues"},
        "nav.calendars": {"fr": "Calendriers", "en": "Calendars"},
        "nav.messages": {"fr": "Messages envoyés", "en": "Sent messages"},
        "nav.audit": {"fr": "Journal", "en": "Audit log"},
        "nav.feedback": {"fr": "Retours des visiteurs", "en": "Visitor feedback"},
        "nav.stop_reports": {"fr": "Bilans d'étape", "en": "Stop reports"},
        "nav.questionnaire": {"fr": "Questionnaire", "en": "Questionnaire"},
        "nav.users": {"fr": "Comptes", "en": "Accounts"},
        "nav.operations": {"fr": "Exploitation", "en": "Operations"},
        "ui.language": {"fr": "Langue", "en": "Language"},
        "ui.logout": {"fr": "Se déconnecter", "en": "Sign out"},
        "ui.signed_in_as": {
            "fr": "Connecté·e : {name} ({role})",
            "en": "Signed in: {name} ({role})",
        },
        "ui.role.staff": {"fr": "Métropole", "en": "Métropole staff"},
        "ui.role.tuba": {"fr": "Tuba", "en": "Tuba"},
        "ui.role.admin": {"fr": "administration", "en": "admin"},
        "ui.sign_in_required": {
            "fr": "Cette page est réservée aux équipes ; connectez-vous.",
            "en": "This page is for the teams; please sign in.",
        },
        "ui.placeholder": {
            "fr": "Cette page arrive bientôt.",
            "en": "This page is coming soon.",
        },
        "ui.privacy_footer": {
            "fr": "Tournée ne dépose aucun traceur et n'appelle aucun service tiers.",
            "en": "Tournée sets no trackers and calls no third-party service.",
        },
    }
)


def lang() -> str:
    """The language chosen in this session (French by default)."""
    value = st.session_state.get("lang")
    if value is None:
        value = normalise_language(st.query_params.get("lang"))
        st.session_state["lang"] = value
    return normalise_language(value)


def tr(key: str, /, **params: object) -> str:
    return t(key, lang(), **params)


def fdate(value: dt.date | None) -> str:
    return format_date(value, lang()) if value else "—"


def fdatetime(value: dt.datetime | None) -> str:
    return format_datetime(value, lang()) if value else "—"


@st.cache_resource(show_spinner=False)
def _database_ready(url: str) -> bool:
    """Migrate the embedded SQLite default on first start; check PostgreSQL's revision."""
    engine = db.get_engine(url)
    if engine.dialect.name == "sqlite":
        db.upgrade(url)
    else:
        db.check_schema(engine)
    return True


def ensure_database() -> None:
    from booking.config import get_settings

    try:
        _database_ready(get_settings().database_url)
    except DomainError as exc:
        st.error(exc.message(lang()), icon=":material/database:")
        st.stop()


def current_user() -> UserInfo | None:
    """The signed-in account, re-read from the database on every run (a disabled or deleted
    account loses access at once)."""
    user_id = st.session_state.get("user_id")
    if user_id is None:
        return None
    user = get_user(int(user_id))
    if user is None or user.disabled:
        st.session_state.pop("user_id", None)
        return None
    return user


def current_role() -> Role | None:
    user = current_user()
    return user.role if user else None


def require_role(*roles: Role) -> UserInfo:
    """Stop the page unless the signed-in account has one of `roles` (checked on the server)."""
    user = current_user()
    if user is None or user.role not in roles:
        deny()
    assert user is not None
    return user


def deny() -> NoReturn:
    st.warning(tr("ui.sign_in_required"), icon=":material/lock:")
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def season_map_text(points: list[dict[str, Any]], most: int = 30) -> str:
    """A season map's text alternative: how many stops and depots, the places by name."""
    stops = [p for p in points if p.get("kind") != "depot"]
    names = sorted({str(p["label"]) for p in stops})
    shown = ", ".join(names[:most])
    if len(names) > most:
        shown += " " + tr("map.more", n=len(names) - most)
    return tr(
        "map.season_alt",
        stops=len(stops),
        places=shown,
        depots=len(points) - len(stops),
    )


def show_error(exc: DomainError) -> None:
    st.error(exc.message(lang()), icon=":material/error:")


def placeholder(title_key: str) -> None:
    st.title(tr(title_key))
    st.info(tr("ui.placeholder"), icon=":material/construction:")
