"""Journey 5: the Tuba team signs in, filters the visitor-feedback dashboard by type of venue
and downloads the exports (CSV and the XLSX workbook) of what the filter selects."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlmodel import select

from booking.db import read_session
from booking.models import FeedbackResponse, Stop, Venue, VenueType
from tests.e2e.conftest import App, Shots
from tests.e2e.streamlit_page import (
    TUBA,
    Accessibility,
    choose,
    main,
    open_menu,
    rerun,
    sign_in,
)

pytestmark = pytest.mark.browser


def responses_at(kind: VenueType) -> int:
    with read_session() as session:
        return int(
            session.exec(
                select(func.count())
                .select_from(FeedbackResponse)
                .join(Stop, Stop.id == FeedbackResponse.stop_id)  # type: ignore[arg-type]
                .join(Venue, Venue.id == Stop.venue_id)  # type: ignore[arg-type]
                .where(Venue.type == kind)
            ).one()
        )


def download(page: Any, label: str) -> tuple[str, bytes]:
    """Click a download button: the file is made on the server when clicked, then the page
    reruns (the button's default), which is waited for before the next click."""

    def click() -> Any:
        with page.expect_download() as started:
            main(page).get_by_role("button", name=label).click()
        return started.value

    file = rerun(page, click)
    return file.suggested_filename, Path(file.path()).read_bytes()


def test_tuba_filters_the_dashboard_and_exports(
    new_page: Any, app: App, shots: Shots, a11y: Accessibility
) -> None:
    expected = responses_at(VenueType.library)
    assert expected >= 10, "the demo feedback has enough library answers to be shown"
    page = new_page()
    sign_in(page, app, TUBA)
    # The Tuba team's menu has its pages and not the staff's.
    assert not page.get_by_role("link", name="Demandes", exact=True).count()
    open_menu(page, "Retours des visiteurs")
    content = main(page)
    content.get_by_role("heading", name="Retours des visiteurs").wait_for()
    a11y.check(page, "Retours des visiteurs")

    choose(page, "Type de lieu", "Bibliothèque")
    metric = content.get_by_test_id("stMetric").filter(has_text="Réponses")
    assert metric.get_by_test_id("stMetricValue").inner_text().replace("\u202f", "") == str(
        expected
    )
    shots(page, "filtered")
    # a screen reader gets each chart as text: every bar with its figure
    chart = page.locator("[role='graphics-document'][aria-label^='Note de la visite.']")
    chart.first.wait_for()
    assert " : " in (chart.first.get_attribute("aria-label") or "")
    a11y.check(page, "Retours des visiteurs (bibliothèques)")

    page.get_by_role("tab", name="Exports").click()
    name, data = download(page, "Réponses (CSV)")
    assert name.startswith("reponses-") and name.endswith(".csv")
    assert data.startswith("\ufeff".encode())  # a BOM: a French spreadsheet reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert len(body) == expected
    venue_type = header.index("Type de lieu")
    assert {row[venue_type] for row in body} == {"library"}  # the code, for analysis

    name, data = download(page, "Classeur complet (XLSX)")
    assert name.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    assert workbook.sheetnames == ["Réponses", "Bilans d'étape", "Synthèse"]
    assert sum(1 for _ in workbook["Réponses"].iter_rows()) == expected + 1
    shots(page, "exports")
    a11y.assert_clean()
