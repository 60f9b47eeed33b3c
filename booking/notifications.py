"""Email to venues: templates in French and English, a local outbox, and the job that sends it.

- `enqueue(...)` writes an `OutboxMessage` in the caller's transaction, so a message exists if
  and only if the change that caused it was committed. Its `dedup_key` is unique: enqueueing
  the same message twice (a job run twice, a double click) leaves one row.
- `notify_request(session, request, kind)` fills a template from a request's data and
  enqueues it to the request's contact (nothing when the contact was erased).
- The job "outbox.send" sends due messages through SMTP (smtplib), with retries and an
  exponential back-off; the last error is kept and a message that keeps failing is marked
  failed for staff to see and retry. With no SMTP host configured, messages stay pending.
- Attachments are `{filename, mime, content}` (base64), or `{filename, mime, calendar}`: a
  calendar view rendered by `booking.calendars.export_calendar` when the message is sent,
  i.e. after the transaction that approved the stop has committed.
- Once sent, a private-link token in a body is blanked: the database keeps only its hash.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass, fields
from email.message import EmailMessage
from email.utils import format_datetime as email_date
from email.utils import make_msgid
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from booking import audit
from booking.config import get_settings
from booking.db import read_session, transaction
from booking.errors import NotFound, ValidationError
from booking.i18n import add_messages, format_date, format_datetime, normalise_language, t
from booking.jobs import job
from booking.models import (
    BookingRequest,
    Contact,
    Exhibition,
    Kit,
    OutboxMessage,
    OutboxStatus,
    RequestWindow,
    Stop,
    Venue,
)
from booking.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY = dt.timedelta(minutes=2)
LONGEST_RETRY = dt.timedelta(hours=6)
BATCH = 50
LEASE = dt.timedelta(minutes=15)
_TOKEN_IN_LINK = re.compile(r"(token=)[A-Za-z0-9_-]{20,}")

KINDS = (
    "received",
    "link",
    "held",
    "counter_proposal",
    "hold_expired",
    "approved",
    "moved",
    "declined",
    "waitlisted",
    "cancelled",
    "reminder",
    "kit_issue",
)

_SIGNATURE = {
    "fr": "\n\nL'équipe logistique de la Métropole de Lyon\n(message envoyé par Tournée ; répondez à cette adresse pour nous écrire)",
    "en": "\n\nThe Métropole de Lyon logistics team\n(sent by Tournée; reply to this address to write to us)",
}

add_messages(
    {
        "mail.greeting": {"fr": "Bonjour {name},", "en": "Hello {name},"},
        "mail.greeting_anonymous": {"fr": "Bonjour,", "en": "Hello,"},
        "mail.received.subject": {
            "fr": "Demande reçue : {exhibition} à {venue}",
            "en": "Request received: {exhibition} at {venue}",
        },
        "mail.received.body": {
            "fr": "Nous avons bien reçu votre demande d'accueil de l'exposition « {exhibition} » à {venue}.\n\nPériodes souhaitées :\n{windows}\n\nVotre lien privé pour suivre, modifier ou retirer la demande tant qu'elle n'est pas confirmée, puis télécharger le calendrier, le guide d'installation et la convention de prêt :\n{link}\n\nCe lien est personnel : toute personne qui le possède peut modifier la demande. Nous vous répondons sous quinze jours.",
            "en": 'We have received your request to host the exhibition "{exhibition}" at {venue}.\n\nRequested periods:\n{windows}\n\nYour private link to follow, edit or withdraw the request until it is confirmed, then download the calendar, the installation guide and the loan agreement:\n{link}\n\nThis link is personal: anyone who has it can change the request. We will answer within fifteen days.',
        },
        "mail.link.subject": {
            "fr": "Votre nouveau lien privé : {exhibition} à {venue}",
            "en": "Your new private link: {exhibition} at {venue}",
        },
        "mail.link.body": {
            "fr": "Voici un nouveau lien privé pour suivre votre demande « {exhibition} » à {venue} ; l'ancien lien ne fonctionne plus :\n{link}",
            "en": 'Here is a new private link to follow your request "{exhibition}" at {venue}; the old link no longer works:\n{link}',
        },
        "mail.held.subject": {
            "fr": "Dates réservées sous réserve : {exhibition} à {venue}",
            "en": "Dates held for you: {exhibition} at {venue}",
        },
        "mail.held.body": {
            "fr": "Nous avons mis de côté pour vous l'exposition « {exhibition} » ({kit}) :\n- installation : {install}\n- dernier jour d'ouverture : {last_open}\n- démontage : {dismantle}\n\nCette option est posée sous réserve, à confirmer avant le {expires}. Sans confirmation à cette date, les dates seront libérées. Pour confirmer, renvoyez-nous la convention de prêt signée et l'attestation d'assurance.",
            "en": 'We have held the exhibition "{exhibition}" ({kit}) for you:\n- installation: {install}\n- last open day: {last_open}\n- dismantling: {dismantle}\n\nThis hold is provisional and must be confirmed before {expires}; without confirmation by then the dates will be released. To confirm, send us the signed loan agreement and the insurance certificate.',
        },
        "mail.counter_proposal.subject": {
            "fr": "Proposition d'autres dates : {exhibition} à {venue}",
            "en": "Other dates proposed: {exhibition} at {venue}",
        },
        "mail.counter_proposal.body": {
            "fr": "Les périodes demandées ne sont pas disponibles. Nous vous proposons :\n- installation : {install}\n- dernier jour d'ouverture : {last_open}\n- démontage : {dismantle}\n\nCes dates sont réservées pour vous jusqu'au {expires}. Acceptez-les ou refusez-les depuis votre lien privé.{note}",
            "en": "The periods you asked for are not available. We propose:\n- installation: {install}\n- last open day: {last_open}\n- dismantling: {dismantle}\n\nThese dates are held for you until {expires}. Accept or refuse them from your private link.{note}",
        },
        "mail.hold_expired.subject": {
            "fr": "Option expirée : {exhibition} à {venue}",
            "en": "Hold expired: {exhibition} at {venue}",
        },
        "mail.hold_expired.body": {
            "fr": "L'option posée pour « {exhibition} » à {venue} n'a pas été confirmée à temps : les dates sont libérées. Votre demande reste à l'étude ; nous reviendrons vers vous.",
            "en": 'The hold on "{exhibition}" at {venue} was not confirmed in time: the dates are released. Your request is still being reviewed; we will come back to you.',
        },
        "mail.approved.subject": {
            "fr": "Étape confirmée : {exhibition} à {venue}",
            "en": "Stop confirmed: {exhibition} at {venue}",
        },
        "mail.approved.body": {
            "fr": "Votre accueil de l'exposition « {exhibition} » est confirmé :\n- installation : {install}\n- dernier jour d'ouverture : {last_open}\n- démontage : {dismantle}\n\nLe calendrier de l'étape est joint (fichier .ics). Depuis votre lien privé, téléchargez le guide d'installation et la convention de prêt à nous renvoyer signée, avec l'attestation d'assurance. Merci de prévoir une personne pour recevoir le camion à l'installation et au démontage.",
            "en": 'Hosting the exhibition "{exhibition}" is confirmed:\n- installation: {install}\n- last open day: {last_open}\n- dismantling: {dismantle}\n\nThe stop\'s calendar is attached (.ics file). From your private link, download the installation guide and the loan agreement to send back signed, with the insurance certificate. Please have someone receive the van at installation and dismantling.',
        },
        "mail.moved.subject": {
            "fr": "Nouvelles dates pour votre étape : {exhibition} à {venue}",
            "en": "New dates for your stop: {exhibition} at {venue}",
        },
        "mail.moved.body": {
            "fr": "Les dates de votre accueil de l'exposition « {exhibition} » ({kit}) changent. Voici les nouvelles dates :\n- installation : {install}\n- dernier jour d'ouverture : {last_open}\n- démontage : {dismantle}\n\nElles remplacent les dates prévues jusqu'ici ({previous}).{why}\n\nLe calendrier de l'étape mis à jour est joint (fichier .ics) ; un agenda abonné à votre calendrier se met à jour tout seul. Merci de prévoir une personne pour recevoir le camion à l'installation et au démontage, et écrivez-nous si ces dates ne vous conviennent pas.",
            "en": 'The dates of your hosting of the exhibition "{exhibition}" ({kit}) change. The new dates are:\n- installation: {install}\n- last open day: {last_open}\n- dismantling: {dismantle}\n\nThey replace the dates planned so far ({previous}).{why}\n\nThe updated calendar of the stop is attached (.ics file); a calendar app subscribed to your calendar updates by itself. Please have someone receive the van at installation and dismantling, and write to us if these dates do not suit you.',
        },
        "mail.moved.why": {"fr": "\n\nMotif : {reason}", "en": "\n\nReason: {reason}"},
        "mail.declined.subject": {
            "fr": "Demande non retenue : {exhibition} à {venue}",
            "en": "Request declined: {exhibition} at {venue}",
        },
        "mail.declined.body": {
            "fr": "Nous ne pouvons pas donner suite à votre demande d'accueil de « {exhibition} » à {venue}.\n\nMotif : {reason}",
            "en": 'We cannot accept your request to host "{exhibition}" at {venue}.\n\nReason: {reason}',
        },
        "mail.waitlisted.subject": {
            "fr": "Demande en liste d'attente : {exhibition} à {venue}",
            "en": "Request on the waiting list: {exhibition} at {venue}",
        },
        "mail.waitlisted.body": {
            "fr": "Toutes les dates possibles sont prises pour l'instant : votre demande d'accueil de « {exhibition} » est en liste d'attente. Nous vous écrirons si des dates se libèrent.{note}",
            "en": 'Every possible date is taken for now: your request to host "{exhibition}" is on the waiting list. We will write to you if dates become free.{note}',
        },
        "mail.cancelled.subject": {
            "fr": "Étape annulée : {exhibition} à {venue}",
            "en": "Stop cancelled: {exhibition} at {venue}",
        },
        "mail.cancelled.body": {
            "fr": "Nous devons annuler {what} de l'exposition « {exhibition} » à {venue}{dates}.\n\nMotif : {reason}\n\nNous vous prions de nous en excuser ; écrivez-nous pour trouver une autre solution.",
            "en": 'We have to cancel {what} of the exhibition "{exhibition}" at {venue}{dates}.\n\nReason: {reason}\n\nWe apologise; write to us to find another solution.',
        },
        "mail.cancelled.what_stop": {"fr": "l'étape", "en": "the stop"},
        "mail.cancelled.what_request": {"fr": "la demande", "en": "the request"},
        "mail.reminder.subject": {
            "fr": "Rappel : installation le {install} à {venue}",
            "en": "Reminder: installation on {install} at {venue}",
        },
        "mail.reminder.body": {
            "fr": "L'exposition « {exhibition} » sera installée à {venue} le {install} (démontage le {dismantle}).\n\nÀ préparer : environ {length} m de mur, clôture ou grilles ; un accès pour décharger le camion ; une personne présente ; la convention de prêt signée et l'attestation d'assurance si ce n'est pas déjà fait.",
            "en": 'The exhibition "{exhibition}" will be installed at {venue} on {install} (dismantled on {dismantle}).\n\nTo prepare: about {length} m of wall, fence or grids; access to unload the van; someone present; the signed loan agreement and the insurance certificate if not sent yet.',
        },
        "mail.kit_issue.subject": {
            "fr": "Information sur l'exposition : {exhibition} à {venue}",
            "en": "About the exhibition: {exhibition} at {venue}",
        },
        "mail.kit_issue.body": {
            "fr": "Le kit prévu pour votre étape ({kit}, installation le {install}) a un problème : {problem}.{note}\n\nNous vous tiendrons informés ; votre étape reste prévue tant que nous ne vous écrivons pas le contraire.",
            "en": "The kit planned for your stop ({kit}, installation on {install}) has a problem: {problem}.{note}\n\nWe will keep you informed; your stop stays planned unless we write otherwise.",
        },
        "mail.note": {
            "fr": "\n\nMessage de l'équipe : {note}",
            "en": "\n\nNote from the team: {note}",
        },
        "outbox.not_found": {"fr": "Message introuvable.", "en": "Message not found."},
        "outbox.not_failed": {
            "fr": "Seul un message en échec peut être renvoyé.",
            "en": "Only a failed message can be retried.",
        },
        "outbox.no_recipient": {
            "fr": "pas de destinataire (contact effacé)",
            "en": "no recipient (contact erased)",
        },
    }
)


# ---------------------------------------------------------------------------- rendering


def render(kind: str, lang: str, **params: Any) -> tuple[str, str]:
    """The subject and plain-text body of a message of `kind` in `lang`."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    lang = normalise_language(lang)
    name = params.get("name")
    greeting = t("mail.greeting", lang, name=name) if name else t("mail.greeting_anonymous", lang)
    subject = t(f"mail.{kind}.subject", lang, **params)
    body = t(f"mail.{kind}.body", lang, **params)
    return subject, f"{greeting}\n\n{body}{_SIGNATURE[lang]}\n"


