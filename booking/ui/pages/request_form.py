"""Public: a venue asks for an exhibition (no account; a private link follows the request).

A double submit cannot make two requests: the form's private-link token is made when the
form is first shown (kept in this session's state, on the server) and is also the
submission's idempotency key; the service returns the first request for a token it has seen.
"""

import streamlit as st
from babel.dates import get_day_names

from booking.config import get_settings
from booking.errors import DomainError
from booking.geocoding import commune_choices, manual_point
from booking.i18n import add_messages, format_date
from booking.models import VenueType
from booking.security import new_token
from booking.services.requests import (
    RequestDetails,
    RequestInput,
    VenueInput,
    earliest_start,
    locate_venue,
    paris_today,
    public_exhibitions,
    season_end,
    submit_request,
    warning_text,
)
from booking.services.venues import venue_choices
from booking.ui.common import lang, show_error, tr
from booking.ui.request_fields import contact_inputs, project_inputs, stay_inputs, window_inputs
from booking.ui.text import plain
from booking.ui.venue_map import show_point

add_messages(
    {
        "form.title": {"fr": "Demander une exposition", "en": "Request an exhibition"},
        "form.intro": {
            "fr": "Pas besoin de compte : après l'envoi, vous recevez un lien privé pour suivre, modifier ou retirer votre demande.",
            "en": "No account needed: once sent, you get a private link to follow, edit or withdraw your request.",
        },
        "form.exhibition": {"fr": "Exposition", "en": "Exhibition"},
        "form.none": {
            "fr": "Aucune exposition n'est proposée pour le moment.",
            "en": "No exhibition is offered at the moment.",
        },
        "form.venue_section": {"fr": "1. Le lieu", "en": "1. The venue"},
        "form.venue_mode": {"fr": "Votre lieu", "en": "Your venue"},
        "form.venue_mode.existing": {"fr": "Il est dans la liste", "en": "It is in the list"},
        "form.venue_mode.new": {"fr": "Nouveau lieu", "en": "New venue"},
        "form.venue": {"fr": "Lieu", "en": "Venue"},
        "form.venue_placeholder": {"fr": "Choisissez votre lieu", "en": "Choose your venue"},
        "form.venue_name": {"fr": "Nom du lieu", "en": "Venue name"},
        "form.venue_type": {"fr": "Type de lieu", "en": "Type of venue"},
        "form.address": {"fr": "Adresse", "en": "Address"},
        "form.postcode": {"fr": "Code postal", "en": "Postcode"},
        "form.commune": {"fr": "Commune", "en": "Town"},
        "form.open_days": {"fr": "Jours d'ouverture au public", "en": "Days open to the public"},
        "form.open_days_help": {
            "fr": "Vide : les jours habituels de ce type de lieu (collège du lundi au vendredi, bibliothèque du mardi au samedi…), que l'équipe pourra corriger.",
            "en": "Empty: the usual days of this type of venue (school Monday to Friday, library Tuesday to Saturday…), which the team can correct.",
        },
        "form.locate": {"fr": "Localiser le lieu", "en": "Locate the venue"},
        "form.located": {
            "fr": "Point trouvé : {label} ({source}).",
            "en": "Point found: {label} ({source}).",
        },
        "form.source.ban": {"fr": "Base Adresse Nationale", "en": "national address base"},
        "form.source.gazetteer": {
            "fr": "mairie de la commune, approximatif",
            "en": "town hall, approximate",
        },
        "form.source.manual": {"fr": "corrigé à la main", "en": "corrected by hand"},
        "form.correct": {"fr": "Corriger le point", "en": "Correct the point"},
        "form.correct_help": {
            "fr": "Si le point n'est pas au bon endroit, indiquez les coordonnées (lisibles dans la plupart des applications de cartes) ou choisissez la commune.",
            "en": "If the point is wrong, give the coordinates (most map apps show them) or choose the town.",
        },
        "form.lat": {"fr": "Latitude", "en": "Latitude"},
        "form.lon": {"fr": "Longitude", "en": "Longitude"},
        "form.use_commune": {"fr": "Ou la commune", "en": "Or the town"},
        "form.apply_point": {"fr": "Utiliser ce point", "en": "Use this point"},
        "form.locate_first": {
            "fr": "Localisez d'abord le lieu (section 1).",
            "en": "Locate the venue first (section 1).",
        },
        "form.choose_venue_first": {
            "fr": "Choisissez d'abord votre lieu (section 1).",
            "en": "Choose your venue first (section 1).",
        },
        "form.request_section": {"fr": "2. Votre demande", "en": "2. Your request"},
        "form.privacy": {
            "fr": "Données personnelles : nous ne demandons que le nom, la fonction, l'e-mail et le téléphone d'une personne, pour organiser l'étape (réponse, transport, installation). Ils sont conservés jusqu'à 36 mois après l'étape, puis effacés. Vous pouvez demander leur effacement à tout moment à l'équipe de la Métropole. Aucun traceur, aucun service tiers.",
            "en": "Personal data: we only ask for one person's name, role, email and phone, to organise the stop (answer, transport, installation). They are kept until 36 months after the stop, then erased. You may ask the Métropole team to erase them at any time. No trackers, no third-party service.",
        },
        "form.dates": {"fr": "Dates", "en": "Dates"},
        "form.dates_help": {
            "fr": "Au plus tôt le {earliest} ({notice} jours de préavis), au plus tard le {last}.",
            "en": "At the earliest {earliest} ({notice} days' notice), at the latest {last}.",
        },
        "form.preferred": {"fr": "Début souhaité (facultatif)", "en": "Preferred start (optional)"},
        "form.space": {"fr": "Espace et accès", "en": "Space and access"},
        "form.indoor": {"fr": "Où ?", "en": "Where?"},
        "form.indoor.yes": {"fr": "En intérieur ou à l'abri", "en": "Indoors or sheltered"},
        "form.indoor.no": {"fr": "En extérieur", "en": "Outdoors"},
        "form.hanging_length": {"fr": "Longueur disponible (m)", "en": "Available length (m)"},
        "form.floor": {"fr": "Étage", "en": "Floor"},
        "form.lift": {"fr": "Ascenseur", "en": "Lift"},
        "form.lift.yes": {"fr": "Oui", "en": "Yes"},
        "form.lift.no": {"fr": "Non", "en": "No"},
        "form.lift.unknown": {"fr": "Sans objet / ne sait pas", "en": "Not applicable / unsure"},
        "form.van_parking": {"fr": "Stationnement du camion", "en": "Van parking"},
        "form.project": {"fr": "Votre projet", "en": "Your project"},
        "form.submit": {"fr": "Envoyer la demande", "en": "Send the request"},
        "form.sent_title": {"fr": "Demande envoyée", "en": "Request sent"},
        "form.sent": {
            "fr": "Merci ! Votre demande n° {id} est enregistrée. Voici votre lien privé, envoyé aussi par e-mail : gardez-le, il ne sera plus affiché.",
            "en": "Thank you! Your request no. {id} is recorded. Here is your private link, also sent by email: keep it, it will not be shown again.",
        },
        "form.open_link": {"fr": "Ouvrir ma demande", "en": "Open my request"},
        "form.warnings": {"fr": "L'équipe vérifiera aussi :", "en": "The team will also check:"},
        "form.another": {"fr": "Faire une autre demande", "en": "Make another request"},
    }
)

