"""The app shell: navigation per role, every page renders, roles checked on the server."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from booking.models import Role
from booking.services.accounts import add_user
from booking.ui.nav import PAGES, pages_for

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def _app(user_id: int | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if user_id is not None:
        at.session_state["user_id"] = user_id
    return at.run()


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.exception] + [e.value for e in at.error]


def test_visitor_lands_on_public_pages_in_french(sqlite_url: str) -> None:
    at = _app()
    assert not at.exception
    assert at.title[0].value == "Expositions"


def test_staff_page_cannot_be_reached_as_a_visitor(sqlite_url: str) -> None:
    at = _app()
    with pytest.raises(ValueError):
        at.switch_page("booking/ui/pages/requests_queue.py")


@pytest.mark.parametrize("role", [Role.staff, Role.tuba, Role.admin])
def test_every_page_of_each_role_renders(sqlite_url: str, role: Role) -> None:
    user = add_user(
        email=f"{role.value}@example.org",
        display_name=role.value,
        role=role.value,
        password="correct horse battery",
    )
    at = _app(user.id)
    for spec in pages_for(role):
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.path, at.exception)
        assert not any("réservée" in w.value for w in at.warning), spec.path


def test_page_checks_role_itself_even_if_reached(sqlite_url: str) -> None:
    """A tuba account that forces a staff page's script gets the refusal, not the page."""
    user = add_user(
        email="t@example.org", display_name="T", role="tuba", password="correct horse battery"
    )
    at = _app(user.id)
    staff_only = [p for p in PAGES if p.roles and Role.tuba not in p.roles]
    assert staff_only
    with pytest.raises(ValueError):
        at.switch_page(staff_only[0].path)


def test_wrong_password_and_unknown_user_get_the_same_message(sqlite_url: str) -> None:
    add_user(
        email="staff@example.org", display_name="S", role="staff", password="correct horse battery"
    )
    messages = []
    for email, password in [
        ("staff@example.org", "wrong password!"),
        ("nobody@example.org", "whatever12345"),
    ]:
        at = _app()
        at.switch_page("booking/ui/pages/login.py").run()
        at.text_input[0].input(email)
        at.text_input[1].input(password)
        at.button[0].click().run()
        messages.append([e.value for e in at.error])
    assert messages[0] == messages[1] == ["Adresse e-mail ou mot de passe incorrect."]


def test_login_then_staff_menu(sqlite_url: str) -> None:
    add_user(
        email="staff@example.org",
        display_name="Sam",
        role="staff",
        password="correct horse battery",
    )
    at = _app()
    at.switch_page("booking/ui/pages/login.py").run()
    at.text_input[0].input("Staff@Example.org ")
    at.text_input[1].input("correct horse battery")
    at.button[0].click().run()
    assert at.session_state["user_id"]
    at.switch_page("booking/ui/pages/requests_queue.py").run()
    assert not at.exception


def test_disabled_account_cannot_sign_in_and_loses_its_session(sqlite_url: str) -> None:
    from booking.services.accounts import set_user_disabled

    user = add_user(
        email="d@example.org", display_name="D", role="staff", password="correct horse battery"
    )
    at = _app(user.id)
    assert any(p.title_key == "nav.requests" for p in pages_for(Role.staff))
    set_user_disabled("d@example.org", True)
    at.run()
    assert "user_id" not in at.session_state  # dropped on the next run
    at.switch_page("booking/ui/pages/login.py").run()
    at.text_input[0].input("d@example.org")
    at.text_input[1].input("correct horse battery")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [
        "Ce compte est désactivé ; adressez-vous à un administrateur."
    ]


def test_english_switch(sqlite_url: str) -> None:
    at = _app()
    at.session_state["lang"] = "en"
    at.run()
    assert at.title[0].value == "Exhibitions"
