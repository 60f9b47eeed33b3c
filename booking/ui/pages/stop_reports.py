"""Tuba and staff: the venues' stop reports, damaged parts, and each stop's QR posters."""

from __future__ import annotations

import streamlit as st

from booking.errors import DomainError
from booking.feedback.dashboard import Filters, filter_options, venue_type_label
from booking.feedback.posters import current_form_links, poster
from booking.feedback.reports import list_stop_reports, report_photo
from booking.i18n import add_messages
from booking.ui.common import fdate, fdatetime, lang, require_role, show_error, tr
from booking.ui.nav import TUBA
from booking.ui.text import plain

add_messages(
    {
        "srep.title": {"fr": "Bilans d'étape", "en": "Stop reports"},
        "srep.none": {
            "fr": "Aucun bilan reçu pour ces filtres.",
            "en": "No report received for these filters.",
        },
        "srep.venue_type": {"fr": "Type de lieu", "en": "Venue type"},
        "srep.commune": {"fr": "Commune", "en": "Commune"},
        "srep.all": {"fr": "Tous", "en": "All"},
        "srep.venue": {"fr": "Lieu", "en": "Venue"},
        "srep.dates": {"fr": "Dates", "en": "Dates"},
        "srep.visitors": {"fr": "Visiteurs", "en": "Visitors"},
        "srep.groups": {"fr": "Groupes", "en": "Groups"},
        "srep.classes": {"fr": "Classes", "en": "Classes"},
        "srep.sessions": {"fr": "Médiations", "en": "Mediation"},
        "srep.damage": {"fr": "Pièces abîmées ou manquantes", "en": "Damaged or missing parts"},
        "srep.details": {"fr": "Détail d'un bilan", "en": "One report in detail"},
        "srep.incidents": {"fr": "Incidents", "en": "Incidents"},
        "srep.comments": {"fr": "Commentaires du lieu", "en": "Venue's comments"},
        "srep.fixing_kit": {"fr": "Kit de fixation : {state}", "en": "Fixing kit: {state}"},
        "srep.updated": {"fr": "Mis à jour le {at}", "en": "Updated on {at}"},
        "srep.photo": {
            "fr": "Photo jointe (métadonnées retirées)",
            "en": "Attached photo (metadata removed)",
        },
        "srep.posters": {
            "fr": "Affiches QR des étapes en cours",
            "en": "QR posters of current stops",
        },
        "srep.posters_help": {
            "fr": "Chaque affiche mène au questionnaire anonyme de l'étape. À imprimer et à envoyer au lieu.",
            "en": "Each poster leads to the stop's anonymous questionnaire. Print it and send it to the venue.",
        },
        "srep.no_current": {
            "fr": "Aucune étape en cours aujourd'hui.",
            "en": "No stop open today.",
        },
        "srep.condition.ok": {"fr": "bon état", "en": "good"},
        "srep.condition.damaged": {"fr": "abîmé", "en": "damaged"},
        "srep.condition.missing": {"fr": "manquant", "en": "missing"},
    }
)

require_role(*TUBA)
LANG = lang()
st.title(tr("srep.title"))


@st.cache_data(ttl=300, show_spinner=False)
def cached_poster(stop_id: int, fmt: str, size: str) -> tuple[bytes, str, str]:
    return poster(stop_id, fmt, size)


options = filter_options()
c1, c2 = st.columns(2)
venue_type = c1.selectbox(
    tr("srep.venue_type"),
    [None, *options.venue_types],
    format_func=lambda v: tr("srep.all") if v is None else venue_type_label(v, LANG),
)
commune = c2.selectbox(
    tr("srep.commune"),
    [None, *options.communes],
    format_func=lambda c: tr("srep.all") if c is None else c,
)
try:
    reports = list_stop_reports(Filters(venue_type=venue_type, commune=commune))
except DomainError as exc:
    show_error(exc)
    st.stop()