def request_link(token: str) -> str:
    """The private link of a request, as sent to the venue."""
    return f"{get_settings().base_url.rstrip('/')}/ma-demande?token={token}"


def _note(text: str, lang: str) -> str:
    text = (text or "").strip()
    return t("mail.note", lang, note=text) if text else ""


def notify_request(
    session: Session,
    request: BookingRequest,
    kind: str,
    *,
    stop: Stop | None = None,
    reason: str = "",
    note: str = "",
    token: str | None = None,
    dedup: str = "",
    problem: str = "",
    previous: tuple[dt.date, dt.date] | None = None,
) -> OutboxMessage | None:
    """Enqueue the `kind` message about `request` to its contact, in the caller's transaction.

    The dedup key is `kind:request-id` plus `dedup` (a version, a stop, an event), so each
    fact is told once. `previous` is a moved stop's former install and dismantle days.
    Returns None when the contact has no address any more.
    """
    contact = session.get(Contact, request.contact_id) if request.contact_id else None
    if contact is None or not contact.email or contact.erased_at is not None:
        return None
    lang = normalise_language(request.language)
    exhibition = session.get(Exhibition, request.exhibition_id)
    venue = session.get(Venue, request.venue_id)
    assert exhibition is not None and venue is not None
    install, last_open, dismantle = request.start, request.end, request.dismantle
    kit_id = request.kit_id
    if stop is not None:
        install, last_open, dismantle = stop.install_date, stop.last_open_date, stop.dismantle_date
        kit_id = stop.kit_id
    kit = session.get(Kit, kit_id) if kit_id else None
    params: dict[str, Any] = {
        "name": contact.name,
        "exhibition": exhibition.title,
        "venue": venue.name,
        "kit": kit.name if kit else "—",
        "install": format_date(install, lang) if install else "—",
        "last_open": format_date(last_open, lang) if last_open else "—",
        "dismantle": format_date(dismantle, lang) if dismantle else "—",
        "expires": format_datetime(request.hold_expires_at, lang)
        if request.hold_expires_at
        else "—",
        "reason": reason or "—",
        "note": _note(note, lang),
        "length": f"{exhibition.length_m:g}",
        "problem": problem,
    }
    if kind in ("received", "link"):
        assert token is not None, "the private link is only known when it is made"
        params["link"] = request_link(token)
    if kind == "received":
        windows = session.exec(
            select(RequestWindow)
            .where(RequestWindow.request_id == request.id)
            .order_by(col(RequestWindow.start))
        )
        params["windows"] = "\n".join(
            f"- {format_date(w.start, lang)} → {format_date(w.end, lang)}" for w in windows
        )
    if kind == "cancelled":
        what = "what_stop" if stop is not None else "what_request"
        params["what"] = t(f"mail.cancelled.{what}", lang)
        params["dates"] = (
            f" ({params['install']} → {params['dismantle']})" if stop is not None else ""
        )
    if kind == "moved":
        old_install, old_dismantle = previous or (install, dismantle)
        params["previous"] = (
            f"{format_date(old_install, lang)} → {format_date(old_dismantle, lang)}"
            if old_install and old_dismantle
            else "—"
        )
        params["why"] = t("mail.moved.why", lang, reason=reason) if reason else ""
    subject, body = render(kind, lang, **params)
    attachments: list[dict[str, str]] = []
    if kind in ("approved", "moved") and stop is not None:
        attachments.append(
            {
                "filename": f"etape-{stop.id}.ics",
                "mime": "text/calendar",
                "calendar": f"stop:{stop.id}",
                "lang": lang,
            }
        )
    contact.last_used_at = utcnow()
    return enqueue(
        session,
        kind=kind,
        to=contact.email,
        subject=subject,
        body=body,
        attachments=attachments,
        dedup_key=f"{kind}:request-{request.id}{':' + dedup if dedup else ''}",
        request_id=request.id,
    )


