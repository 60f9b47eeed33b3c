"""Staff: the queue of requests by state, and one request with its candidate placements,
calendars, actions and history."""

import datetime as dt

import streamlit as st
from babel.dates import get_day_names

from booking.config import get_settings
from booking.errors import DomainError
from booking.i18n import add_messages
from booking.notifications import list_messages
from booking.services.bookings import Placement, approve_request, hold_request, move_stop
from booking.services.kits import list_kits
from booking.services.privacy import erase_contact
from booking.services.requests import (
    STATUS_ORDER,
    cancel_request,
    candidate_placements,
    counter_propose,
    decline_request,
    end_of_day,
    list_requests,
    paris_today,
    public_exhibitions,
    request_detail,
    resend_link,
    status_counts,
    waitlist_request,
    warning_text,
)
from booking.ui.common import fdate, fdatetime, lang, require_role, show_error, tr
from booking.ui.nav import STAFF
from booking.ui.request_fields import PROJECT_FIELDS
from booking.ui.text import plain

add_messages(
    {
        "queue.title": {"fr": "Demandes", "en": "Requests"},
        "queue.statuses": {"fr": "États", "en": "States"},
        "queue.exhibition": {"fr": "Exposition", "en": "Exhibition"},
        "queue.venue_type": {"fr": "Type de lieu", "en": "Venue type"},
        "queue.search": {"fr": "Lieu ou commune", "en": "Venue or town"},
        "queue.all": {"fr": "Tous", "en": "All"},
        "queue.empty": {"fr": "Aucune demande.", "en": "No request."},
        "queue.col.id": {"fr": "N°", "en": "No."},
        "queue.col.status": {"fr": "État", "en": "State"},
        "queue.col.venue": {"fr": "Lieu", "en": "Venue"},
        "queue.col.commune": {"fr": "Commune", "en": "Town"},
        "queue.col.windows": {"fr": "Périodes", "en": "Periods"},
        "queue.col.stay": {"fr": "Durée (j)", "en": "Stay (d)"},
        "queue.col.dates": {"fr": "Dates retenues", "en": "Dates"},
        "queue.col.kit": {"fr": "Kit", "en": "Kit"},
        "queue.col.expires": {"fr": "Option jusqu'au", "en": "Held until"},
        "queue.col.submitted": {"fr": "Reçue le", "en": "Received"},
        "queue.col.flags": {"fr": "À vérifier", "en": "To check"},
        "queue.flag.outside": {"fr": "hors Métropole", "en": "outside the Métropole"},
        "queue.flag.proposal": {"fr": "proposition en attente", "en": "proposal pending"},
        "queue.open": {"fr": "Ouvrir la demande", "en": "Open the request"},
        "queue.detail": {"fr": "Demande n° {id} — {status}", "en": "Request no. {id} — {status}"},
        "queue.venue": {"fr": "Lieu", "en": "Venue"},
        "queue.open_days": {"fr": "Jours d'ouverture : {days}", "en": "Open days: {days}"},
        "queue.closures": {"fr": "Fermetures : {list}", "en": "Closures: {list}"},
        "queue.contact": {"fr": "Contact", "en": "Contact"},
        "queue.contact_erased": {"fr": "Contact effacé.", "en": "Contact erased."},
        "queue.request": {"fr": "Demande", "en": "Request"},
        "queue.windows": {"fr": "Périodes possibles", "en": "Possible periods"},
        "queue.stay": {
            "fr": "Durée : {min} à {max} jours ; début souhaité : {preferred}",
            "en": "Stay: {min} to {max} days; preferred start: {preferred}",
        },
        "queue.place": {
            "fr": "{where} ; accrochage : {surface} ({length} m)",
            "en": "{where}; hanging: {surface} ({length} m)",
        },
        "queue.indoor": {"fr": "intérieur ou abrité", "en": "indoors or sheltered"},
        "queue.outdoor": {"fr": "extérieur", "en": "outdoors"},
        "queue.current": {"fr": "Dates actuelles", "en": "Current dates"},
        "queue.tab.placements": {"fr": "Placements possibles", "en": "Possible placements"},
        "queue.tab.actions": {"fr": "Décisions", "en": "Decisions"},
        "queue.tab.history": {"fr": "Journal", "en": "History"},
        "queue.tab.messages": {"fr": "Messages", "en": "Messages"},
        "queue.no_candidates": {
            "fr": "Aucun placement ne tient dans les périodes demandées (kits, transport, fermetures et marges compris). Proposez d'autres dates ou mettez en liste d'attente.",
            "en": "No placement fits the requested periods (kits, transport, closures and buffers included). Propose other dates or waitlist.",
        },
        "queue.candidates_help": {
            "fr": "Meilleurs d'abord : kit en bon état, le plus de jours d'ouverture au public (les vacances scolaires comptent contre un collège), proche du début souhaité, enchaînement direct avec une autre étape. Installation et démontage tombent des jours de transport où le lieu est ouvert.",
            "en": "Best first: kit in good condition, most days open to the public (school holidays count against a school), near the preferred start, direct transfer from another stop. Installation and dismantling fall on transport days when the venue is open.",
        },
        "queue.col.install": {"fr": "Installation", "en": "Installation"},
        "queue.col.last_open": {"fr": "Dernier jour", "en": "Last day"},
        "queue.col.dismantle": {"fr": "Démontage", "en": "Dismantling"},
        "queue.col.open_days": {"fr": "Jours ouverts", "en": "Open days"},
        "queue.col.notes": {"fr": "Calendrier", "en": "Calendar"},
        "queue.note.holidays": {"fr": "fériés : {list}", "en": "holidays: {list}"},
        "queue.note.school": {"fr": "vacances scolaires : {n} j", "en": "school holidays: {n} d"},
        "queue.note.closures": {"fr": "fermetures : {n} j", "en": "closures: {n} d"},
        "queue.note.gap": {
            "fr": "marge avant {before}, après {after}",
            "en": "gap before {before}, after {after}",
        },
        "queue.note.short": {"fr": "préavis court", "en": "short notice"},
        "queue.note.damaged": {"fr": "kit abîmé", "en": "kit damaged"},
        "queue.choose": {"fr": "Placement", "en": "Placement"},
        "queue.manual": {"fr": "Autres dates (saisie libre)", "en": "Other dates (typed)"},
        "queue.kit": {"fr": "Kit", "en": "Kit"},
        "queue.install": {"fr": "Installation", "en": "Installation"},
        "queue.last_open": {"fr": "Dernier jour d'ouverture", "en": "Last open day"},
        "queue.dismantle": {"fr": "Démontage", "en": "Dismantling"},
        "queue.expires": {"fr": "Option à confirmer avant le", "en": "Hold to confirm before"},
        "queue.note": {
            "fr": "Note pour le lieu (contre-proposition)",
            "en": "Note to the venue (counter-proposal)",
        },
        "queue.hold": {"fr": "Poser une option", "en": "Hold"},
        "queue.approve": {"fr": "Confirmer", "en": "Approve"},
        "queue.counter": {"fr": "Proposer ces dates", "en": "Propose these dates"},
        "queue.approve_hold": {
            "fr": "Confirmer l'option en cours",
            "en": "Approve the current hold",
        },
        "queue.decline": {"fr": "Refuser…", "en": "Decline…"},
        "queue.waitlist": {"fr": "Mettre en liste d'attente", "en": "Waitlist"},
        "queue.cancel": {"fr": "Annuler…", "en": "Cancel…"},
        "queue.reason": {"fr": "Motif (envoyé au lieu)", "en": "Reason (sent to the venue)"},
        "queue.confirm_decline": {"fr": "Refuser la demande", "en": "Decline the request"},
        "queue.confirm_cancel": {
            "fr": "Annuler l'étape ou la demande",
            "en": "Cancel the stop or request",
        },
        "queue.confirm": {"fr": "Confirmer", "en": "Confirm"},
        "queue.erase_button": {"fr": "Effacer le contact", "en": "Erase the contact"},
        "queue.resend": {"fr": "Envoyer un nouveau lien privé", "en": "Send a new private link"},
        "queue.resent": {
            "fr": "Nouveau lien envoyé au lieu (l'ancien ne fonctionne plus) :",
            "en": "New link sent to the venue (the old one no longer works):",
        },
        "queue.erase": {"fr": "Effacer le contact…", "en": "Erase the contact…"},
        "queue.erase_confirm": {
            "fr": "Effacer définitivement le nom, la fonction, l'e-mail et le téléphone de ce contact ? Le lien privé de la demande ne fonctionnera plus.",
            "en": "Erase this contact's name, role, email and phone for good? The request's private link will stop working.",
        },
        "queue.done": {"fr": "C'est fait.", "en": "Done."},
        "queue.col.when": {"fr": "Quand", "en": "When"},
        "queue.col.who": {"fr": "Qui", "en": "Who"},
        "queue.col.what": {"fr": "Quoi", "en": "What"},
        "queue.col.details": {"fr": "Détails", "en": "Details"},
        "queue.col.subject": {"fr": "Objet", "en": "Subject"},
        "queue.col.sent": {"fr": "Envoyé le", "en": "Sent"},
        "queue.col.error": {"fr": "Erreur", "en": "Error"},
        "queue.move": {"fr": "Déplacer l'étape", "en": "Move the stop"},
        "queue.move_help": {
            "fr": "Nouveau kit ou nouvelles dates pour l'étape confirmée : mêmes règles qu'une confirmation (le kit doit être libre, transport et ouverture du lieu). Le lieu reçoit les nouvelles dates par e-mail avec son calendrier ; les tournées du camion de ces jours sont à recalculer.",
            "en": "Another kit or other dates for the confirmed stop: the same rules as an approval (the kit must be free, transport and the venue's opening). The venue gets the new dates by email with its calendar; the van days of those days must be routed again.",
        },
        "queue.move_from": {"fr": "Partir de", "en": "Start from"},
        "queue.move_current": {"fr": "Dates actuelles", "en": "Current dates"},
        "queue.move_reason": {
            "fr": "Motif (envoyé au lieu, facultatif)",
            "en": "Reason (sent to the venue, optional)",
        },
        "queue.move_submit": {"fr": "Déplacer l'étape", "en": "Move the stop"},
        "queue.moved": {
            "fr": "Étape déplacée ({kit}) : installation le {install}, dernier jour d'ouverture le {last_open}, démontage le {dismantle}. Le lieu est prévenu ; recalculez les tournées du camion.",
            "en": "Stop moved ({kit}): installation on {install}, last open day {last_open}, dismantling on {dismantle}. The venue is told; route the van days again.",
        },
    }
)

