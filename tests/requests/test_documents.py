"""The loan agreement and the installation guide, filled with the stop's data."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from booking import db
from booking.documents import (
    document_for_token,
    installation_guide,
    loan_agreement,
    stop_data,
)
from booking.errors import NotFound, ValidationError
from booking.services.bookings import Placement, approve_request
from booking.services.requests import submit_request
from tests.requests.conftest import TODAY, Ids, request_input

FEB = (dt.date(2027, 2, 2), dt.date(2027, 2, 19), dt.date(2027, 2, 19))


@pytest.fixture
def approved(db_url: str, ids: Ids) -> tuple[str, int]:
    sent = submit_request(
        request_input(
            ids.exhibition,
            ids.venues[0],
            access_notes="Entrée par la rue Servient <script>alert(1)</script>",
        ),
        today=TODAY,
    )
    stop = approve_request(sent.request_id, Placement(ids.kits[0], *FEB), actor="t")
    assert stop.id is not None
    return sent.token, stop.id


def _text(blocks: list) -> str:  # type: ignore[type-arg]
    return "\n".join(b.text for b in blocks)


def test_the_loan_agreement_names_the_parties_the_kit_and_the_dates(
    approved: tuple[str, int],
) -> None:
    _token, stop_id = approved
    with db.read_session() as session:
        data = stop_data(session, stop_id)
    text = _text(loan_agreement(data, "fr", today=dt.date(2026, 12, 1)))
    assert text.startswith("Convention de prêt d'exposition")
    assert f"Étape n° {stop_id} — établie le 1 décembre 2026" in text
    assert "Bibliothèque de la Part-Dieu, 30 boulevard Marius Vivier Merle, 69003" in text
    assert "représenté·e par Camille Martin, Bibliothécaire" in text
    assert "« Légende urbaine – Self Data »" in text and "12 panneaux" in text
    assert "Installation le 2 février 2027" in text and "jusqu'au 19 février 2027" in text
    assert "attestation d'assurance" in text
    english = _text(loan_agreement(data, "en", today=dt.date(2026, 12, 1)))
    assert english.startswith("Exhibition loan agreement") and "2 February 2027" in english


def test_the_guide_has_the_checklist_and_the_venue_notes_as_text(
    approved: tuple[str, int],
) -> None:
    _token, stop_id = approved
    with db.read_session() as session:
        data = stop_data(session, stop_id)
    blocks = installation_guide(data, "fr")
    checks = [b.text for b in blocks if b.kind == "check"]
    assert checks[:2] == ["Panneau 1", "Panneau 2"] and len(checks) == 14
    assert "Entrée par la rue Servient <script>alert(1)</script>" in _text(blocks)
    assert "ouverture du lieu 10:00–19:00" in _text(blocks)


def test_the_venue_downloads_real_pdfs_through_its_link(approved: tuple[str, int]) -> None:
    token, stop_id = approved
    for kind, name in (
        ("loan_agreement", "convention-de-pret"),
        ("installation_guide", "guide-installation"),
    ):
        document = document_for_token(token, kind)
        assert document.filename == f"{name}-etape-{stop_id}.pdf"
        assert document.mime == "application/pdf"
        assert document.data.startswith(b"%PDF-") and document.data.rstrip().endswith(b"%%EOF")
        assert len(re.findall(rb"/Type\s*/Page\b", document.data)) >= 1


def test_no_documents_before_approval_or_with_a_bad_link(db_url: str, ids: Ids) -> None:
    sent = submit_request(request_input(ids.exhibition, ids.venues[0]), today=TODAY)
    with pytest.raises(ValidationError, match="une fois l'étape confirmée"):
        document_for_token(sent.token, "loan_agreement")
    with pytest.raises(NotFound, match="Ce lien n'est pas valide."):
        document_for_token(sent.token[::-1], "loan_agreement")


def test_a_very_long_unbroken_note_still_prints(db_url: str, ids: Ids) -> None:
    sent = submit_request(
        request_input(ids.exhibition, ids.venues[0], access_notes="x" * 2000), today=TODAY
    )
    approve_request(sent.request_id, Placement(ids.kits[0], *FEB), actor="t")
    assert document_for_token(sent.token, "installation_guide").data.startswith(b"%PDF-")
