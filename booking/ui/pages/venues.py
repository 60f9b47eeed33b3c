"""Staff: venues, their point on a map (corrected by hand), closures and contacts."""

import streamlit as st
from babel.dates import get_day_names

from booking.calendars import export_calendar
from booking.errors import DomainError
from booking.geocoding import commune_choices
from booking.i18n import add_messages
from booking.services.privacy import erase_contact
from booking.services.venues import (
    add_closure,
    correct_point,
    list_venues,
    remove_closure,
    venue_detail,
)
from booking.ui.closures_upload import render_closure_upload
from booking.ui.common import fdate, lang, require_role, show_error, tr
from booking.ui.nav import STAFF
from booking.ui.text import plain
from booking.ui.venue_map import show_point

add_messages(
    {
        "venuepage.calendar": {"fr": "Calendrier du lieu (.ics)", "en": "Venue calendar (.ics)"},
        "venuepage.title": {"fr": "Lieux", "en": "Venues"},
        "venuepage.search": {"fr": "Nom ou commune", "en": "Name or town"},
        "venuepage.type": {"fr": "Type", "en": "Type"},
        "venuepage.all": {"fr": "Tous", "en": "All"},
        "venuepage.empty": {"fr": "Aucun lieu.", "en": "No venue."},
        "venuepage.col.name": {"fr": "Nom", "en": "Name"},
        "venuepage.col.commune": {"fr": "Commune", "en": "Town"},
        "venuepage.col.type": {"fr": "Type", "en": "Type"},
        "venuepage.col.point": {"fr": "Point", "en": "Point"},
        "venuepage.col.requests": {"fr": "Demandes", "en": "Requests"},
        "venuepage.outside": {"fr": "hors Métropole", "en": "outside the Métropole"},
        "venuepage.no_point": {"fr": "sans point", "en": "no point"},
        "venuepage.choose": {"fr": "Lieu", "en": "Venue"},
        "venuepage.open_days": {"fr": "Ouvert : {days}", "en": "Open: {days}"},
        "venuepage.point": {"fr": "Point sur la carte", "en": "Point on the map"},
        "venuepage.point_source": {
            "fr": "Source : {source}",
            "en": "Source: {source}",
        },
        "venuepage.outside_warning": {
            "fr": "Ce lieu semble hors de la Métropole de Lyon.",
            "en": "This venue seems to be outside the Métropole de Lyon.",
        },
        "venuepage.correct": {"fr": "Corriger le point", "en": "Correct the point"},
        "venuepage.lat": {"fr": "Latitude", "en": "Latitude"},
        "venuepage.lon": {"fr": "Longitude", "en": "Longitude"},
        "venuepage.commune": {"fr": "Ou la commune", "en": "Or the town"},
        "venuepage.save_point": {"fr": "Enregistrer le point", "en": "Save the point"},
        "venuepage.closures": {"fr": "Fermetures", "en": "Closures"},
        "venuepage.col.start": {"fr": "Du", "en": "From"},
        "venuepage.col.end": {"fr": "Au", "en": "To"},
        "venuepage.col.reason": {"fr": "Motif", "en": "Reason"},
        "venuepage.col.source": {"fr": "Source", "en": "Source"},
        "venuepage.add_closure": {"fr": "Ajouter une fermeture", "en": "Add a closure"},
        "venuepage.closure_dates": {"fr": "Jours fermés", "en": "Closed days"},
        "venuepage.reason": {"fr": "Motif", "en": "Reason"},
        "venuepage.remove": {"fr": "Supprimer la fermeture", "en": "Remove the closure"},
        "venuepage.contacts": {"fr": "Contacts", "en": "Contacts"},
        "venuepage.erased": {"fr": "effacé", "en": "erased"},
        "venuepage.erase": {"fr": "Effacer ce contact", "en": "Erase this contact"},
        "venuepage.erase_confirm": {
            "fr": "Effacer définitivement le nom, la fonction, l'e-mail et le téléphone de ce contact ? Le lien privé de ses demandes ne fonctionnera plus.",
            "en": "Erase this contact's name, role, email and phone for good? The private link of its requests will stop working.",
        },
        "venuepage.requests": {"fr": "Demandes n° {ids}", "en": "Requests no. {ids}"},
        "venuepage.saved": {"fr": "Enregistré.", "en": "Saved."},
    }
)

user = require_role(*STAFF)
language = lang()  # the file is made when clicked, outside this run
st.title(tr("venuepage.title"))
flash = st.session_state.pop("venues.flash", None)
if flash:
    st.success(tr("venuepage.saved"), icon=":material/check_circle:")


def _act(action) -> None:  # type: ignore[no-untyped-def]
    try:
        action()
    except DomainError as exc:
        show_error(exc)
    else:
        st.session_state["venues.flash"] = True
        st.rerun()