K = "request_form"  # prefix of this page's session-state keys


def _state(name: str, default: object = None) -> object:
    return st.session_state.get(f"{K}.{name}", default)


def _set(name: str, value: object) -> None:
    st.session_state[f"{K}.{name}"] = value


def _reset() -> None:
    for key in [k for k in st.session_state if str(k).startswith(f"{K}.")]:
        del st.session_state[key]


st.title(tr("form.title"))

done = _state("done")
if done is not None:
    st.success(tr("form.sent_title"), icon=":material/check_circle:")
    st.write(tr("form.sent", id=done["id"]))
    st.code(done["link"], language=None)
    st.page_link(
        "booking/ui/pages/my_request.py",
        label=tr("form.open_link"),
        icon=":material/open_in_new:",
        query_params={"token": done["token"]},
    )
    if done["warnings"]:
        st.write(tr("form.warnings"))
        for text in done["warnings"]:
            st.write(f"- {text}")
    st.button(tr("form.another"), on_click=_reset)
    st.stop()

st.write(tr("form.intro"))
exhibitions = public_exhibitions()
if not exhibitions:
    st.info(tr("form.none"))
    st.stop()
exhibition = st.selectbox(tr("form.exhibition"), exhibitions, format_func=lambda e: e.title)
today = paris_today()
settings = get_settings()

