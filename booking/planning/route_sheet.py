"""The route sheet of a van day: a printable PDF (fpdf2) with the order of stops, times,
addresses, contacts, access notes, what to load (the panel checklist) and a map drawn with
plain shapes (the communes of the gazetteer as landmarks; no tiles, no third-party call)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from fpdf import FPDF

from booking.i18n import add_messages, format_day, format_number, format_time, t
from booking.pdf import FONT, new_pdf, pdf_bytes
from booking.planning.db_season import VanDaySheet, landmarks

add_messages(
    {
        "sheet.title": {"fr": "Feuille de route", "en": "Route sheet"},
        "sheet.van": {"fr": "Camion", "en": "Van"},
        "sheet.summary": {
            "fr": "Départ {start} · retour {end} · {km} km · {stops} arrêts",
            "en": "Leaves {start} · back {end} · {km} km · {stops} stops",
        },
        "sheet.order": {"fr": "Ordre des arrêts", "en": "Order of stops"},
        "sheet.arrive": {"fr": "Arrivée", "en": "Arrive"},
        "sheet.leave": {"fr": "Départ", "en": "Leave"},
        "sheet.hours": {"fr": "Horaires du lieu", "en": "Venue hours"},
        "sheet.install": {"fr": "Installer", "en": "Install"},
        "sheet.dismantle": {"fr": "Démonter et charger", "en": "Dismantle and load"},
        "sheet.unload_depot": {"fr": "Décharger au dépôt", "en": "Unload at the depot"},
        "sheet.load_depot": {"fr": "Charger au dépôt", "en": "Load at the depot"},
        "sheet.handling": {"fr": "Manutention : {minutes} min", "en": "Handling: {minutes} min"},
        "sheet.contacts": {"fr": "Contacts", "en": "Contacts"},
        "sheet.access": {"fr": "Accès", "en": "Access"},
        "sheet.load_list": {"fr": "À charger au dépôt", "en": "To load at the depot"},
        "sheet.nothing_to_load": {
            "fr": "Rien à charger au départ.",
            "en": "Nothing to load at the start.",
        },
        "sheet.map": {"fr": "Plan de la tournée", "en": "Map of the day"},
        "sheet.depot": {"fr": "Dépôt", "en": "Depot"},
        "sheet.label": {"fr": "{label} : {value}", "en": "{label}: {value}"},
        "sheet.footer": {
            "fr": "Tournée · {uid} · carte dessinée sans fond de carte externe",
            "en": "Tournée · {uid} · map drawn without external tiles",
        },
    }
)


def _label(key: str, value: str, lang: str) -> str:
    return t("sheet.label", lang, label=t(key, lang), value=value)


def _line(pdf: FPDF, text: str, *, size: float = 10, bold: bool = False, h: float = 5) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(0, h, text, align="L", new_x="LMARGIN", new_y="NEXT")


def route_sheet_pdf(sheet: VanDaySheet, lang: str = "fr", *, compress: bool = True) -> bytes:
    """The route sheet as PDF bytes (`compress=False` keeps the text readable in tests)."""
    title = f"{t('sheet.title', lang)} — {sheet.van_name} — {format_day(sheet.date, lang)}"
    pdf = new_pdf(title=title)
    pdf.set_compression(compress)
    pdf.add_page()
    _line(pdf, title, size=15, bold=True, h=7)
    venues = [s for s in sheet.stops if not s.is_depot]
    _line(
        pdf,
        t(
            "sheet.summary",
            lang,
            start=format_time(sheet.start_at, lang) if sheet.start_at else "—",
            end=format_time(sheet.end_at, lang) if sheet.end_at else "—",
            km=format_number(sheet.km, lang),
            stops=len(venues),
        ),
    )
    _line(pdf, _label("sheet.depot", f"{sheet.depot} — {sheet.depot_address}", lang), size=9)
    pdf.ln(2)

    _line(pdf, t("sheet.load_list", lang), size=12, bold=True, h=6)
    if not sheet.load_list:
        _line(pdf, t("sheet.nothing_to_load", lang))
    for kit, parts in sheet.load_list.items():
        _line(pdf, kit, bold=True)
        for part in parts:
            pdf.set_font(FONT, "", 9)
            x, y = pdf.get_x(), pdf.get_y()
            pdf.rect(x + 2, y + 1, 3, 3)
            pdf.set_x(x + 7)
            pdf.cell(0, 5, part, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)

    _line(pdf, t("sheet.order", lang), size=12, bold=True, h=6)
    for stop in sheet.stops:
        times = f"{t('sheet.arrive', lang)} {format_time(stop.arrive, lang)}"
        if stop.depart is not None:
            times += f" · {t('sheet.leave', lang)} {format_time(stop.depart, lang)}"
        _line(pdf, f"{stop.position}. {stop.place} — {times}", bold=True)
        if stop.address:
            _line(pdf, stop.address, size=9)
        if stop.hours:
            _line(pdf, _label("sheet.hours", stop.hours, lang), size=9)
        if stop.is_depot:
            if stop.unload:
                _line(pdf, _label("sheet.unload_depot", ", ".join(stop.unload), lang), size=9)
            if stop.load:
                _line(pdf, _label("sheet.load_depot", ", ".join(stop.load), lang), size=9)
        else:
            if stop.unload:
                _line(pdf, _label("sheet.install", ", ".join(stop.unload), lang), size=9)
            if stop.load:
                _line(pdf, _label("sheet.dismantle", ", ".join(stop.load), lang), size=9)
            if stop.handling_minutes:
                _line(pdf, t("sheet.handling", lang, minutes=stop.handling_minutes), size=9)
            if stop.contacts:
                _line(pdf, _label("sheet.contacts", " ; ".join(stop.contacts), lang), size=9)
            if stop.access:
                _line(pdf, _label("sheet.access", stop.access, lang), size=9)
        pdf.ln(1.5)

    if pdf.get_y() > 297 - 15 - 120:
        pdf.add_page()
    _line(pdf, t("sheet.map", lang), size=12, bold=True, h=6)
    draw_map(pdf, sheet.points, landmarks(), x=pdf.l_margin, y=pdf.get_y() + 2, w=180, h=110)
    pdf.set_auto_page_break(False)
    pdf.set_y(297 - 12)
    pdf.set_font(FONT, "", 7)
    pdf.cell(0, 4, t("sheet.footer", lang, uid=sheet.uid))
    return pdf_bytes(pdf)


def draw_map(
    pdf: FPDF,
    route: Sequence[tuple[float, float, str]],
    marks: Sequence[dict[str, Any]],
    *,
    x: float,
    y: float,
    w: float,
    h: float,
) -> None:
    """The route (numbered points joined in order) over light commune landmarks, in a box
    scaled to the route with an equirectangular projection (fine at a city's scale)."""
    pdf.set_draw_color(180, 180, 180)
    pdf.rect(x, y, w, h)
    if not route:
        return
    lats = [p[0] for p in route]
    lons = [p[1] for p in route]
    pad = 0.01
    lat0, lat1 = min(lats) - pad, max(lats) + pad
    lon0, lon1 = min(lons) - pad, max(lons) + pad
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    span_x, span_y = (lon1 - lon0) * kx, lat1 - lat0
    scale = min(w / span_x, h / span_y)
    off_x = x + (w - span_x * scale) / 2
    off_y = y + (h - span_y * scale) / 2

    def proj(lat: float, lon: float) -> tuple[float, float]:
        return off_x + (lon - lon0) * kx * scale, off_y + (lat1 - lat) * scale

    pdf.set_font(FONT, "", 6)
    pdf.set_text_color(150, 150, 150)
    pdf.set_fill_color(200, 200, 200)
    for mark in marks:
        if lat0 <= mark["lat"] <= lat1 and lon0 <= mark["lon"] <= lon1:
            px, py = proj(mark["lat"], mark["lon"])
            pdf.ellipse(px - 0.6, py - 0.6, 1.2, 1.2, style="F")
            pdf.text(px + 1, py + 1, str(mark["label"]))
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(30, 90, 160)
    pdf.set_line_width(0.6)
    points = [proj(lat, lon) for lat, lon, _ in route]
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        pdf.line(ax, ay, bx, by)
    pdf.set_line_width(0.2)
    pdf.set_font(FONT, "B", 7)
    for number, (px, py) in enumerate(points):
        if number and (px, py) == points[0]:
            continue  # back at the depot: its mark is already there
        pdf.set_fill_color(255, 255, 255) if number else pdf.set_fill_color(30, 90, 160)
        pdf.ellipse(px - 2.2, py - 2.2, 4.4, 4.4, style="DF")
        label = str(number) if number else "D"
        if not number:
            pdf.set_text_color(255, 255, 255)
        pdf.text(px - pdf.get_string_width(label) / 2, py + 1.0, label)
        pdf.set_text_color(0, 0, 0)
