"""Sign in: local accounts (argon2) or the organisation's OIDC provider when configured."""

import streamlit as st

from booking.errors import DomainError
from booking.i18n import add_messages
from booking.services.accounts import authenticate, user_for_oidc
from booking.ui.common import lang, show_error, tr

add_messages(
    {
        "login.title": {"fr": "Connexion des équipes", "en": "Team sign-in"},
        "login.intro": {
            "fr": "Réservé aux équipes de la Métropole et de Tuba. Les lieux d'accueil n'ont pas besoin de compte : ils suivent leur demande par leur lien privé.",
            "en": "For Métropole and Tuba teams. Venues need no account: they follow their request through their private link.",
        },
        "login.email": {"fr": "Adresse e-mail", "en": "Email address"},
        "login.password": {"fr": "Mot de passe", "en": "Password"},
        "login.submit": {"fr": "Se connecter", "en": "Sign in"},
        "login.oidc": {
            "fr": "Se connecter avec le compte de l'organisation",
            "en": "Sign in with the organisation account",
        },
        "login.welcome": {"fr": "Bienvenue, {name}.", "en": "Welcome, {name}."},
    }
)


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


st.title(tr("login.title"))
st.write(tr("login.intro"))

if _oidc_configured():
    if getattr(st.user, "is_logged_in", False):
        try:
            user = user_for_oidc(st.user.get("email"))
        except DomainError as exc:
            show_error(exc)
        else:
            st.session_state["user_id"] = user.id
            st.session_state["lang"] = user.language or lang()
            st.rerun()
    st.button(tr("login.oidc"), icon=":material/key:", on_click=st.login)
    st.divider()

with st.form("login", enter_to_submit=True):
    email = st.text_input(tr("login.email"), max_chars=254, autocomplete="username")
    password = st.text_input(
        tr("login.password"), type="password", max_chars=200, autocomplete="current-password"
    )
    submitted = st.form_submit_button(tr("login.submit"), type="primary")

if submitted:
    try:
        user = authenticate(email, password)
    except DomainError as exc:
        show_error(exc)
    else:
        st.session_state["user_id"] = user.id
        st.toast(tr("login.welcome", name=user.display_name))
        st.rerun()
