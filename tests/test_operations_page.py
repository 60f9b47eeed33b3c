"""The admins' operations page, as an admin sees it: database and migration, job runs with a
failure, and the way to the failed emails."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from booking import db
from booking.jobs import run_jobs
from booking.models import JobRun, OutboxMessage, OutboxStatus
from booking.services.accounts import add_user
from booking.types import utcnow

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")
OPERATIONS = "booking/ui/pages/operations.py"


def _admin_page() -> AppTest:
    admin = add_user(
        email="admin@example.org", display_name="Admin", role="admin", password="long password 1"
    )
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["user_id"] = admin.id
    return at.run().switch_page(OPERATIONS).run()


def test_operations_page_shows_runs_failures_and_the_migration(sqlite_url: str) -> None:
    run_jobs(only=["requests.expire_holds"])
    with db.transaction() as session:
        now = utcnow()
        session.add(
            JobRun(job="outbox.send", started_at=now, finished_at=now, ok=False, detail="boom")
        )
        session.add(
            OutboxMessage(
                dedup_key="k1",
                kind="approved",
                to_address="lieu@example.org",
                subject="Confirmation",
                body_text="…",
                status=OutboxStatus.failed,
                last_error="550 mailbox unavailable",
            )
        )
    at = _admin_page()
    assert not at.exception and not at.error
    texts = [m.value for m in at.markdown] + [t.value for t in at.text]
    assert f"Migration : {db.head_revision()} (code : {db.head_revision()})" in texts
    assert any(t.startswith("Base : SQLite") for t in texts)
    assert "Messages : 0 en attente, 0 envoyés, 1 en échec" in texts
    failures, runs = at.dataframe[0].value, at.dataframe[1].value
    assert list(runs.columns) == ["Tâche", "Début", "Fin", "Réussie", "Détail (journal technique)"]
    assert list(failures["Tâche"]) == ["outbox.send"] and list(
        failures["Détail (journal technique)"]
    ) == ["boom"]
    assert set(runs["Tâche"]) == {"outbox.send", "requests.expire_holds"}
    assert [link.label for link in at.get("page_link")] == [
        "Voir et renvoyer les messages en échec"
    ]


def test_no_failed_message_no_link(sqlite_url: str) -> None:
    at = _admin_page()
    assert not at.exception
    assert "Voir et renvoyer les messages en échec" not in [x.label for x in at.get("page_link")]
    assert [m.value for m in at.markdown if m.value == "Aucune."] == ["Aucune.", "Aucune."]
