"""Builders for the feedback tests: stops open today, before and after, with their tokens."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from booking import db
from booking.feedback.dashboard import clear_read_models
from booking.feedback.questionnaire import clear_cache, ensure_default_questionnaire
from booking.feedback.submit import local_today
from booking.models import Stop
from tests.factories import make_request, make_stop, world


@dataclass
class Stops:
    """Three stops of one kit: past, open today, future; and one of the other kit, open.
    `tokens` holds each stop's private-link token (its request's), by stop name."""

    past: Stop
    open: Stop
    future: Stop
    elsewhere: Stop
    kit_ids: list[int]
    venue_names: list[str]
    tokens: dict[str, str]


def build_stops() -> Stops:
    today = local_today()
    day = dt.timedelta(days=1)
    plan = {
        "past": (2, 0, -40, -25),
        "open": (0, 0, -3, 10),
        "future": (2, 0, 20, 30),
        "elsewhere": (1, 1, -1, 5),
    }
    with db.transaction() as session:
        w = world(session)
        made: dict[str, Stop] = {}
        tokens: dict[str, str] = {}
        for name, (venue, kit, start, end) in plan.items():
            request, tokens[name] = make_request(session, w.exhibition, w.venues[venue])
            made[name] = make_stop(
                session,
                request,
                w.kits[kit],
                today + start * day,
                today + end * day,
                today + (end + 1) * day,
            )
        return Stops(
            made["past"],
            made["open"],
            made["future"],
            made["elsewhere"],
            [k.id for k in w.kits if k.id],
            [v.name for v in w.venues],
            tokens,
        )


@pytest.fixture(autouse=True)
def _fresh_questionnaire_cache() -> Iterator[None]:
    """Versions are cached per database URL; the PostgreSQL test database is reused."""
    clear_cache()
    clear_read_models()
    yield
    clear_cache()
    clear_read_models()


@pytest.fixture
def stops(db_url: str) -> Stops:
    ensure_default_questionnaire()
    return build_stops()


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    from booking.web import feedback_form

    feedback_form._reset_limits_for_tests()
    app = Starlette(routes=feedback_form.ROUTES)
    with TestClient(app, base_url="http://testserver") as c:
        yield c
    feedback_form._reset_limits_for_tests()


def add_answers(
    stop_id: int,
    n: int,
    *,
    rating: int | None = 4,
    ideas: dict[str, tuple[int, int]] | None = None,
    will_do: list[str] | None = None,
    age_band: str | None = "25_44",
    came_with: str | None = "alone",
    comment: str | None = None,
    when: dt.datetime | None = None,
) -> None:
    """`n` identical responses at a stop, written as the form would (store_answers)."""
    from booking.feedback.submit import Answers, store_answers
    from booking.types import utcnow

    answers = Answers(
        version=1,
        rating=rating,
        ideas=ideas if ideas is not None else {"nothing_to_hide": (1, 3)},
        will_do=will_do or [],
        age_band=age_band,
        came_with=came_with,
        comment=comment,
    )
    with db.transaction() as session:
        for _ in range(n):
            store_answers(session, stop_id, answers, lang="fr", now=when or utcnow())
