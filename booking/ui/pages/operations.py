"""Admin: jobs, outbox, database."""

from typing import Any

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
        "ops.database_at": {"fr": "Base : {label}", "en": "Database: {label}"},
        "ops.to_messages": {
            "fr": "Voir et renvoyer les messages en échec",
            "en": "See and retry the failed messages",
        },
        "ops.col.job": {"fr": "Tâche", "en": "Job"},
        "ops.col.started_at": {"fr": "Début", "en": "Started"},
        "ops.col.finished_at": {"fr": "Fin", "en": "Finished"},
        "ops.col.ok": {"fr": "Réussie", "en": "Succeeded"},
        "ops.col.detail": {"fr": "Détail (journal technique)", "en": "Detail (technical log)"},
    }
)

require_role(*ADMIN)
info = summary()
st.title(tr("ops.title"))
cols = st.columns(3)
cols[0].metric(tr("ops.version"), info.version)
cols[1].metric(tr("ops.database"), info.database.split(" ", 1)[0])  # the engine's name
size_mb = (info.size_bytes or 0) / 1_000_000
cols[2].metric(tr("ops.size"), f"{format_number(size_mb, lang())} Mo")
st.text(tr("ops.database_at", label=info.database))
st.write(tr("ops.revision", current=info.revision or "—", head=info.head))
st.write(
    tr(
        "ops.outbox",
        pending=info.outbox["pending"],
        sent=info.outbox["sent"],
        failed=info.outbox["failed"],
    )
)
if info.outbox["failed"]:
    st.page_link(
        "booking/ui/pages/messages.py", label=tr("ops.to_messages"), icon=":material/replay:"
    )

HEAD = {k: tr(f"ops.col.{k}") for k in ("job", "started_at", "finished_at", "ok", "detail")}


def _runs(runs: list[dict[str, Any]]) -> None:
    if not runs:
        st.write(tr("ops.none"))
        return
    st.dataframe(
        [
            {
                HEAD["job"]: r["job"],
                HEAD["started_at"]: fdatetime(r["started_at"]),
                HEAD["finished_at"]: fdatetime(r["finished_at"]) if r["finished_at"] else "",
                HEAD["ok"]: r["ok"],
                HEAD["detail"]: r["detail"],
            }
            for r in runs
        ],
        hide_index=True,
    )


st.subheader(tr("ops.failures"))
_runs(info.failed_runs)
st.subheader(tr("ops.runs"))
_runs(info.last_runs)
