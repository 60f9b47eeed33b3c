"""A venue sends a request: what is kept, what it is told, and every bad input refused in
French with nothing written."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func
from sqlmodel import select

from booking import db
from booking.errors import NotFound, ValidationError
from booking.models import (
    AuditEvent,
    BookingRequest,
    Contact,
    OutboxMessage,
    RequestWindow,
    Venue,
)
from booking.security import new_token
from booking.services.requests import (
    ContactInput,
    VenueInput,
    edit_request,
    open_request,
    submit_request,
    withdraw_request,
)
from tests.conftest import BOTH
from tests.requests.conftest import TODAY, Ids, days, request_input

SCRIPT = "<script>alert(1)</script>"
MARKDOWN = "**gras** [x](javascript:alert(1))"


def _counts() -> dict[str, int]:
    with db.read_session() as session:
        return {
            model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (BookingRequest, Contact, Venue, RequestWindow, OutboxMessage, AuditEvent)
        }


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_a_request_is_kept_with_its_windows_and_the_venue_is_emailed_its_link(
    db_url: str, ids: Ids
) -> None:
    data = request_input(
        ids.exhibition,
        ids.venues[0],
        windows=[(days(60), days(120)), (days(200), days(240))],
        message=SCRIPT,
    )
    sent = submit_request(data, today=TODAY)
    assert sent.created and sent.link.endswith(f"/ma-demande?token={sent.token}")
    view = open_request(sent.token)
    assert view.status == "submitted"
    assert view.details.windows == [(days(60), days(120)), (days(200), days(240))]
    assert view.details.message == SCRIPT  # kept as typed; every page shows it inert
    with db.read_session() as session:
        request = session.get(BookingRequest, sent.request_id)
        assert request is not None and request.token_hash != sent.token  # only the hash
        (message,) = session.exec(select(OutboxMessage)).all()
        event = session.exec(select(AuditEvent)).one()
    assert message.kind == "received" and message.to_address == "camille.martin@example.org"
    assert sent.link in message.body_text and "19 janvier 2027" in message.body_text
    assert event.action == "request.submitted" and event.actor == f"venue:request-{sent.request_id}"
    assert "camille" not in str(event.details).lower()  # no personal data in the audit log


def test_a_new_venue_is_located_with_the_gazetteer_offline(db_url: str, ids: Ids) -> None:
    data = request_input(
        ids.exhibition,
        venue=VenueInput(
            name="Médiathèque du Bachut",
            type="library",
            address="2 place du 11 novembre 1918",
            postcode="69008",
            commune="Lyon",
        ),
        floor="rez-de-chaussée",
        has_lift=True,
        van_parking="Place de livraison devant l'entrée",
    )
    sent = submit_request(data, today=TODAY)
    assert "approximate" in sent.warnings and "outside" not in sent.warnings
    with db.read_session() as session:
        venue = session.exec(select(Venue).where(Venue.name == "Médiathèque du Bachut")).one()
    assert (venue.insee, venue.geocode_source) == ("69388", "gazetteer")  # Lyon 8e
    assert venue.lat == pytest.approx(45.73, abs=0.05) and venue.van_parking.startswith("Place")
    assert venue.open_weekdays == [1, 2, 3, 4, 5]  # a library's usual days until staff correct


def test_a_point_corrected_outside_the_metropole_is_a_warning_not_a_refusal(
    db_url: str, ids: Ids
) -> None:
    data = request_input(
        ids.exhibition,
        venue=VenueInput(
            name="Salle des fêtes",
            type="town_hall",
            address="Place de la Mairie",
            postcode="69003",
            commune="Lyon",
            lat=45.9896,  # Villefranche-sur-Saône, 30 km north
            lon=4.7186,
        ),
    )
    sent = submit_request(data, today=TODAY)
    assert sent.created and "outside" in sent.warnings


def test_the_same_form_sent_twice_makes_one_request(db_url: str, ids: Ids) -> None:
    token = new_token()
    first = submit_request(request_input(ids.exhibition, ids.venues[0]), token=token, today=TODAY)
    second = submit_request(request_input(ids.exhibition, ids.venues[0]), token=token, today=TODAY)
    assert first.created and not second.created
    assert second.request_id == first.request_id and second.token == token
    assert _counts()["BookingRequest"] == 1 and _counts()["OutboxMessage"] == 1


NEW_VENUE = VenueInput(
    name="Maison de quartier",
    type="other",
    address="1 rue Imaginaire",
    postcode="69003",
    commune="Lyon",
)

BAD_INPUTS = {
    "an address that cannot be located": (
        {"venue": replace(NEW_VENUE, postcode="75001", commune="Paris")},
        "Adresse introuvable",
    ),
    "a postcode that is not one": ({"venue": replace(NEW_VENUE, postcode="6900")}, "5 chiffres"),
    "a shared postcode without a town": (
        {"venue": replace(NEW_VENUE, postcode="69250", commune="-")},
        "Plusieurs communes ont le code postal 69250",
    ),
    "impossible coordinates": (
        {"venue": replace(NEW_VENUE, lat=123.0, lon=4.8)},
        "Coordonnées impossibles",
    ),
    "a venue name far over its limit": (
        {"venue": replace(NEW_VENUE, name="N" * 3000)},
        "« Nom du lieu » est trop long",
    ),
    "end before start": (
        {"windows": [(days(90), days(60))]},
        "finit avant de commencer",
    ),
    "window in the past": (
        {"windows": [(days(-10), days(40))]},
        "déjà passée",
    ),
    "window beyond the season": (
        {"windows": [(days(60), days(600))]},
        "dépasse la saison ouverte aux demandes (jusqu'au 20 mai 2028)",
    ),
    "notice shorter than the minimum": (
        {"windows": [(days(10), days(60))]},
        "au moins 15 jours de préavis : une période peut commencer le 5 décembre 2026",
    ),
    "stay shorter than allowed": ({"stay_min_days": 3, "stay_max_days": 10}, "entre 7 et 42 jours"),
    "stay longer than allowed": ({"stay_min_days": 14, "stay_max_days": 60}, "entre 7 et 42 jours"),
    "minimum above maximum": ({"stay_min_days": 21, "stay_max_days": 14}, "minimum ≤ maximum"),
    "window shorter than the stay": (
        {"windows": [(days(60), days(65))]},
        "plus courte que la durée minimale de 14 jours",
    ),
    "no window": ({"windows": []}, "entre 1 et 6 périodes"),
    "too many windows": (
        {"windows": [(days(30 + 20 * i), days(50 + 20 * i)) for i in range(7)]},
        "entre 1 et 6 périodes",
    ),
    "not an email": (
        {"contact": ContactInput(name="C", email="camille.example.org")},
        "n'est pas une adresse e-mail valide",
    ),
    "no contact name": (
        {"contact": ContactInput(name="  ", email="c@example.org")},
        "« Nom du contact » est obligatoire",
    ),
    "a phone that is not one": (
        {"contact": ContactInput(name="C", email="c@example.org", phone="call me <b>")},
        "numéro de téléphone",
    ),
    "a message far over its limit": (
        {"message": "x" * 40_000},
        "« Message » est trop long : 40000 caractères pour 4000 au plus",
    ),
    "a name far over its limit": (
        {"contact": ContactInput(name="n" * 5000, email="c@example.org")},
        "« Nom du contact » est trop long",
    ),
    "a negative hanging length": ({"hanging_length_m": -3.0}, "entre 0,5 et 500 m"),
    "a preferred start outside the windows": (
        {"preferred_start": days(300)},
        "doit tomber dans une des périodes",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_refused_in_french_and_nothing_is_written(
    db_url: str, ids: Ids, case: str
) -> None:
    changes, message = BAD_INPUTS[case]
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        submit_request(request_input(ids.exhibition, ids.venues[0], **changes), today=TODAY)
    assert message in caught.value.message("fr")
    assert _counts() == before


def test_control_characters_are_dropped_so_postgresql_can_store_the_text(
    db_url: str, ids: Ids
) -> None:
    sent = submit_request(
        request_input(ids.exhibition, ids.venues[0], message="ligne 1\x00\nligne 2\x07"),
        today=TODAY,
    )
    assert open_request(sent.token).details.message == "ligne 1\nligne 2"


@pytest.mark.parametrize(
    "token",
    [
        None,
        "",
        "short",
        "<script>alert(1)</script>" * 3,
        new_token(),  # well formed, unknown
    ],
)
def test_a_bad_link_gets_a_plain_not_valid(db_url: str, ids: Ids, token: str | None) -> None:
    submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    with pytest.raises(NotFound) as caught:
        open_request(token)
    assert caught.value.message("fr") == "Ce lien n'est pas valide."


def test_a_tampered_link_is_not_valid(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    tampered = sent.token[:-1] + ("A" if sent.token[-1] != "A" else "B")
    with pytest.raises(NotFound, match="Ce lien n'est pas valide."):
        open_request(tampered)


def test_the_venue_edits_its_windows_and_contact_while_not_approved(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    view = open_request(sent.token)
    details = replace(
        view.details,
        windows=[*view.details.windows, (days(150), days(190))],
        contact=replace(view.details.contact, phone="06 00 00 00 00"),
        mediation=MARKDOWN,
    )
    edited = edit_request(sent.token, details, expected_version=view.version, today=TODAY)
    assert edited.details.windows[-1] == (days(150), days(190))
    assert edited.details.mediation == MARKDOWN and edited.version == view.version + 1
    with db.read_session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "request.edited")).one()
    assert event.details["changed"] == ["mediation", "windows", "contact.phone"]


def test_an_old_window_inside_the_notice_period_may_stay_but_not_be_added(
    db_url: str, ids: Ids
) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    later = TODAY + dt.timedelta(days=50)  # the first window now starts in 10 days
    view = open_request(sent.token)
    edit_request(sent.token, replace(view.details, mediation="Atelier"), today=later)
    with pytest.raises(ValidationError, match="préavis"):
        edit_request(
            sent.token,
            replace(view.details, windows=[(later + dt.timedelta(days=3), days(120))]),
            today=later,
        )


def test_a_request_cannot_be_edited_or_withdrawn_after_approval(db_url: str, ids: Ids) -> None:
    from booking.services.bookings import Placement, approve_request

    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    approve_request(
        sent.request_id,
        Placement(ids.kits[0], dt.date(2027, 2, 2), dt.date(2027, 2, 19), dt.date(2027, 2, 19)),
        actor="user:staff@example.org",
    )
    view = open_request(sent.token)
    before = _counts()
    with pytest.raises(ValidationError, match="« confirmée » : elle ne peut plus être modifiée"):
        edit_request(sent.token, replace(view.details, message="changement"), today=TODAY)
    with pytest.raises(ValidationError, match="Impossible : la demande est « confirmée »"):
        withdraw_request(sent.token)
    assert _counts() == before


def test_withdrawing_frees_the_request_and_the_link_still_shows_it(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    view = withdraw_request(sent.token, reason="Travaux dans la salle")
    assert view.status == "withdrawn" and not view.can_edit
    assert open_request(sent.token).decision_reason == "Travaux dans la salle"


def test_english_is_kept_for_the_contact(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0], language="en"), today=TODAY)
    with db.read_session() as session:
        contact = session.exec(select(Contact)).one()
        message = session.exec(select(OutboxMessage)).one()
    assert contact.language == "en" and open_request(sent.token).language == "en"
    assert message.subject.startswith("Request received: Légende urbaine")
