"""The inputs a venue fills in on the request form and again when it edits its request
(contact, date windows, stay, space, project), with their labels."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from booking.i18n import add_messages
from booking.services.requests import ContactInput, RequestDetails
from booking.ui.common import tr

WINDOW_SLOTS = 3

add_messages(
    {
        "fields.contact": {"fr": "Personne à contacter", "en": "Contact person"},
        "fields.contact_name": {"fr": "Nom et prénom", "en": "Full name"},
        "fields.contact_role": {"fr": "Fonction", "en": "Role"},
        "fields.contact_email": {"fr": "Adresse e-mail", "en": "Email address"},
        "fields.contact_phone": {"fr": "Téléphone (facultatif)", "en": "Phone (optional)"},
        "fields.window": {"fr": "Période possible {n}", "en": "Possible period {n}"},
        "fields.window_help": {
            "fr": "Du premier au dernier jour où l'exposition peut être chez vous.",
            "en": "From the first to the last day the exhibition may be with you.",
        },
        "fields.stay_min": {"fr": "Durée minimale (jours)", "en": "Shortest stay (days)"},
        "fields.stay_max": {"fr": "Durée maximale (jours)", "en": "Longest stay (days)"},
        "fields.hanging_surface": {
            "fr": "Surface d'accrochage (mur, clôture, grilles…)",
            "en": "Hanging surface (wall, fence, grids…)",
        },
        "fields.access_notes": {"fr": "Indications d'accès", "en": "Access notes"},
        "fields.expected_audience": {"fr": "Public attendu", "en": "Expected audience"},
        "fields.mediation": {"fr": "Médiation prévue", "en": "Planned mediation"},
        "fields.message": {
            "fr": "Message à l'équipe (facultatif)",
            "en": "Message to the team (optional)",
        },
    }
)

PROJECT_FIELDS = (
    ("hanging_surface", 300),
    ("access_notes", 2000),
    ("expected_audience", 1000),
    ("mediation", 2000),
    ("message", 4000),
)


def contact_inputs(contact: ContactInput | None = None) -> ContactInput:
    contact = contact or ContactInput()
    cols = st.columns(2)
    return ContactInput(
        name=cols[0].text_input(tr("fields.contact_name"), contact.name, max_chars=120),
        role=cols[1].text_input(tr("fields.contact_role"), contact.role, max_chars=120),
        email=cols[0].text_input(tr("fields.contact_email"), contact.email, max_chars=254),
        phone=cols[1].text_input(tr("fields.contact_phone"), contact.phone, max_chars=30),
    )


def window_inputs(
    key: str,
    windows: list[tuple[dt.date, dt.date]] = (),  # type: ignore[assignment]
    *,
    min_value: dt.date | None = None,
    max_value: dt.date | None = None,
) -> list[tuple[dt.date, dt.date]]:
    """Date-range inputs (at least `WINDOW_SLOTS`); the ranges filled in, a single day as a
    one-day range."""
    slots: list[tuple[dt.date, ...]] = [*windows]
    slots += [()] * max(0, WINDOW_SLOTS - len(slots))
    values = [
        st.date_input(
            tr("fields.window", n=n),
            value=slot,
            min_value=min_value,
            max_value=max_value,
            format="DD/MM/YYYY",
            help=tr("fields.window_help"),
            key=f"{key}.window{n}",
        )
        for n, slot in enumerate(slots, start=1)
    ]
    return [
        (value[0], value[-1])
        for value in values
        if isinstance(value, tuple) and len(value) in (1, 2)
    ]


def stay_inputs(stay_min: int, stay_max: int) -> tuple[int, int]:
    cols = st.columns(2)
    low = cols[0].number_input(tr("fields.stay_min"), min_value=1, max_value=365, value=stay_min)
    high = cols[1].number_input(tr("fields.stay_max"), min_value=1, max_value=365, value=stay_max)
    return int(low), int(high)


def project_inputs(details: RequestDetails | None = None) -> dict[str, str]:
    """The free texts of a request; the surface on one line, the others as areas."""
    values = {}
    for name, limit in PROJECT_FIELDS:
        current = getattr(details, name) if details else ""
        widget = st.text_input if name == "hanging_surface" else st.text_area
        values[name] = widget(tr(f"fields.{name}"), current, max_chars=limit)
    return values
