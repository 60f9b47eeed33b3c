"""Public: the exhibitions, what they need, what a venue does, and when each kit is free."""

import datetime as dt

import streamlit as st

from booking.config import get_settings
from booking.errors import DomainError
from booking.i18n import add_messages, format_date
from booking.services.requests import availability, paris_today, public_exhibitions
from booking.ui.common import lang, show_error, tr
from booking.ui.text import plain

add_messages(
    {
        "exh.title": {"fr": "Expositions", "en": "Exhibitions"},
        "exh.none": {
            "fr": "Aucune exposition n'est proposée pour le moment.",
            "en": "No exhibition is offered at the moment.",
        },
        "exh.choose": {"fr": "Exposition", "en": "Exhibition"},
        "exh.facts": {
            "fr": "{panels} panneaux · environ {length} m linéaires · {setting} · séjour de {min} à {max} jours · {kits} exemplaire(s) en circulation",
            "en": "{panels} panels · about {length} m of wall · {setting} · stays of {min} to {max} days · {kits} cop(y/ies) touring",
        },
        "exh.setting.indoor": {"fr": "en intérieur", "en": "indoors"},
        "exh.setting.outdoor": {"fr": "en extérieur", "en": "outdoors"},
        "exh.setting.both": {
            "fr": "en intérieur, à l'abri ou en extérieur",
            "en": "indoors, sheltered or outdoors",
        },
        "exh.about": {"fr": "L'exposition", "en": "The exhibition"},
        "exh.needs": {"fr": "Ce qu'il faut pour l'accueillir", "en": "What hosting it needs"},
        "exh.hanging": {"fr": "Accrochage", "en": "Hanging"},
        "exh.venue_does": {"fr": "Ce que fait le lieu d'accueil", "en": "What the venue does"},
        "exh.venue_does_text": {
            "fr": "Recevoir le camion de la Métropole (un accès pour décharger, une personne présente) ; signer la convention de prêt et fournir une attestation d'assurance ; ouvrir l'exposition librement au public ; remplir le bilan de l'étape à la fin. Le transport, l'installation et le démontage sont assurés par la Métropole. Demandez au moins {notice} jours à l'avance.",
            "en": "Receive the Métropole's van (access to unload, someone present); sign the loan agreement and provide an insurance certificate; open the exhibition freely to the public; fill in the stop report at the end. Transport, installation and dismantling are done by the Métropole. Ask at least {notice} days ahead.",
        },
        "exh.audience": {"fr": "Public", "en": "Audience"},
        "exh.producer": {"fr": "Conception : {producer}", "en": "Designed by {producer}"},
        "exh.calendar": {"fr": "Disponibilités par semaine", "en": "Availability by week"},
        "exh.calendar_help": {
            "fr": "Libre : personne n'a demandé ces jours. Sous réserve : une option est posée. Réservé : une étape est confirmée (transport compris). Les jours fériés, le camion ne circule pas.",
            "en": "Free: nobody has asked for these days. Held: a provisional hold is placed. Booked: a stop is confirmed (transport included). The van does not drive on public holidays.",
        },
        "exh.from": {"fr": "À partir du", "en": "From"},
        "exh.weeks": {"fr": "Nombre de semaines", "en": "Number of weeks"},
        "exh.week": {"fr": "Semaine du", "en": "Week of"},
        "exh.kit": {"fr": "Exemplaire", "en": "Copy"},
        "exh.status": {"fr": "État", "en": "Status"},
        "exh.closed": {"fr": "Jours fériés", "en": "Public holidays"},
        "exh.school": {
            "fr": "Vacances scolaires (zone A)",
            "en": "School holidays (zone A)",
        },
        "exh.school_days": {"fr": "{n} j", "en": "{n} d"},
        "exh.status.free": {"fr": "libre", "en": "free"},
        "exh.status.partial": {"fr": "en partie libre", "en": "partly free"},
        "exh.status.held": {"fr": "sous réserve", "en": "held"},
        "exh.status.booked": {"fr": "réservé", "en": "booked"},
        "exh.status.unavailable": {"fr": "indisponible", "en": "unavailable"},
        "exh.free_days": {"fr": "{n} j libres", "en": "{n} free days"},
        "exh.ask": {"fr": "Demander cette exposition", "en": "Ask for this exhibition"},
    }
)

STATUS_COLOURS = {
    "free": "#2e7d32",
    "partial": "#9ccc65",
    "held": "#f9a825",
    "booked": "#b0005c",
    "unavailable": "#9e9e9e",
}

st.title(tr("exh.title"))
exhibitions = public_exhibitions()
if not exhibitions:
    st.info(tr("exh.none"), icon=":material/info:")
    st.stop()

