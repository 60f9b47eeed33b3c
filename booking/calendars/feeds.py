"""Secret, revocable subscription feeds: `/calendar/<token>.ics`.

A feed's token is a capability (256 random bits from `booking.security.new_token`). It is
stored as it is, not hashed, so staff can copy a feed's address again at any time: whoever
reads the database already reads every calendar the feed would serve, so a hash would protect
nothing more, while revocation stays the answer to a leaked address. The token is never written
to the audit log.

Each change (create, rename, revoke) is one transaction with one audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from sqlmodel import Session, col, select

from booking import audit
from booking.calendars import export_calendar
from booking.calendars.ics import clean_text
from booking.calendars.views import View, check_view_exists, parse_view
from booking.config import get_settings
from booking.db import read_session, transaction
from booking.errors import NotFound, ValidationError
from booking.i18n import add_messages
from booking.models import CalendarFeed, FeedScope
from booking.security import looks_like_token, new_token
from booking.types import utcnow

add_messages(
    {
        "calendars.feed_not_found": {
            "fr": "Abonnement introuvable.",
            "en": "Subscription not found.",
        },
        "calendars.feed_bad_name": {
            "fr": "Le nom de l'abonnement doit comporter entre 1 et 120 caractères.",
            "en": "The subscription's name must be 1 to 120 characters long.",
        },
        "calendars.feed_bad_view": {
            "fr": "Un abonnement porte sur tout, l'équipe Tuba, un lieu, un kit ou un camion (pas sur « {view} »).",
            "en": 'A subscription covers everything, the Tuba team, a venue, a kit or a van (not "{view}").',
        },
        "calendars.feed_revoked": {
            "fr": "Cet abonnement est révoqué : il ne peut plus être modifié.",
            "en": "This subscription is revoked: it can no longer be changed.",
        },
    }
)

log = logging.getLogger(__name__)

# How often a feed's `last_fetched_at` is written: clients poll, the database need not log each.
FETCH_NOTE_EVERY = dt.timedelta(hours=1)


@dataclass(frozen=True)
class FeedInfo:
    """A feed as staff see it."""

    id: int
    name: str
    view: str
    token: str
    created_by: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    last_fetched_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def url(self) -> str:
        return feed_url(self.token)

    @property
    def webcal_url(self) -> str:
        return webcal_url(self.token)


@dataclass(frozen=True)
class FeedBody:
    """What the feed route sends: the calendar and its strong ETag (a hash of the bytes)."""

    body: bytes
    etag: str


def feed_url(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/calendar/{token}.ics"


def webcal_url(token: str) -> str:
    """The same address with the `webcal://` scheme, which calendar apps open as a
    subscription (they fetch it over https, or http for an http base address)."""
    parts = urlsplit(feed_url(token))
    return urlunsplit(("webcal", parts.netloc, parts.path, parts.query, ""))


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def _view_of(feed: CalendarFeed) -> str:
    return str(View(str(feed.scope), feed.scope_id))


def _info(feed: CalendarFeed) -> FeedInfo:
    assert feed.id is not None
    return FeedInfo(
        id=feed.id,
        name=feed.name,
        view=_view_of(feed),
        token=feed.token,
        created_by=feed.created_by,
        created_at=feed.created_at,
        revoked_at=feed.revoked_at,
        last_fetched_at=feed.last_fetched_at,
    )


def _clean_name(name: str) -> str:
    value = " ".join(clean_text(name or "").split())
    if not 1 <= len(value) <= 120:
        raise ValidationError("calendars.feed_bad_name", field="name")
    return value


def create_feed(*, name: str, view: str, actor: str) -> FeedInfo:
    """A new secret feed of `view` (everything, Tuba, a venue, a kit or a van)."""
    clean = _clean_name(name)
    spec = parse_view(view)
    if spec.kind not in {scope.value for scope in FeedScope}:
        raise ValidationError("calendars.feed_bad_view", field="view", view=str(spec))
    with transaction() as session:
        check_view_exists(session, spec)
        feed = CalendarFeed(
            token=new_token(),
            name=clean,
            scope=FeedScope(spec.kind),
            scope_id=spec.id,
            created_by=actor[:200],
        )
        session.add(feed)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="calendar_feed.created",
            entity="calendar_feed",
            entity_id=feed.id,
            name=clean,
            view=str(spec),
        )
        return _info(feed)


def list_feeds(*, include_revoked: bool = True) -> list[FeedInfo]:
    """Every feed, active ones first, newest first."""
    query = select(CalendarFeed)
    if not include_revoked:
        query = query.where(col(CalendarFeed.revoked_at).is_(None))
    with read_session() as session:
        feeds = [_info(feed) for feed in session.exec(query)]
    return sorted(feeds, key=lambda f: (not f.active, -f.created_at.timestamp(), -f.id))


def _load_feed(session: Session, feed_id: int) -> CalendarFeed:
    query = select(CalendarFeed).where(CalendarFeed.id == feed_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    feed = session.exec(query).first()
    if feed is None:
        raise NotFound("calendars.feed_not_found")
    return feed


def rename_feed(feed_id: int, name: str, *, actor: str) -> FeedInfo:
    """Give a feed another name (its address does not change)."""
    clean = _clean_name(name)
    with transaction() as session:
        feed = _load_feed(session, feed_id)
        if feed.revoked_at is not None:
            raise ValidationError("calendars.feed_revoked")
        if feed.name == clean:
            return _info(feed)
        old, feed.name = feed.name, clean
        audit.record(
            session,
            actor=actor,
            action="calendar_feed.renamed",
            entity="calendar_feed",
            entity_id=feed.id,
            old_name=old,
            name=clean,
        )
        return _info(feed)


def revoke_feed(feed_id: int, *, actor: str) -> FeedInfo:
    """Revoke a feed: from now on its address answers 404. Revoking twice changes nothing."""
    with transaction() as session:
        feed = _load_feed(session, feed_id)
        if feed.revoked_at is not None:
            return _info(feed)
        feed.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="calendar_feed.revoked",
            entity="calendar_feed",
            entity_id=feed.id,
            name=feed.name,
            view=_view_of(feed),
        )
        return _info(feed)


def feed_calendar(token: str | None, *, lang: str = "fr") -> FeedBody | None:
    """The calendar a feed token opens, or None for a malformed, unknown or revoked token (or
    a feed whose venue, kit or van no longer exists): the route answers 404 with no detail."""
    if not looks_like_token(token):
        return None
    with read_session() as session:
        feed = session.exec(select(CalendarFeed).where(CalendarFeed.token == token)).first()
    if feed is None or feed.revoked_at is not None:
        return None
    try:
        body = export_calendar(_view_of(feed), lang=lang)
    except NotFound:
        return None
    _note_fetch(feed)
    return FeedBody(body, etag_of(body))


def _note_fetch(feed: CalendarFeed) -> None:
    """Remember roughly when the feed was last fetched (staff see which ones are alive)."""
    now = utcnow()
    if feed.last_fetched_at is not None and now - feed.last_fetched_at < FETCH_NOTE_EVERY:
        return
    try:
        with transaction() as session:
            row = session.get(CalendarFeed, feed.id)
            if row is not None and row.revoked_at is None:
                row.last_fetched_at = now
    except Exception:  # a busy database must not cost the subscriber its calendar
        log.warning("could not note the fetch of calendar feed %s", feed.id, exc_info=True)
