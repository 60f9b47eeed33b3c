"""Demo data: believable, consistent, in every state, and every page renders on it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from booking import db
from booking.demo import DEMO_PASSWORD, load_demo
from booking.models import BookingRequest, Contact, KitOccupancy, RequestStatus, Role, Stop
from booking.services.accounts import authenticate
from booking.ui.nav import pages_for
from tests.conftest import BOTH

TODAY = dt.date(2026, 11, 21)
APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_demo_season_is_consistent(db_url: str) -> None:
    counts = load_demo(db.get_engine(db_url), today=TODAY)
    assert counts["venues"] == 40 and counts["kits"] == 2
    assert load_demo(db.get_engine(db_url), today=TODAY) == {}  # only into an empty database
    with db.read_session() as session:
        statuses = {RequestStatus(r.status) for r in session.exec(select(BookingRequest))}
        stops = session.exec(select(Stop)).all()
        occupancies = session.exec(select(KitOccupancy)).all()
        contacts = session.exec(select(Contact)).all()
    assert statuses == set(RequestStatus)
    open_today = {s.kit_id for s in stops if s.install_date <= TODAY <= s.last_open_date}
    assert len(open_today) == 2, "each kit is somewhere today"
    assert any(s.last_open_date < TODAY for s in stops) and any(
        s.install_date > TODAY for s in stops
    )
    for kit_id in {o.kit_id for o in occupancies}:
        ranges = sorted((o.start, o.end) for o in occupancies if o.kit_id == kit_id)
        assert all(a[1] <= b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    assert contacts and all(c.email and c.email.endswith("@example.org") for c in contacts)
    assert authenticate("staff@tournee.example", DEMO_PASSWORD).role == Role.staff


@pytest.mark.parametrize("role", [Role.admin, Role.staff, Role.tuba])
def test_every_page_renders_on_demo_data(sqlite_url: str, role: Role) -> None:
    load_demo(db.get_engine(sqlite_url), today=TODAY)
    user = authenticate(f"{role.value}@tournee.example", DEMO_PASSWORD)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["user_id"] = user.id
    at.run()
    for spec in pages_for(role):
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.path, [e.value for e in at.exception])
        assert not at.error or spec.in_menu is False, (spec.path, [e.value for e in at.error])
