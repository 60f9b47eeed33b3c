"""Public, through a private link (`?token=…`): a venue follows its request, edits or
withdraws it while it is not approved, answers a counter-proposal, and downloads the stop's
calendar, installation guide and loan agreement."""

import datetime as dt
from dataclasses import replace

import streamlit as st

from booking.calendars import export_calendar
from booking.documents import document_filename, document_for_token
from booking.errors import DomainError
from booking.i18n import add_messages
from booking.services.requests import (
    answer_proposal,
    edit_request,
    open_request,
    withdraw_request,
)
from booking.ui.closures_upload import render_closure_upload
from booking.ui.common import fdate, fdatetime, lang, show_error, tr
from booking.ui.request_fields import (
    PROJECT_FIELDS,
    contact_inputs,
    project_inputs,
    stay_inputs,
    window_inputs,
)
from booking.ui.text import plain

add_messages(
    {
        "my.title": {"fr": "Ma demande", "en": "My request"},
        "my.subtitle": {"fr": "{exhibition} à {venue}", "en": "{exhibition} at {venue}"},
        "my.number": {
            "fr": "Demande n° {id}, envoyée le {date}",
            "en": "Request no. {id}, sent on {date}",
        },
        "my.status": {"fr": "État : {status}", "en": "Status: {status}"},
        "my.explain.submitted": {
            "fr": "Votre demande est à l'étude par l'équipe de la Métropole.",
            "en": "Your request is being reviewed by the Métropole team.",
        },
        "my.explain.held": {
            "fr": "Des dates sont mises de côté pour vous, sous réserve, à confirmer avant le {expires}.",
            "en": "Dates are held for you, provisionally, to be confirmed before {expires}.",
        },
        "my.explain.approved": {
            "fr": "Votre étape est confirmée.",
            "en": "Your stop is confirmed.",
        },
        "my.explain.declined": {
            "fr": "Votre demande n'a pas pu être retenue.",
            "en": "Your request could not be accepted.",
        },
        "my.explain.waitlisted": {
            "fr": "Votre demande est en liste d'attente : nous vous écrirons si des dates se libèrent.",
            "en": "Your request is on the waiting list: we will write if dates become free.",
        },
        "my.explain.cancelled": {
            "fr": "L'étape a été annulée.",
            "en": "The stop was cancelled.",
        },
        "my.explain.withdrawn": {
            "fr": "Vous avez retiré cette demande.",
            "en": "You withdrew this request.",
        },
        "my.reason": {"fr": "Motif : {reason}", "en": "Reason: {reason}"},
        "my.dates": {"fr": "Dates", "en": "Dates"},
        "my.install": {"fr": "Installation", "en": "Installation"},
        "my.last_open": {"fr": "Dernier jour d'ouverture", "en": "Last open day"},
        "my.dismantle": {"fr": "Démontage", "en": "Dismantling"},
        "my.kit": {"fr": "Exemplaire", "en": "Copy"},
        "my.proposal": {"fr": "Nouvelles dates proposées", "en": "New dates proposed"},
        "my.proposal_help": {
            "fr": "Les périodes demandées n'étaient pas libres. Ces dates sont réservées pour vous jusqu'au {expires}.",
            "en": "The periods you asked for were not free. These dates are held for you until {expires}.",
        },
        "my.accept": {"fr": "J'accepte ces dates", "en": "I accept these dates"},
        "my.refuse": {"fr": "Ces dates ne conviennent pas", "en": "These dates do not suit us"},
        "my.accepted": {
            "fr": "Dates acceptées : l'étape est confirmée.",
            "en": "Dates accepted: the stop is confirmed.",
        },
        "my.refused": {"fr": "Réponse enregistrée.", "en": "Answer recorded."},
        "my.downloads": {"fr": "Documents", "en": "Documents"},
        "my.calendar": {"fr": "Calendrier de l'étape (.ics)", "en": "Stop calendar (.ics)"},
        "my.guide": {"fr": "Guide d'installation (PDF)", "en": "Installation guide (PDF)"},
        "my.agreement": {"fr": "Convention de prêt (PDF)", "en": "Loan agreement (PDF)"},
        "my.report": {"fr": "Remplir le bilan de l'étape", "en": "Fill in the stop report"},
        "my.request": {"fr": "Votre demande", "en": "Your request"},
        "my.windows": {"fr": "Périodes possibles", "en": "Possible periods"},
        "my.stay": {"fr": "Durée : de {min} à {max} jours", "en": "Stay: {min} to {max} days"},
        "my.contact": {"fr": "Contact", "en": "Contact"},
        "my.edit": {"fr": "Modifier la demande", "en": "Edit the request"},
        "my.save": {"fr": "Enregistrer", "en": "Save"},
        "my.saved": {"fr": "Modifications enregistrées.", "en": "Changes saved."},
        "my.withdraw": {"fr": "Retirer la demande", "en": "Withdraw the request"},
        "my.withdraw_confirm": {
            "fr": "Retirer définitivement cette demande ? Les dates éventuellement réservées seront libérées.",
            "en": "Withdraw this request for good? Any dates held will be released.",
        },
        "my.withdraw_reason": {"fr": "Motif (facultatif)", "en": "Reason (optional)"},
        "my.withdrawn": {"fr": "Demande retirée.", "en": "Request withdrawn."},
    }
)

