"""Read back what our PDFs hold, with pypdf (a well-kept PDF reader, test dependency only):
the text of every page, and the drawing operators of a page's content streams."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    """The text of every page, compressed or not, fonts' ToUnicode maps applied."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def page_contents(pdf: bytes, page: int = 0) -> bytes:
    """The decoded content stream of one page: its drawing operators."""
    contents = PdfReader(io.BytesIO(pdf)).pages[page].get_contents()
    return contents.get_data() if contents is not None else b""
