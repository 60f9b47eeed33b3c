"""Demo feedback for the lead's demo loader and the benchmarks: plausible and anonymous."""

from __future__ import annotations

import random

import pytest
from sqlmodel import func, select

from booking import db
from booking.feedback.dashboard import Filters, summarise
from booking.feedback.demo import add_demo_feedback, add_demo_report
from booking.feedback.submit import local_today
from booking.models import FeedbackIdea, FeedbackResponse, StopReport
from tests.conftest import BOTH
from tests.feedback.conftest import Stops


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_demo_feedback_is_plausible(stops: Stops) -> None:
    ids = [s.id for s in (stops.past, stops.open, stops.future) if s.id]
    with db.transaction() as session:
        written = add_demo_feedback(session, ids, random.Random(7), (60, 80))
        assert stops.past.id
        add_demo_report(session, stops.past.id, random.Random(7))
    with db.read_session() as session:
        assert session.exec(select(func.count()).select_from(FeedbackResponse)).one() == written
        assert session.exec(select(func.count()).select_from(FeedbackIdea)).one() > written
        latest = session.exec(select(func.max(FeedbackResponse.submitted_hour))).one()
        per_stop = dict(
            session.exec(
                select(FeedbackResponse.stop_id, func.count()).group_by(FeedbackResponse.stop_id)
            ).all()
        )
        report = session.exec(select(StopReport)).one()
    assert 120 <= written <= 160 and stops.future.id not in per_stop  # not started: no answers
    assert latest.date() <= local_today()
    assert report.visitors_total > 0 and report.visitors_by_day
    s = summarise(Filters())
    assert s.mean_rating is None or s.mean_rating > 3.5
    ratings = dict(zip(s.ratings.keys, s.ratings.counts, strict=True))
    assert (ratings["4"] or 0) + (ratings["5"] or 0) > written / 2  # skewed positive
    idea = s.ideas[0]
    shift = dict(zip(idea.shift.keys, idea.shift.counts, strict=True))
    assert (shift["away"] or 0) > (shift["toward"] or 0)
