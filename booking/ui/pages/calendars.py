"""Staff: calendar downloads (.ics) per view, secret subscription feeds (create, name, revoke),
how to subscribe from Outlook, Google and Apple, and closure imports for a venue."""

from __future__ import annotations

import streamlit as st

from booking.calendars import export_calendar
from booking.calendars.feeds import FeedInfo, create_feed, list_feeds, rename_feed, revoke_feed
from booking.calendars.views import ViewOption, view_options
from booking.errors import DomainError
from booking.i18n import add_messages
from booking.ui.closures_upload import render_closure_upload
from booking.ui.common import fdatetime, lang, require_role, show_error, tr
from booking.ui.nav import STAFF
from booking.ui.text import plain

add_messages(
    {
        "calendars.page.title": {"fr": "Calendriers", "en": "Calendars"},
        "calendars.page.intro": {
            "fr": "Les étapes, les installations, les démontages et les trajets du camion, au format .ics : à télécharger, ou à suivre dans un agenda grâce à un abonnement qui se met à jour tout seul.",
            "en": "Stops, installations, dismantlings and the van's drives as .ics: to download, or to follow in a calendar app through a subscription that updates itself.",
        },
        "calendars.page.tab.download": {"fr": "Télécharger", "en": "Download"},
        "calendars.page.tab.feeds": {"fr": "Abonnements", "en": "Subscriptions"},
        "calendars.page.tab.help": {"fr": "Comment s'abonner", "en": "How to subscribe"},
        "calendars.page.tab.closures": {"fr": "Fermetures des lieux", "en": "Venue closures"},
        "calendars.page.view": {"fr": "Calendrier", "en": "Calendar"},
        "calendars.page.download": {
            "fr": "Télécharger le fichier .ics",
            "en": "Download the .ics file",
        },
        "calendars.page.download_help": {
            "fr": "Un fichier à importer une fois : il ne se met pas à jour. Pour suivre les changements, créez plutôt un abonnement.",
            "en": "A file to import once: it does not update. To follow changes, create a subscription instead.",
        },
        "calendars.page.contacts_note": {
            "fr": "Les vues « tout », kit et camion contiennent les coordonnées des contacts des lieux : ne les partagez qu'au sein des équipes.",
            "en": "The everything, kit and van views hold the venues' contact details: share them within the teams only.",
        },
        "calendars.page.new_feed": {"fr": "Nouvel abonnement", "en": "New subscription"},
        "calendars.page.feed_name": {
            "fr": "Nom (pour s'y retrouver)",
            "en": "Name (to find it again)",
        },
        "calendars.page.feed_name_help": {
            "fr": "Par exemple : « Agenda du chauffeur » ou « Médiathèque de Vaise ».",
            "en": 'For example: "Driver\'s calendar" or "Vaise library".',
        },
        "calendars.page.create": {"fr": "Créer l'abonnement", "en": "Create the subscription"},
        "calendars.page.created": {"fr": "Abonnement créé.", "en": "Subscription created."},
        "calendars.page.no_feeds": {
            "fr": "Aucun abonnement actif pour l'instant.",
            "en": "No active subscription yet.",
        },
        "calendars.page.active": {"fr": "Abonnements actifs", "en": "Active subscriptions"},
        "calendars.page.revoked_list": {
            "fr": "Abonnements révoqués ({count})",
            "en": "Revoked subscriptions ({count})",
        },
        "calendars.page.feed_meta": {
            "fr": "{view} · créé le {created} par {by} · dernière lecture : {fetched}",
            "en": "{view} · created {created} by {by} · last fetched: {fetched}",
        },
        "calendars.page.never": {"fr": "jamais", "en": "never"},
        "calendars.page.revoked_on": {"fr": "révoqué le {when}", "en": "revoked {when}"},
        "calendars.page.address": {
            "fr": "Adresse à coller dans l'agenda (secrète) :",
            "en": "Address to paste into the calendar app (secret):",
        },
        "calendars.page.open_webcal": {
            "fr": "Ouvrir dans mon agenda (webcal://)",
            "en": "Open in my calendar app (webcal://)",
        },
        "calendars.page.rename": {"fr": "Renommer", "en": "Rename"},
        "calendars.page.new_name": {"fr": "Nouveau nom", "en": "New name"},
        "calendars.page.renamed": {"fr": "Abonnement renommé.", "en": "Subscription renamed."},
        "calendars.page.revoke": {"fr": "Révoquer", "en": "Revoke"},
        "calendars.page.revoke_title": {
            "fr": "Révoquer l'abonnement ?",
            "en": "Revoke the subscription?",
        },
        "calendars.page.revoke_text": {
            "fr": "« {name} » cessera de fonctionner pour tous ceux qui l'utilisent : leur agenda ne recevra plus de mises à jour. Cette action est définitive ; vous pourrez créer un nouvel abonnement avec une autre adresse.",
            "en": '"{name}" will stop working for everyone who uses it: their calendars will get no more updates. This cannot be undone; you can create a new subscription with another address.',
        },
        "calendars.page.revoke_confirm": {"fr": "Oui, révoquer", "en": "Yes, revoke"},
        "calendars.page.cancel": {"fr": "Annuler", "en": "Cancel"},
        "calendars.page.revoked": {"fr": "Abonnement révoqué.", "en": "Subscription revoked."},
        "calendars.page.venue": {"fr": "Lieu", "en": "Venue"},
        "calendars.page.no_venues": {"fr": "Aucun lieu pour l'instant.", "en": "No venue yet."},
        "calendars.help.body": {
            "fr": """**Une adresse d'abonnement est secrète.** Toute personne qui la connaît voit ce calendrier. Ne la publiez pas ; si elle a circulé par erreur, révoquez l'abonnement et créez-en un nouveau. L'agenda abonné est en lecture seule : les changements se font dans Tournée et apparaissent au prochain rafraîchissement.

**Outlook (Outlook sur le web, nouvel Outlook, Outlook de la Métropole)**
1. Ouvrez l'Agenda, puis « Ajouter un calendrier ».
2. Choisissez « S'abonner à partir du web ».
3. Collez l'adresse (celle qui commence par https://), donnez un nom, puis « Importer ».

Dans Outlook classique pour Windows : Accueil › Ajouter un calendrier › « À partir d'Internet… », collez l'adresse, puis « Oui ». Outlook relit l'abonnement toutes les quelques heures.

**Google Agenda**
1. Sur un ordinateur, dans la colonne de gauche, à côté d'« Autres agendas », cliquez sur « + ».
2. Choisissez « À partir de l'URL ».
3. Collez l'adresse https://, puis « Ajouter un agenda ».

Google relit l'abonnement à son rythme (souvent plusieurs heures, jusqu'à un jour) ; on ne peut pas le forcer. L'agenda apparaît ensuite aussi sur le téléphone.

**Apple (Calendrier sur Mac, iPhone, iPad)**
- Sur Mac : Fichier › Nouvel abonnement à un calendrier…, collez l'adresse, puis choisissez « Actualiser : toutes les heures ».
- Sur iPhone ou iPad : Réglages › Calendrier › Comptes › Ajouter un compte › Autre › « Ajouter un calendrier avec abonnement », collez l'adresse.
- Plus simple : ouvrez le lien « webcal:// » depuis l'appareil, il propose l'abonnement directement.

Les heures sont données à l'heure de Paris et suivent les changements d'heure ; les journées d'exposition apparaissent comme des évènements « toute la journée ».""",
            "en": """**A subscription address is secret.** Anyone who knows it sees this calendar. Do not publish it; if it was shared by mistake, revoke the subscription and create a new one. The subscribed calendar is read-only: changes are made in Tournée and show at the next refresh.

**Outlook (Outlook on the web, new Outlook)**
1. Open Calendar, then "Add calendar".
2. Choose "Subscribe from web".
3. Paste the address (the one starting with https://), give a name, then "Import".

In classic Outlook for Windows: Home › Add Calendar › "From Internet…", paste the address, then "Yes". Outlook reads the subscription again every few hours.

**Google Calendar**
1. On a computer, in the left column next to "Other calendars", click "+".
2. Choose "From URL".
3. Paste the https:// address, then "Add calendar".

Google refreshes subscriptions at its own pace (often several hours, up to a day); it cannot be forced. The calendar then also shows on the phone.

**Apple (Calendar on Mac, iPhone, iPad)**
- On a Mac: File › New Calendar Subscription…, paste the address, then choose "Auto-refresh: Every hour".
- On iPhone or iPad: Settings › Calendar › Accounts › Add Account › Other › "Add Subscribed Calendar", paste the address.
- Simpler: open the "webcal://" link on the device; it offers to subscribe directly.

Times are in Paris time and follow the clock changes; exhibition days show as all-day events.""",
        },
    }
)

