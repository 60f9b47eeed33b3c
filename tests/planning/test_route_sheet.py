"""The route sheet PDF says what the driver needs, in the order of the day.

The PDF is written uncompressed for the test and its text read back with `pdftext` (a small
ToUnicode decoder: no PDF reader is installed on this machine)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from booking.db import transaction
from booking.models import Venue
from booking.planning.db_season import list_van_days, plan_van_days, van_day_sheet
from booking.planning.route_sheet import route_sheet_pdf
from tests.factories import make_request, make_stop, world
from tests.planning.pdftext import pdf_text

D = dt.date


def _sheet_day() -> int:
    with transaction() as session:
        w = world(session)
        library, _ = make_request(session, w.exhibition, w.venues[0])
        make_stop(session, library, w.kits[0], D(2027, 3, 16), D(2027, 3, 26), D(2027, 3, 26))
        park, _ = make_request(session, w.exhibition, w.venues[2])
        make_stop(session, park, w.kits[1], D(2027, 3, 16), D(2027, 3, 30), D(2027, 3, 30))
        venue = session.exec(select(Venue).where(Venue.code == "bm-part-dieu")).one()
        venue.access_notes = "Quai de livraison rue Garibaldi, badge à l'accueil"
    plan_van_days(start=D(2027, 3, 1), end=D(2027, 4, 30), actor="test")
    day = next(r for r in list_van_days() if r["date"] == D(2027, 3, 16))
    return int(day["id"])


def test_route_sheet_pdf_lists_stops_times_loads_contacts_and_access(sqlite_url: str) -> None:
    sheet = van_day_sheet(_sheet_day())
    data = route_sheet_pdf(sheet, "fr", compress=False)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Feuille de route" in text and "mardi 16 mars 2027" in text
    assert "À charger au dépôt" in text
    assert "self-data-1" in text and "self-data-2" in text and "Panneau 12" in text
    assert "Bibliothèque de la Part-Dieu" in text and "Parc Champvert" in text
    assert "Camille Exemple" in text
    assert "Quai de livraison rue Garibaldi" in text
    assert "Installer : self-data-1" in text
    assert "Plan de la tournée" in text
    # the stops come in driving order, each with its arrival time in Paris time
    order = [s.place for s in sheet.stops]
    positions = [text.index(f"{n}. {place}") for n, place in enumerate(order, start=1)]
    assert positions == sorted(positions)
    for stop in sheet.stops:
        assert stop.arrive.astimezone(dt.UTC).utcoffset() == dt.timedelta(0)
    first = sheet.stops[0]
    local = first.arrive.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert f"Arrivée {local:%H:%M}" in text


def test_route_sheet_in_english(sqlite_url: str) -> None:
    text = pdf_text(route_sheet_pdf(van_day_sheet(_sheet_day()), "en", compress=False))
    assert "Route sheet" in text and "Tuesday, 16 March 2027" in text
    assert "To load at the depot" in text and "Depot: " in text


def test_compressed_pdf_is_the_default(sqlite_url: str) -> None:
    data = route_sheet_pdf(van_day_sheet(_sheet_day()))
    assert b"/FlateDecode" in data
