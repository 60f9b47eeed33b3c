"""Security sweep: every non-public page refuses a person without the role when its script
runs (not only hidden from the menu); production config keeps XSRF on and error details off.
The page list comes from the navigation registry, so a new page is covered automatically."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from booking.models import Role
from booking.security import looks_like_token, new_token
from booking.services.accounts import add_user
from booking.ui.nav import PAGES

ROOT = Path(__file__).resolve().parent.parent
GUARDED = [spec for spec in PAGES if spec.roles]
CASES = [(spec.path, role) for spec in GUARDED for role in [None, *Role] if role not in spec.roles]


@pytest.mark.parametrize(
    ("path", "role"), CASES, ids=[f"{p.rsplit('/', 1)[1]}-{r or 'visitor'}" for p, r in CASES]
)
def test_page_refuses_without_the_role(sqlite_url: str, path: str, role: Role | None) -> None:
    at = AppTest.from_file(str(ROOT / path), default_timeout=30)
    if role is not None:
        user = add_user(
            email=f"{role.value}@example.org",
            display_name="X",
            role=role.value,
            password="correct horse battery",
        )
        at.session_state["user_id"] = user.id
    at.run()
    assert not at.exception
    assert [w.value for w in at.warning] == [
        "Cette page est réservée aux équipes ; connectez-vous."
    ]
    # nothing of the page was drawn beyond the refusal
    assert not at.dataframe and not at.button and not at.text_input and not at.title


def test_tokens_are_256_bit_and_unguessable() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(t) == 43 and looks_like_token(t) for t in tokens)  # 32 random bytes, base64url


def test_production_config_hides_errors_and_keeps_xsrf() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["client"]["showErrorDetails"] == "none"
    assert config["browser"]["gatherUsageStats"] is False