user = require_role(*STAFF)
ACTOR = f"user:{user.email}"

st.title(tr("calendars.page.title"))
st.caption(tr("calendars.page.intro"))

options = view_options(lang())
labels = {option.view: option.label for option in options}
feed_options = [option for option in options if option.kind != "stop"]


def _file_name(option: ViewOption) -> str:
    return f"tournee-{option.view.replace(':', '-')}.ics"


def _render_download() -> None:
    option = st.selectbox(
        tr("calendars.page.view"),
        options,
        format_func=lambda o: o.label,
        key="calendars_download_view",
    )
    if option is None:
        return
    language = lang()
    st.download_button(
        tr("calendars.page.download"),
        data=lambda: export_calendar(option.view, lang=language),
        file_name=_file_name(option),
        mime="text/calendar",
        icon=":material/download:",
        on_click="ignore",
        key="calendars_download",
    )
    st.caption(tr("calendars.page.download_help"))
    st.caption(tr("calendars.page.contacts_note"))


def _forget_pending_revoke() -> None:
    st.session_state.pop("calendars_revoke", None)


@st.dialog(tr("calendars.page.revoke_title"), on_dismiss=_forget_pending_revoke)
def _confirm_revoke(feed_id: int, name: str) -> None:
    st.write(tr("calendars.page.revoke_text", name=plain(name)))
    left, right = st.columns(2)
    if left.button(tr("calendars.page.revoke_confirm"), type="primary", key="revoke_confirm"):
        _forget_pending_revoke()
        try:
            revoke_feed(feed_id, actor=ACTOR)
        except DomainError as exc:
            show_error(exc)
            return
        st.session_state["calendars_toast"] = tr("calendars.page.revoked")
        st.rerun()
    if right.button(tr("calendars.page.cancel"), key="revoke_cancel"):
        _forget_pending_revoke()
        st.rerun()