token = st.query_params.get("token")
st.title(tr("my.title"))
try:
    view = open_request(token)
except DomainError as exc:
    show_error(exc)  # the same plain "link not valid", whatever was wrong
    st.stop()
assert token is not None

flash = st.session_state.pop("my_request.flash", None)
if flash:
    st.success(tr(flash), icon=":material/check_circle:")

st.subheader(plain(tr("my.subtitle", exhibition=view.exhibition_title, venue=view.venue_name)))
st.caption(tr("my.number", id=view.request_id, date=fdatetime(view.submitted_at)))
status_word = tr(f"booking.status.{view.status}")
explain = tr(
    f"my.explain.{view.status}",
    **(
        {"expires": fdatetime(view.hold.expires_at if view.hold else None)}
        if view.status == "held"
        else {}
    ),
)
box = {"approved": st.success, "declined": st.error, "cancelled": st.error}.get(
    view.status, st.info
)
box(f"{tr('my.status', status=status_word)} — {explain}", icon=":material/flag:")
if view.decision_reason and view.status in ("declined", "cancelled", "waitlisted", "withdrawn"):
    st.text(tr("my.reason", reason=view.decision_reason))


def _dates_table(install: dt.date, last_open: dt.date, dismantle: dt.date, kit: str) -> None:
    st.table(
        {
            tr("my.install"): [fdate(install)],
            tr("my.last_open"): [fdate(last_open)],
            tr("my.dismantle"): [fdate(dismantle)],
            tr("my.kit"): [kit],
        }
    )


def _act(action, flash_key: str) -> None:  # type: ignore[no-untyped-def]
    try:
        action()
    except DomainError as exc:
        show_error(exc)
    else:
        st.session_state["my_request.flash"] = flash_key
        st.rerun()


if view.proposal is not None:
    st.subheader(tr("my.proposal"))
    st.write(tr("my.proposal_help", expires=fdatetime(view.proposal.expires_at)))
    p = view.proposal
    _dates_table(p.install, p.last_open, p.dismantle, p.kit_name)
    cols = st.columns(2)
    if cols[0].button(tr("my.accept"), type="primary", icon=":material/check:"):
        _act(
            lambda: answer_proposal(token, accept=True, expected_version=view.version),
            "my.accepted",
        )
    if cols[1].button(tr("my.refuse"), icon=":material/close:"):
        _act(
            lambda: answer_proposal(token, accept=False, expected_version=view.version),
            "my.refused",
        )
