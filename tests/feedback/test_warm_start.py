"""A process starting up counts the responses for the dashboard before anyone opens it."""

from __future__ import annotations

import threading

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from booking.feedback import dashboard
from booking.web.lifespan import lifespan
from tests.feedback.conftest import Stops, add_answers


def test_the_read_model_is_built_when_the_app_starts(
    stops: Stops, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stops.open.id and stops.past.id
    add_answers(stops.open.id, 7)
    add_answers(stops.past.id, 5)
    monkeypatch.setenv("TOURNEE_JOBS_IN_APP", "0")
    warmed = threading.Event()
    counted: list[int] = []
    original = dashboard.warm_read_model

    def observed() -> int:
        counted.append(original())
        warmed.set()
        return counted[-1]

    monkeypatch.setattr(dashboard, "warm_read_model", observed)
    with TestClient(Starlette(lifespan=lifespan)):
        assert warmed.wait(timeout=30), "the read model was not built at start"
    assert counted == [12]
    # the dashboard's first summary finds it ready: nothing left to count
    model = dashboard._read_model(dashboard.get_engine().url.render_as_string(hide_password=True))
    assert model.total == 12 and model.last_id > 0
    assert dashboard.summarise(dashboard.Filters()).responses == 12