def _render_feed(feed: FeedInfo) -> None:
    with st.container(border=True):
        st.markdown(f"**{plain(feed.name)}**")
        # Plain text, not Markdown: an email address would become a low-contrast link.
        st.text(
            tr(
                "calendars.page.feed_meta",
                view=labels.get(feed.view, feed.view),
                created=fdatetime(feed.created_at),
                by=feed.created_by,
                fetched=fdatetime(feed.last_fetched_at)
                if feed.last_fetched_at
                else tr("calendars.page.never"),
            )
        )
        st.caption(tr("calendars.page.address"))
        st.code(feed.url, language=None)
        st.link_button(
            tr("calendars.page.open_webcal"), feed.webcal_url, icon=":material/event_available:"
        )
        with st.form(key=f"rename_{feed.id}"):
            new_name = st.text_input(
                tr("calendars.page.new_name"), value=feed.name, max_chars=120, key=f"name_{feed.id}"
            )
            if st.form_submit_button(tr("calendars.page.rename"), icon=":material/edit:"):
                try:
                    rename_feed(feed.id, new_name, actor=ACTOR)
                except DomainError as exc:
                    show_error(exc)
                else:
                    st.session_state["calendars_toast"] = tr("calendars.page.renamed")
                    st.rerun()
        if st.button(
            tr("calendars.page.revoke"), key=f"revoke_{feed.id}", icon=":material/link_off:"
        ):
            # Kept until confirmed, cancelled or dismissed: the dialog survives reruns.
            st.session_state["calendars_revoke"] = feed.id


def _render_feeds() -> None:
    with st.form(key="new_feed", clear_on_submit=True):
        st.subheader(tr("calendars.page.new_feed"))
        name = st.text_input(
            tr("calendars.page.feed_name"),
            max_chars=120,
            help=tr("calendars.page.feed_name_help"),
            key="new_feed_name",
        )
        option = st.selectbox(
            tr("calendars.page.view"),
            feed_options,
            format_func=lambda o: o.label,
            key="new_feed_view",
        )
        if st.form_submit_button(tr("calendars.page.create"), icon=":material/add_link:"):
            try:
                create_feed(name=name, view=option.view if option else "", actor=ACTOR)
            except DomainError as exc:
                show_error(exc)
            else:
                st.session_state["calendars_toast"] = tr("calendars.page.created")
                st.rerun()
    feeds = list_feeds()
    active = [f for f in feeds if f.active]
    revoked = [f for f in feeds if not f.active]
    st.subheader(tr("calendars.page.active"))
    if not active:
        st.info(tr("calendars.page.no_feeds"), icon=":material/info:")
    for feed in active:
        _render_feed(feed)
    pending = st.session_state.get("calendars_revoke")
    for feed in active:
        if feed.id == pending:
            _confirm_revoke(feed.id, feed.name)
    if revoked:
        with st.expander(tr("calendars.page.revoked_list", count=len(revoked))):
            for feed in revoked:
                when = fdatetime(feed.revoked_at)
                st.text(
                    f"{feed.name} — {labels.get(feed.view, feed.view)} — "
                    + tr("calendars.page.revoked_on", when=when)
                )


def _render_closures() -> None:
    venues = [option for option in options if option.kind == "venue"]
    if not venues:
        st.info(tr("calendars.page.no_venues"), icon=":material/info:")
        return
    option = st.selectbox(
        tr("calendars.page.venue"), venues, format_func=lambda o: o.label, key="closures_venue"
    )
    if option is not None:
        render_closure_upload(int(option.view.split(":", 1)[1]), ACTOR)


toast = st.session_state.pop("calendars_toast", None)
if toast:
    st.toast(toast, icon=":material/check_circle:")

tab_download, tab_feeds, tab_help, tab_closures = st.tabs(
    [
        tr("calendars.page.tab.download"),
        tr("calendars.page.tab.feeds"),
        tr("calendars.page.tab.help"),
        tr("calendars.page.tab.closures"),
    ]
)
with tab_download:
    _render_download()
with tab_feeds:
    _render_feeds()
with tab_help:
    st.markdown(tr("calendars.help.body"))
with tab_closures:
    _render_closures()