# ---------------------------------------------------------------------------- the outbox


def enqueue(
    session: Session,
    kind: str,
    to: str | None,
    subject: str,
    body: str,
    attachments: list[dict[str, str]] | None = None,
    dedup_key: str = "",
    request_id: int | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction; the same `dedup_key` twice
    leaves the first message as it is and returns it."""
    if not dedup_key:
        raise ValueError("every message needs a dedup_key (it makes sending idempotent)")
    existing = session.exec(
        select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key)
    ).first()
    if existing is not None:
        return existing
    message = OutboxMessage(
        dedup_key=dedup_key[:200],
        kind=kind,
        to_address=to,
        subject=subject[:300],
        body_text=body,
        attachments=attachments or [],
        request_id=request_id,
        next_attempt_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:  # the same message enqueued by a concurrent transaction
        existing = session.exec(
            select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key)
        ).first()
        if existing is None:
            raise
        return existing
    return message


def smtp_configured() -> bool:
    return bool(get_settings().smtp_host.strip())


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next try after `attempts` failed ones: 2, 4, 8… minutes, at most 6 h."""
    return min(FIRST_RETRY * (2 ** max(0, attempts - 1)), LONGEST_RETRY)


def _attachment_bytes(spec: dict[str, str]) -> bytes | None:
    if "content" in spec:
        return base64.b64decode(spec["content"])
    if "calendar" in spec:
        try:
            from booking.calendars import export_calendar
        except ImportError:
            log.warning("booking.calendars is not installed: %s sent without it", spec["filename"])
            return None
        return export_calendar(spec["calendar"], lang=spec.get("lang", "fr"))
    raise ValueError(f"attachment {spec.get('filename')!r} has no content")


def build_email(message: OutboxMessage) -> EmailMessage:
    settings = get_settings()
    email = EmailMessage()
    email["From"] = settings.smtp_from
    email["To"] = message.to_address or ""
    email["Subject"] = message.subject
    email["Date"] = email_date(utcnow())
    email["Message-ID"] = make_msgid(idstring=f"tournee-{message.id}")
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body_text)
    for spec in message.attachments:
        data = _attachment_bytes(spec)
        if data is None:
            continue
        maintype, _, subtype = spec.get("mime", "application/octet-stream").partition("/")
        params = {"method": "PUBLISH"} if subtype == "calendar" else {}
        email.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=spec["filename"], params=params
        )
    return email


