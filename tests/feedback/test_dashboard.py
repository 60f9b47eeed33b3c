"""The dashboard's figures: counted in SQL, small groups hidden, comments moderated."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlmodel import select

from booking import db
from booking.errors import NotFound, ValidationError
from booking.feedback.dashboard import (
    Filters,
    filter_options,
    list_comments,
    moderate_comment,
    summarise,
)
from booking.feedback.submit import local_today
from booking.i18n import PARIS
from booking.models import AuditEvent, StopReport
from tests.conftest import BOTH
from tests.feedback.conftest import Stops, add_answers


def _report(stop_id: int, visitors: int) -> None:
    with db.transaction() as session:
        session.add(StopReport(stop_id=stop_id, visitors_total=visitors))


def _dataset(stops: Stops) -> None:
    """Library (open stop) 30 answers, school 5, park (past stop) 12."""
    assert stops.open.id and stops.elsewhere.id and stops.past.id
    add_answers(stops.open.id, 20, rating=5, will_do=["check_settings"])
    add_answers(
        stops.open.id, 10, rating=4, ideas={"nothing_to_hide": (2, 2), "just_one_click": (1, 2)}
    )
    add_answers(stops.elsewhere.id, 5, rating=1, age_band="under_15", came_with="school_group")
    add_answers(stops.past.id, 12, rating=None, came_with="passing_by", comment="Bien")
    _report(stops.open.id, 300)
    _report(stops.past.id, 400)


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_figures_are_counted_and_small_groups_hidden(stops: Stops) -> None:
    _dataset(stops)
    s = summarise(Filters())
    assert s.responses == 47
    # Ratings: 5 → 20, 4 → 10, 1 → 5 (hidden), none → 12; one small cell takes another.
    ratings = dict(zip(s.ratings.keys, s.ratings.counts, strict=True))
    assert ratings["5"] == 20 and ratings["4"] == 10 and ratings["__none__"] == 12
    assert ratings["1"] is None
    assert sum(1 for c in s.ratings.counts if c is None) >= 2 and s.ratings.total == 47
    assert s.mean_rating is None  # its table hides cells: a mean would undo that
    # Ideas: 20+5+12 moved 1 → 3 (away), 10 stayed; "just one click" only 10 answers.
    idea = next(i for i in s.ideas if i.key == "nothing_to_hide")
    shift = dict(zip(idea.shift.keys, idea.shift.counts, strict=True))
    assert shift["away"] == 37 and shift["same"] == 10 and shift["toward"] is None
    assert will_do(s)["check_settings"] == 20 and will_do(s)["talk_about_it"] is None
    # Per stop: the school's 5 are hidden, and the next smallest (park, 12) with them.
    per_stop = {f.stop_id: f for f in s.stops}
    assert per_stop[stops.elsewhere.id].responses is None
    assert per_stop[stops.past.id].responses is None
    assert per_stop[stops.open.id].responses == 30
    # Visitors are the venues' own counts; the rate only uses stops whose count is shown.
    assert s.visitors == 700 and s.reported_stops == 2
    assert s.response_rate == pytest.approx(30 / 300)


def will_do(s):  # type: ignore[no-untyped-def]
    return dict(zip(s.will_do.keys, s.will_do.counts, strict=True))


def test_a_mean_is_shown_when_nothing_is_hidden(stops: Stops) -> None:
    assert stops.open.id
    add_answers(stops.open.id, 12, rating=5)
    add_answers(stops.open.id, 10, rating=3)
    s = summarise(Filters(stop_ids=(stops.open.id,)))
    ratings = dict(zip(s.ratings.keys, s.ratings.counts, strict=True))
    assert ratings["5"] == 12 and ratings["3"] == 10
    assert ratings["1"] is None  # zero is a small group too: hidden with a complement
    assert s.mean_rating is None
    add_answers(stops.open.id, 10, rating=1)
    add_answers(stops.open.id, 10, rating=2)
    add_answers(stops.open.id, 10, rating=4)
    add_answers(stops.open.id, 10, rating=None)
    s = summarise(Filters(stop_ids=(stops.open.id,)))
    assert s.ratings.hidden == 0
    assert s.mean_rating == pytest.approx((12 * 5 + 10 * 3 + 10 + 20 + 40) / 52)


def test_filters_narrow_to_stops_and_hide_a_small_selection(stops: Stops) -> None:
    _dataset(stops)
    school = summarise(Filters(venue_type="school"))
    assert school.responses is None and all(c is None for c in school.ratings.counts)
    assert summarise(Filters(commune="Lyon 3e")).responses == 30
    assert summarise(Filters(commune="Lyon 5e")).responses == 12
    today = local_today()
    # The period keeps answers given in it (and the stops open in it).
    assert summarise(Filters(date_from=today - dt.timedelta(days=2), date_to=today)).responses == 35
    assert summarise(Filters(date_from=today + dt.timedelta(days=1))).responses is None
    with pytest.raises(ValidationError, match="à l'envers"):
        summarise(Filters(date_from=today, date_to=today - dt.timedelta(days=1)))
    options = filter_options()
    assert set(options.venue_types) == {"library", "park", "school"}
    assert "Lyon 3e" in options.communes and len(options.stops) == 4


def test_the_period_counts_answers_by_their_paris_day(stops: Stops) -> None:
    assert stops.open.id
    yesterday = local_today() - dt.timedelta(days=1)
    late = dt.datetime.combine(yesterday, dt.time(23, 30), tzinfo=PARIS)  # UTC+1 or +2
    add_answers(stops.open.id, 10, when=late.astimezone(dt.UTC))
    add_answers(stops.open.id, 11)
    assert summarise(Filters(date_from=yesterday, date_to=yesterday)).responses == 10
    assert summarise(Filters(date_from=local_today())).responses == 11


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_comments_are_moderated_and_audited(stops: Stops) -> None:
    assert stops.open.id
    add_answers(stops.open.id, 2, comment="<b>Super</b> expo")
    rows, total = list_comments(Filters())
    assert total == 2 and rows[0].comment == "<b>Super</b> expo" and rows[0].status == "visible"
    assert moderate_comment(rows[0].response_id, "hide", actor="user:t@example.org") == "hidden"
    assert moderate_comment(rows[1].response_id, "flag", actor="user:t@example.org") == "flagged"
    statuses = {r.response_id: r.status for r in list_comments(Filters())[0]}
    assert statuses == {rows[0].response_id: "hidden", rows[1].response_id: "flagged"}
    assert list_comments(Filters(), statuses=("visible",))[1] == 0
    with db.read_session() as session:
        actions = sorted(
            e.action for e in session.exec(select(AuditEvent)) if e.entity == "feedback_response"
        )
    assert actions == ["feedback.comment_flagged", "feedback.comment_hidden"]
    with pytest.raises(NotFound):
        moderate_comment(999_999, "hide", actor="x")
    with pytest.raises(ValidationError):
        moderate_comment(rows[0].response_id, "delete", actor="x")


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_the_read_model_agrees_with_sql_and_follows_new_answers(stops: Stops) -> None:
    import random

    from booking.feedback.demo import add_demo_feedback

    ids = [s.id for s in (stops.past, stops.open, stops.elsewhere) if s.id]
    with db.transaction() as session:
        add_demo_feedback(session, ids, random.Random(11), (30, 60))
    today = local_today()
    everything = Filters(
        date_from=today - dt.timedelta(days=400), date_to=today + dt.timedelta(days=60)
    )
    from_model = summarise(Filters())  # per-stop read model
    assert from_model == summarise(everything)  # GROUP BY over the period
    assert summarise(Filters(venue_type="library")) == summarise(
        dataclasses.replace(everything, venue_type="library")
    )
    assert stops.open.id
    add_answers(stops.open.id, 10, rating=2)  # the model only reads the new rows
    after = summarise(Filters())
    assert after.responses == (from_model.responses or 0) + 10
    assert after == summarise(everything)


def test_the_read_model_recounts_a_row_committed_out_of_order(stops: Stops) -> None:
    from sqlalchemy import insert

    from booking.models import FeedbackResponse
    from booking.types import utcnow

    assert stops.open.id
    add_answers(stops.open.id, 12, rating=5)
    assert summarise(Filters()).responses == 12
    row = {
        "stop_id": stops.open.id,
        "questionnaire_version": 1,
        "submitted_hour": utcnow().replace(minute=0, second=0, microsecond=0),
        "rating": 3,
        "will_do": [],
        "answers": {},
        "comment_status": "visible",
    }
    with db.transaction() as session:
        session.execute(insert(FeedbackResponse), [{**row, "id": 1000}])
    assert summarise(Filters()).responses == 13
    with db.transaction() as session:  # a lower id, as a slow concurrent commit would leave
        session.execute(insert(FeedbackResponse), [{**row, "id": 500}])
    s = summarise(Filters())
    assert s.responses == 14 and dict(zip(s.ratings.keys, s.ratings.counts, strict=True))["5"] == 12


def test_a_dashboard_read_does_not_make_visitors_wait(stops: Stops) -> None:
    """SQLite: writers begin with BEGIN IMMEDIATE, but read sessions read a snapshot without
    the write lock, so a visitor's submission goes through during a long read (with the lock
    held it would wait for the 15 s busy timeout, then fail)."""
    from sqlmodel import func

    from booking.db import read_session
    from booking.feedback.submit import submit_response
    from booking.models import FeedbackResponse

    with read_session() as session:
        before = session.exec(select(func.count()).select_from(FeedbackResponse)).one()
        submit_response(stops.open.feedback_token, {"v": ["1"], "rating": ["5"]})
        # The read keeps its snapshot: the new answer is not in it.
        assert session.exec(select(func.count()).select_from(FeedbackResponse)).one() == before
    with db.read_session() as session:
        assert session.exec(select(func.count()).select_from(FeedbackResponse)).one() == before + 1
