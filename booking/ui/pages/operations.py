"""Admin: jobs, outbox, database."""

import streamlit as st

from booking.i18n import add_messages, format_number
from booking.services.operations import summary
from booking.ui.common import fdatetime, lang, require_role, tr
from booking.ui.nav import ADMIN

add_messages(
    {
        "ops.title": {"fr": "Exploitation", "en": "Operations"},
        "ops.version": {"fr": "Version", "en": "Version"},
        "ops.database": {"fr": "Base de données", "en": "Database"},
        "ops.revision": {
            "fr": "Migration : {current} (code : {head})",
            "en": "Migration: {current} (code: {head})",
        },
        "ops.size": {"fr": "Taille", "en": "Size"},
        "ops.outbox": {
            "fr": "Messages : {pending} en attente, {sent} envoyés, {failed} en échec",
            "en": "Messages: {pending} pending, {sent} sent, {failed} failed",
        },
        "ops.runs": {"fr": "Dernières exécutions des tâches", "en": "Last job runs"},
        "ops.failures": {"fr": "Échecs récents", "en": "Recent failures"},
        "ops.none": {"fr": "Aucune.", "en": "None."},
    }
)

require_role(*ADMIN)
info = summary()
st.title(tr("ops.title"))
cols = st.columns(3)
cols[0].metric(tr("ops.version"), info.version)
cols[1].metric(tr("ops.database"), info.database)
size_mb = (info.size_bytes or 0) / 1_000_000
cols[2].metric(tr("ops.size"), f"{format_number(size_mb, lang())} Mo")
st.write(tr("ops.revision", current=info.revision or "—", head=info.head))
st.write(
    tr(
        "ops.outbox",
        pending=info.outbox["pending"],
        sent=info.outbox["sent"],
        failed=info.outbox["failed"],
    )
)
st.subheader(tr("ops.failures"))
if info.failed_runs:
    st.dataframe(
        [
            {
                **r,
                "started_at": fdatetime(r["started_at"]),
                "finished_at": fdatetime(r["finished_at"]),
            }
            for r in info.failed_runs
        ],
        hide_index=True,
    )
else:
    st.write(tr("ops.none"))
st.subheader(tr("ops.runs"))
if info.last_runs:
    st.dataframe(
        [
            {
                **r,
                "started_at": fdatetime(r["started_at"]),
                "finished_at": fdatetime(r["finished_at"]),
            }
            for r in info.last_runs
        ],
        hide_index=True,
    )
else:
    st.write(tr("ops.none"))
