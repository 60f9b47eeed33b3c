"""A venue's stop report, reached by its private link (`?token=<request token>`): visitors,
groups, mediation, incidents, the condition of each part, an optional photo; and the stop's
QR posters for visitor feedback."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from booking.errors import DomainError, NotFound
from booking.feedback.posters import poster
from booking.feedback.reports import ReportInput, report_context, submit_stop_report
from booking.feedback.submit import local_today
from booking.i18n import add_messages
from booking.ui.common import fdate, fdatetime, lang, show_error, tr
from booking.ui.text import plain

add_messages(
    {
        "vrep.title": {"fr": "Bilan de l'étape", "en": "Stop report"},
        "vrep.stop": {
            "fr": "« {title} » à {venue}, du {start} au {end} (démontage le {dismantle}).",
            "en": "“{title}” at {venue}, from {start} to {end} (dismantling on {dismantle}).",
        },
        "vrep.posters": {
            "fr": "Affiches pour les avis des visiteurs",
            "en": "Posters for visitors' feedback",
        },
        "vrep.posters_help": {
            "fr": "Affichez le code QR près de l'exposition : les visiteurs donnent leur avis en une minute, anonymement.",
            "en": "Put the QR code up near the exhibition: visitors give their view in one minute, anonymously.",
        },
        "vrep.too_early": {
            "fr": "Le bilan pourra être rempli à partir du {date}.",
            "en": "The report can be filled in from {date}.",
        },
        "vrep.visitors": {"fr": "Fréquentation", "en": "Attendance"},
        "vrep.visitors_help": {
            "fr": "Indiquez les visiteurs jour par jour si vous les avez comptés ; sinon, un total suffit (il est ignoré si des jours sont remplis).",
            "en": "Give visitors day by day if you counted them; otherwise a total is enough (ignored when days are filled in).",
        },
        "vrep.day": {"fr": "Jour", "en": "Day"},
        "vrep.count": {"fr": "Visiteurs", "en": "Visitors"},
        "vrep.total": {"fr": "Total des visiteurs", "en": "Total visitors"},
        "vrep.groups": {"fr": "Groupes reçus", "en": "Groups received"},
        "vrep.classes": {"fr": "dont classes", "en": "of which school classes"},
        "vrep.sessions": {"fr": "Séances de médiation", "en": "Mediation sessions"},
        "vrep.incidents": {"fr": "Incidents (facultatif)", "en": "Incidents (optional)"},
        "vrep.parts": {
            "fr": "État du kit au démontage",
            "en": "Condition of the kit at dismantling",
        },
        "vrep.parts_help": {
            "fr": "Une pièce abîmée ou manquante est signalée tout de suite à la Métropole.",
            "en": "A damaged or missing part is reported to the Métropole at once.",
        },
        "vrep.part": {"fr": "Pièce", "en": "Part"},
        "vrep.condition": {"fr": "État", "en": "Condition"},
        "vrep.note": {"fr": "Précision", "en": "Note"},
        "vrep.photo": {
            "fr": "Photo (facultatif, 5 Mo au plus ; ses métadonnées seront retirées)",
            "en": "Photo (optional, at most 5 MB; its metadata will be removed)",
        },
        "vrep.comments": {"fr": "Commentaires (facultatif)", "en": "Comments (optional)"},
        "vrep.submit": {"fr": "Envoyer le bilan", "en": "Send the report"},
        "vrep.sent": {
            "fr": "Merci ! Bilan enregistré ({visitors} visiteurs).",
            "en": "Thank you! Report saved ({visitors} visitors).",
        },
        "vrep.already": {
            "fr": "Bilan reçu le {at} ; vous pouvez le corriger ci-dessous.",
            "en": "Report received on {at}; you may correct it below.",
        },
        "vrep.condition.ok": {"fr": "Bon état", "en": "Good"},
        "vrep.condition.damaged": {"fr": "Abîmé", "en": "Damaged"},
        "vrep.condition.missing": {"fr": "Manquant", "en": "Missing"},
    }
)

LANG = lang()
st.title(tr("vrep.title"))
token = st.query_params.get("token")
try:
    ctx = report_context(token)
except NotFound as exc:
    st.error(exc.message(LANG), icon=":material/link_off:")
    st.stop()
    raise AssertionError("unreachable") from None

st.write(
    tr(
        "vrep.stop",
        title=plain(ctx.exhibition_title),
        venue=plain(ctx.venue_name),
        start=fdate(ctx.install_date),
        end=fdate(ctx.last_open_date),
        dismantle=fdate(ctx.dismantle_date),
    )
)

with st.expander(tr("vrep.posters"), icon=":material/qr_code_2:"):
    st.caption(tr("vrep.posters_help"))
    cols = st.columns(4)
    for column, (fmt, size) in zip(
        cols, (("pdf", "A4"), ("pdf", "A5"), ("png", "A4"), ("png", "A5")), strict=True
    ):
        column.download_button(
            f"{fmt.upper()} {size}",
            data=lambda f=fmt, z=size: poster(ctx.stop_id, f, z)[0],
            file_name=f"affiche-avis-{size}.{fmt}",
            mime="application/pdf" if fmt == "pdf" else "image/png",
            key=f"poster-{fmt}-{size}",
        )

if local_today() < ctx.opens_on:
    st.info(tr("vrep.too_early", date=fdate(ctx.opens_on)), icon=":material/schedule:")
    st.stop()

report = ctx.report
if report is not None:
    st.success(tr("vrep.already", at=fdatetime(report.updated_at)), icon=":material/task_alt:")

CONDITIONS = ["ok", "damaged", "missing"]
condition_labels = {c: tr(f"vrep.condition.{c}") for c in CONDITIONS}
label_to_condition = {v: k for k, v in condition_labels.items()}

with st.form("stop-report"):
    st.subheader(tr("vrep.visitors"))
    st.caption(tr("vrep.visitors_help"))
    known_days = report.visitors_by_day if report else {}
    days = st.data_editor(
        pd.DataFrame(
            {
                tr("vrep.day"): [fdate(d) for d in ctx.days],
                tr("vrep.count"): [known_days.get(d.isoformat()) for d in ctx.days],
            }
        ),
        hide_index=True,
        disabled=[tr("vrep.day")],
        column_config={
            tr("vrep.count"): st.column_config.NumberColumn(min_value=0, max_value=100_000, step=1)
        },
        key="days",
        width="stretch",
    )
    total = st.number_input(
        tr("vrep.total"),
        min_value=0,
        max_value=1_000_000,
        value=report.visitors_total if report and not known_days else 0,
        step=1,
    )
    c1, c2, c3 = st.columns(3)
    groups = c1.number_input(tr("vrep.groups"), 0, 10_000, report.groups if report else 0)
    classes = c2.number_input(tr("vrep.classes"), 0, 10_000, report.school_classes if report else 0)
    sessions = c3.number_input(
        tr("vrep.sessions"), 0, 10_000, report.mediation_sessions if report else 0
    )
    incidents = st.text_area(
        tr("vrep.incidents"), value=report.incidents if report else "", max_chars=4000
    )

    st.subheader(tr("vrep.parts"))
    st.caption(tr("vrep.parts_help"))
    parts = st.data_editor(
        pd.DataFrame(
            {
                "id": [p.part_id for p in ctx.parts],
                tr("vrep.part"): [p.label for p in ctx.parts],
                tr("vrep.condition"): [condition_labels[p.reported] for p in ctx.parts],
                tr("vrep.note"): ["" for _ in ctx.parts],
            }
        ),
        hide_index=True,
        disabled=["id", tr("vrep.part")],
        column_order=[tr("vrep.part"), tr("vrep.condition"), tr("vrep.note")],
        column_config={
            tr("vrep.condition"): st.column_config.SelectboxColumn(
                options=list(condition_labels.values()), required=True
            ),
            tr("vrep.note"): st.column_config.TextColumn(max_chars=1000),
        },
        key="parts",
        width="stretch",
    )
    photo = st.file_uploader(tr("vrep.photo"), type=["jpg", "jpeg", "png", "webp"])
    comments = st.text_area(
        tr("vrep.comments"), value=report.comments if report else "", max_chars=4000
    )
    submitted = st.form_submit_button(tr("vrep.submit"), type="primary", icon=":material/send:")

if submitted:
    by_day = {}
    for day, value in zip(ctx.days, days[tr("vrep.count")].tolist(), strict=True):
        if value is not None and not pd.isna(value):
            by_day[day] = value
    conditions = {}
    notes = {}
    for row in parts.to_dict("records"):
        conditions[int(row["id"])] = label_to_condition.get(row[tr("vrep.condition")], "ok")
        if row[tr("vrep.note")]:
            notes[int(row["id"])] = str(row[tr("vrep.note")])
    try:
        saved = submit_stop_report(
            token,
            ReportInput(
                visitors_total=int(total),
                visitors_by_day=by_day,
                groups=int(groups),
                school_classes=int(classes),
                mediation_sessions=int(sessions),
                incidents=incidents,
                comments=comments,
                parts_condition=conditions,
                part_notes=notes,
                photo=photo.getvalue() if photo is not None else None,
            ),
        )
    except DomainError as exc:
        show_error(exc)
    else:
        st.success(tr("vrep.sent", visitors=saved.visitors_total), icon=":material/check:")
