"""Staff: plan the season (CP-SAT), compare it with the current plan, accept all or part."""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

import streamlit as st

from booking.errors import DomainError
from booking.i18n import add_messages, format_number
from booking.planning.db_season import (
    accept_plan,
    compare_plans,
    current_stops,
    export_scenario,
    import_plan,
)
from booking.planning.maps import season_chart
from booking.planning.scenario import Plan, PlanStop, Scenario, load_scenario
from booking.planning.season import plan_season, reason_text
from booking.planning.vans import route_plan as route_van_days
from booking.ui.common import fdate, lang, require_role, season_map_text, show_error, tr
from booking.ui.nav import STAFF

add_messages(
    {
        "planning.intro": {
            "fr": "Placez toutes les demandes en attente sur les kits et les dates à la fois ; les étapes déjà confirmées restent où elles sont.",
            "en": "Place every waiting request on kits and dates at once; approved stops stay where they are.",
        },
        "planning.empty": {
            "fr": "Aucune demande à planifier pour l'instant.",
            "en": "No request to plan for now.",
        },
        "planning.to_place": {"fr": "Demandes à placer", "en": "Requests to place"},
        "planning.pinned": {"fr": "Étapes confirmées", "en": "Approved stops"},
        "planning.kits": {"fr": "Kits", "en": "Kits"},
        "planning.vans": {"fr": "Camions", "en": "Vans"},
        "planning.time_limit": {
            "fr": "Temps de calcul maximal (secondes)",
            "en": "Maximum solving time (seconds)",
        },
        "planning.run": {"fr": "Calculer une proposition", "en": "Compute a proposal"},
        "planning.running": {"fr": "Calcul du plan de saison…", "en": "Planning the season…"},
        "planning.done": {
            "fr": "Proposition prête : {placed} demandes placées",
            "en": "Proposal ready: {placed} requests placed",
        },
        "planning.export": {
            "fr": "Exporter la saison (scénario JSON)",
            "en": "Export the season (scenario JSON)",
        },
        "planning.import": {"fr": "Importer un plan (JSON)", "en": "Import a plan (JSON)"},
        "planning.import_bad": {
            "fr": "Ce fichier n'est pas un plan lisible : {detail}",
            "en": "This file is not a readable plan: {detail}",
        },
        "planning.proposal": {"fr": "Proposition", "en": "Proposal"},
        "planning.status.optimal": {"fr": "optimale (prouvée)", "en": "optimal (proven)"},
        "planning.status.feasible": {"fr": "réalisable", "en": "feasible"},
        "planning.status.infeasible": {"fr": "impossible", "en": "infeasible"},
        "planning.status": {
            "fr": "Statut : {status} · écart {gap}",
            "en": "Status: {status} · gap {gap}",
        },
        "planning.placed": {"fr": "Placées", "en": "Placed"},
        "planning.km_current": {"fr": "km du plan actuel", "en": "km, current plan"},
        "planning.km_proposed": {"fr": "km proposés", "en": "km, proposal"},
        "planning.km_saved": {"fr": "km économisés", "en": "km saved"},
        "planning.changes": {"fr": "Ce qui change", "en": "What changes"},
        "planning.col.request": {"fr": "Demande", "en": "Request"},
        "planning.col.venue": {"fr": "Lieu", "en": "Venue"},
        "planning.col.change": {"fr": "Changement", "en": "Change"},
        "planning.col.now": {"fr": "Actuellement", "en": "Now"},
        "planning.col.proposed": {"fr": "Proposé", "en": "Proposed"},
        "planning.col.reason": {"fr": "Motif", "en": "Reason"},
        "planning.change.new": {"fr": "nouvelle", "en": "new"},
        "planning.change.moved": {"fr": "déplacée", "en": "moved"},
        "planning.change.unchanged": {"fr": "inchangée", "en": "unchanged"},
        "planning.change.removed": {"fr": "retirée", "en": "removed"},
        "planning.change.pinned": {"fr": "confirmée (fixe)", "en": "approved (fixed)"},
        "planning.unscheduled": {"fr": "Demandes non placées", "en": "Requests not placed"},
        "planning.accept_title": {"fr": "Accepter", "en": "Accept"},
        "planning.choose": {"fr": "Placements à accepter", "en": "Placements to accept"},
        "planning.mode": {"fr": "Les placements deviennent", "en": "Placements become"},
        "planning.mode.hold": {"fr": "des options (sous réserve)", "en": "holds"},
        "planning.mode.approve": {"fr": "des étapes confirmées", "en": "approved stops"},
        "planning.accept": {"fr": "Accepter la sélection", "en": "Accept the selection"},
        "planning.accepted": {
            "fr": "{held} options, {approved} confirmations enregistrées",
            "en": "{held} holds, {approved} approvals saved",
        },
        "planning.van_days": {"fr": "Jours de camion proposés", "en": "Proposed van days"},
        "planning.map": {"fr": "Carte de la saison proposée", "en": "Map of the proposed season"},
        "planning.col.date": {"fr": "Date", "en": "Date"},
        "planning.col.van": {"fr": "Camion", "en": "Van"},
        "planning.col.legs": {"fr": "Trajets", "en": "Drives"},
        "planning.col.km": {"fr": "km", "en": "km"},
        "planning.col.times": {"fr": "Horaires", "en": "Times"},
    }
)

