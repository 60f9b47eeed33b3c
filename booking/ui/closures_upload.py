"""A reusable block: upload an .ics of closure days for one venue and show what happened.

Used by the staff calendars page and by the venue's private page:

    from booking.ui.closures_upload import render_closure_upload
    render_closure_upload(venue_id, actor=f"venue:request-{request_id}")

The caller decides who may import for this venue; the service refuses hostile files with a
message and imports all or nothing.
"""

from __future__ import annotations

import streamlit as st

from booking.calendars.closures import MAX_BYTES, MAX_EVENTS, import_closures
from booking.errors import DomainError
from booking.i18n import add_messages
from booking.ui.common import fdate, lang, show_error, tr

add_messages(
    {
        "closures.ui.title": {
            "fr": "Importer des jours de fermeture (.ics)",
            "en": "Import closure days (.ics)",
        },
        "closures.ui.help": {
            "fr": "Exportez depuis votre agenda (Outlook, Google, Apple…) un fichier .ics contenant seulement les jours où le lieu est fermé : congés, évènements, travaux. Chaque évènement ferme le lieu pour la journée entière ; les évènements répétés sont pris en compte sur deux ans. Au plus {max} évènements et 1 Mio ; rien n'est importé si le fichier pose problème.",
            "en": "Export from your calendar (Outlook, Google, Apple…) an .ics file holding only the days the venue is closed: holidays, events, works. Each event closes the venue for the whole day; repeated events count over two years. At most {max} events and 1 MiB; nothing is imported if the file has a problem.",
        },
        "closures.ui.file": {"fr": "Fichier .ics", "en": ".ics file"},
        "closures.ui.import": {"fr": "Importer", "en": "Import"},
        "closures.ui.no_file": {
            "fr": "Choisissez d'abord un fichier.",
            "en": "Choose a file first.",
        },
        "closures.ui.done": {
            "fr": "{imported} fermeture(s) importée(s) ({days} jour(s)) ; {already} déjà connue(s) ; {past} évènement(s) passé(s) ignoré(s).",
            "en": "{imported} closure(s) imported ({days} day(s)); {already} already known; {past} past event(s) ignored.",
        },
        "closures.ui.range": {
            "fr": "du {start} au {end} : {reason}",
            "en": "{start} to {end}: {reason}",
        },
        "closures.ui.day": {"fr": "le {start} : {reason}", "en": "{start}: {reason}"},
        "closures.ui.conflict": {
            "fr": "Attention : une installation ou un démontage déjà confirmé tombe le {day}, désormais jour de fermeture. Prévenez l'équipe logistique.",
            "en": "Warning: a confirmed installation or dismantling falls on {day}, now a closure day. Tell the logistics team.",
        },
    }
)


def render_closure_upload(venue_id: int, actor: str) -> None:
    """The uploader, the import on submit, and its result (or the reason it was refused)."""
    key = f"closure_upload_{venue_id}"
    st.subheader(tr("closures.ui.title"))
    st.caption(tr("closures.ui.help", max=MAX_EVENTS))
    with st.form(key=f"{key}_form", clear_on_submit=True):
        uploaded = st.file_uploader(
            tr("closures.ui.file"),
            type=["ics", "ical", "icalendar"],
            key=f"{key}_file",
            max_upload_size=1,
        )
        submitted = st.form_submit_button(tr("closures.ui.import"), icon=":material/upload_file:")
    if not submitted:
        return
    if uploaded is None:
        st.warning(tr("closures.ui.no_file"), icon=":material/info:")
        return
    data = uploaded.read(MAX_BYTES + 1)  # one byte more than allowed is enough to refuse
    try:
        result = import_closures(venue_id, data, actor=actor, lang=lang())
    except DomainError as exc:
        show_error(exc)
        return
    st.success(
        tr(
            "closures.ui.done",
            imported=result.imported,
            days=result.days,
            already=result.already_present,
            past=result.past_events,
        ),
        icon=":material/event_busy:",
    )
    for closure in result.closures:
        # The reason comes from the uploaded file: shown as plain text, never as Markdown.
        key_name = "closures.ui.day" if closure.start == closure.end else "closures.ui.range"
        st.text(
            "• "
            + tr(
                key_name, start=fdate(closure.start), end=fdate(closure.end), reason=closure.reason
            )
        )
    for day in result.handling_conflicts:
        st.warning(tr("closures.ui.conflict", day=fdate(day)), icon=":material/warning:")
