"""Staff: the kits, their condition and parts; marking a damage tells the venues concerned."""

import streamlit as st

from booking.calendars import export_calendar
from booking.errors import DomainError
from booking.i18n import add_messages
from booking.models import KitCondition, PartCondition
from booking.services.kits import kit_detail, list_kits, set_kit_condition, set_part_condition
from booking.ui.common import fdate, lang, require_role, show_error, tr
from booking.ui.nav import STAFF

add_messages(
    {
        "kitpage.calendar": {"fr": "Tournée du kit (.ics)", "en": "Kit tour (.ics)"},
        "kitpage.title": {"fr": "Kits", "en": "Kits"},
        "kitpage.empty": {"fr": "Aucun kit.", "en": "No kit."},
        "kitpage.col.code": {"fr": "Code", "en": "Code"},
        "kitpage.col.name": {"fr": "Nom", "en": "Name"},
        "kitpage.col.exhibition": {"fr": "Exposition", "en": "Exhibition"},
        "kitpage.col.condition": {"fr": "État", "en": "Condition"},
        "kitpage.col.parts": {"fr": "Éléments à revoir", "en": "Parts to check"},
        "kitpage.col.upcoming": {"fr": "Étapes à venir", "en": "Upcoming stops"},
        "kitpage.choose": {"fr": "Kit", "en": "Kit"},
        "kitpage.condition": {"fr": "État du kit", "en": "Kit condition"},
        "kitpage.note": {"fr": "Note", "en": "Note"},
        "kitpage.save": {"fr": "Enregistrer l'état", "en": "Save the condition"},
        "kitpage.told": {
            "fr": "Enregistré ; {n} lieu(x) avec une étape à venir prévenu(s).",
            "en": "Saved; {n} venue(s) with an upcoming stop told.",
        },
        "kitpage.parts": {"fr": "Éléments", "en": "Parts"},
        "kitpage.col.label": {"fr": "Élément", "en": "Part"},
        "kitpage.col.note": {"fr": "Note", "en": "Note"},
        "kitpage.part": {"fr": "Élément", "en": "Part"},
        "kitpage.part_condition": {"fr": "État de l'élément", "en": "Part condition"},
        "kitpage.save_part": {"fr": "Enregistrer l'élément", "en": "Save the part"},
        "kitpage.upcoming": {"fr": "Étapes à venir", "en": "Upcoming stops"},
        "kitpage.none": {"fr": "Aucune.", "en": "None."},
        "kitpage.col.venue": {"fr": "Lieu", "en": "Venue"},
        "kitpage.col.install": {"fr": "Installation", "en": "Installation"},
        "kitpage.col.dismantle": {"fr": "Démontage", "en": "Dismantling"},
    }
)

user = require_role(*STAFF)
language = lang()  # the file is made when clicked, outside this run
st.title(tr("kitpage.title"))
flash = st.session_state.pop("kits.flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")

kits = list_kits()
if not kits:
    st.info(tr("kitpage.empty"))
    st.stop()
st.dataframe(
    [
        {
            tr("kitpage.col.code"): k.code,
            tr("kitpage.col.name"): k.name,
            tr("kitpage.col.exhibition"): k.exhibition,
            tr("kitpage.col.condition"): tr(f"kits.condition.{k.condition}"),
            tr("kitpage.col.parts"): k.parts_not_ok,
            tr("kitpage.col.upcoming"): k.upcoming_stops,
        }
        for k in kits
    ],
    hide_index=True,
    width="stretch",
)
kit = st.selectbox(tr("kitpage.choose"), kits, format_func=lambda k: f"{k.code} — {k.name}")
detail = kit_detail(kit.id)
st.download_button(
    tr("kitpage.calendar"),
    data=lambda: export_calendar(f"kit:{kit.id}", lang=language),
    file_name=f"kit-{kit.code}.ics",
    mime="text/calendar",
    icon=":material/calendar_month:",
)


def _saved(told: int) -> None:
    st.session_state["kits.flash"] = tr("kitpage.told", n=told)
    st.rerun()


with st.form("kits.condition"):
    conditions = [c.value for c in KitCondition]
    condition = st.selectbox(
        tr("kitpage.condition"),
        conditions,
        index=conditions.index(detail.kit.condition),
        format_func=lambda c: tr(f"kits.condition.{c}"),
    )
    note = st.text_area(tr("kitpage.note"), detail.kit.condition_note, max_chars=1000)
    if st.form_submit_button(tr("kitpage.save"), type="primary"):
        try:
            told = set_kit_condition(kit.id, condition, note, actor=user.actor)
        except DomainError as exc:
            show_error(exc)
        else:
            _saved(told)

st.subheader(tr("kitpage.parts"))
st.dataframe(
    [
        {
            tr("kitpage.col.label"): p.label,
            tr("kitpage.col.condition"): tr(f"kits.part.{p.condition}"),
            tr("kitpage.col.note"): p.note,
        }
        for p in detail.parts
    ],
    hide_index=True,
    width="stretch",
)
with st.form("kits.part"):
    cols = st.columns(2)
    part = cols[0].selectbox(tr("kitpage.part"), detail.parts, format_func=lambda p: p.label)
    part_condition = cols[1].selectbox(
        tr("kitpage.part_condition"),
        [c.value for c in PartCondition],
        format_func=lambda c: tr(f"kits.part.{c}"),
    )
    part_note = st.text_input(tr("kitpage.note"), max_chars=1000)
    if st.form_submit_button(tr("kitpage.save_part")):
        try:
            told = set_part_condition(part.id, part_condition, part_note, actor=user.actor)
        except DomainError as exc:
            show_error(exc)
        else:
            _saved(told)

st.subheader(tr("kitpage.upcoming"))
if detail.upcoming:
    st.dataframe(
        [
            {
                tr("kitpage.col.venue"): u.venue,
                tr("kitpage.col.install"): fdate(u.install),
                tr("kitpage.col.dismantle"): fdate(u.dismantle),
            }
            for u in detail.upcoming
        ],
        hide_index=True,
        width="stretch",
    )
else:
    st.write(tr("kitpage.none"))
