"""The planning and van-days pages, driven as a person would (Streamlit AppTest)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from booking.db import read_session, transaction
from booking.models import BookingRequest, RequestStatus, Stop, Venue
from booking.services.accounts import add_user
from tests.factories import make_request, make_stop, world

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
D = dt.date


def _staff_app() -> AppTest:
    user = add_user(
        email="staff@example.org",
        display_name="Sam",
        role="staff",
        password="correct horse battery",
    )
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["user_id"] = user.id
    return at.run()


def _season() -> None:
    with transaction() as session:
        w = world(session)
        for venue in w.venues:
            make_request(
                session,
                w.exhibition,
                venue,
                windows=[(D(2027, 3, 1), D(2027, 4, 30))],
                stay_min_days=7,
                stay_max_days=14,
            )
        approved, _ = make_request(session, w.exhibition, w.venues[0])
        make_stop(session, approved, w.kits[0], D(2027, 2, 2), D(2027, 2, 11), D(2027, 2, 12))


def test_staff_plan_the_season_compare_and_accept_it_as_holds(sqlite_url: str) -> None:
    _season()
    at = _staff_app()
    at.switch_page("booking/ui/pages/planning.py").run()
    assert not at.exception
    assert at.title[0].value == "Planification"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Demandes à placer"] == "3" and metrics["Étapes confirmées"] == "1"
    at.slider[0].set_value(5)
    next(b for b in at.button if b.label == "Calculer une proposition").click().run()
    assert not at.exception
    assert [h.value for h in at.header] == ["Proposition"]
    assert any(m.label == "km économisés" for m in at.metric)
    assert at.multiselect[0].value and len(at.multiselect[0].value) == 3
    at.radio[0].set_value("hold")
    next(b for b in at.button if b.label == "Accepter la sélection").click().run()
    assert not at.exception, at.exception
    with read_session() as session:
        statuses = [r.status for r in session.exec(select(BookingRequest))]
    assert statuses.count(RequestStatus.held) == 3


def test_van_days_page_routes_and_shows_the_route_sheet(sqlite_url: str) -> None:
    with transaction() as session:
        w = world(session)
        request, _ = make_request(session, w.exhibition, w.venues[0])
        today = dt.date.today()
        start = today + dt.timedelta(days=(1 - today.weekday()) % 7 + 7)  # a Tuesday ahead
        make_stop(session, request, w.kits[0], start, start + dt.timedelta(days=9))
    at = _staff_app()
    at.switch_page("booking/ui/pages/van_days.py").run()
    assert not at.exception
    assert any("Aucune tournée" in i.value for i in at.info)
    next(b for b in at.button if b.label == "Calculer les tournées à venir").click().run()
    assert not at.exception, at.exception
    assert at.dataframe
    assert any("Feuille de route" in s.value for s in at.subheader)
    with read_session() as session:
        stop = session.exec(select(Stop)).first()
        assert stop is not None
        venue = session.get(Venue, stop.venue_id)
        assert venue is not None
    # the maps are said as text to screen readers (Vega's aria-label): the places in order
    described = [json.loads(c.proto.spec).get("description", "") for c in at.get("vega_lite_chart")]
    route = next(d for d in described if d.startswith("Carte de la tournée, dans l'ordre"))
    assert f". {venue.name}" in route and " → " in route and "Dépôt" in route
    season = next(d for d in described if d.startswith("Carte de la saison"))
    assert "1 étape(s)" in season and venue.name in season