KEY = "planning.proposal"


def _solve(scenario: Scenario, limit: float, status: Any) -> Any:
    """Solve in a worker thread; its progress messages are written here, in the page's own
    thread (the solver's callbacks run where Streamlit cannot write)."""
    messages: queue.Queue[str] = queue.Queue()
    result: dict[str, Any] = {}
    language = lang()

    def work() -> None:
        try:
            result["outcome"] = plan_season(
                scenario, time_limit=limit, progress=messages.put, lang=language
            )
        except BaseException as exc:  # handed to the page's thread below
            result["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    while worker.is_alive() or not messages.empty():
        try:
            status.write(messages.get(timeout=0.2))
        except queue.Empty:
            continue
    if "error" in result:
        raise result["error"]
    return result["outcome"]


user = require_role(*STAFF)
st.title(tr("nav.planning"))
st.caption(tr("planning.intro"))

try:
    season_data = export_scenario()
    scenario: Scenario | None = load_scenario(season_data) if season_data["requests"] else None
except DomainError as exc:
    show_error(exc)
    st.stop()

if scenario is None:
    st.info(tr("planning.empty"), icon=":material/event_available:")
    st.stop()
assert scenario is not None

pinned = sum(1 for r in scenario.requests if r.pinned)
cols = st.columns(4)
cols[0].metric(tr("planning.to_place"), len(scenario.requests) - pinned)
cols[1].metric(tr("planning.pinned"), pinned)
cols[2].metric(tr("planning.kits"), len(scenario.kits))
cols[3].metric(tr("planning.vans"), len(scenario.vans))

left, right = st.columns([2, 1])
with left:
    limit = st.slider(tr("planning.time_limit"), 5, 120, 20, step=5)
    if st.button(tr("planning.run"), type="primary", icon=":material/auto_awesome:"):
        with st.status(tr("planning.running"), expanded=True) as status:
            outcome = _solve(scenario, float(limit), status)
            status.update(
                label=tr("planning.done", placed=outcome.plan.objective["scheduled"]),
                state="complete",
                expanded=False,
            )
        st.session_state[KEY] = outcome.plan
with right:
    st.download_button(
        tr("planning.export"),
        lambda: json.dumps(season_data, ensure_ascii=False, indent=2),  # made when clicked
        file_name="saison.json",
        mime="application/json",
        icon=":material/download:",
    )
    uploaded = st.file_uploader(tr("planning.import"), type=["json"])
    if uploaded is not None:
        try:
            st.session_state[KEY] = import_plan(json.loads(uploaded.getvalue()), scenario)
        except DomainError as exc:
            show_error(exc)
        except ValueError as exc:
            st.error(tr("planning.import_bad", detail=str(exc)[:200]), icon=":material/error:")

plan: Plan | None = st.session_state.get(KEY)
if plan is None:
    st.stop()
assert plan is not None

venue_names = {v.id: v.name or v.id for v in scenario.venues}
st.header(tr("planning.proposal"))
gap = float(plan.solver.get("gap", 0.0))
st.write(
    tr(
        "planning.status",
        status=tr(f"planning.status.{plan.status}"),
        gap=f"{format_number(gap * 100, lang())} %",
    )
)
cached = st.session_state.get(KEY + ".comparison")
if cached is None or cached[0] is not plan:
    proposal_km = None
    if not plan.legs and plan.stops:  # an imported plan: route it to compare like with like
        proposal_km = sum(d.km for d in route_van_days(scenario, plan.stops).values())
    cached = (plan, compare_plans(scenario, current_stops(scenario), plan, proposal_km))
    st.session_state[KEY + ".comparison"] = cached
comparison = cached[1]
proposed_km = comparison.proposed_km
cols = st.columns(4)
cols[0].metric(tr("planning.placed"), f"{len(plan.stops)} / {len(scenario.requests)}")
cols[1].metric(tr("planning.km_current"), format_number(comparison.current_km, lang()))
cols[2].metric(tr("planning.km_proposed"), format_number(proposed_km, lang()))
cols[3].metric(tr("planning.km_saved"), format_number(comparison.current_km - proposed_km, lang()))


def _dates(stop: PlanStop | None) -> str:
    if stop is None:
        return "—"
    return f"{stop.kit} · {fdate(stop.install)} → {fdate(stop.last_open)}"


st.subheader(tr("planning.changes"))
rows: list[dict[str, Any]] = [
    {
        tr("planning.col.request"): row.request,
        tr("planning.col.venue"): venue_names.get(row.venue, row.venue),
        tr("planning.col.change"): tr(f"planning.change.{row.status}"),
        tr("planning.col.now"): _dates(row.current),
        tr("planning.col.proposed"): _dates(row.proposed),
    }
    for row in comparison.rows
]
st.dataframe(rows, hide_index=True, width="stretch")

if plan.unscheduled:
    st.subheader(tr("planning.unscheduled"))
    request_venue = {r.id: r.venue for r in scenario.requests}
    st.dataframe(
        [
            {
                tr("planning.col.request"): u.request,
                tr("planning.col.venue"): venue_names.get(request_venue.get(u.request, ""), ""),
                tr("planning.col.reason"): reason_text(u.code, u.params, lang())
                if u.code
                else u.reason,
            }
            for u in plan.unscheduled
        ],
        hide_index=True,
        width="stretch",
    )

st.subheader(tr("planning.accept_title"))
acceptable = [r for r in comparison.rows if r.status in ("new", "moved") and r.proposed]
labels = {
    r.request: f"{r.request} · {venue_names.get(r.venue, r.venue)} · {_dates(r.proposed)}"
    for r in acceptable
}
with st.form("planning.accept_form"):
    chosen = st.multiselect(
        tr("planning.choose"),
        options=list(labels),
        default=list(labels),
        format_func=lambda key: labels[key],
    )
    mode = st.radio(
        tr("planning.mode"),
        ["hold", "approve"],
        format_func=lambda m: tr(f"planning.mode.{m}"),
        horizontal=True,
    )
    if st.form_submit_button(tr("planning.accept"), icon=":material/done_all:"):
        by_request = {r.request: r.proposed for r in acceptable}
        try:
            counts = accept_plan(
                [p for key in chosen if (p := by_request.get(key)) is not None],
                actor=f"user:{user.email}",
                mode=mode,
                lang=lang(),
            )
        except DomainError as exc:
            show_error(exc)
        else:
            st.session_state.pop(KEY, None)
            st.toast(tr("planning.accepted", **counts), icon=":material/check_circle:")
            st.rerun()

if plan.legs:
    st.subheader(tr("planning.van_days"))
    days: dict[tuple[str, str], dict[str, Any]] = {}
    for leg in plan.legs:
        key = (leg.date.isoformat(), leg.van)
        entry = days.setdefault(
            key,
            {
                tr("planning.col.date"): fdate(leg.date),
                tr("planning.col.van"): leg.van,
                tr("planning.col.legs"): 0,
                tr("planning.col.km"): 0.0,
                "_first": leg.depart,
                "_last": leg.arrive,
            },
        )
        entry[tr("planning.col.legs")] += 1
        entry[tr("planning.col.km")] = round(entry[tr("planning.col.km")] + leg.km, 1)
        entry["_last"] = leg.arrive
    table = []
    for entry in days.values():
        first, last = entry.pop("_first"), entry.pop("_last")
        entry[tr("planning.col.times")] = (
            f"{first // 60:02d}:{first % 60:02d} – {last // 60:02d}:{last % 60:02d}"
        )
        table.append(entry)
    st.dataframe(table, hide_index=True, width="stretch")

st.subheader(tr("planning.map"))
request_by_id = scenario.request_by_id
points = [
    {
        "lat": scenario.venue_by_id[request_by_id[s.request].venue].lat,
        "lon": scenario.venue_by_id[request_by_id[s.request].venue].lon,
        "label": venue_names[request_by_id[s.request].venue],
        "kind": "stop",
        "kit": s.kit,
        "install": s.install.isoformat(),
    }
    for s in plan.stops
] + [
    {"lat": d.lat, "lon": d.lon, "label": d.name, "kind": "depot", "kit": "", "install": ""}
    for d in scenario.depots
]
st.vega_lite_chart(spec=season_chart(points, description=season_map_text(points)), width="stretch")
