"""Staff: the van's days (routed with pyvroom), their route sheets (page and PDF), and the
season map."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from booking.errors import DomainError
from booking.i18n import add_messages, format_date, format_number, format_time
from booking.planning.db_season import list_van_days, plan_van_days, season_map, van_day_sheet
from booking.planning.maps import route_chart, season_chart
from booking.planning.route_sheet import route_sheet_pdf
from booking.ui.common import fdate, lang, require_role, season_map_text, show_error, tr
from booking.ui.nav import STAFF

add_messages(
    {
        "vandays.intro": {
            "fr": "Les trajets de chaque jour de transport, camion par camion, pour les étapes confirmées.",
            "en": "Each transport day's drives, van by van, for the approved stops.",
        },
        "vandays.route": {
            "fr": "Calculer les tournées à venir",
            "en": "Route the coming days",
        },
        "vandays.routing": {"fr": "Calcul des tournées…", "en": "Routing the van days…"},
        "vandays.routed": {
            "fr": "{days} jours routés, {changed} tournées nouvelles ou modifiées, {removed} retirées",
            "en": "{days} days routed, {changed} van days new or changed, {removed} removed",
        },
        "vandays.unassigned": {
            "fr": "Aucun camion ne peut faire ce trajet le {day} (kit {kit}) : revoyez les dates de l'étape.",
            "en": "No van can make this move on {day} (kit {kit}): change the stop's dates.",
        },
        "vandays.none": {
            "fr": "Aucune tournée à venir : confirmez des étapes puis calculez les tournées.",
            "en": "No coming van day: approve stops, then route the days.",
        },
        "vandays.choose": {"fr": "Tournée", "en": "Van day"},
        "vandays.sheet": {"fr": "Feuille de route", "en": "Route sheet"},
        "vandays.pdf": {
            "fr": "Télécharger la feuille de route (PDF)",
            "en": "Download the route sheet (PDF)",
        },
        "vandays.load": {"fr": "À charger au dépôt", "en": "To load at the depot"},
        "vandays.col.date": {"fr": "Date", "en": "Date"},
        "vandays.col.van": {"fr": "Camion", "en": "Van"},
        "vandays.col.times": {"fr": "Horaires", "en": "Times"},
        "vandays.col.km": {"fr": "km", "en": "km"},
        "vandays.col.legs": {"fr": "Trajets", "en": "Drives"},
        "vandays.col.order": {"fr": "N°", "en": "#"},
        "vandays.col.place": {"fr": "Lieu", "en": "Place"},
        "vandays.col.arrive": {"fr": "Arrivée", "en": "Arrive"},
        "vandays.col.leave": {"fr": "Départ", "en": "Leave"},
        "vandays.col.install": {"fr": "Installer", "en": "Install"},
        "vandays.col.dismantle": {"fr": "Démonter", "en": "Dismantle"},
        "vandays.col.address": {"fr": "Adresse", "en": "Address"},
        "vandays.col.contacts": {"fr": "Contacts", "en": "Contacts"},
        "vandays.col.access": {"fr": "Accès", "en": "Access"},
        "vandays.season_map": {"fr": "Carte de la saison", "en": "Season map"},
    }
)

user = require_role(*STAFF)
st.title(tr("nav.van_days"))
st.caption(tr("vandays.intro"))

if st.button(tr("vandays.route"), type="primary", icon=":material/route:"):
    with st.status(tr("vandays.routing"), expanded=False) as status:
        try:
            result = plan_van_days(actor=f"user:{user.email}")
        except DomainError as exc:
            status.update(state="error")
            show_error(exc)
        else:
            status.update(
                label=tr(
                    "vandays.routed",
                    days=result.days,
                    changed=result.changed,
                    removed=result.removed,
                ),
                state="complete",
            )
            for day, kit, _request in result.unassigned:
                st.warning(
                    tr("vandays.unassigned", day=fdate(day), kit=kit), icon=":material/warning:"
                )

today = dt.date.today()
rows = list_van_days(start=today - dt.timedelta(days=7))
if not rows:
    st.info(tr("vandays.none"), icon=":material/local_shipping:")
else:
    code = lang()  # looked up once: months of van days can be listed
    head = {k: tr(f"vandays.col.{k}") for k in ("date", "van", "times", "legs", "km")}
    days = {r["id"]: format_date(r["date"], code) for r in rows}

    def _times(row: dict) -> str:  # type: ignore[type-arg]
        if row["start_at"] is None or row["end_at"] is None:
            return "—"
        return f"{format_time(row['start_at'], code)} – {format_time(row['end_at'], code)}"

    st.dataframe(
        [
            {
                head["date"]: days[r["id"]],
                head["van"]: r["van"],
                head["times"]: _times(r),
                head["legs"]: r["legs"],
                head["km"]: format_number(r["km"], code),
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
    )
    labels = {r["id"]: f"{days[r['id']]} · {r['van']}" for r in rows}
    upcoming = [r["id"] for r in rows if r["date"] >= today] or [rows[-1]["id"]]
    chosen = st.selectbox(
        tr("vandays.choose"),
        options=list(labels),
        index=list(labels).index(upcoming[0]),
        format_func=lambda key: labels[key],
    )
    sheet = van_day_sheet(int(chosen))
    st.subheader(f"{tr('vandays.sheet')} — {labels[chosen]}")
    code = lang()  # the PDF is made when clicked (outside this run), not on every rerun
    st.download_button(
        tr("vandays.pdf"),
        lambda: route_sheet_pdf(sheet, code),
        file_name=f"feuille-de-route-{sheet.date.isoformat()}-{sheet.van}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
    )
    if sheet.load_list:
        st.markdown(f"**{tr('vandays.load')}**")
        for kit, parts in sheet.load_list.items():
            st.markdown(f"- **{kit}** : " + ", ".join(parts))
    st.dataframe(
        [
            {
                tr("vandays.col.order"): s.position,
                tr("vandays.col.place"): s.place,
                tr("vandays.col.arrive"): format_time(s.arrive, lang()),
                tr("vandays.col.leave"): format_time(s.depart, lang()) if s.depart else "—",
                tr("vandays.col.install"): ", ".join(s.unload) if not s.is_depot else "",
                tr("vandays.col.dismantle"): ", ".join(s.load) if not s.is_depot else "",
                tr("vandays.col.address"): s.address,
                tr("vandays.col.contacts"): " ; ".join(s.contacts),
                tr("vandays.col.access"): s.access,
            }
            for s in sheet.stops
        ],
        hide_index=True,
        width="stretch",
    )
    places = " → ".join(f"{s.position}. {s.place}" for s in sheet.stops)
    st.vega_lite_chart(
        spec=route_chart(sheet.points, description=tr("vandays.map_alt", places=places)),
        width="stretch",
    )

st.subheader(tr("vandays.season_map"))
data = season_map()
if data["points"]:
    st.vega_lite_chart(
        spec=season_chart(
            data["points"], data["lines"], description=season_map_text(data["points"])
        ),
        width="stretch",
    )
