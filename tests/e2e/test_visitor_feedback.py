"""Journey 4: a visitor scans the QR code of a stop on a phone and sends feedback, with
JavaScript disabled and the keyboard alone; the response is stored, anonymously."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from booking.db import read_session
from booking.feedback.posters import form_url
from booking.feedback.submit import local_today
from booking.models import FeedbackIdea, FeedbackResponse, Stop, StopStatus
from tests.e2e.conftest import App, Shots
from tests.e2e.streamlit_page import Accessibility

pytestmark = pytest.mark.browser


def open_stop() -> Stop:
    """A stop on show today: its QR code leads to an open questionnaire."""
    today = local_today()
    with read_session() as session:
        stop = session.exec(
            select(Stop)
            .where(
                Stop.status == StopStatus.confirmed,
                col(Stop.install_date) <= today,
                col(Stop.last_open_date) >= today,
            )
            .order_by(col(Stop.id))
        ).first()
    assert stop is not None, "the demo season has a stop on show today"
    return stop


def responses(stop_id: int) -> int:
    with read_session() as session:
        return int(
            session.exec(select(func.count()).where(FeedbackResponse.stop_id == stop_id)).one()
        )


def press_until_checked(page: Any, key: str, selector: str) -> None:
    """Tick the focused radio button with Space, then move within its group with an arrow
    key (which ticks as it moves) until `selector` is ticked."""
    page.keyboard.press("Space")
    for _ in range(8):
        if page.locator(selector).is_checked():
            return
        page.keyboard.press(key)
    raise AssertionError(f"{selector} cannot be reached with {key}")


def tab_to_field(page: Any, name: str, *, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == name:
            return
    raise AssertionError(f"the field {name!r} cannot be reached with the Tab key")


def test_a_visitor_answers_on_a_phone_without_javascript(
    new_page: Any, app: App, shots: Shots, a11y: Accessibility
) -> None:
    stop = open_stop()
    assert stop.id is not None
    url = form_url(stop.feedback_token)
    assert url == f"{app.base_url}/f/{stop.feedback_token}"  # what the poster's QR code holds
    before = responses(stop.id)

    page = new_page(phone=True, javascript=False)
    response = page.goto(url)
    assert response is not None and response.status == 200
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("script").count() == 0
    page.get_by_role("heading", name="Votre avis sur l'exposition").wait_for()
    width = page.locator("body").bounding_box()
    assert width is not None and width["width"] <= 390  # no sideways scrolling on a phone
    shots(page, "form on a phone")

    # The keyboard alone: Tab between groups, arrows within a radio group, Space to tick.
    tab_to_field(page, "rating")
    press_until_checked(page, "ArrowDown", "#rating-5")  # the best answer comes first
    tab_to_field(page, "idea.nothing_to_hide.before")
    press_until_checked(page, "ArrowRight", "#nothing_to_hide-before-1")
    tab_to_field(page, "idea.nothing_to_hide.after")
    press_until_checked(page, "ArrowRight", "#nothing_to_hide-after-4")
    tab_to_field(page, "will_do")
    page.keyboard.press("Space")
    assert page.locator("#will_do-check_settings").is_checked()
    tab_to_field(page, "came_with")
    press_until_checked(page, "ArrowRight", "#came_with-family")
    tab_to_field(page, "comment")
    page.keyboard.type("Très clair, merci !")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    shots(page, "answered")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("heading", name="Merci !").wait_for()
    shots(page, "thanks")

    assert responses(stop.id) == before + 1
    with read_session() as session:
        stored = session.exec(
            select(FeedbackResponse)
            .where(FeedbackResponse.stop_id == stop.id)
            .order_by(col(FeedbackResponse.id).desc())
        ).first()
        assert stored is not None
        ideas = session.exec(
            select(FeedbackIdea).where(FeedbackIdea.response_id == stored.id)
        ).all()
    assert (stored.rating, stored.came_with, stored.will_do) == (5, "family", ["check_settings"])
    assert stored.comment == "Très clair, merci !"
    assert [(i.idea, i.before, i.after) for i in ideas] == [("nothing_to_hide", 1, 4)]
    # anonymous: the time is kept to the hour, nothing about the device
    assert stored.submitted_hour.minute == stored.submitted_hour.second == 0

    # axe needs scripts to run: the same page, read in a phone context where they do
    checked = new_page(phone=True)
    checked.goto(url)
    checked.get_by_role("heading", name="Votre avis sur l'exposition").wait_for()
    a11y.check(checked, "Formulaire visiteur (/f/…)", streamlit=False)
    a11y.assert_clean()