cols = st.columns(2)
search = cols[0].text_input(tr("venuepage.search"), max_chars=100)
kind = cols[1].selectbox(
    tr("venuepage.type"),
    [None, "library", "school", "park", "town_hall", "other"],
    format_func=lambda v: tr(f"requests.venue_type.{v}") if v else tr("venuepage.all"),
)
venues = list_venues(search=search, venue_type=kind)
if not venues:
    st.info(tr("venuepage.empty"))
    st.stop()
st.dataframe(
    [
        {
            tr("venuepage.col.name"): v.name,
            tr("venuepage.col.commune"): v.commune,
            tr("venuepage.col.type"): tr(f"requests.venue_type.{v.type}"),
            tr("venuepage.col.point"): tr("venuepage.no_point")
            if v.lat is None
            else (v.geocode_source + ("" if v.inside else f" — {tr('venuepage.outside')}")),
            tr("venuepage.col.requests"): v.requests,
        }
        for v in venues
    ],
    hide_index=True,
    width="stretch",
)
venue_row = st.selectbox(
    tr("venuepage.choose"), venues, format_func=lambda v: f"{v.name} — {v.commune}"
)
detail = venue_detail(venue_row.id)
row = detail.row
st.subheader(plain(row.name))
st.text(f"{detail.address}\n{detail.postcode} {row.commune}")
names = get_day_names("wide", locale="fr_FR" if lang() == "fr" else "en_GB")
st.caption(tr("venuepage.open_days", days=", ".join(names[d] for d in detail.open_weekdays)))
access = "\n".join(p for p in (detail.floor, detail.van_parking, detail.access_notes) if p)
if access:
    st.text(access)
if detail.request_ids:
    st.caption(tr("venuepage.requests", ids=", ".join(str(i) for i in detail.request_ids)))

st.subheader(tr("venuepage.point"))
if row.lat is not None and row.lon is not None:
    if not row.inside:
        st.warning(tr("venuepage.outside_warning"), icon=":material/warning:")
    st.caption(tr("venuepage.point_source", source=row.geocode_source or "—"))
    show_point(row.lat, row.lon, row.name)
with st.form("venues.point"):
    st.markdown(f"**{tr('venuepage.correct')}**")
    cols = st.columns(3)
    lat = cols[0].number_input(
        tr("venuepage.lat"), -90.0, 90.0, float(row.lat or 45.76), format="%.5f"
    )
    lon = cols[1].number_input(
        tr("venuepage.lon"), -180.0, 180.0, float(row.lon or 4.84), format="%.5f"
    )
    commune = cols[2].selectbox(
        tr("venuepage.commune"), commune_choices(), index=None, format_func=lambda c: c.name
    )
    if st.form_submit_button(tr("venuepage.save_point")):
        _act(
            lambda: correct_point(
                row.id,
                lat=None if commune else lat,
                lon=None if commune else lon,
                insee=commune.insee if commune else None,
                actor=user.actor,
            )
        )

st.subheader(tr("venuepage.closures"))
if detail.closures:
    st.dataframe(
        [
            {
                tr("venuepage.col.start"): fdate(c.start),
                tr("venuepage.col.end"): fdate(c.end),
                tr("venuepage.col.reason"): c.reason,
                tr("venuepage.col.source"): c.source,
            }
            for c in detail.closures
        ],
        hide_index=True,
        width="stretch",
    )
    cols = st.columns([3, 1])
    closure = cols[0].selectbox(
        tr("venuepage.remove"),
        detail.closures,
        format_func=lambda c: f"{fdate(c.start)} → {fdate(c.end)}",
        label_visibility="collapsed",
    )
    if cols[1].button(tr("venuepage.remove"), icon=":material/delete:"):
        _act(lambda: remove_closure(closure.id, actor=user.actor))
with st.form("venues.closure", clear_on_submit=True):
    st.markdown(f"**{tr('venuepage.add_closure')}**")
    cols = st.columns([1, 2])
    days = cols[0].date_input(tr("venuepage.closure_dates"), value=(), format="DD/MM/YYYY")
    reason = cols[1].text_input(tr("venuepage.reason"), max_chars=300)
    if st.form_submit_button(tr("venuepage.add_closure")) and isinstance(days, tuple) and days:
        _act(lambda: add_closure(row.id, days[0], days[-1], reason, actor=user.actor))

render_closure_upload(row.id, user.actor)
st.download_button(
    tr("venuepage.calendar"),
    data=lambda: export_calendar(f"venue:{row.id}", lang=language),
    file_name=f"lieu-{row.id}.ics",
    mime="text/calendar",
    icon=":material/calendar_month:",
)

st.subheader(tr("venuepage.contacts"))
for contact in detail.contacts:
    cols = st.columns([4, 1])
    if contact.erased:
        cols[0].caption(tr("venuepage.erased"))
        continue
    cols[0].text(
        " · ".join(p for p in (contact.name, contact.role, contact.email, contact.phone) if p)
    )
    if cols[1].button(
        tr("venuepage.erase"), key=f"venues.erase.{contact.id}", icon=":material/person_remove:"
    ):
        _act(lambda c=contact.id: erase_contact(c, actor=user.actor))
