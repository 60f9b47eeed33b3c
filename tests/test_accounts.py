"""Accounts: argon2 hashes, OIDC email → role, the same refusal for every wrong credential."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from booking import db
from booking.errors import ValidationError
from booking.i18n import format_date, format_datetime, format_day
from booking.models import User
from booking.services.accounts import add_user, authenticate, set_user_disabled, user_for_oidc


def test_password_is_stored_as_argon2_only(sqlite_url: str) -> None:
    add_user(
        email="a@example.org", display_name="A", role="staff", password="correct horse battery"
    )
    with db.read_session() as session:
        user = session.exec(select(User)).one()
    assert user.password_hash and user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash


def test_oidc_email_maps_to_a_role(sqlite_url: str) -> None:
    add_user(email="tuba@example.org", display_name="T", role="tuba", password=None)
    assert user_for_oidc("Tuba@Example.org").role == "tuba"
    with pytest.raises(ValidationError, match="n'a pas de rôle"):
        user_for_oidc("stranger@example.org")
    with pytest.raises(ValidationError, match="n'a pas de rôle"):
        user_for_oidc(None)
    set_user_disabled("tuba@example.org")
    with pytest.raises(ValidationError, match="désactivé"):
        user_for_oidc("tuba@example.org")


def test_oidc_only_account_cannot_sign_in_with_a_password(sqlite_url: str) -> None:
    add_user(email="o@example.org", display_name="O", role="staff", password=None)
    with pytest.raises(ValidationError, match="incorrect"):
        authenticate("o@example.org", "")


def test_duplicate_account_refused(sqlite_url: str) -> None:
    add_user(
        email="a@example.org", display_name="A", role="staff", password="correct horse battery"
    )
    with pytest.raises(ValidationError, match="existe déjà"):
        add_user(
            email="A@example.org", display_name="A2", role="admin", password="correct horse battery"
        )


def test_french_dates_and_paris_times_across_clock_changes() -> None:
    assert format_date(dt.date(2027, 2, 1)) == "1 février 2027"
    assert format_day(dt.date(2027, 3, 29)) == "lundi 29 mars 2027"
    assert format_date(dt.date(2027, 2, 1), "en") == "1 February 2027"
    before = dt.datetime(2027, 3, 27, 8, 0, tzinfo=dt.UTC)  # 09:00 in winter time
    after = dt.datetime(2027, 3, 29, 8, 0, tzinfo=dt.UTC)  # 10:00 in summer time
    assert "09:00" in format_datetime(before) and "10:00" in format_datetime(after)
    autumn = dt.datetime(2027, 11, 1, 8, 0, tzinfo=dt.UTC)  # back to 09:00
    assert "09:00" in format_datetime(autumn)
    with pytest.raises(ValueError, match="naive"):
        format_datetime(dt.datetime(2027, 1, 1, 9, 0))
