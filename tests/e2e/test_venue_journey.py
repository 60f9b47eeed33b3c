"""Journey 1: a venue finds the exhibition, requests it, receives the email with its private
link (through the local SMTP server), opens the link and sees the status of its request."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlmodel import select

from booking.db import read_session
from booking.models import BookingRequest, Contact, RequestStatus, RequestWindow, Venue
from booking.security import hash_token
from booking.services.requests import earliest_start, paris_today
from tests.e2e.conftest import App, Mailbox, Shots
from tests.e2e.streamlit_page import (
    Accessibility,
    choose,
    main,
    open_path,
    rerun,
    wait_idle,
)

pytestmark = pytest.mark.browser

CONTACT = "claire.venue.e2e@example.org"


def type_date(page: Any, group: str, day: dt.date) -> None:
    """Type a date into a Streamlit date field, segment by segment, as a person does."""
    page.get_by_role("spinbutton", name=f"day, {group}").click()
    page.keyboard.type(day.strftime("%d%m%Y"))


def test_a_venue_requests_the_exhibition_and_follows_it(
    new_page: Any, app: App, shots: Shots, a11y: Accessibility
) -> None:
    page = new_page()
    open_path(page, app, "/")  # the catalogue is the default page
    content = main(page)
    content.get_by_role("heading", name="Légende urbaine – Self Data").wait_for()
    assert content.get_by_text("Disponibilités par semaine").is_visible()
    shots(page, "catalogue")
    a11y.check(page, "Expositions")

    rerun(page, lambda: content.get_by_role("link", name=re.compile("Demander")).click())
    content.get_by_role("heading", name="Demander une exposition").wait_for()
    a11y.check(page, "Demander une exposition")

    with read_session() as session:
        venue = session.exec(select(Venue).where(Venue.code == "bm-part-dieu")).first()
        assert venue is not None
        venue_name, venue_id = venue.name, venue.id
    choose(page, "Lieu", venue_name)
    page.get_by_label("Nom et prénom").fill("Claire Dupont")
    page.get_by_label("Fonction").fill("Responsable de la médiathèque")
    page.get_by_label("Adresse e-mail").fill(CONTACT)
    first = earliest_start(paris_today()) + dt.timedelta(days=21)
    last = first + dt.timedelta(days=70)
    type_date(page, "Période possible 1 start date", first)
    type_date(page, "Période possible 1 end date", last)
    page.get_by_label("Message à l'équipe (facultatif)").fill("Pour la fête de la science.")
    shots(page, "form filled")
    rerun(page, lambda: page.get_by_role("button", name="Envoyer la demande").click())

    content.get_by_text("Demande envoyée").wait_for()
    link = content.get_by_test_id("stCode").inner_text().strip()
    token = link.rsplit("token=", 1)[1]
    shots(page, "sent")
    a11y.check(page, "Demande envoyée")

    with read_session() as session:
        request = session.exec(
            select(BookingRequest).where(BookingRequest.token_hash == hash_token(token))
        ).one()
        contact = session.get(Contact, request.contact_id)
        windows = session.exec(
            select(RequestWindow).where(RequestWindow.request_id == request.id)
        ).all()
        assert request.status == RequestStatus.submitted
        assert request.venue_id == venue_id
        assert request.message == "Pour la fête de la science."
        assert contact is not None and contact.email == CONTACT
        assert [(w.start, w.end) for w in windows] == [(first, last)]
        request_id = request.id

    # The app's own background jobs send the email to the local SMTP server.
    (message,) = app.mail.wait_for(CONTACT)
    body = Mailbox.body(message)
    assert message["Subject"] == f"Demande reçue : Légende urbaine – Self Data à {venue_name}"
    emailed = re.search(r"https?://\S+/ma-demande\?token=\S+", body)
    assert emailed is not None and emailed.group(0) == link

    # A new person (no session) opens the link from the email.
    venue_page = new_page()
    venue_page.goto(emailed.group(0))
    wait_idle(venue_page)
    mine = main(venue_page)
    mine.get_by_role("heading", name="Ma demande").wait_for()
    assert mine.get_by_text(f"Demande n° {request_id}").is_visible()
    assert mine.get_by_text("État : envoyée").is_visible()
    assert mine.get_by_text(venue_name).first.is_visible()
    shots(venue_page, "private link")
    a11y.check(venue_page, "Ma demande")
    a11y.assert_clean()
