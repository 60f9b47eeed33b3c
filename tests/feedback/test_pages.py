"""The four pages, driven through the app as a person would (AppTest)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from booking import db
from booking.feedback.demo import add_demo_report
from booking.feedback.questionnaire import active_questionnaire
from booking.models import FeedbackResponse, StopReport
from booking.services.accounts import add_user
from tests.feedback.conftest import Stops, add_answers

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
DASHBOARD = "booking/ui/pages/feedback_dashboard.py"
QUESTIONNAIRE = "booking/ui/pages/questionnaire.py"
REPORTS = "booking/ui/pages/stop_reports.py"
VENUE_REPORT = "booking/ui/pages/stop_report.py"


def _app(role: str | None = "tuba", token: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if role:
        user = add_user(
            email=f"{role}@example.org",
            display_name=role,
            role=role,
            password="correct horse battery",
        )
        at.session_state["user_id"] = user.id
    if token is not None:
        at.query_params["token"] = token
    return at.run()


def _problems(at: AppTest) -> list[str]:
    return [e.value for e in at.exception] + [e.value for e in at.error]


def test_dashboard_shows_figures_and_moderates_comments_as_text(stops: Stops) -> None:
    assert stops.open.id
    add_answers(stops.open.id, 11, rating=5)
    add_answers(stops.open.id, 1, comment="<b>Super</b> <script>alert(1)</script>")
    at = _app().switch_page(DASHBOARD).run()
    assert not _problems(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Réponses"] == "12"
    # each chart carries its figures as text (Vega's aria-label), small groups said hidden
    descriptions = [
        json.loads(c.proto.spec).get("description", "") for c in at.get("vega_lite_chart")
    ]
    ratings = next(d for d in descriptions if d.startswith("Note"))
    assert "11" in ratings and "masqu" in ratings, ratings
    assert "<b>Super</b> <script>alert(1)</script>" in [t.value for t in at.text]
    hide = next(b for b in at.button if b.label == "Masquer")
    hide.click().run()
    assert not _problems(at)
    with db.read_session() as session:
        statuses = {
            str(r.comment_status) for r in session.exec(select(FeedbackResponse)) if r.comment
        }
    assert statuses == {"hidden"}


def test_questionnaire_edit_saves_a_new_version(stops: Stops) -> None:
    at = _app().switch_page(QUESTIONNAIRE).run()
    assert not _problems(at)
    title = next(t for t in at.text_input if t.key == "v1-title-fr")
    title.input("Votre avis compte")
    at.button[0].click().run()  # the form's submit button
    assert not _problems(at)
    active = active_questionnaire()
    assert active is not None and active.version == 2
    assert active.definition["title"]["fr"] == "Votre avis compte"


def test_stop_reports_page_lists_reports_and_posters(stops: Stops) -> None:
    with db.transaction() as session:
        assert stops.past.id
        add_demo_report(session, stops.past.id, random.Random(3))
    at = _app("staff").switch_page(REPORTS).run()
    assert not _problems(at)
    assert len(at.dataframe) == 1
    assert any(b.label == "PDF A4" for b in at.get("download_button"))


def test_venue_report_page_refuses_a_bad_link_plainly(stops: Stops) -> None:
    at = _app(None, token="not-a-token").switch_page(VENUE_REPORT).run()
    assert [e.value for e in at.error] == ["Ce lien n'est pas valide."]


def test_venue_sends_its_report(stops: Stops) -> None:
    at = _app(None, token=stops.tokens["open"]).switch_page(VENUE_REPORT).run()
    assert not _problems(at)
    next(n for n in at.number_input if n.label == "Total des visiteurs").set_value(240)
    next(n for n in at.number_input if n.label == "Groupes reçus").set_value(4)
    next(b for b in at.button if b.label == "Envoyer le bilan").click().run()
    assert not _problems(at), _problems(at)
    assert any("240 visiteurs" in s.value for s in at.success)
    with db.read_session() as session:
        report = session.exec(select(StopReport)).one()
    assert (report.visitors_total, report.groups) == (240, 4)
