"""Admin: the team accounts."""

import streamlit as st

from booking.errors import DomainError
from booking.i18n import add_messages
from booking.models import Role
from booking.services.accounts import add_user, list_users, set_user_disabled
from booking.ui.common import require_role, show_error, tr
from booking.ui.nav import ADMIN
from booking.ui.text import plain

add_messages(
    {
        "users.title": {"fr": "Comptes des équipes", "en": "Team accounts"},
        "users.add": {"fr": "Ajouter un compte", "en": "Add an account"},
        "users.name": {"fr": "Nom affiché", "en": "Display name"},
        "users.role": {"fr": "Rôle", "en": "Role"},
        "users.password": {
            "fr": "Mot de passe (vide : connexion OIDC seulement)",
            "en": "Password (empty: OIDC sign-in only)",
        },
        "users.added": {"fr": "Compte ajouté : {email}", "en": "Account added: {email}"},
        "users.disable": {"fr": "Désactiver", "en": "Disable"},
        "users.enable": {"fr": "Réactiver", "en": "Enable"},
        "users.disabled": {"fr": "désactivé", "en": "disabled"},
        "users.active": {"fr": "actif", "en": "active"},
    }
)

me = require_role(*ADMIN)
st.title(tr("users.title"))

for user in list_users():
    cols = st.columns([3, 2, 2, 1])
    cols[0].write(f"**{plain(user.display_name)}**  \n{plain(user.email)}")
    cols[1].write(tr(f"ui.role.{user.role.value}"))
    cols[2].write(tr("users.disabled") if user.disabled else tr("users.active"))
    if user.id != me.id:
        label = tr("users.enable") if user.disabled else tr("users.disable")
        if cols[3].button(label, key=f"toggle-{user.id}"):
            try:
                set_user_disabled(user.email, not user.disabled, actor=me.actor)
            except DomainError as exc:
                show_error(exc)
            else:
                st.rerun()

with st.form("add-user", clear_on_submit=True):
    st.subheader(tr("users.add"))
    email = st.text_input("E-mail", max_chars=254)
    name = st.text_input(tr("users.name"), max_chars=120)
    role = st.selectbox(
        tr("users.role"), [r.value for r in Role], format_func=lambda r: tr(f"ui.role.{r}")
    )
    password = st.text_input(tr("users.password"), type="password", max_chars=200)
    if st.form_submit_button(tr("users.add"), type="primary"):
        try:
            created = add_user(
                email=email, display_name=name, role=role, password=password or None, actor=me.actor
            )
        except DomainError as exc:
            show_error(exc)
        else:
            st.toast(tr("users.added", email=created.email))
