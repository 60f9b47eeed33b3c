"""Tuba: the visitor questionnaire. Editing saves a new version; answers keep theirs."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from booking.errors import DomainError
from booking.feedback.questionnaire import (
    ensure_default_questionnaire,
    list_questionnaires,
    save_questionnaire,
)
from booking.i18n import add_messages
from booking.ui.common import fdatetime, require_role, show_error, tr
from booking.ui.nav import TUBA

add_messages(
    {
        "qpage.title": {"fr": "Questionnaire des visiteurs", "en": "Visitor questionnaire"},
        "qpage.intro": {
            "fr": "Les visiteurs répondent à la version active. Enregistrer crée une nouvelle version : les réponses déjà reçues gardent la leur.",
            "en": "Visitors answer the active version. Saving creates a new version: answers already received keep theirs.",
        },
        "qpage.active": {
            "fr": "Version active : {version} (enregistrée le {at} par {by})",
            "en": "Active version: {version} (saved on {at} by {by})",
        },
        "qpage.fr": {"fr": "Français", "en": "French"},
        "qpage.en": {"fr": "Anglais", "en": "English"},
        "qpage.key": {"fr": "Clé (stable)", "en": "Key (stable)"},
        "qpage.general": {"fr": "Titre et introduction", "en": "Title and introduction"},
        "qpage.question": {"fr": "Question", "en": "Question"},
        "qpage.choices": {"fr": "Choix", "en": "Choices"},
        "qpage.rating": {"fr": "Note de la visite", "en": "Rating of the visit"},
        "qpage.rating_help": {
            "fr": "Du moins bon au meilleur ; la valeur est la position (1, 2, 3…).",
            "en": "From worst to best; the value is the position (1, 2, 3…).",
        },
        "qpage.ideas": {
            "fr": "Idées reçues (avant → après)",
            "en": "Received ideas (before → after)",
        },
        "qpage.before": {"fr": "Libellé « avant »", "en": '"Before" label'},
        "qpage.after": {"fr": "Libellé « après »", "en": '"After" label'},
        "qpage.scale": {
            "fr": "Échelle (de « d'accord » à « pas d'accord »)",
            "en": 'Scale (from "agree" to "disagree")',
        },
        "qpage.items": {"fr": "Idées", "en": "Ideas"},
        "qpage.will_do": {
            "fr": "Ce que je ferai (plusieurs choix)",
            "en": "What I will do (several)",
        },
        "qpage.age_band": {"fr": "Tranche d'âge", "en": "Age band"},
        "qpage.came_with": {"fr": "Venu·e avec", "en": "Came with"},
        "qpage.comment": {"fr": "Commentaire libre", "en": "Free comment"},
        "qpage.comment_enabled": {"fr": "Proposer un commentaire", "en": "Offer a comment"},
        "qpage.warning": {"fr": "Avertissement", "en": "Warning"},
        "qpage.max_length": {"fr": "Longueur maximale", "en": "Maximum length"},
        "qpage.save": {"fr": "Enregistrer une nouvelle version", "en": "Save a new version"},
        "qpage.saved": {
            "fr": "Version {version} enregistrée et active.",
            "en": "Version {version} saved and active.",
        },
        "qpage.versions": {"fr": "Toutes les versions", "en": "All versions"},
        "qpage.version": {"fr": "Version", "en": "Version"},
        "qpage.created": {"fr": "Enregistrée le", "en": "Saved on"},
        "qpage.by": {"fr": "Par", "en": "By"},
        "qpage.is_active": {"fr": "Active", "en": "Active"},
    }
)

me = require_role(*TUBA)
st.title(tr("qpage.title"))
st.write(tr("qpage.intro"))

try:
    active = ensure_default_questionnaire()
except DomainError as exc:
    show_error(exc)
    st.stop()

d = active.definition
st.caption(
    tr(
        "qpage.active",
        version=active.version,
        at=fdatetime(active.created_at),
        by=active.created_by,
    )
)

FR, EN = tr("qpage.fr"), tr("qpage.en")
V = f"v{active.version}-"  # widget keys per version: a saved edit does not replay on the next


def text_inputs(node: dict[str, str], label: str, key: str, area: bool = False) -> dict[str, str]:
    cols = st.columns(2)
    widget = cols[0].text_area if area else cols[0].text_input
    fr = widget(f"{label} — {FR}", value=node.get("fr", ""), key=f"{V}{key}-fr", max_chars=300)
    widget = cols[1].text_area if area else cols[1].text_input
    en = widget(f"{label} — {EN}", value=node.get("en", ""), key=f"{V}{key}-en", max_chars=300)
    return {"fr": fr, "en": en}


def options_editor(
    options: list[dict[str, Any]], key: str, keyed: str | None
) -> list[dict[str, Any]]:
    """A table of choices: a key column when `keyed` names it, else values 1, 2, 3… by row."""
    rows = [
        {
            **({keyed: o[keyed]} if keyed else {}),
            "fr": o["label"].get("fr", ""),
            "en": o["label"].get("en", ""),
        }
        for o in options
    ]
    columns: dict[str, Any] = {
        "fr": st.column_config.TextColumn(FR, max_chars=300, required=True),
        "en": st.column_config.TextColumn(EN, max_chars=300),
    }
    if keyed:
        columns[keyed] = st.column_config.TextColumn(tr("qpage.key"), max_chars=40, required=True)
    edited = st.data_editor(
        pd.DataFrame(rows, columns=[*([keyed] if keyed else []), "fr", "en"]),
        key=f"{V}{key}",
        num_rows="dynamic",
        hide_index=True,
        column_config=columns,
        width="stretch",
    )
    result = []
    for i, row in enumerate(edited.to_dict("records"), start=1):
        if not any(str(v or "").strip() for v in row.values()):
            continue  # an empty new row
        label = {"fr": str(row.get("fr") or ""), "en": str(row.get("en") or "")}
        if keyed:
            result.append({keyed: str(row.get(keyed) or "").strip(), "label": label})
        else:
            result.append({"value": i, "label": label})
    if not keyed:  # values follow the order of the rows
        result = [{"value": i, "label": o["label"]} for i, o in enumerate(result, start=1)]
    return result


with st.form("questionnaire"):
    st.subheader(tr("qpage.general"))
    title = text_inputs(d["title"], tr("qpage.general"), "title")
    intro = text_inputs(d["intro"], "Introduction", "intro", area=True)

    st.subheader(tr("qpage.rating"))
    rating_label = text_inputs(d["rating"]["label"], tr("qpage.question"), "rating")
    st.caption(tr("qpage.rating_help"))
    rating_options = options_editor(d["rating"]["options"], "rating-options", None)

    st.subheader(tr("qpage.ideas"))
    ideas_label = text_inputs(d["ideas"]["label"], tr("qpage.question"), "ideas")
    before = text_inputs(d["ideas"]["before"], tr("qpage.before"), "before")
    after = text_inputs(d["ideas"]["after"], tr("qpage.after"), "after")
    st.caption(tr("qpage.scale"))
    scale = options_editor(d["ideas"]["scale"], "scale", None)
    st.caption(tr("qpage.items"))
    items = options_editor(d["ideas"]["items"], "items", "key")

    sections: dict[str, Any] = {}
    for section in ("will_do", "age_band", "came_with"):
        st.subheader(tr(f"qpage.{section}"))
        label = text_inputs(d[section]["label"], tr("qpage.question"), section)
        sections[section] = {
            "label": label,
            "options": options_editor(d[section]["options"], f"{section}-options", "value"),
        }

    st.subheader(tr("qpage.comment"))
    enabled = st.toggle(tr("qpage.comment_enabled"), value=d["comment"]["enabled"])
    comment_label = text_inputs(d["comment"]["label"], tr("qpage.question"), "comment")
    warning = text_inputs(d["comment"]["warning"], tr("qpage.warning"), "warning", area=True)
    max_length = st.number_input(
        tr("qpage.max_length"),
        min_value=50,
        max_value=500,
        value=d["comment"]["max_length"],
        step=10,
    )
    submitted = st.form_submit_button(tr("qpage.save"), type="primary", icon=":material/save:")

if submitted:
    definition = {
        "title": title,
        "intro": intro,
        "rating": {"label": rating_label, "options": rating_options},
        "ideas": {
            "label": ideas_label,
            "before": before,
            "after": after,
            "scale": scale,
            "items": items,
        },
        **sections,
        "comment": {
            "enabled": enabled,
            "label": comment_label,
            "warning": warning,
            "max_length": int(max_length),
        },
    }
    try:
        saved = save_questionnaire(definition, actor=me.actor, based_on=active.version)
    except DomainError as exc:
        show_error(exc)
    else:
        st.toast(tr("qpage.saved", version=saved.version), icon=":material/check:")
        st.rerun()

with st.expander(tr("qpage.versions")):
    st.dataframe(
        [
            {
                tr("qpage.version"): q.version,
                tr("qpage.created"): fdatetime(q.created_at),
                tr("qpage.by"): q.created_by,
                tr("qpage.is_active"): "✓" if q.active else "",
            }
            for q in list_questionnaires()
        ],
        hide_index=True,
        width="stretch",
    )
