"""Journey 3: staff create a venue's calendar subscription in the browser; the feed is fetched
over HTTP like a calendar app does and parsed with `icalendar`; after the stop's dates change,
the same event (same UID) shows the new dates with a higher SEQUENCE."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import icalendar
import pytest
from sqlmodel import select

from booking.db import transaction
from booking.models import KitOccupancy, Stop
from booking.types import utcnow
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


def move_stop(stop_id: int, days: int) -> None:
    """Move a confirmed stop by `days`, as a change of dates does to the calendar's data: the
    dates, the kit's occupancy, SEQUENCE and the last change. (Tournée has no page to move a
    confirmed stop yet; a stop is cancelled and the request placed again. See the report.)"""
    shift = dt.timedelta(days=days)
    with transaction() as session:
        stop = session.get(Stop, stop_id)
        assert stop is not None
        row = session.exec(
            select(KitOccupancy).where(KitOccupancy.request_id == stop.request_id)
        ).one()
        row.start, row.end = row.start + shift, row.end + shift
        stop.install_date += shift
        stop.last_open_date += shift
        stop.dismantle_date += shift
        stop.sequence += 1
        stop.updated_at = utcnow()


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

        move_stop(stop.id, 7)

        second = http.get(url, headers={"If-None-Match": etag})
        assert second.status_code == 200 and second.headers["etag"] != etag
        after = events(second.content)[stop.uid]
        assert after["DTSTART"].dt == stop.install_date + dt.timedelta(days=7)
        assert after["DTEND"].dt == stop.last_open_date + dt.timedelta(days=8)
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
