"""Bad configuration gets one clear message."""

from __future__ import annotations

import pytest

from booking import db
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