elif view.hold is not None:
    st.subheader(tr("my.dates"))
    _dates_table(view.hold.install, view.hold.last_open, view.hold.dismantle, view.hold.kit_name)

if view.stop is not None:
    stop = view.stop
    st.subheader(tr("my.dates"))
    _dates_table(stop.install, stop.last_open, stop.dismantle, stop.kit_name)
    st.subheader(tr("my.downloads"))
    cols = st.columns(3)
    code = lang()  # the files are made when clicked, outside this run
    cols[0].download_button(
        tr("my.calendar"),
        data=lambda: export_calendar(f"stop:{stop.id}", lang=code),
        file_name=f"etape-{stop.id}.ics",
        mime="text/calendar",
        icon=":material/calendar_month:",
    )
    if view.documents_ready:
        for column, kind, label in (
            (cols[1], "installation_guide", "my.guide"),
            (cols[2], "loan_agreement", "my.agreement"),
        ):
            column.download_button(
                tr(label),
                data=lambda kind=kind: document_for_token(token, kind, code).data,
                file_name=document_filename(stop.id, kind, code),
                mime="application/pdf",
                icon=":material/picture_as_pdf:",
            )
        st.page_link(
            "booking/ui/pages/stop_report.py",
            label=tr("my.report"),
            icon=":material/assignment:",
            query_params={"token": token},
        )

st.subheader(tr("my.request"))
details = view.details
st.markdown(f"**{tr('my.windows')}**")
for start, end in details.windows:
    st.write(f"- {fdate(start)} → {fdate(end)}")
st.write(tr("my.stay", min=details.stay_min_days, max=details.stay_max_days))
st.markdown(f"**{tr('my.contact')}**")
st.text(
    "\n".join(
        part
        for part in (
            details.contact.name,
            details.contact.role,
            details.contact.email,
            details.contact.phone,
        )
        if part
    )
)
for name, _limit in PROJECT_FIELDS:
    if getattr(details, name):
        st.markdown(f"**{tr(f'fields.{name}')}**")
        st.text(getattr(details, name))

if view.can_edit:
    with st.expander(tr("my.edit"), icon=":material/edit:"), st.form("my_request.edit"):
        contact = contact_inputs(details.contact)
        windows = window_inputs("my_request", details.windows)
        stay_min, stay_max = stay_inputs(details.stay_min_days, details.stay_max_days)
        texts = project_inputs(details)
        if st.form_submit_button(tr("my.save"), type="primary"):
            changed = replace(
                details,
                contact=contact,
                windows=windows,
                stay_min_days=stay_min,
                stay_max_days=stay_max,
                **texts,
            )
            _act(
                lambda: edit_request(token, changed, expected_version=view.version),
                "my.saved",
            )


def _forget_withdraw() -> None:
    st.session_state.pop("my_request.ask_withdraw", None)


@st.dialog(tr("my.withdraw"), on_dismiss=_forget_withdraw)
def _withdraw_dialog() -> None:
    st.write(tr("my.withdraw_confirm"))
    reason = st.text_area(tr("my.withdraw_reason"), max_chars=2000, key="my_request.reason")
    if st.button(tr("my.withdraw"), type="primary", key="my_request.confirm_withdraw"):
        _forget_withdraw()
        _act(
            lambda: withdraw_request(token, reason=reason, expected_version=view.version),
            "my.withdrawn",
        )


if view.can_withdraw:
    if st.button(tr("my.withdraw"), icon=":material/delete:", key="my_request.withdraw"):
        st.session_state["my_request.ask_withdraw"] = True
    if st.session_state.get("my_request.ask_withdraw"):
        _withdraw_dialog()

if view.status in (
    "submitted",
    "held",
    "waitlisted",
    "approved",
):
    render_closure_upload(view.venue_id, f"venue:request-{view.request_id}")
