"""Subscription feeds: the staff services (create, list, rename, revoke, one audit event each)
and the `/calendar/<token>.ics` route (token checks, ETag and 304, revocation, no gzip)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.testclient import TestClient

from booking.calendars import export_calendar
from booking.calendars.feeds import (
    create_feed,
    feed_calendar,
    list_feeds,
    rename_feed,
    revoke_feed,
)
from booking.db import read_session, transaction
from booking.errors import NotFound, ValidationError
from booking.models import AuditEvent, CalendarFeed, Stop
from booking.security import new_token
from tests.calendars.conftest import BASE_URL
from tests.calendars.factories_calendars import STAMP, Tour
from tests.calendars.parsing import read_events
from tests.conftest import BOTH

ACTOR = "user:staff@example.org"


@pytest.fixture
def client() -> TestClient:
    from booking.web.feeds import MIDDLEWARE, ROUTES

    # As in st.App: our middleware outside, a gzip middleware (Streamlit's) inside.
    app = Starlette(
        routes=ROUTES, middleware=[*MIDDLEWARE, Middleware(GZipMiddleware, minimum_size=10)]
    )
    return TestClient(app)


def _audit(action: str) -> list[AuditEvent]:
    with read_session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


# ---------------------------------------------------------------------------- services


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_create_list_rename_revoke_with_one_audit_event_each(world_tour: Tour) -> None:
    feed = create_feed(
        name="  Agenda du\nchauffeur ", view=f"van:{world_tour.van_march.id}", actor=ACTOR
    )
    assert feed.name == "Agenda du chauffeur"
    assert feed.view == f"van:{world_tour.van_march.id}"
    assert len(feed.token) >= 43  # 256 random bits, URL-safe
    assert feed.url == f"{BASE_URL}/calendar/{feed.token}.ics"
    assert feed.webcal_url == f"webcal://tournee.example.org/calendar/{feed.token}.ics"
    other = create_feed(name="Tout", view="all", actor=ACTOR)
    assert other.token != feed.token
    assert [f.id for f in list_feeds()] == [other.id, feed.id]  # newest first

    renamed = rename_feed(feed.id, "Camion 1 – chauffeur", actor=ACTOR)
    assert (renamed.name, renamed.token) == ("Camion 1 – chauffeur", feed.token)
    revoked = revoke_feed(feed.id, actor=ACTOR)
    assert revoked.revoked_at is not None and not revoked.active
    assert revoke_feed(feed.id, actor=ACTOR).revoked_at == revoked.revoked_at  # idempotent
    assert [f.id for f in list_feeds()] == [other.id, feed.id]  # revoked ones last
    assert [f.id for f in list_feeds(include_revoked=False)] == [other.id]

    created = _audit("calendar_feed.created")
    assert [(e.actor, e.entity_id) for e in created] == [(ACTOR, feed.id), (ACTOR, other.id)]
    assert len(_audit("calendar_feed.renamed")) == 1
    assert len(_audit("calendar_feed.revoked")) == 1
    for e in created + _audit("calendar_feed.revoked"):
        assert feed.token not in str(e.details) and other.token not in str(e.details)


@pytest.mark.parametrize(
    ("name", "view", "error"),
    [
        ("", "all", ValidationError),
        ("x" * 121, "all", ValidationError),
        ("Étape", "stop:1", ValidationError),  # a stop's calendar is sent by email, not fed
        ("Lieu", "venue:999", NotFound),
        ("Lieu", "lieu:1", ValidationError),
    ],
)
def test_bad_feed_is_refused_and_nothing_is_written(
    world_tour: Tour, name: str, view: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        create_feed(name=name, view=view, actor=ACTOR)
    assert list_feeds() == []
    assert _audit("calendar_feed.created") == []


def test_revoked_feed_cannot_be_renamed_and_unknown_feed_is_not_found(world_tour: Tour) -> None:
    feed = create_feed(name="Tuba", view="tuba", actor=ACTOR)
    revoke_feed(feed.id, actor=ACTOR)
    with pytest.raises(ValidationError):
        rename_feed(feed.id, "Autre", actor=ACTOR)
    with pytest.raises(NotFound):
        revoke_feed(9999, actor=ACTOR)


def test_feed_of_a_deleted_venue_answers_nothing(world_tour: Tour) -> None:
    feed = create_feed(name="Lieu", view=f"venue:{world_tour.library.id}", actor=ACTOR)
    with transaction() as session:  # as if the venue had gone: the view finds no venue
        row = session.get(CalendarFeed, feed.id)
        assert row is not None
        row.scope_id = 424242
    assert feed_calendar(feed.token) is None


# ---------------------------------------------------------------------------- route


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_feed_route_serves_the_view_as_text_calendar(world_tour: Tour, client: TestClient) -> None:
    feed = create_feed(name="Collège", view=f"venue:{world_tour.college.id}", actor=ACTOR)
    response = client.get(f"/calendar/{feed.token}.ics", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "content-encoding" not in response.headers  # never gzip, even when asked
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.content == export_calendar(f"venue:{world_tour.college.id}")
    assert int(response.headers["content-length"]) == len(response.content)
    read_events(response.content)
    with read_session() as session:
        row = session.get(CalendarFeed, feed.id)
        assert row is not None and row.last_fetched_at is not None


def test_unchanged_feed_answers_304_and_a_change_gives_a_new_etag(
    world_tour: Tour, client: TestClient
) -> None:
    feed = create_feed(name="Tout", view="all", actor=ACTOR)
    url = f"/calendar/{feed.token}.ics"
    first = client.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200

    with transaction() as session:  # the stop is moved a day later
        stop = session.get(Stop, world_tour.stops["one_day"].id)
        assert stop is not None
        stop.install_date = stop.last_open_date = stop.dismantle_date = dt.date(2027, 6, 16)
        stop.sequence += 1
        stop.updated_at = STAMP + dt.timedelta(days=5)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    assert read_events(changed.content)["stop-one-day@tournee.test"].start == dt.date(2027, 6, 16)


def test_head_gives_the_headers_without_the_body(world_tour: Tour, client: TestClient) -> None:
    feed = create_feed(name="Tuba", view="tuba", actor=ACTOR)
    get = client.get(f"/calendar/{feed.token}.ics")
    head = client.head(f"/calendar/{feed.token}.ics")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == str(len(get.content))


def test_unknown_malformed_and_revoked_tokens_get_the_same_bare_404(
    world_tour: Tour, client: TestClient
) -> None:
    feed = create_feed(name="Tout", view="all", actor=ACTOR)
    assert client.get(f"/calendar/{feed.token}.ics").status_code == 200
    revoke_feed(feed.id, actor=ACTOR)
    answers = [
        client.get(f"/calendar/{token}.ics")
        for token in (feed.token, new_token(), "short", "x" * 80, "' OR 1=1 --", feed.token.upper())
    ]
    assert {r.status_code for r in answers} == {404}
    assert {r.content for r in answers} == {b"Not Found"}
    assert {r.headers["cache-control"] for r in answers} == {"no-store"}
    assert client.get(f"/calendar/{feed.token}.ics?lang=en").status_code == 404


def test_feed_in_english_on_request(world_tour: Tour, client: TestClient) -> None:
    feed = create_feed(name="Tout", view="all", actor=ACTOR)
    english = client.get(f"/calendar/{feed.token}.ics?lang=en").content.decode()
    assert "Installation “Légende urbaine" in english
    french = client.get(f"/calendar/{feed.token}.ics?lang=xx").content.decode()
    assert "Installation « Légende urbaine" in french
