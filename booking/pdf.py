"""PDF documents (fpdf2) with a Unicode font shipped in the package (DejaVu Sans, free
licence in booking/assets/fonts), so French text, « guillemets » and œ print everywhere."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent / "assets" / "fonts"
FONT = "DejaVu"


def new_pdf(*, orientation: str = "portrait", page_format: str = "A4", title: str = "") -> FPDF:
    """An FPDF with the shipped font registered (regular and bold) and metadata set."""
    pdf = FPDF(orientation=orientation, format=page_format)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_font(FONT, size=11)
    pdf.set_creator("Tournée")
    if title:
        pdf.set_title(title)
    pdf.set_auto_page_break(auto=True, margin=15)
    return pdf


def pdf_bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())
