"""Staff: the outbox — messages sent, pending and failed with their errors; retry a failure."""

import streamlit as st

from booking.errors import DomainError
from booking.i18n import add_messages
from booking.jobs import run_jobs
from booking.notifications import (
    list_messages,
    message_body,
    outbox_counts,
    retry_message,
    smtp_configured,
)
from booking.ui.common import fdatetime, require_role, show_error, tr
from booking.ui.nav import STAFF

add_messages(
    {
        "msgs.title": {"fr": "Messages envoyés", "en": "Sent messages"},
        "msgs.no_smtp": {
            "fr": "Aucun serveur d'envoi (SMTP_HOST) n'est configuré : les messages restent en attente et ne partent pas. Configurez SMTP_HOST, SMTP_PORT, SMTP_FROM (et SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS si besoin).",
            "en": "No outgoing server (SMTP_HOST) is configured: messages stay pending and are not sent. Set SMTP_HOST, SMTP_PORT, SMTP_FROM (and SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS if needed).",
        },
        "msgs.pending": {"fr": "En attente", "en": "Pending"},
        "msgs.sent": {"fr": "Envoyés", "en": "Sent"},
        "msgs.failed": {"fr": "En échec", "en": "Failed"},
        "msgs.filter": {"fr": "Afficher", "en": "Show"},
        "msgs.all": {"fr": "Tous", "en": "All"},
        "msgs.send_now": {"fr": "Envoyer maintenant", "en": "Send now"},
        "msgs.run": {"fr": "Envoi : {detail}", "en": "Sending: {detail}"},
        "msgs.empty": {"fr": "Aucun message.", "en": "No message."},
        "msgs.col.id": {"fr": "N°", "en": "No."},
        "msgs.col.created": {"fr": "Créé le", "en": "Created"},
        "msgs.col.kind": {"fr": "Type", "en": "Kind"},
        "msgs.col.to": {"fr": "Destinataire", "en": "To"},
        "msgs.col.subject": {"fr": "Objet", "en": "Subject"},
        "msgs.col.status": {"fr": "État", "en": "Status"},
        "msgs.col.attempts": {"fr": "Essais", "en": "Attempts"},
        "msgs.col.next": {"fr": "Prochain essai", "en": "Next try"},
        "msgs.col.sent": {"fr": "Envoyé le", "en": "Sent"},
        "msgs.col.error": {"fr": "Dernière erreur", "en": "Last error"},
        "msgs.col.request": {"fr": "Demande", "en": "Request"},
        "msgs.show": {"fr": "Voir le message", "en": "Show the message"},
        "msgs.retry": {"fr": "Renvoyer ce message", "en": "Retry this message"},
        "msgs.retried": {
            "fr": "Le message repart au prochain envoi.",
            "en": "The message goes out with the next sending.",
        },
        "msgs.status.pending": {"fr": "en attente", "en": "pending"},
        "msgs.status.sent": {"fr": "envoyé", "en": "sent"},
        "msgs.status.failed": {"fr": "en échec", "en": "failed"},
    }
)

user = require_role(*STAFF)
st.title(tr("msgs.title"))
flash = st.session_state.pop("msgs.flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")
if not smtp_configured():
    st.warning(tr("msgs.no_smtp"), icon=":material/mail_lock:")

counts = outbox_counts()
cols = st.columns(4)
cols[0].metric(tr("msgs.pending"), counts["pending"])
cols[1].metric(tr("msgs.sent"), counts["sent"])
cols[2].metric(tr("msgs.failed"), counts["failed"])
if cols[3].button(tr("msgs.send_now"), icon=":material/send:", disabled=not smtp_configured()):
    outcomes = run_jobs(only=["outbox.send"])
    st.session_state["msgs.flash"] = tr("msgs.run", detail=outcomes[0].detail.splitlines()[0])
    st.rerun()

status = st.segmented_control(
    tr("msgs.filter"),
    ["failed", "pending", "sent", "all"],
    default="failed" if counts["failed"] else "all",
    format_func=lambda s: tr("msgs.all") if s == "all" else tr(f"msgs.status.{s}"),
)
rows = list_messages(status=None if status in (None, "all") else status)
if not rows:
    st.info(tr("msgs.empty"))
    st.stop()
st.dataframe(
    [
        {
            tr("msgs.col.id"): m.id,
            tr("msgs.col.created"): fdatetime(m.created_at),
            tr("msgs.col.kind"): m.kind,
            tr("msgs.col.to"): m.to_address or "—",
            tr("msgs.col.subject"): m.subject,
            tr("msgs.col.status"): tr(f"msgs.status.{m.status}"),
            tr("msgs.col.attempts"): m.attempts,
            tr("msgs.col.next"): fdatetime(m.next_attempt_at) if m.status == "pending" else "",
            tr("msgs.col.sent"): fdatetime(m.sent_at),
            tr("msgs.col.error"): m.last_error,
            tr("msgs.col.request"): m.request_id or "",
        }
        for m in rows
    ],
    hide_index=True,
    width="stretch",
)
by_id = {m.id: m for m in rows}
chosen = st.selectbox(
    tr("msgs.show"),
    list(by_id),
    format_func=lambda i: f"{i} — {by_id[i].subject}",
)
if chosen is not None:
    st.text(message_body(chosen))
    if by_id[chosen].status == "failed" and st.button(tr("msgs.retry"), icon=":material/replay:"):
        try:
            retry_message(chosen, actor=user.actor)
        except DomainError as exc:
            show_error(exc)
        else:
            st.session_state["msgs.flash"] = tr("msgs.retried")
            st.rerun()
