"""Retention: free-text comments are purged after the configured period; figures stay."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from booking import db
from booking.config import reset_settings
from booking.feedback.dashboard import Filters, summarise
from booking.feedback.retention import months_before
from booking.jobs import run_jobs
from booking.models import AuditEvent, FeedbackResponse
from tests.conftest import BOTH
from tests.feedback.conftest import Stops, add_answers

NOW = dt.datetime(2029, 3, 31, 10, tzinfo=dt.UTC)


def test_months_before_keeps_the_day_when_it_can() -> None:
    assert months_before(NOW, 24) == dt.datetime(2027, 3, 31, 10, tzinfo=dt.UTC)
    assert months_before(NOW, 1) == dt.datetime(2029, 2, 28, 10, tzinfo=dt.UTC)
    assert months_before(dt.datetime(2029, 1, 15, tzinfo=dt.UTC), 13) == dt.datetime(
        2027, 12, 15, tzinfo=dt.UTC
    )


def _comments() -> list[tuple[str | None, str]]:
    with db.read_session() as session:
        rows = session.exec(select(FeedbackResponse).order_by(FeedbackResponse.id))
        return [(r.comment, str(r.comment_status)) for r in rows]


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_old_comments_are_purged_once_and_figures_stay(stops: Stops) -> None:
    assert stops.open.id
    add_answers(stops.open.id, 6, comment="ancien", when=dt.datetime(2027, 3, 30, 9, tzinfo=dt.UTC))
    add_answers(stops.open.id, 6, comment="récent", when=dt.datetime(2027, 4, 1, 9, tzinfo=dt.UTC))
    before = summarise(Filters())
    (outcome,) = run_jobs(now=NOW, only=["feedback.purge_comments"])
    assert outcome.ok and outcome.detail.startswith("6 comment(s)")
    assert _comments() == [(None, "purged")] * 6 + [("récent", "visible")] * 6
    assert summarise(Filters()) == before  # aggregates do not move
    (again,) = run_jobs(now=NOW, only=["feedback.purge_comments"])
    assert again.ok and again.detail.startswith("0 comment(s)")
    with db.read_session() as session:
        events = [
            e for e in session.exec(select(AuditEvent)) if e.action == "feedback.comments_purged"
        ]
    assert len(events) == 1 and events[0].details["count"] == 6


def test_the_period_is_configurable(stops: Stops, monkeypatch: pytest.MonkeyPatch) -> None:
    assert stops.open.id
    add_answers(stops.open.id, 1, comment="il y a deux mois", when=NOW - dt.timedelta(days=62))
    monkeypatch.setenv("TOURNEE_COMMENT_RETENTION_MONTHS", "1")
    reset_settings()
    run_jobs(now=NOW, only=["feedback.purge_comments"])
    assert _comments() == [(None, "purged")]