user = require_role(*STAFF)
actor = user.actor
st.title(tr("queue.title"))

flash = st.session_state.pop("queue.flash", None)
if flash:
    key, params = flash if isinstance(flash, tuple) else (flash, {})
    st.success(tr(key, **params), icon=":material/check_circle:")
new_link = st.session_state.pop("queue.new_link", None)
if new_link:
    st.code(new_link, language=None)


def _act(action, done: str = "queue.done", keep: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Run a service call; on success say so (and keep its result under `keep`) after a
    rerun that shows the new state; on a domain error show it in words."""
    try:
        result = action()
    except DomainError as exc:
        show_error(exc)
        return
    st.session_state["queue.flash"] = done
    if keep:
        st.session_state[keep] = result
    st.rerun()


# ---------------------------------------------------------------- the queue
counts = status_counts()
statuses = st.multiselect(
    tr("queue.statuses"),
    [s.value for s in STATUS_ORDER],
    default=["submitted", "held", "waitlisted"],
    format_func=lambda s: f"{tr(f'booking.status.{s}')} ({counts.get(s, 0)})",
)
cols = st.columns(3)
exhibitions = public_exhibitions()
exhibition = cols[0].selectbox(
    tr("queue.exhibition"),
    [None, *exhibitions],
    format_func=lambda e: e.title if e else tr("queue.all"),
)
venue_type = cols[1].selectbox(
    tr("queue.venue_type"),
    [None, "library", "school", "park", "town_hall", "other"],
    format_func=lambda v: tr(f"requests.venue_type.{v}") if v else tr("queue.all"),
)
search = cols[2].text_input(tr("queue.search"), max_chars=100)
rows = list_requests(
    statuses=statuses or None,
    exhibition_id=exhibition.id if exhibition else None,
    venue_type=venue_type,
    search=search,
)


def _windows_text(windows: list[tuple[dt.date, dt.date]]) -> str:
    return " ; ".join(f"{fdate(s)} → {fdate(e)}" for s, e in windows)


if rows:
    # Headers and words looked up once, not once per row (years of requests can be listed).
    head = {
        k: tr(f"queue.col.{k}")
        for k in (
            "id", "status", "venue", "commune", "windows", "stay", "kit", "dates", "expires",
            "submitted", "flags",
        )
    }  # fmt: skip
    status_words = {s.value: tr(f"booking.status.{s.value}") for s in STATUS_ORDER}
    outside, pending = tr("queue.flag.outside"), tr("queue.flag.proposal")
    st.dataframe(
        [
            {
                head["id"]: r.id,
                head["status"]: status_words.get(r.status, r.status),
                head["venue"]: r.venue,
                head["commune"]: r.commune,
                head["windows"]: _windows_text(r.windows),
                head["stay"]: f"{r.stay_min_days}–{r.stay_max_days}",
                head["kit"]: r.kit,
                head["dates"]: f"{fdate(r.start)} → {fdate(r.end)}" if r.start else "",
                head["expires"]: fdatetime(r.hold_expires_at) if r.hold_expires_at else "",
                head["submitted"]: fdatetime(r.submitted_at),
                head["flags"]: ", ".join([outside] * r.outside + [pending] * r.proposal_pending),
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
    )
else:
    st.info(tr("queue.empty"))
by_id = {r.id: r for r in rows}
ids = list(by_id)
# The request just acted on stays open even when the filter no longer lists it.
wanted = st.query_params.get("id")
focus = st.session_state.get("queue.focus") or (
    int(wanted) if wanted and wanted.isdigit() else None
)
if focus is not None and focus not in by_id:
    ids.insert(0, focus)
if not ids:
    st.stop()
selected = st.selectbox(
    tr("queue.open"),
    ids,
    index=ids.index(focus) if focus in ids else 0,
    format_func=lambda i: (
        f"{i} — {by_id[i].venue} ({tr(f'booking.status.{by_id[i].status}')})"
        if i in by_id
        else str(i)
    ),
)
st.session_state["queue.focus"] = selected

# ---------------------------------------------------------------- one request
try:
    detail = request_detail(selected)
except DomainError as exc:
    st.session_state.pop("queue.focus", None)
    show_error(exc)
    st.stop()
view = detail.view
st.divider()
st.header(tr("queue.detail", id=view.request_id, status=tr(f"booking.status.{view.status}")))
st.subheader(plain(f"{view.exhibition_title} — {view.venue_name}"))
for key in detail.warnings:
    st.warning(
        warning_text(
            key, lang(), length=view.details.hanging_length_m, needed=detail.exhibition_length_m
        ),
        icon=":material/warning:",
    )

left, middle, right = st.columns(3)
with left:
    st.markdown(f"**{tr('queue.venue')}**")
    venue = detail.venue
    st.text(f"{venue.row.name}\n{venue.address}\n{venue.postcode} {venue.row.commune}")
    names = get_day_names("abbreviated", locale="fr_FR" if lang() == "fr" else "en_GB")
    st.caption(tr("queue.open_days", days=", ".join(names[d] for d in venue.open_weekdays)))
    if venue.closures:
        st.caption(
            tr(
                "queue.closures",
                list=", ".join(f"{fdate(c.start)}–{fdate(c.end)}" for c in venue.closures),
            )
        )
    access = "\n".join(p for p in (venue.floor, venue.van_parking, venue.access_notes) if p)
    if access:
        st.text(access)
with middle:
    st.markdown(f"**{tr('queue.contact')}**")
    if detail.contact_erased:
        st.caption(tr("queue.contact_erased"))
    else:
        c = view.details.contact
        st.text("\n".join(p for p in (c.name, c.role, c.email, c.phone) if p))
with right:
    st.markdown(f"**{tr('queue.windows')}**")
    st.text("\n".join(f"{fdate(s)} → {fdate(e)}" for s, e in view.details.windows))
    d = view.details
    st.caption(
        tr(
            "queue.stay",
            min=d.stay_min_days,
            max=d.stay_max_days,
            preferred=fdate(d.preferred_start),
        )
    )
    st.caption(
        plain(
            tr(
                "queue.place",
                where=tr("queue.indoor" if d.indoor else "queue.outdoor"),
                surface=d.hanging_surface or "—",
                length=f"{d.hanging_length_m:g}" if d.hanging_length_m else "?",
            )
        )
    )
for name, _limit in PROJECT_FIELDS[1:]:
    text = getattr(view.details, name)
    if text:
        st.markdown(f"**{tr(f'fields.{name}')}**")
        st.text(text)

current = view.proposal or view.hold
if view.stop is not None:
    current = None
    s = view.stop
    st.info(
        f"{tr('queue.current')} : {fdate(s.install)} → {fdate(s.last_open)}, "
        f"{tr('queue.dismantle').lower()} {fdate(s.dismantle)} ({s.kit_name}, {s.status})",
        icon=":material/event_available:",
    )
elif current is not None:
    st.info(
        f"{tr('queue.current')} : {fdate(current.install)} → {fdate(current.last_open)}, "
        f"{tr('queue.dismantle').lower()} {fdate(current.dismantle)} ({current.kit_name}) — "
        f"{tr('queue.expires')} {fdatetime(current.expires_at)}",
        icon=":material/schedule:",
    )

tab_placements, tab_actions, tab_history, tab_messages = st.tabs(
    [
        tr("queue.tab.placements"),
        tr("queue.tab.actions"),
        tr("queue.tab.history"),
        tr("queue.tab.messages"),
    ]
)
live = view.status in ("submitted", "held", "waitlisted")
# A confirmed stop that is not over yet can move to another kit or other dates.
movable = (
    view.status == "approved"
    and view.stop is not None
    and view.stop.status == "confirmed"
    and view.stop.dismantle >= paris_today()
)
version = view.version

with tab_placements:
    candidates = candidate_placements(view.request_id) if live or movable else []
    if live and not candidates:
        st.info(tr("queue.no_candidates"), icon=":material/event_busy:")
    if candidates:
        st.caption(tr("queue.candidates_help"))

        def _notes(c) -> str:  # type: ignore[no-untyped-def]
            notes = []
            if c.public_holidays:
                notes.append(
                    tr(
                        "queue.note.holidays",
                        list=", ".join(n or fdate(d) for d, n in c.public_holidays),
                    )
                )
            if c.school_holiday_days:
                notes.append(tr("queue.note.school", n=c.school_holiday_days))
            if c.closure_days:
                notes.append(tr("queue.note.closures", n=c.closure_days))
            if c.gap_before is not None or c.gap_after is not None:
                notes.append(
                    tr(
                        "queue.note.gap",
                        before="—" if c.gap_before is None else f"{c.gap_before} j",
                        after="—" if c.gap_after is None else f"{c.gap_after} j",
                    )
                )
            if c.short_notice:
                notes.append(tr("queue.note.short"))
            if c.kit_condition != "good":
                notes.append(tr("queue.note.damaged"))
            return " ; ".join(notes)

        st.dataframe(
            [
                {
                    tr("queue.col.kit"): c.kit_code,
                    tr("queue.col.install"): fdate(c.install),
                    tr("queue.col.last_open"): fdate(c.last_open),
                    tr("queue.col.dismantle"): fdate(c.dismantle),
                    tr("queue.col.stay"): c.stay_days,
                    tr("queue.col.open_days"): c.open_days,
                    tr("queue.col.notes"): _notes(c),
                }
                for c in candidates
            ],
            hide_index=True,
            width="stretch",
        )


def _move_form(request_id: int, candidates: list) -> None:  # type: ignore[type-arg]
    """Another kit and/or other dates for the confirmed stop, from its current placement or
    a possible one; the service checks everything again."""
    stop = view.stop
    assert stop is not None
    st.subheader(tr("queue.move"))
    st.caption(tr("queue.move_help"))
    starts = {"current": Placement(stop.kit_id, stop.install, stop.last_open, stop.dismantle)}
    starts |= {str(i): c.placement for i, c in enumerate(candidates)}
    codes = {c.kit_id: c.kit_code for c in candidates}
    start_from = st.selectbox(
        tr("queue.move_from"),
        list(starts),
        format_func=lambda k: (
            tr("queue.move_current")
            if k == "current"
            else f"{codes[starts[k].kit_id]} : {fdate(starts[k].install)} → "
            f"{fdate(starts[k].dismantle)}"
        ),
        key=f"queue.move_from.{request_id}",
    )
    base = starts[start_from]
    kits = [
        k
        for k in list_kits()
        if k.exhibition == view.exhibition_title and (k.active or k.id == base.kit_id)
    ]
    at = next((i for i, k in enumerate(kits) if k.id == base.kit_id), 0)
    # The form's key follows the starting point, so its fields take that point's values.
    with st.form(f"queue.move.{request_id}.{start_from}"):
        kit = st.selectbox(
            tr("queue.kit"), kits, index=at, format_func=lambda k: f"{k.code} ({k.condition})"
        )
        cols = st.columns(3)
        install = cols[0].date_input(tr("queue.install"), value=base.install, format="DD/MM/YYYY")
        last_open = cols[1].date_input(
            tr("queue.last_open"), value=base.last_open, format="DD/MM/YYYY"
        )
        dismantle = cols[2].date_input(
            tr("queue.dismantle"), value=base.dismantle, format="DD/MM/YYYY"
        )
        reason = st.text_area(tr("queue.move_reason"), max_chars=2000)
        submitted = st.form_submit_button(
            tr("queue.move_submit"), type="primary", icon=":material/event_repeat:"
        )
    if not submitted:
        return
    if kit is None or install is None or last_open is None or dismantle is None:
        st.error(tr("booking.dates_order"), icon=":material/error:")
        return
    try:
        moved = move_stop(
            request_id,
            Placement(kit.id, install, last_open, dismantle),
            actor=actor,
            reason=reason,
            expected_version=version,
            lang=lang(),
        )
    except DomainError as exc:
        show_error(exc)
        return
    st.session_state["queue.flash"] = (
        "queue.moved",
        {
            "kit": kit.code,
            "install": fdate(moved.install_date),
            "last_open": fdate(moved.last_open_date),
            "dismantle": fdate(moved.dismantle_date),
        },
    )
    st.rerun()


with tab_actions:
    placement: Placement | None = None
    if live:
        options = [*range(len(candidates)), "manual"]
        choice = st.radio(
            tr("queue.choose"),
            options,
            format_func=lambda i: (
                tr("queue.manual")
                if i == "manual"
                else f"{candidates[i].kit_code} : {fdate(candidates[i].install)} → {fdate(candidates[i].dismantle)}"
            ),
            key=f"queue.choice.{view.request_id}",
        )
        if choice == "manual":
            kits = [k for k in list_kits() if k.active]
            cols = st.columns(4)
            kit = cols[0].selectbox(
                tr("queue.kit"), kits, format_func=lambda k: f"{k.code} ({k.condition})"
            )
            install = cols[1].date_input(tr("queue.install"), value=None, format="DD/MM/YYYY")
            last_open = cols[2].date_input(tr("queue.last_open"), value=None, format="DD/MM/YYYY")
            dismantle = cols[3].date_input(tr("queue.dismantle"), value=None, format="DD/MM/YYYY")
            if kit and install and last_open and dismantle:
                placement = Placement(kit.id, install, last_open, dismantle)
        else:
            placement = candidates[int(choice)].placement
        cols = st.columns(2)
        expires_on = cols[0].date_input(
            tr("queue.expires"),
            value=paris_today() + dt.timedelta(days=get_settings().hold_days),
            format="DD/MM/YYYY",
        )
        note = cols[1].text_input(tr("queue.note"), max_chars=1000)
        expires_at = end_of_day(expires_on) if expires_on else None
        buttons = st.columns(3)
        if buttons[0].button(
            tr("queue.hold"), icon=":material/bookmark_add:", disabled=placement is None
        ):
            _act(
                lambda: hold_request(
                    view.request_id,
                    placement,
                    actor=actor,
                    expires_at=expires_at,
                    expected_version=version,
                )
            )
        if buttons[1].button(
            tr("queue.approve"), type="primary", icon=":material/check:", disabled=placement is None
        ):
            _act(
                lambda: approve_request(
                    view.request_id, placement, actor=actor, expected_version=version
                )
            )
        if buttons[2].button(
            tr("queue.counter"), icon=":material/swap_horiz:", disabled=placement is None
        ):
            _act(
                lambda: counter_propose(
                    view.request_id,
                    placement,  # type: ignore[arg-type]
                    actor=actor,
                    expires_at=expires_at,
                    note=note,
                    expected_version=version,
                )
            )
        if (
            view.hold is not None
            and view.proposal is None
            and st.button(tr("queue.approve_hold"), icon=":material/task_alt:")
        ):
            _act(lambda: approve_request(view.request_id, actor=actor, expected_version=version))
        st.divider()
    if movable:
        _move_form(view.request_id, candidates)
        st.divider()
    cols = st.columns(4)
    if live and cols[0].button(tr("queue.decline"), icon=":material/block:"):
        st.session_state["queue.ask"] = ("decline", view.request_id)
    if (
        live
        and view.status != "waitlisted"
        and cols[1].button(tr("queue.waitlist"), icon=":material/hourglass_top:")
    ):
        _act(lambda: waitlist_request(view.request_id, actor=actor, expected_version=version))
    if view.status in ("submitted", "held", "waitlisted", "approved") and cols[2].button(
        tr("queue.cancel"), icon=":material/cancel:"
    ):
        st.session_state["queue.ask"] = ("cancel", view.request_id)
    if cols[3].button(tr("queue.resend"), icon=":material/link:", disabled=detail.contact_erased):
        _act(lambda: resend_link(view.request_id, actor=actor), "queue.resent", "queue.new_link")
    if (
        not detail.contact_erased
        and detail.contact_id is not None
        and st.button(tr("queue.erase"), icon=":material/person_remove:")
    ):
        st.session_state["queue.ask"] = ("erase", detail.contact_id)


def _forget() -> None:
    st.session_state.pop("queue.ask", None)


@st.dialog(tr("queue.confirm"), on_dismiss=_forget)
def _confirm(kind: str, target: int) -> None:
    if kind == "erase":
        st.write(tr("queue.erase_confirm"))
        if st.button(tr("queue.erase_button"), type="primary", key="queue.confirm_erase"):
            _forget()
            _act(lambda: erase_contact(target, actor=actor))
        return
    label = tr("queue.confirm_decline" if kind == "decline" else "queue.confirm_cancel")
    reason = st.text_area(tr("queue.reason"), max_chars=2000, key="queue.reason")
    if st.button(label, type="primary", key="queue.confirm_close"):
        _forget()
        close = decline_request if kind == "decline" else cancel_request
        _act(lambda: close(target, reason, actor=actor, expected_version=version))


asked = st.session_state.get("queue.ask")
if asked:
    _confirm(*asked)

with tab_history:
    st.dataframe(
        [
            {
                tr("queue.col.when"): fdatetime(e["at"]),
                tr("queue.col.who"): e["actor"],
                tr("queue.col.what"): e["action"],
                tr("queue.col.details"): ", ".join(f"{k}={v}" for k, v in e["details"].items()),
            }
            for e in detail.events
        ],
        hide_index=True,
        width="stretch",
    )

with tab_messages:
    st.dataframe(
        [
            {
                tr("queue.col.when"): fdatetime(m.created_at),
                tr("queue.col.subject"): m.subject,
                tr("queue.col.status"): m.status,
                tr("queue.col.sent"): fdatetime(m.sent_at),
                tr("queue.col.error"): m.last_error,
            }
            for m in list_messages(request_id=view.request_id)
        ],
        hide_index=True,
        width="stretch",
    )