def _connect() -> smtplib.SMTP:
    settings = get_settings()
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
    if settings.smtp_starttls:
        smtp.starttls(context=ssl.create_default_context())
    if settings.smtp_user:
        smtp.login(settings.smtp_user, settings.smtp_password)
    return smtp


def _fail(message: OutboxMessage, error: str, now: dt.datetime) -> None:
    message.attempts += 1
    message.last_error = error[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.failed
    else:
        message.next_attempt_at = now + backoff(message.attempts)


def _claim(engine: Engine, now: dt.datetime) -> list[int]:
    """Take the due messages for this run: their next try moves a lease ahead, committed at
    once, so another process running the job meanwhile leaves them alone."""
    with transaction(engine) as session:
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= now
            )
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            .limit(BATCH)
        )
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        due = list(session.exec(query))
        for message in due:
            message.next_attempt_at = now + LEASE
        return [m.id for m in due if m.id is not None]


def _record(engine: Engine, message_id: int, now: dt.datetime, error: str | None) -> None:
    with transaction(engine) as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        if error is None:
            message.status = OutboxStatus.sent
            message.attempts += 1
            message.sent_at = utcnow()
            message.last_error = ""
            message.body_text = _TOKEN_IN_LINK.sub(r"\1…", message.body_text)
        elif not message.to_address:
            message.status = OutboxStatus.failed
            message.last_error = error
        else:
            _fail(message, error, now)


