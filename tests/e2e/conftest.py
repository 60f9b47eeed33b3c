"""Real-browser journeys: one app, one mail server and one browser for the whole package.

- The app is `streamlit run streamlit_app.py` started here as a subprocess on a free port, on a
  fresh SQLite file holding the demo data (`python -m booking demo load`), with its background
  jobs inside the app (the embedded default) every 2 s, so the emails it queues leave for the
  local SMTP server (aiosmtpd) started here too.
- It is waited for the way Streamlit's own end-to-end tests do: its health route first, then,
  in the page, the app's idle state (`tests/e2e/streamlit_page.py`); never a sleep.
- Playwright drives Debian's chromium (`executable_path`); its own browser download is not used.
- The test process reads and writes the same database through the services: each test gets
  `DATABASE_URL` pointing at it.
- Screenshots go to `test-artifacts/e2e/` (kept as CI artefacts), one per step, and one more
  when a test fails.
"""

from __future__ import annotations

import contextlib
import email
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from booking import db
from booking.config import reset_settings
from tests.e2e.servers import (
    ROOT,
    app_env,
    free_port,
    start_streamlit,
    stop_process,
    wait_for_health,
)
from tests.e2e.streamlit_page import ARTIFACTS, RUN_COUNTER, Accessibility

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# ---------------------------------------------------------------------------- mail


@dataclass
class Mailbox:
    """What the local SMTP server received, parsed; `wait_for` blocks on a condition."""

    messages: list[EmailMessage] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.changed:
            self.messages.append(message)  # type: ignore[arg-type]
            self.changed.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, subject: str = "", timeout: float = 30.0) -> list[EmailMessage]:
        """The messages sent to `to` (whose subject starts with `subject`), once there is one."""

        def matching() -> list[EmailMessage]:
            return [m for m in self.messages if m["To"] == to and m["Subject"].startswith(subject)]

        with self.changed:
            found = self.changed.wait_for(matching, timeout=timeout)
        if not found:
            raise AssertionError(f"no email to {to} ({subject!r}) within {timeout:.0f} s")
        return found

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())


@pytest.fixture(scope="package")
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


# ---------------------------------------------------------------------------- the app


@dataclass
class App:
    base_url: str
    database_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    mail: Mailbox

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


@pytest.fixture(scope="package")
def app(tmp_path_factory: pytest.TempPathFactory, mailbox: tuple[Mailbox, int]) -> Iterator[App]:
    box, smtp_port = mailbox
    folder = tmp_path_factory.mktemp("e2e-app")
    database_url = f"sqlite:///{folder / 'tournee.db'}"
    port = free_port()
    env = app_env(
        database_url,
        port,
        TOURNEE_JOBS_IN_APP="1",
        TOURNEE_JOBS_INTERVAL="2",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SMTP_FROM="Tournée <tournee@metropole.example>",
    )
    subprocess.run(
        [sys.executable, "-m", "booking", "demo", "load"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    log_path = folder / "app.log"
    process = start_streamlit(env, port, log_path)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, process, log_path)
        yield App(base_url, database_url, process, log_path, box)
    finally:
        stop_process(process)
        db.dispose_engines()


@pytest.fixture(autouse=True)
def _app_database(app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test process reads and writes the app's database through the services."""
    monkeypatch.setenv("DATABASE_URL", app.database_url)
    monkeypatch.setenv("TOURNEE_BASE_URL", app.base_url)
    monkeypatch.setenv("TOURNEE_JOBS_IN_APP", "0")
    reset_settings()
    yield
    db.dispose_engines()
    reset_settings()


# ---------------------------------------------------------------------------- the browser


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium is not installed at {CHROMIUM} (CI installs Debian's package)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:120]


@dataclass
class Shots:
    """Numbered screenshots of one test, kept in test-artifacts/e2e/."""

    prefix: str
    count: int = 0
    pages: list[Any] = field(default_factory=list)

    def __call__(self, page: Any, name: str) -> Path:
        self.count += 1
        path = ARTIFACTS / f"{self.prefix}-{self.count:02d}-{_slug(name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Iterator[Shots]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    taker = Shots(_slug(request.node.name))
    for old in ARTIFACTS.glob(f"{taker.prefix}-*.png"):
        old.unlink()
    yield taker


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        taker = item.funcargs.get("shots") if hasattr(item, "funcargs") else None
        for page in getattr(taker, "pages", []):
            # the page may be gone: the failure itself is what matters
            with contextlib.suppress(Exception):
                taker(page, "failure")  # type: ignore[misc]


@pytest.fixture
def new_page(browser: Any, shots: Shots) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh browser context (a new person: no cookie, no Streamlit session).

    `new_page(phone=True)` gives a phone-sized touch viewport, `javascript=False` a context
    where scripts do not run."""
    contexts = []

    def make(*, phone: bool = False, javascript: bool = True) -> Any:
        options: dict[str, Any] = {"locale": "fr-FR", "timezone_id": "Europe/Paris"}
        if phone:
            options |= {
                "viewport": {"width": 390, "height": 844},
                "device_scale_factor": 2,
                "is_mobile": True,
                "has_touch": True,
            }
        else:
            options["viewport"] = {"width": 1280, "height": 900}
        context = browser.new_context(
            java_script_enabled=javascript, accept_downloads=True, **options
        )
        context.set_default_timeout(60_000)  # generous: CI machines are small and shared
        if javascript:
            context.add_init_script(RUN_COUNTER)
        contexts.append(context)
        page = context.new_page()
        shots.pages.append(page)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def a11y() -> Accessibility:
    return Accessibility()
