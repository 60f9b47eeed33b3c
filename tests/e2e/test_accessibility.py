"""Accessibility beyond axe: the request form filled and sent with the keyboard alone, and the
page declaring the language it shows (RGAA 8.3 and 8.7).

axe-core itself runs on every page the journeys visit (`assert_accessible`); its findings are
also written to test-artifacts/e2e/axe.jsonl."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlmodel import select

from booking.db import read_session
from booking.models import BookingRequest, Contact, RequestWindow
from booking.services.requests import earliest_start, paris_today
from tests.e2e.conftest import App, Shots
from tests.e2e.factories_e2e import demo_venue
from tests.e2e.streamlit_page import main, open_path, wait_idle

pytestmark = pytest.mark.browser

# The accessible name of the focused element: what a screen reader announces.
FOCUSED_NAME = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return '';
  const named = e.getAttribute('aria-label') || (e.labels && e.labels[0] && e.labels[0].innerText);
  if (named) return named;
  return ['A', 'BUTTON'].includes(e.tagName) || e.getAttribute('role') === 'button'
      ? e.innerText : '';
}"""


def tab_to(page: Any, name: str, *, limit: int = 120) -> None:
    """Press Tab until the element named `name` has the focus (as a keyboard user does)."""
    for _ in range(limit):
        # a button's text starts with its icon's ligature (":material/send:" is "send")
        if name in [line.strip() for line in page.evaluate(FOCUSED_NAME).splitlines()]:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{name!r} cannot be reached with the Tab key")


def keyboard_rerun(page: Any, key: str) -> None:
    before = page.evaluate("window.__stRuns")
    page.keyboard.press(key)
    page.wait_for_function("n => window.__stRuns > n", arg=before)
    wait_idle(page)


def test_the_request_form_with_the_keyboard_alone(new_page: Any, app: App, shots: Shots) -> None:
    venue = demo_venue("mairie-lyon-4")
    email = "clavier.seul@example.org"
    first = earliest_start(paris_today()) + dt.timedelta(days=40)
    last = first + dt.timedelta(days=60)
    page = new_page()
    open_path(page, app, "/demande")

    tab_to(page, "Lieu")
    page.keyboard.type(venue.name)
    # the list shows the one matching venue, highlighted: Enter picks it
    page.get_by_role("option", name=venue.name).wait_for()
    keyboard_rerun(page, "Enter")
    for name, text in [
        ("Nom et prénom", "Alex Clavier"),
        ("Fonction", "Chargé de mission"),
        ("Adresse e-mail", email),
    ]:
        tab_to(page, name)
        page.keyboard.type(text)
    tab_to(page, "day, Période possible 1 start date")
    page.keyboard.type(first.strftime("%d%m%Y"))
    tab_to(page, "day, Période possible 1 end date")
    page.keyboard.type(last.strftime("%d%m%Y"))
    tab_to(page, "Message à l'équipe (facultatif)")
    page.keyboard.type("Envoyé sans souris.")
    tab_to(page, "Envoyer la demande")
    shots(page, "filled with the keyboard")
    keyboard_rerun(page, "Enter")
    main(page).get_by_text("Demande envoyée").wait_for()
    shots(page, "sent with the keyboard")

    with read_session() as session:
        request = session.exec(
            select(BookingRequest)
            .join(Contact, Contact.id == BookingRequest.contact_id)  # type: ignore[arg-type]
            .where(Contact.email == email)
        ).one()
        windows = session.exec(
            select(RequestWindow).where(RequestWindow.request_id == request.id)
        ).all()
        assert request.venue_id == venue.id
        assert request.message == "Envoyé sans souris."
        assert [(w.start, w.end) for w in windows] == [(first, last)]


def test_pages_declare_the_language_they_show(new_page: Any, app: App) -> None:
    page = new_page()
    open_path(page, app, "/")
    assert page.evaluate("document.documentElement.lang") == "fr"
    english = page.get_by_role("radio", name="English")  # the sidebar's language switch
    before = page.evaluate("window.__stRuns")
    english.click()
    page.wait_for_function("n => window.__stRuns > n", arg=before)
    wait_idle(page)
    main(page).get_by_role("heading", name="Exhibitions").wait_for()
    assert page.evaluate("document.documentElement.lang") == "en"
