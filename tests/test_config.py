"""Bad configuration gets one clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from booking import db
from booking.config import reset_settings
from booking.errors import ConfigurationError


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("", "vide"),
        ("not a url", "DATABASE_URL"),
        ("mysql://root@localhost/x", "non pris en charge"),
        ("sqlite://", "file path"),
    ],
)
def test_bad_database_url_is_named(url: str, needle: str) -> None:
    with pytest.raises(ConfigurationError, match=needle):
        db.make_engine(url)


def test_unreachable_postgres_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="Impossible de joindre"):
        db.upgrade("postgresql://nobody@127.0.0.1:1/none")


def test_postgres_scheme_aliases_are_accepted() -> None:
    assert db.normalise_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert db.normalise_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"


@pytest.mark.parametrize(
    ("variable", "value", "needle"),
    [
        ("TOURNEE_MIN_NOTICE_DAYS", "quinze", "valid integer"),
        ("TOURNEE_SPEED_KMH", "0", "greater than 0"),
        ("TOURNEE_CIRCUITY", "10:1.3,2:1.4", "increasing order"),
        ("TOURNEE_CIRCUITY", "2:1.4,*:9", "between 1 and 3"),
        ("TOURNEE_CIRCUITY", "2:1.4,10:x", "x"),
    ],
)
def test_a_bad_setting_is_named_in_one_line_and_the_cli_exits_2(
    variable: str, value: str, needle: str, tmp_path: Path
) -> None:
    env = {**os.environ, variable: value, "DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "booking", "db", "current"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: Le réglage {variable} n'est pas valide")
    assert needle in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "t.db").exists()  # nothing was made before the refusal


def test_the_travel_model_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from booking.planning.travel import travel_model_from_settings

    lyon, villeurbanne = (45.7640, 4.8357), (45.7719, 4.8902)  # about 4.3 km apart
    base_km, base_minutes = travel_model_from_settings().leg(lyon, villeurbanne)
    monkeypatch.setenv("TOURNEE_CIRCUITY", "1.5")
    monkeypatch.setenv("TOURNEE_SPEED_KMH", "50")
    monkeypatch.setenv("TOURNEE_STOP_MINUTES", "0")
    reset_settings()
    try:
        km, minutes = travel_model_from_settings().leg(lyon, villeurbanne)
    finally:
        monkeypatch.undo()
        reset_settings()
    assert km == pytest.approx(base_km / 1.3 * 1.5)  # the default band from 2 to 10 km is 1.3
    assert minutes == pytest.approx(km / 50 * 60)
    assert base_minutes == pytest.approx(base_km / 25 * 60 + 5)  # the defaults: 25 km/h, 5 min