class _SendError(Exception):
    pass


class _Mailer:
    """One SMTP connection for a run. Once the server cannot be reached, the next messages
    fail with the same error without trying: they wait for the next run rather than each
    waiting for its own time-out now."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None
        self.down: str | None = None

    def send(self, email: EmailMessage) -> None:
        if self.down is not None:
            raise _SendError(self.down)
        try:
            if self.smtp is None:
                self.smtp = _connect()
            self.smtp.send_message(email)
        except (OSError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as exc:
            self.close()
            self.down = f"{type(exc).__name__}: {exc}"
            raise _SendError(self.down) from None
        except smtplib.SMTPException as exc:  # this message refused; the connection lives on
            raise _SendError(f"{type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        _close(self.smtp)
        self.smtp = None


@job("outbox.send")
def send_outbox(session: Session, now: dt.datetime) -> str:
    """Send the due pending messages; a message is sent at most once per success.

    No transaction is open while talking to the SMTP server or making an attachment (a slow
    server must not hold SQLite's write lock): due messages are claimed in one short
    transaction, and each outcome is recorded in another. A crash in between sends that
    message again after the lease (at least once, never lost).
    """
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    if not smtp_configured():
        pending = session.exec(
            select(func.count()).where(OutboxMessage.status == OutboxStatus.pending)
        ).one()
        return f"SMTP not configured: {pending} message(s) stay pending"
    claimed = _claim(engine, now)
    if not claimed:
        return "nothing to send"
    sent = 0
    mailer = _Mailer()
    try:
        for message_id in claimed:
            with read_session(engine) as reader:
                message = reader.get(OutboxMessage, message_id)
            assert message is not None
            error = None
            if not message.to_address:
                error = t("outbox.no_recipient", "fr")
            else:
                try:
                    mailer.send(build_email(message))
                except _SendError as exc:
                    error = str(exc)
                except Exception as exc:  # an attachment that cannot be made: it waits
                    log.exception("message %s could not be built", message_id)
                    error = f"{type(exc).__name__}: {exc}"
            _record(engine, message_id, now, error)
            sent += error is None
    finally:
        mailer.close()
    return f"sent {sent}, not sent {len(claimed) - sent}"


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


# ---------------------------------------------------------------------------- staff views


@dataclass(frozen=True)
class MessageRow:
    id: int
    kind: str
    to_address: str | None
    subject: str
    status: str
    attempts: int
    last_error: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: dt.datetime | None
    request_id: int | None
    attachments: list[str]


def _row(m: OutboxMessage) -> MessageRow:
    copied = {f.name for f in fields(MessageRow)} - {"status", "attachments"}
    return MessageRow(
        **m.model_dump(include=copied),
        status=str(m.status),
        attachments=[a.get("filename", "") for a in m.attachments],
    )


def list_messages(
    *, status: str | None = None, request_id: int | None = None, limit: int = 200
) -> list[MessageRow]:
    """The newest messages first, for the staff's messages page or a request's page."""
    query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc())
    if status:
        query = query.where(OutboxMessage.status == status)
    if request_id is not None:
        query = query.where(OutboxMessage.request_id == request_id)
    with read_session() as session:
        return [_row(m) for m in session.exec(query.limit(max(1, min(limit, 1000))))]


def outbox_counts() -> dict[str, int]:
    with read_session() as session:
        counts = {
            str(status): int(n)
            for status, n in session.exec(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
        }
    return {s.value: counts.get(s.value, 0) for s in OutboxStatus}


def message_body(message_id: int) -> str:
    with read_session() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None:
            raise NotFound("outbox.not_found")
        return message.body_text


def retry_message(message_id: int, *, actor: str) -> MessageRow:
    """Put a failed message back in the queue, to be sent on the next run."""
    with transaction() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None:
            raise NotFound("outbox.not_found")
        if message.status != OutboxStatus.failed:
            raise ValidationError("outbox.not_failed")
        message.status = OutboxStatus.pending
        message.attempts = 0
        message.next_attempt_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="outbox.retried",
            entity="outbox_message",
            entity_id=message.id,
            last_error=message.last_error[:200],
        )
        return _row(message)
