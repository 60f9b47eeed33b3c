"""Tuba: what visitors said, stop by stop. Small groups (< 10 responses) are never shown."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from booking.errors import DomainError
from booking.feedback.dashboard import (
    Breakdown,
    Filters,
    Options,
    Summary,
    data_version,
    filter_options,
    list_comments,
    moderate_comment,
    summarise,
    venue_type_label,
)
from booking.feedback.exports import export_bytes
from booking.i18n import add_messages, format_number
from booking.ui.common import fdate, lang, require_role, show_error, tr
from booking.ui.nav import TUBA
from booking.ui.text import plain

add_messages(
    {
        "fdash.title": {"fr": "Retours des visiteurs", "en": "Visitor feedback"},
        "fdash.privacy": {
            "fr": "Les petits groupes (moins de 10 réponses) sont masqués, ainsi que ce qui permettrait de les retrouver par soustraction.",
            "en": "Small groups (fewer than 10 responses) are hidden, and so is whatever would let them be recovered by subtraction.",
        },
        "fdash.period": {"fr": "Période", "en": "Period"},
        "fdash.exhibition": {"fr": "Exposition", "en": "Exhibition"},
        "fdash.stop": {"fr": "Étape", "en": "Stop"},
        "fdash.venue_type": {"fr": "Type de lieu", "en": "Venue type"},
        "fdash.commune": {"fr": "Commune", "en": "Commune"},
        "fdash.all": {"fr": "Toutes", "en": "All"},
        "fdash.responses": {"fr": "Réponses", "en": "Responses"},
        "fdash.visitors": {"fr": "Visiteurs comptés", "en": "Visitors counted"},
        "fdash.rate": {"fr": "Taux de réponse", "en": "Response rate"},
        "fdash.mean": {"fr": "Note moyenne", "en": "Mean rating"},
        "fdash.small": {"fr": "< 10", "en": "< 10"},
        "fdash.hidden_note": {
            "fr": "{n} case(s) masquée(s) : petit groupe ou protection d'un petit groupe.",
            "en": "{n} cell(s) hidden: a small group or protecting one.",
        },
        "fdash.tab.overview": {"fr": "Vue d'ensemble", "en": "Overview"},
        "fdash.tab.ideas": {"fr": "Idées reçues", "en": "Received ideas"},
        "fdash.tab.stops": {"fr": "Étapes", "en": "Stops"},
        "fdash.tab.compare": {"fr": "Comparer", "en": "Compare"},
        "fdash.tab.comments": {"fr": "Commentaires", "en": "Comments"},
        "fdash.tab.exports": {"fr": "Exports", "en": "Exports"},
        "fdash.ratings": {"fr": "Note de la visite", "en": "Rating of the visit"},
        "fdash.age": {"fr": "Âge", "en": "Age"},
        "fdash.came": {"fr": "Venu·e…", "en": "Came…"},
        "fdash.will_do": {"fr": "Ce que les visiteurs feront", "en": "What visitors will do"},
        "fdash.category": {"fr": "Catégorie", "en": "Category"},
        "fdash.count": {"fr": "Réponses", "en": "Responses"},
        "fdash.shift": {"fr": "Évolution", "en": "Change"},
        "fdash.moment": {"fr": "Moment", "en": "When"},
        "fdash.level": {"fr": "Avis", "en": "View"},
        "fdash.before": {"fr": "Avant", "en": "Before"},
        "fdash.after": {"fr": "Après", "en": "After"},
        "fdash.map": {
            "fr": "Étapes (taille : visiteurs comptés) — sans fond de carte tiers",
            "en": "Stops (size: visitors counted) — no third-party map tiles",
        },
        "fdash.venue": {"fr": "Lieu", "en": "Venue"},
        "fdash.start": {"fr": "Début", "en": "Start"},
        "fdash.end": {"fr": "Fin", "en": "End"},
        "fdash.stops_count": {"fr": "Étapes", "en": "Stops"},
        "fdash.blank_small": {
            "fr": "Case vide : moins de 10 réponses (ou masquée pour protéger un petit groupe).",
            "en": "Empty cell: fewer than 10 responses (or hidden to protect a small group).",
        },
        "fdash.compare_by": {"fr": "Comparer", "en": "Compare"},
        "fdash.two_stops": {"fr": "Deux étapes", "en": "Two stops"},
        "fdash.two_types": {"fr": "Deux types de lieu", "en": "Two venue types"},
        "fdash.first": {"fr": "Premier", "en": "First"},
        "fdash.second": {"fr": "Second", "en": "Second"},
        "fdash.agree_less": {
            "fr": "{idea} : moins d'accord après la visite",
            "en": "{idea}: agrees less after the visit",
        },
        "fdash.figure": {"fr": "Indicateur", "en": "Figure"},
        "fdash.status": {"fr": "Statut", "en": "Status"},
        "fdash.status.visible": {"fr": "Visible", "en": "Visible"},
        "fdash.status.flagged": {"fr": "À vérifier", "en": "Flagged"},
        "fdash.status.hidden": {"fr": "Masqué", "en": "Hidden"},
        "fdash.hide": {"fr": "Masquer", "en": "Hide"},
        "fdash.flag": {"fr": "Signaler", "en": "Flag"},
        "fdash.show": {"fr": "Rétablir", "en": "Restore"},
        "fdash.comments_help": {
            "fr": "Les commentaires masqués ou à vérifier ne sortent jamais de l'application (ni export, ni affichage public).",
            "en": "Hidden or flagged comments never leave the app (no export, no public display).",
        },
        "fdash.no_comments": {"fr": "Aucun commentaire.", "en": "No comment."},
        "fdash.page": {"fr": "Page", "en": "Page"},
        "fdash.csv_responses": {"fr": "Réponses (CSV)", "en": "Responses (CSV)"},
        "fdash.csv_reports": {"fr": "Bilans d'étape (CSV)", "en": "Stop reports (CSV)"},
        "fdash.csv_summary": {"fr": "Synthèse (CSV)", "en": "Summary (CSV)"},
        "fdash.xlsx": {"fr": "Classeur complet (XLSX)", "en": "Full workbook (XLSX)"},
        "fdash.exports_help": {
            "fr": "Les exports suivent les filtres. La synthèse applique les mêmes masquages que l'écran ; les réponses sont datées au jour.",
            "en": "Exports follow the filters. The summary hides exactly what the screen hides; responses are dated to the day.",
        },
        "fdash.nothing": {
            "fr": "Aucune réponse pour ces filtres.",
            "en": "No response for these filters.",
        },
    }
)

require_role(*TUBA)
LANG = lang()
PAGE_SIZE = 20


# The caches are keyed on the data's version (one cheap query per render), so a figure shown
# is never older than the database; they only spare the work when nothing has changed.
VERSION = data_version()


@st.cache_data(ttl=300, show_spinner=False, max_entries=8)
def cached_options(version: tuple[Any, ...]) -> Options:
    return filter_options()


@st.cache_data(ttl=300, show_spinner=False, max_entries=64)
def cached_summary(filters: Filters, language: str, version: tuple[Any, ...]) -> Summary:
    return summarise(filters, language)


@st.cache_data(ttl=120, show_spinner=False, max_entries=64)
def cached_comments(filters: Filters, page: int, version: tuple[Any, ...]) -> tuple[list[Any], int]:
    return list_comments(filters, limit=PAGE_SIZE, offset=page * PAGE_SIZE)


def clear_after_moderation() -> None:
    cached_comments.clear()
    cached_summary.clear()


def figure(value: int | None) -> str:
    return format_number(value, LANG, 0) if value is not None else tr("fdash.small")


def percent(value: float | None) -> str:
    return f"{format_number(value * 100, LANG, 1)} %" if value is not None else "—"


def described(title: str, rows: list[dict[str, Any]], hidden: int = 0) -> str:
    """A chart's text alternative (Vega puts it in the chart's aria-label): every bar with
    its figure, and what small-group suppression hid (RGAA 1.1)."""
    parts = [f"{r['label']} : {figure(r['count'])}" for r in rows]
    text = f"{title}. " + " ; ".join(parts) + "."
    return text + (" " + tr("fdash.hidden_note", n=hidden) if hidden else "")


def bar_chart(b: Breakdown, title: str) -> None:
    shown = [r for r in b.rows() if r["count"] is not None]
    st.markdown(f"**{title}**")
    if shown:
        # A Vega-Lite spec as a plain dict: Altair's per-chart schema validation cost more
        # than the whole rest of the page with a dozen charts on it.
        st.vega_lite_chart(
            pd.DataFrame(shown),
            {
                "description": described(title, shown, b.hidden),
                "mark": {"type": "bar", "color": "#b0005c"},
                "height": {"step": 30},
                "encoding": {
                    "x": {"field": "count", "type": "quantitative", "title": tr("fdash.count")},
                    "y": {
                        "field": "label",
                        "type": "nominal",
                        "title": None,
                        "sort": [r["label"] for r in b.rows()],
                        "axis": {"labelLimit": 260, "labelOverlap": False},
                    },
                    "tooltip": [
                        {"field": "label", "type": "nominal", "title": tr("fdash.category")},
                        {"field": "count", "type": "quantitative"},
                    ],
                },
            },
            width="stretch",
        )
    if b.hidden:
        st.caption(tr("fdash.hidden_note", n=b.hidden))


# ---------------------------------------------------------------------------- filters

st.title(tr("fdash.title"))
st.caption(tr("fdash.privacy"))
options = cached_options(VERSION)
cols = st.columns([2, 2, 2, 2, 2])
today = dt.date.today()
period = cols[0].date_input(tr("fdash.period"), value=(), format="DD/MM/YYYY")
exhibitions = dict(options.exhibitions)
exhibition = cols[1].selectbox(
    tr("fdash.exhibition"),
    [None, *exhibitions],
    format_func=lambda i: tr("fdash.all") if i is None else exhibitions[i],
)
types = cols[2].selectbox(
    tr("fdash.venue_type"),
    [None, *options.venue_types],
    format_func=lambda v: tr("fdash.all") if v is None else venue_type_label(v, LANG),
)
commune = cols[3].selectbox(
    tr("fdash.commune"),
    [None, *options.communes],
    format_func=lambda c: tr("fdash.all") if c is None else c,
)
stops_by_id = dict(options.stops)
stop = cols[4].selectbox(
    tr("fdash.stop"),
    [None, *stops_by_id],
    format_func=lambda i: tr("fdash.all") if i is None else stops_by_id[i],
)
dates = list(period) if isinstance(period, tuple | list) else [period]
filters = Filters(
    date_from=dates[0] if dates else None,
    date_to=dates[1] if len(dates) > 1 else (dates[0] if dates else None),
    exhibition_id=exhibition,
    stop_ids=(stop,) if stop is not None else (),
    venue_type=types,
    commune=commune,
)

try:
    summary = cached_summary(filters, LANG, VERSION)
except DomainError as exc:
    show_error(exc)
    st.stop()

m = st.columns(4)
m[0].metric(tr("fdash.responses"), figure(summary.responses))
m[1].metric(tr("fdash.visitors"), format_number(summary.visitors, LANG, 0))
m[2].metric(tr("fdash.rate"), percent(summary.response_rate))
m[3].metric(
    tr("fdash.mean"),
    f"{format_number(summary.mean_rating, LANG, 2)} / 5" if summary.mean_rating else "—",
)

tabs = st.tabs(
    [
        tr("fdash.tab.overview"),
        tr("fdash.tab.ideas"),
        tr("fdash.tab.stops"),
        tr("fdash.tab.compare"),
        tr("fdash.tab.comments"),
        tr("fdash.tab.exports"),
    ]
)

# ---------------------------------------------------------------------------- overview
with tabs[0]:
    if not summary.responses:
        st.info(tr("fdash.nothing"), icon=":material/info:")
    left, right = st.columns(2)
    with left:
        bar_chart(summary.ratings, tr("fdash.ratings"))
        bar_chart(summary.will_do, tr("fdash.will_do"))
    with right:
        bar_chart(summary.age_bands, tr("fdash.age"))
        bar_chart(summary.came_with, tr("fdash.came"))

# ---------------------------------------------------------------------------- ideas
with tabs[1]:
    for idea in summary.ideas:
        st.subheader(idea.label)
        left, right = st.columns(2)
        with left:
            bar_chart(idea.shift, tr("fdash.shift"))
        with right:
            rows = [
                {
                    "moment": tr(f"fdash.{side}"),
                    "label": r["label"],
                    "count": r["count"],
                    "order": i,
                }
                for side, b in (("before", idea.before), ("after", idea.after))
                for i, r in enumerate(b.rows())
                if r["count"] is not None and r["key"] != "__none__"
            ]
            st.markdown(f"**{tr('fdash.before')} → {tr('fdash.after')}**")
            if rows:
                st.vega_lite_chart(  # a plain spec, as in bar_chart()
                    pd.DataFrame(rows),
                    {
                        "description": described(
                            f"{idea.label} — {tr('fdash.before')} → {tr('fdash.after')}",
                            [{**r, "label": f"{r['moment']}, {r['label']}"} for r in rows],
                        ),
                        "mark": "bar",
                        "height": 110,
                        "encoding": {
                            "y": {
                                "field": "moment",
                                "type": "nominal",
                                "title": None,
                                "sort": [tr("fdash.before"), tr("fdash.after")],
                            },
                            "x": {
                                "field": "count",
                                "type": "quantitative",
                                "stack": "normalize",
                                "title": None,
                                "axis": {"format": "%"},
                            },
                            "color": {
                                "field": "label",
                                "type": "nominal",
                                "title": tr("fdash.level"),
                                "sort": [r["label"] for r in idea.before.rows()],
                                "scale": {"scheme": "redblue"},
                            },
                            "order": {"field": "order", "type": "quantitative"},
                            "tooltip": [
                                {"field": "moment", "type": "nominal"},
                                {"field": "label", "type": "nominal"},
                                {"field": "count", "type": "quantitative"},
                            ],
                        },
                    },
                    width="stretch",
                )
            hidden = idea.before.hidden + idea.after.hidden
            if hidden:
                st.caption(tr("fdash.hidden_note", n=hidden))

# ---------------------------------------------------------------------------- stops
with tabs[2]:
    # Plain values (Streamlit formats them): a table of thousands of stops stays fast.
    st.dataframe(
        pd.DataFrame(
            {
                "venue": [s.venue_name for s in summary.stops],
                "type": [venue_type_label(s.venue_type, LANG) for s in summary.stops],
                "commune": [s.commune for s in summary.stops],
                "start": [s.install_date for s in summary.stops],
                "end": [s.last_open_date for s in summary.stops],
                "responses": [s.responses for s in summary.stops],
                "visitors": [s.visitors for s in summary.stops],
                "rate": [s.response_rate for s in summary.stops],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "venue": st.column_config.TextColumn(tr("fdash.venue")),
            "type": st.column_config.TextColumn(tr("fdash.venue_type")),
            "commune": st.column_config.TextColumn(tr("fdash.commune")),
            "start": st.column_config.DateColumn(tr("fdash.start"), format="DD/MM/YYYY"),
            "end": st.column_config.DateColumn(tr("fdash.end"), format="DD/MM/YYYY"),
            "responses": st.column_config.NumberColumn(
                tr("fdash.responses"), help=tr("fdash.blank_small"), format="%d"
            ),
            "visitors": st.column_config.NumberColumn(tr("fdash.visitors"), format="%d"),
            "rate": st.column_config.NumberColumn(tr("fdash.rate"), format="percent"),
        },
    )
    st.caption(tr("fdash.blank_small"))
    # The map: one point per venue (its stops' visitors added up), no third-party tiles.
    places: dict[tuple[float, float], dict[str, Any]] = {}
    for s in summary.stops:
        if s.lat is None or s.lon is None:
            continue
        place = places.setdefault(
            (s.lat, s.lon),
            {"lon": s.lon, "lat": s.lat, "venue": s.venue_name, "visitors": 0, "stops": 0},
        )
        place["visitors"] += s.visitors or 0
        place["stops"] += 1
    if places:
        st.markdown(f"**{tr('fdash.map')}**")
        st.vega_lite_chart(  # a plain spec, as in bar_chart()
            pd.DataFrame(list(places.values())),
            {
                "mark": {"type": "circle", "color": "#b0005c", "opacity": 0.6},
                "projection": {"type": "mercator"},
                "height": 420,
                "encoding": {
                    "longitude": {"field": "lon", "type": "quantitative"},
                    "latitude": {"field": "lat", "type": "quantitative"},
                    "size": {
                        "field": "visitors",
                        "type": "quantitative",
                        "title": tr("fdash.visitors"),
                        "scale": {"range": [20, 900]},
                    },
                    "tooltip": [
                        {"field": "venue", "type": "nominal", "title": tr("fdash.venue")},
                        {
                            "field": "stops",
                            "type": "quantitative",
                            "title": tr("fdash.stops_count"),
                        },
                        {
                            "field": "visitors",
                            "type": "quantitative",
                            "title": tr("fdash.visitors"),
                        },
                    ],
                },
            },
            width="stretch",
        )

# ---------------------------------------------------------------------------- compare
with tabs[3]:
    mode = st.segmented_control(
        tr("fdash.compare_by"),
        ["stops", "types"],
        format_func=lambda m: tr("fdash.two_stops") if m == "stops" else tr("fdash.two_types"),
        default=None,
    )
    if mode is None:
        choices: list[Any] = []
        label = str
    elif mode == "stops":
        choices = list(stops_by_id)
        label = stops_by_id.__getitem__
    else:
        choices = list(options.venue_types)
        label = lambda v: venue_type_label(v, LANG)  # noqa: E731
    c1, c2 = st.columns(2)
    first = c1.selectbox(
        tr("fdash.first"), choices, format_func=label, index=0 if choices else None
    )
    second = c2.selectbox(
        tr("fdash.second"), choices, format_func=label, index=1 if len(choices) > 1 else None
    )
    groups = []
    for choice in (first, second):
        if choice is None:
            continue
        scoped = (
            dataclasses.replace(filters, stop_ids=(choice,))
            if mode == "stops"
            else dataclasses.replace(filters, venue_type=choice)
        )
        groups.append((label(choice), cached_summary(scoped, LANG)))
    if groups:
        figures: list[tuple[str, Any]] = [
            (tr("fdash.responses"), lambda s: figure(s.responses)),
            (tr("fdash.visitors"), lambda s: format_number(s.visitors, LANG, 0)),
            (tr("fdash.rate"), lambda s: percent(s.response_rate)),
            (
                tr("fdash.mean"),
                lambda s: format_number(s.mean_rating, LANG, 2) if s.mean_rating else "—",
            ),
        ]
        rows = [{tr("fdash.figure"): name, **{g: f(s) for g, s in groups}} for name, f in figures]
        keys = [i.key for i in groups[0][1].ideas]
        for key in keys:
            name = next(i.label for i in groups[0][1].ideas if i.key == key)
            row = {tr("fdash.figure"): tr("fdash.agree_less", idea=name)}
            for g, s in groups:
                idea = next((i for i in s.ideas if i.key == key), None)
                away = idea.shift.counts[0] if idea else None
                answered = (
                    sum(c for c in idea.shift.counts[:3] if c is not None)
                    if idea and None not in idea.shift.counts[:3]
                    else None
                )
                row[g] = percent(away / answered) if away is not None and answered else "—"
            rows.append(row)
        st.dataframe(rows, hide_index=True, width="stretch")

# ---------------------------------------------------------------------------- comments
with tabs[4]:
    st.caption(tr("fdash.comments_help"))
    page = st.session_state.get("comments_page", 0)
    comments, total = cached_comments(filters, page, VERSION)
    if not comments:
        st.write(tr("fdash.no_comments"))
    for c in comments:
        with st.container(border=True):
            st.caption(
                f"{plain(c.venue_name)} · {fdate(c.day)} · {c.language.upper()} · "
                f"{tr('fdash.status')} : {tr(f'fdash.status.{c.status}')}"
            )
            st.text(c.comment)  # plain text: whatever a visitor typed stays inert
            b = st.columns([1, 1, 1, 5])
            for column, action in zip(b[:3], ("hide", "flag", "show"), strict=True):
                disabled = {"hide": "hidden", "flag": "flagged", "show": "visible"}[
                    action
                ] == c.status
                if column.button(
                    tr(f"fdash.{action}"), key=f"{action}-{c.response_id}", disabled=disabled
                ):
                    try:
                        moderate_comment(c.response_id, action, actor=require_role(*TUBA).actor)
                    except DomainError as exc:
                        show_error(exc)
                    else:
                        clear_after_moderation()
                        st.rerun()
    pages = max(1, -(-total // PAGE_SIZE))
    if pages > 1:
        chosen = st.number_input(tr("fdash.page"), 1, pages, page + 1) - 1
        if chosen != page:
            st.session_state["comments_page"] = int(chosen)
            st.rerun()

# ---------------------------------------------------------------------------- exports
with tabs[5]:
    st.caption(tr("fdash.exports_help"))
    stamp = today.isoformat()
    csv_mime = "text/csv"
    xlsx_mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    downloads = (
        ("fdash.csv_responses", "csv", "responses", f"reponses-{stamp}.csv", csv_mime),
        ("fdash.csv_reports", "csv", "reports", f"bilans-{stamp}.csv", csv_mime),
        ("fdash.csv_summary", "csv", "summary", f"synthese-{stamp}.csv", csv_mime),
        ("fdash.xlsx", "xlsx", "responses", f"retours-{stamp}.xlsx", xlsx_mime),
    )
    for column, (label, fmt, table_name, file_name, mime) in zip(
        st.columns(len(downloads)), downloads, strict=True
    ):
        column.download_button(
            tr(label),
            # Built only when clicked (an export of every response can be large).
            data=lambda f=fmt, n=table_name: export_bytes(filters, f, table=n, lang=LANG),
            file_name=file_name,
            mime=mime,
            icon=":material/download:",
        )
