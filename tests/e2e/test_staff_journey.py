"""Journey 2: Métropole staff sign in, hold then approve a request, run the season plan,
route the van's days and open one with its route sheet PDF."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from booking.db import read_session
from booking.i18n import format_date, format_day
from booking.models import (
    AuditEvent,
    BookingRequest,
    KitOccupancy,
    OccupancyKind,
    RequestStatus,
    Stop,
    TransportLeg,
    Van,
    VanDay,
)
from tests.e2e.conftest import App, Shots
from tests.e2e.factories_e2e import venue_request
from tests.e2e.streamlit_page import (
    STAFF,
    Accessibility,
    choose,
    main,
    open_menu,
    rerun,
    sign_in,
)
from tests.planning.pdftext import pdf_text

pytestmark = pytest.mark.browser

CONTACT = "jules.staff.e2e@example.org"


def test_staff_hold_approve_plan_and_route(
    new_page: Any, app: App, shots: Shots, a11y: Accessibility
) -> None:
    request_id, venue = venue_request("ml-bron-jean-prevost", CONTACT)
    venue_name = venue.name
    page = new_page()
    sign_in(page, app, STAFF, a11y)
    content = main(page)

    # ------------------------------------------------ hold, then approve
    open_menu(page, "Demandes")
    content.get_by_role("heading", name="Demandes").wait_for()
    choose(page, "Ouvrir la demande", f"{request_id} — {venue_name}")
    content.get_by_role("heading", name=f"Demande n° {request_id} — envoyée").wait_for()
    a11y.check(page, "Demandes")
    page.get_by_role("tab", name="Décisions").click()
    shots(page, "request opened")
    rerun(page, lambda: content.get_by_role("button", name="Poser une option").click())
    content.get_by_role("heading", name=f"Demande n° {request_id} — sous réserve").wait_for()
    with read_session() as session:
        request = session.get(BookingRequest, request_id)
        assert request is not None and request.status == RequestStatus.held
        hold = session.exec(select(KitOccupancy).where(KitOccupancy.request_id == request_id)).one()
        assert hold.kind == OccupancyKind.hold and hold.start == request.start
    page.get_by_role("tab", name="Décisions").click()
    rerun(page, lambda: content.get_by_role("button", name="Confirmer l'option en cours").click())
    content.get_by_role("heading", name=f"Demande n° {request_id} — confirmée").wait_for()
    assert content.get_by_text("C'est fait.").is_visible()
    shots(page, "approved")
    with read_session() as session:
        stop = session.exec(select(Stop).where(Stop.request_id == request_id)).one()
        occupancy = session.exec(
            select(KitOccupancy).where(KitOccupancy.request_id == request_id)
        ).one()
        assert occupancy.kind == OccupancyKind.stop
        assert (stop.install_date, stop.kit_id) == (hold.start, hold.kit_id)
        install, stop_id = stop.install_date, stop.id
    # The venue is told, with the stop's calendar attached.
    (approved,) = app.mail.wait_for(CONTACT, subject="Étape confirmée")
    attachments = [part.get_filename() for part in approved.iter_attachments()]
    assert attachments == [f"etape-{stop_id}.ics"]

    # ------------------------------------------------ the season plan
    open_menu(page, "Planification")
    content.get_by_role("heading", name="Planification").wait_for()
    a11y.check(page, "Planification")
    slider = content.get_by_role("slider", name="Temps de calcul maximal (secondes)")
    rerun(page, lambda: (slider.focus(), page.keyboard.press("Home")))
    assert slider.input_value() == "5"
    rerun(page, lambda: content.get_by_role("button", name="Calculer une proposition").click())
    content.get_by_text(re.compile(r"Proposition prête : \d+ demandes placées")).wait_for()
    content.get_by_role("heading", name="Ce qui change").wait_for()
    status = content.get_by_text(re.compile(r"Statut : (optimale \(prouvée\)|réalisable)"))
    assert status.is_visible()
    shots(page, "season plan")
    a11y.check(page, "Planification (proposition)")
    rerun(page, lambda: content.get_by_role("button", name="Accepter la sélection").click())
    toast = page.get_by_test_id("stToast").filter(has_text="options")
    held = int(re.search(r"(\d+) options", toast.inner_text()).group(1))  # type: ignore[union-attr]
    with read_session() as session:
        accepted = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "plan.accepted")
            .order_by(col(AuditEvent.id).desc())
        ).first()
        assert accepted is not None and accepted.actor == f"user:{STAFF}"
        assert (accepted.details["mode"], accepted.details["held"]) == ("hold", held)
        assert held >= 1

    # ------------------------------------------------ the van's days and a route sheet
    open_menu(page, "Tournées du camion")
    content.get_by_role("heading", name="Tournées du camion").wait_for()
    rerun(page, lambda: content.get_by_role("button", name="Calculer les tournées à venir").click())
    content.get_by_text(re.compile(r"\d+ jours routés")).wait_for()
    with read_session() as session:
        leg = session.exec(
            select(TransportLeg).where(
                TransportLeg.stop_id == stop_id, TransportLeg.date == install
            )
        ).first()
        assert leg is not None and leg.van_day_id is not None, "the install day is routed"
        van_day = session.get(VanDay, leg.van_day_id)
        assert van_day is not None
        van = session.get(Van, van_day.van_id)
        assert van is not None
        day_label = f"{format_date(install, 'fr')} · {van.name}"
    choose(page, "Tournée", day_label)
    content.get_by_role("heading", name=f"Feuille de route — {day_label}").wait_for()
    shots(page, "route sheet")  # its stops are in a data grid (a canvas): read in the PDF
    a11y.check(page, "Tournées du camion")
    with page.expect_download() as download:
        content.get_by_role("button", name="Télécharger la feuille de route (PDF)").click()
    pdf = download.value
    assert pdf.suggested_filename.startswith(f"feuille-de-route-{install.isoformat()}-")
    data = Path(pdf.path()).read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    text = " ".join(pdf_text(data).split())
    assert f"Feuille de route — {van.name} — {format_day(install, 'fr')}" in text
    assert venue_name in text
    a11y.assert_clean()