if len(exhibitions) > 1:
    exhibition = st.selectbox(tr("exh.choose"), exhibitions, format_func=lambda e: e.title)
else:
    exhibition = exhibitions[0]

st.header(plain(exhibition.title))
if exhibition.subtitle:
    st.caption(plain(exhibition.subtitle))
st.write(
    tr(
        "exh.facts",
        panels=f"{exhibition.panel_count_min}–{exhibition.panel_count_max}",
        length=f"{exhibition.length_m:g}",
        setting=tr(f"exh.setting.{exhibition.setting}"),
        min=exhibition.min_stay_days,
        max=exhibition.max_stay_days,
        kits=exhibition.kits,
    )
)
about, needs = st.columns(2)
with about:
    st.subheader(tr("exh.about"))
    st.text(exhibition.description or exhibition.summary)
    if exhibition.audience:
        st.markdown(f"**{tr('exh.audience')}** : {plain(exhibition.audience)}")
    if exhibition.producer:
        st.caption(plain(tr("exh.producer", producer=exhibition.producer)))
with needs:
    st.subheader(tr("exh.needs"))
    st.text(exhibition.requirements)
    st.markdown(f"**{tr('exh.hanging')}**")
    st.text(exhibition.hanging)
    st.subheader(tr("exh.venue_does"))
    st.write(tr("exh.venue_does_text", notice=get_settings().min_notice_days))
st.page_link(
    "booking/ui/pages/request_form.py", label=tr("exh.ask"), icon=":material/edit_calendar:"
)

st.subheader(tr("exh.calendar"))
st.caption(tr("exh.calendar_help"))
cols = st.columns(2)
start = cols[0].date_input(tr("exh.from"), value=paris_today(), format="DD/MM/YYYY")
weeks = cols[1].number_input(tr("exh.weeks"), min_value=4, max_value=78, value=26, step=1)
try:
    calendar = availability(
        exhibition.id, start=start or paris_today(), weeks=int(weeks), lang=lang()
    )
except DomainError as exc:
    show_error(exc)
    st.stop()


# Words and dates looked up once: a catalogue of many kits over 78 weeks is thousands of cells.
LANG = lang()
week_labels = {monday: format_date(monday, LANG, fmt="d MMM y") for monday in calendar.weeks}
status_words = {status: tr(f"exh.status.{status}") for status in STATUS_COLOURS}


def _week_label(monday: dt.date) -> str:
    return week_labels[monday]


rows = [
    {
        "week": monday.isoformat(),
        "label": week_labels[monday],
        "kit": kit.name,
        "status": cell.status,
        "status_text": status_words.get(cell.status) or tr(f"exh.status.{cell.status}"),
        "free": cell.free_days,
    }
    for kit in calendar.kits
    for monday, cell in zip(calendar.weeks, kit.cells, strict=True)
]
# A plain Vega-Lite spec: Altair validates every datum against the schema on each render.
st.vega_lite_chart(
    spec={
        "data": {"values": rows},
        "mark": {"type": "rect", "stroke": "white"},
        "height": 60 + 40 * len(calendar.kits),
        "encoding": {
            "x": {
                "field": "week",
                "type": "ordinal",
                "title": tr("exh.week"),
                "axis": {"labelAngle": -60},
            },
            "y": {"field": "kit", "type": "nominal", "title": None},
            "color": {
                "field": "status_text",
                "type": "nominal",
                "title": tr("exh.status"),
                "scale": {
                    "domain": list(status_words.values()),
                    "range": list(STATUS_COLOURS.values()),
                },
            },
            "tooltip": [
                {"field": "label", "type": "nominal", "title": tr("exh.week")},
                {"field": "kit", "type": "nominal", "title": tr("exh.kit")},
                {"field": "status_text", "type": "nominal", "title": tr("exh.status")},
            ],
        },
    },
    width="stretch",
)

table = []
week_head, closed_head, school_head = tr("exh.week"), tr("exh.closed"), tr("exh.school")
for i, monday in enumerate(calendar.weeks):
    row = {week_head: _week_label(monday)}
    for kit in calendar.kits:
        cell = kit.cells[i]
        text = status_words.get(cell.status) or tr(f"exh.status.{cell.status}")
        if cell.status == "partial":
            text += f" ({tr('exh.free_days', n=cell.free_days)})"
        row[kit.name] = text
    row[closed_head] = ", ".join(
        f"{format_date(d, LANG, fmt='d MMM')} ({name})" for d, name in calendar.closed_days[monday]
    )
    school = calendar.school_holiday_days[monday]
    row[school_head] = tr("exh.school_days", n=school) if school else ""
    table.append(row)
st.dataframe(table, hide_index=True, width="stretch")
