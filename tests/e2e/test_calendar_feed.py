"""Journey 3: staff create a venue's calendar subscription in the browser; the feed is fetched
over HTTP like a calendar app does and parsed with `icalendar`; after the stop's dates change,
the same event (same UID) shows the new dates with a higher SEQUENCE."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import icalendar
import pytest

from booking.db import read_session
from booking.errors import ValidationError
from booking.models import Stop
from booking.services.bookings import Placement
from booking.services.bookings import move_stop as booking_move_stop
from tests.e2e.conftest import App, Shots
from tests.e2e.factories_e2e import approved_stop, demo_venue
from tests.e2e.streamlit_page import (
    STAFF,
    Accessibility,
    main,
    open_menu,
    rerun,
    sign_in,
)

pytestmark = pytest.mark.browser


def events(body: bytes) -> dict[str, Any]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def move_stop(stop_id: int) -> dt.timedelta:
    """Move a confirmed stop by whole weeks as staff do (the stop, its request and the kit's
    days, SEQUENCE and the last change), through the booking service the staff page calls.
    The first week whose install and dismantle days the van may handle (not a public
    holiday, the venue open) is taken; returns the shift."""
    with read_session() as session:
        stop = session.get(Stop, stop_id)
        assert stop is not None
    for weeks in range(1, 6):
        shift = dt.timedelta(weeks=weeks)
        try:
            booking_move_stop(
                stop.request_id,
                Placement(
                    stop.kit_id,
                    stop.install_date + shift,
                    stop.last_open_date + shift,
                    stop.dismantle_date + shift,
                ),
                actor="user:staff@tournee.example",
                reason="Test de bout en bout : l'étape change de semaine",
            )
        except ValidationError:
            continue  # a holiday or a closure on one of the days: the next week
        return shift
    raise AssertionError("no week in the next five to move the stop to")


def test_a_subscribed_calendar_follows_a_change_of_dates(
    new_page: Any, app: App, shots: Shots, a11y: Accessibility
) -> None:
    stop = approved_stop("bm-lyon-6", "calendrier.e2e@example.org", offset_days=300)
    venue = demo_venue("bm-lyon-6")
    assert stop.id is not None
    page = new_page()
    sign_in(page, app, STAFF)
    content = main(page)
    open_menu(page, "Calendriers")
    content.get_by_role("heading", name="Calendriers").wait_for()
    page.get_by_role("tab", name="Abonnements").click()
    page.get_by_role("textbox", name="Nom (pour s'y retrouver)").fill(
        "Agenda de la bibliothèque du 6e"
    )
    view = content.get_by_role("combobox", name="Calendrier").filter(visible=True)
    view.click()
    view.fill(venue.name)
    page.get_by_role("option", name=f"Lieu – {venue.name}").first.click()
    rerun(page, lambda: content.get_by_role("button", name="Créer l'abonnement").click())
    page.get_by_role("tab", name="Abonnements").click()
    # the innermost block holding the feed's name and its address
    feed = (
        content.get_by_test_id("stVerticalBlock")
        .filter(has=page.get_by_text("Agenda de la bibliothèque du 6e", exact=True))
        .filter(has=page.get_by_test_id("stCode"))
        .last
    )
    url = feed.get_by_test_id("stCode").inner_text().strip()
    assert url.startswith(f"{app.base_url}/calendar/") and url.endswith(".ics")
    assert feed.get_by_text("dernière lecture : jamais").is_visible()
    shots(page, "subscription created")
    a11y.check(page, "Calendriers (abonnements)")

    # A calendar app subscribes: plain HTTP, gzip offered, the answer kept with its ETag.
    with httpx.Client(timeout=20) as http:
        first = http.get(url, headers={"Accept-Encoding": "gzip"})
        assert first.status_code == 200
        assert first.headers["content-type"] == "text/calendar; charset=utf-8"
        assert "content-encoding" not in first.headers
        before = events(first.content)[stop.uid]
        assert before["DTSTART"].dt == stop.install_date
        assert before["DTEND"].dt == stop.last_open_date + dt.timedelta(days=1)
        assert int(before.get("SEQUENCE", 0)) == 0
        etag = first.headers["etag"]
        unchanged = http.get(url, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304

        shift = move_stop(stop.id)

        second = http.get(url, headers={"If-None-Match": etag})
        assert second.status_code == 200 and second.headers["etag"] != etag
        after = events(second.content)[stop.uid]
        assert after["DTSTART"].dt == stop.install_date + shift
        assert after["DTEND"].dt == stop.last_open_date + shift + dt.timedelta(days=1)
        assert int(after["SEQUENCE"]) > int(before.get("SEQUENCE", 0))
        assert after["DTSTAMP"].dt > before["DTSTAMP"].dt
        assert http.get(url.replace("/calendar/", "/calendar/x")).status_code == 404

    # Staff see the subscription is in use.
    open_menu(page, "Journal")
    open_menu(page, "Calendriers")
    page.get_by_role("tab", name="Abonnements").click()
    assert not feed.get_by_text("dernière lecture : jamais").is_visible()
    shots(page, "subscription fetched")
    a11y.assert_clean()
