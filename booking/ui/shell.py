"""The router: build the navigation for the signed-in role, show the sidebar, run the page."""

from __future__ import annotations

from collections import defaultdict

import streamlit as st

from booking.config import PROJECT_ROOT
from booking.i18n import LANGUAGES
from booking.ui.common import current_user, ensure_database, lang, tr
from booking.ui.nav import pages_for
from booking.ui.text import plain

_LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def _choose_language() -> None:
    # Runs before the rerun, so the whole page is drawn in the new language.
    st.session_state["lang"] = st.session_state.get("lang_choice") or lang()


def _sidebar() -> None:
    with st.sidebar:
        if st.session_state.get("lang_choice") != lang():
            st.session_state["lang_choice"] = lang()
        st.segmented_control(
            tr("ui.language"),
            options=list(LANGUAGES),
            format_func=lambda code: _LANGUAGE_NAMES[code],
            key="lang_choice",
            on_change=_choose_language,
        )
        user = current_user()
        if user is not None:
            st.caption(
                tr(
                    "ui.signed_in_as",
                    name=plain(user.display_name),
                    role=tr(f"ui.role.{user.role.value}"),
                )
            )
            if st.button(tr("ui.logout"), icon=":material/logout:"):
                st.session_state.pop("user_id", None)
                if getattr(st.user, "is_logged_in", False):
                    st.logout()
                st.rerun()
        st.caption(tr("ui.privacy_footer"))
    # Streamlit serves every page as lang="en"; RGAA 8.3 wants the language shown declared.
    # The only st.html of the app: a constant script, no user data (tests/test_xss.py checks).
    st.html(
        f'<script>document.documentElement.lang = "{lang()}";</script>',
        unsafe_allow_javascript=True,
    )


def run() -> None:
    st.set_page_config(page_title="Tournée", page_icon=":material/local_shipping:", layout="wide")
    ensure_database()
    user = current_user()
    sections: dict[str, list[st.Page]] = defaultdict(list)
    for spec in pages_for(user.role if user else None):
        page = st.Page(
            str(PROJECT_ROOT / spec.path),
            title=tr(spec.title_key),
            icon=spec.icon,
            url_path=spec.url_path,
            visibility="visible" if spec.in_menu else "hidden",
        )
        sections[tr(spec.section_key)].append(page)
    navigation = st.navigation(dict(sections), expanded=True)
    _sidebar()
    navigation.run()
