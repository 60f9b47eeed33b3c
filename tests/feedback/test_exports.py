"""Exports: safe against formula injection, hidden comments never leave, same suppression."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from booking import db
from booking.errors import ValidationError
from booking.feedback.dashboard import Filters, list_comments, moderate_comment
from booking.feedback.exports import export_bytes, neutralise
from booking.models import StopReport
from tests.feedback.conftest import Stops, add_answers

DANGEROUS = ['=HYPERLINK("http://x")', "+33 1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: French spreadsheets read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_neutralise_only_touches_dangerous_text() -> None:
    assert [neutralise(v) for v in DANGEROUS] == ["'" + v for v in DANGEROUS]
    assert neutralise("Très bien") == "Très bien"
    assert neutralise(-3) == -3 and neutralise(None) is None


def _with_comments(stops: Stops) -> dict[str, int]:
    assert stops.open.id
    for text in [*DANGEROUS, "<script>alert(1)</script>", "caché", "à vérifier"]:
        add_answers(stops.open.id, 1, comment=text)
    add_answers(stops.open.id, 10)
    rows, _ = list_comments(Filters())
    ids = {r.comment: r.response_id for r in rows}
    moderate_comment(ids["caché"], "hide", actor="t")
    moderate_comment(ids["à vérifier"], "flag", actor="t")
    return ids


def test_csv_responses_are_neutralised_and_keep_no_hidden_comment(stops: Stops) -> None:
    _with_comments(stops)
    rows = _csv(export_bytes(Filters(), "csv", table="responses"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Réponse", "Étape", "Exposition"] and len(body) == 19
    comments = [r[-1] for r in body if r[-1]]
    assert sorted(comments) == sorted(["'" + v for v in DANGEROUS] + ["<script>alert(1)</script>"])
    flat = "\n".join(";".join(r) for r in rows)
    assert "caché" not in flat and "à vérifier" not in flat
    day = header.index("Jour")
    assert all(len(r[day]) == 10 for r in body)  # a day, not an hour


def test_xlsx_holds_three_sheets_of_text_never_formulas(stops: Stops) -> None:
    _with_comments(stops)
    assert stops.past.id
    with db.transaction() as session:
        session.add(
            StopReport(stop_id=stops.past.id, visitors_total=120, incidents="=cmd|' /C calc'!A0")
        )
    workbook = load_workbook(io.BytesIO(export_bytes(Filters(), "xlsx")))
    assert workbook.sheetnames == ["Réponses", "Bilans d'étape", "Synthèse"]
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                values.append(cell.value)
    texts = [v for v in values if isinstance(v, str)]
    assert "'=cmd|' /C calc'!A0" in texts and '\'=HYPERLINK("http://x")' in texts
    assert not any(v.startswith(("=", "+", "-", "@")) for v in texts)
    assert "caché" not in texts and "à vérifier" not in texts


def test_the_summary_export_hides_what_the_dashboard_hides(stops: Stops) -> None:
    assert stops.open.id and stops.elsewhere.id
    add_answers(stops.open.id, 25, rating=5)
    add_answers(stops.elsewhere.id, 4, rating=2)
    rows = _csv(export_bytes(Filters(), "csv", table="summary"))
    ratings = {r[1]: (r[2], r[3]) for r in rows if r[0] == "Note de la visite"}
    assert ratings["5 – Très intéressante"] == ("25", "")
    assert ratings["2 – Peu intéressante"] == ("", "< 10 : masqué (petit groupe)")
    per_stop = [r for r in rows if r[0] == "Réponses par étape"]
    assert [r[2] for r in per_stop if "Collège" in r[1]] == [""]


def test_unknown_format_or_table_is_refused() -> None:
    with pytest.raises(ValidationError, match="csv ou xlsx"):
        export_bytes(Filters(), "ods")
    with pytest.raises(ValidationError, match="responses, reports ou summary"):
        export_bytes(Filters(), "csv", table="users")
