"""Fixtures of the venue-requests tests: a real SMTP server (aiosmtpd) per test module, a
fixed "today", a small world and a valid request to start from."""

from __future__ import annotations

import datetime as dt
import email
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from booking import db
from booking.config import reset_settings
from booking.jobs import run_jobs
from booking.services.requests import (
    ContactInput,
    RequestDetails,
    RequestInput,
    VenueInput,
)
from tests.factories import world

# A fixed "today" (a Friday): request dates are built from it, never from the clock.
TODAY = dt.date(2026, 11, 20)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@dataclass
class Inbox:
    """What the SMTP server received, parsed."""

    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch) -> Inbox:
    """The SMTP settings point at the test's server; its inbox starts empty."""
    box, port = smtp_server
    box.clear()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_FROM", "Tournée <tournee@metropole.example>")
    reset_settings()
    return box


def send_outbox(now: dt.datetime | None = None) -> str:
    (outcome,) = run_jobs(only=["outbox.send"], now=now)
    assert outcome.ok, outcome.detail
    return outcome.detail


@dataclass
class Ids:
    exhibition: int
    kits: list[int]
    venues: list[int]  # library, school, park


@pytest.fixture
def ids(db_url: str) -> Ids:
    with db.transaction() as session:
        w = world(session)
        return Ids(
            exhibition=w.exhibition.id,  # type: ignore[arg-type]
            kits=[k.id for k in w.kits],  # type: ignore[misc]
            venues=[v.id for v in w.venues],  # type: ignore[misc]
        )


def request_input(exhibition_id: int, venue_id: int | None = None, **changes: Any) -> RequestInput:
    """A valid request for an existing venue; `changes` replace fields of the details
    (`venue=`, `language=`, `floor=`… replace the request's own fields)."""
    details = RequestDetails(
        contact=ContactInput(
            name="Camille Martin",
            role="Bibliothécaire",
            email="camille.martin@example.org",
            phone="04 72 00 00 00",
        ),
        windows=[(days(60), days(120))],  # 19 Jan → 20 Mar 2027
        stay_min_days=14,
        stay_max_days=21,
        hanging_surface="Grilles d'exposition",
        hanging_length_m=12.0,
        access_notes="Quai de livraison rue arrière",
        expected_audience="Classes de 4e et public adulte",
        mediation="Visites guidées le mercredi",
    )
    own = {
        k: changes.pop(k)
        for k in ("venue", "language", "floor", "has_lift", "van_parking")
        if k in changes
    }
    details = replace(details, **changes)
    venue = own.pop("venue", VenueInput(id=venue_id))
    return RequestInput(exhibition_id=exhibition_id, venue=venue, details=details, **own)


@pytest.fixture(autouse=True)
def _on_the_day_written(written_on: None) -> None:
    """These tests count from TODAY: the clock reads that day too (tests/conftest.py)."""
