"""Staff: every change, who made it and when."""

import json

import streamlit as st

from booking.audit import list_events
from booking.i18n import add_messages
from booking.ui.common import fdatetime, require_role, tr
from booking.ui.nav import STAFF

add_messages(
    {
        "audit.title": {"fr": "Journal des modifications", "en": "Audit log"},
        "audit.entity": {"fr": "Élément", "en": "Entity"},
        "audit.all": {"fr": "Tous", "en": "All"},
        "audit.when": {"fr": "Quand", "en": "When"},
        "audit.who": {"fr": "Qui", "en": "Who"},
        "audit.what": {"fr": "Quoi", "en": "What"},
        "audit.details": {"fr": "Détails", "en": "Details"},
        "audit.empty": {"fr": "Aucun événement.", "en": "No event."},
        "audit.page": {"fr": "Page", "en": "Page"},
    }
)

require_role(*STAFF)
st.title(tr("audit.title"))
entities = [
    "",
    "request",
    "stop",
    "kit",
    "venue",
    "user",
    "contact",
    "outbox_message",
    "calendar_feed",
    "questionnaire",
    "feedback",
]
cols = st.columns(2)
entity = cols[0].selectbox(tr("audit.entity"), entities, format_func=lambda e: e or tr("audit.all"))
page = cols[1].number_input(tr("audit.page"), min_value=1, max_value=10_000, value=1, step=1)
rows = list_events(entity=entity or None, limit=100, offset=(int(page) - 1) * 100)
if not rows:
    st.info(tr("audit.empty"))
else:
    st.dataframe(
        [
            {
                tr("audit.when"): fdatetime(r["at"]),
                tr("audit.who"): r["actor"],
                tr("audit.what"): r["action"],
                tr("audit.entity"): f"{r['entity']} {r['entity_id'] or ''}".strip(),
                tr("audit.details"): json.dumps(r["details"], ensure_ascii=False),
            }
            for r in rows
        ],
        hide_index=True,
        use_container_width=True,
    )