if not reports:
    st.info(tr("srep.none"), icon=":material/info:")
else:
    # Plain values, dates formatted by the grid: ten years of reports stay fast.
    type_labels = {t: venue_type_label(t, LANG) for t in {r.venue_type for r in reports}}
    st.dataframe(
        [
            {
                "venue": r.venue_name,
                "type": type_labels[r.venue_type],
                "commune": r.commune,
                "start": r.install_date,
                "end": r.last_open_date,
                "visitors": r.visitors_total,
                "groups": r.groups,
                "classes": r.school_classes,
                "sessions": r.mediation_sessions,
                "damage": ", ".join(r.damaged_parts + r.missing_parts),
            }
            for r in reports
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "venue": st.column_config.TextColumn(tr("srep.venue")),
            "type": st.column_config.TextColumn(tr("srep.venue_type")),
            "commune": st.column_config.TextColumn(tr("srep.commune")),
            "start": st.column_config.DateColumn(tr("srep.dates"), format="DD/MM/YYYY"),
            "end": st.column_config.DateColumn("→", format="DD/MM/YYYY"),
            "visitors": st.column_config.NumberColumn(tr("srep.visitors"), format="%d"),
            "groups": st.column_config.NumberColumn(tr("srep.groups"), format="%d"),
            "classes": st.column_config.NumberColumn(tr("srep.classes"), format="%d"),
            "sessions": st.column_config.NumberColumn(tr("srep.sessions"), format="%d"),
            "damage": st.column_config.TextColumn(tr("srep.damage")),
        },
    )
    st.subheader(tr("srep.details"))
    by_stop = {r.stop_id: r for r in reports}
    chosen = st.selectbox(
        tr("srep.venue"),
        list(by_stop),
        # one label per report of ten years: a plain day/month/year, not a Babel call each
        format_func=lambda i: f"{by_stop[i].venue_name} ({by_stop[i].install_date:%d/%m/%Y})",
    )
    if chosen is not None:
        r = by_stop[chosen]
        st.caption(tr("srep.updated", at=fdatetime(r.updated_at)))
        st.write(tr("srep.fixing_kit", state=tr(f"srep.condition.{r.fixing_kit_condition}")))
        if r.damaged_parts or r.missing_parts:
            st.warning(
                f"{tr('srep.damage')} : {', '.join(r.damaged_parts + r.missing_parts)}",
                icon=":material/build:",
            )
        if r.incidents:
            st.markdown(f"**{tr('srep.incidents')}**")
            st.text(r.incidents)
        if r.comments:
            st.markdown(f"**{tr('srep.comments')}**")
            st.text(r.comments)
        if r.has_photo:
            photo = report_photo(r.stop_id)
            if photo:
                st.image(photo[0], caption=tr("srep.photo"), width=480)

st.subheader(tr("srep.posters"))
st.caption(tr("srep.posters_help"))
links = current_form_links()
if not links:
    st.write(tr("srep.no_current"))
for link in links:
    with st.container(border=True):
        st.markdown(
            f"**{plain(link.venue_name)}** ({plain(link.commune)}) · {fdate(link.install_date)} – {fdate(link.last_open_date)}"
        )
        st.code(link.url, language=None)
        cols = st.columns(4)
        for col_, (fmt, size) in zip(
            cols, (("pdf", "A4"), ("pdf", "A5"), ("png", "A4"), ("png", "A5")), strict=True
        ):
            col_.download_button(
                f"{fmt.upper()} {size}",
                data=lambda sid=link.stop_id, f=fmt, z=size: cached_poster(sid, f, z)[0],
                file_name=f"affiche-avis-etape-{link.stop_id}-{size}.{fmt}",
                mime="application/pdf" if fmt == "pdf" else "image/png",
                key=f"poster-{link.stop_id}-{fmt}-{size}",
                icon=":material/qr_code_2:",
            )