# ---------------------------------------------------------------- 1. the venue
st.subheader(tr("form.venue_section"))
mode = st.radio(
    tr("form.venue_mode"),
    ["existing", "new"],
    format_func=lambda m: tr(f"form.venue_mode.{m}"),
    horizontal=True,
    key=f"{K}.mode",
)
venue: VenueInput | None = None
if mode == "existing":
    choice = st.selectbox(
        tr("form.venue"),
        venue_choices(),
        index=None,
        placeholder=tr("form.venue_placeholder"),
        format_func=lambda v: f"{v.name} — {v.commune}",
        key=f"{K}.venue",
    )
    if choice is not None:
        venue = VenueInput(id=choice.id)
else:
    day_names = get_day_names("wide", locale="fr_FR" if lang() == "fr" else "en_GB")
    with st.form(f"{K}.locate"):
        name = st.text_input(tr("form.venue_name"), max_chars=200)
        kind = st.selectbox(
            tr("form.venue_type"),
            [t.value for t in VenueType],
            format_func=lambda v: tr(f"requests.venue_type.{v}"),
        )
        address = st.text_input(tr("form.address"), max_chars=300)
        cols = st.columns([1, 2])
        postcode = cols[0].text_input(tr("form.postcode"), max_chars=5)
        commune = cols[1].text_input(tr("form.commune"), max_chars=120)
        weekdays = st.multiselect(
            tr("form.open_days"),
            list(range(7)),
            default=[],
            format_func=lambda d: day_names[d],
            help=tr("form.open_days_help"),
        )
        located = st.form_submit_button(tr("form.locate"), icon=":material/location_on:")
    if located:
        try:
            point = locate_venue(address, postcode, commune)
        except DomainError as exc:
            show_error(exc)
            _set("point", None)
        else:
            _set("point", point)
            _set(
                "new_venue",
                VenueInput(
                    name=name,
                    type=kind,
                    address=address,
                    postcode=postcode,
                    commune=commune,
                    open_weekdays=list(weekdays) or None,
                ),
            )
    point = _state("point")
    new_venue = _state("new_venue")
    if point is not None and new_venue is not None:
        st.write(
            plain(
                tr(
                    "form.located",
                    label=point.label or point.commune,
                    source=tr(f"form.source.{point.source}"),
                )
            )
        )
        if not point.inside:
            st.warning(tr("geocoding.outside"), icon=":material/warning:")
        elif point.approximate:
            st.info(tr("geocoding.approximate"), icon=":material/info:")
        show_point(point.lat, point.lon, new_venue.name or tr("form.venue"))
        with st.expander(tr("form.correct")), st.form(f"{K}.correct"):
            st.caption(tr("form.correct_help"))
            cols = st.columns(2)
            lat = cols[0].number_input(tr("form.lat"), -90.0, 90.0, float(point.lat), format="%.5f")
            lon = cols[1].number_input(
                tr("form.lon"), -180.0, 180.0, float(point.lon), format="%.5f"
            )
            communes = commune_choices()
            picked = st.selectbox(
                tr("form.use_commune"), communes, index=None, format_func=lambda c: c.name
            )
            if st.form_submit_button(tr("form.apply_point")):
                try:
                    if picked is not None:
                        corrected = manual_point(picked.lat, picked.lon, picked.town_hall)
                    else:
                        corrected = manual_point(lat, lon, point.label)
                except DomainError as exc:
                    show_error(exc)
                else:
                    _set("point", corrected)
                    st.rerun()
        venue = VenueInput(
            name=new_venue.name,
            type=new_venue.type,
            address=new_venue.address,
            postcode=new_venue.postcode,
            commune=new_venue.commune,
            open_weekdays=new_venue.open_weekdays,
            lat=point.lat if point.source == "manual" else None,
            lon=point.lon if point.source == "manual" else None,
        )

# ---------------------------------------------------------------- 2. the request
st.subheader(tr("form.request_section"))
token = _state("token")
if token is None:
    token = new_token()
    _set("token", token)
earliest, last = earliest_start(today), season_end(today)
with st.form(f"{K}.request"):
    st.markdown(f"**{tr('fields.contact')}**")
    contact = contact_inputs()
    st.info(tr("form.privacy"), icon=":material/shield_person:")

    st.markdown(f"**{tr('form.dates')}**")
    st.caption(
        tr(
            "form.dates_help",
            earliest=format_date(earliest, lang()),
            notice=settings.min_notice_days,
            last=format_date(last, lang()),
        )
    )
    windows = window_inputs(K, min_value=earliest, max_value=last)
    stay_min, stay_max = stay_inputs(
        exhibition.min_stay_days + 7, min(exhibition.max_stay_days, 28)
    )
    preferred = st.date_input(tr("form.preferred"), value=None, format="DD/MM/YYYY")

    st.markdown(f"**{tr('form.space')}**")
    indoor = st.radio(
        tr("form.indoor"),
        [True, False],
        format_func=lambda v: tr("form.indoor.yes" if v else "form.indoor.no"),
        horizontal=True,
    )
    hanging_length = st.number_input(
        tr("form.hanging_length"), min_value=0.0, max_value=500.0, value=None, step=0.5
    )
    cols = st.columns(3)
    floor = cols[0].text_input(tr("form.floor"), max_chars=60)
    lift = cols[1].radio(
        tr("form.lift"),
        ["unknown", "yes", "no"],
        format_func=lambda v: tr(f"form.lift.{v}"),
    )
    van_parking = cols[2].text_input(tr("form.van_parking"), max_chars=300)
    st.markdown(f"**{tr('form.project')}**")
    texts = project_inputs()
    submitted = st.form_submit_button(tr("form.submit"), type="primary", icon=":material/send:")

if submitted:
    if venue is None:
        st.error(
            tr("form.choose_venue_first" if mode == "existing" else "form.locate_first"),
            icon=":material/error:",
        )
        st.stop()
    data = RequestInput(
        exhibition_id=exhibition.id,
        venue=venue,
        details=RequestDetails(
            contact=contact,
            windows=windows,
            stay_min_days=stay_min,
            stay_max_days=stay_max,
            preferred_start=preferred,
            indoor=bool(indoor),
            hanging_length_m=float(hanging_length) if hanging_length else None,
            **texts,
        ),
        floor=floor,
        has_lift={"yes": True, "no": False}.get(lift),
        van_parking=van_parking,
        language=lang(),
    )
    try:
        sent = submit_request(data, token=str(token))
    except DomainError as exc:
        show_error(exc)
    else:
        _set(
            "done",
            {
                "id": sent.request_id,
                "link": sent.link,
                "token": sent.token,
                "warnings": [
                    warning_text(
                        w,
                        lang(),
                        length=data.details.hanging_length_m,
                        needed=exhibition.length_m,
                    )
                    for w in sent.warnings
                ],
            },
        )
        st.rerun()
