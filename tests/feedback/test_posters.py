"""QR posters: A4 and A5, PDF and PNG, and the code on them is the stop's form URL."""

from __future__ import annotations

import io

import numpy as np
import pytest
import segno
from PIL import Image

from booking.errors import NotFound, ValidationError
from booking.feedback.posters import form_url, poster
from tests.feedback.conftest import Stops
from tests.planning.pdftext import page_contents


def _runs(matrix: tuple[bytearray, ...]) -> int:
    """Horizontal runs of dark modules: one filled rectangle each in the PDF."""
    return sum(1 for row in matrix for i, v in enumerate(row) if v and (i == 0 or not row[i - 1]))


def _sample_qr(image: Image.Image, matrix: tuple[bytearray, ...]) -> list[list[int]]:
    """Read the module grid back from the PNG: the first row whose dark pixels span a
    centred square with a dark bottom-left corner (the finder patterns) is the code's top."""
    grey = image.convert("L")
    width, height = grey.size
    n = len(matrix)
    dark = (np.asarray(grey) < 128).tolist()
    for y0, row in enumerate(dark):
        xs = [x for x, d in enumerate(row) if d]
        if not xs:
            continue
        x0, side = xs[0], xs[-1] - xs[0] + 1
        if side < width // 3 or abs(x0 - (width - side) // 2) > 1 or y0 + side > height:
            continue
        module = side / n
        finder = int(7 * module) - 1  # the finder patterns' top edges: 7 dark modules each
        if not (all(row[x0 : x0 + finder]) and all(row[x0 + side - finder : x0 + side])):
            continue
        if not dark[y0 + side - 1][x0]:
            continue
        return [
            [
                int(dark[int(y0 + (r + 0.5) * module)][int(x0 + (c + 0.5) * module)])
                for c in range(n)
            ]
            for r in range(n)
        ]
    raise AssertionError("no QR code found")


@pytest.mark.parametrize(("size", "pixels"), [("A4", (1240, 1754)), ("A5", (874, 1240))])
def test_png_poster_carries_the_form_url(stops: Stops, size: str, pixels: tuple[int, int]) -> None:
    assert stops.open.id
    content, mime, name = poster(stops.open.id, "png", size)
    assert mime == "image/png" and name.endswith(f"{size}.png")
    image = Image.open(io.BytesIO(content))
    assert image.size == pixels
    url = form_url(stops.open.feedback_token)
    assert url.endswith(f"/f/{stops.open.feedback_token}")
    matrix = segno.make(url, error="m", micro=False).matrix
    assert _sample_qr(image, matrix) == [list(row) for row in matrix]


@pytest.mark.parametrize(("size", "points"), [("A4", "595.28 841.89"), ("A5", "419.53 595.28")])
def test_pdf_poster_draws_the_code_as_vectors(stops: Stops, size: str, points: str) -> None:
    assert stops.open.id
    content, mime, _ = poster(stops.open.id, "pdf", size)
    assert mime == "application/pdf" and content.startswith(b"%PDF-")
    assert f"/MediaBox [0 0 {points}]".encode() in content
    drawn = page_contents(content)
    matrix = segno.make(form_url(stops.open.feedback_token), error="m").matrix
    assert drawn.count(b" re f") == _runs(matrix)


def test_unknown_stop_or_format_is_refused(stops: Stops) -> None:
    with pytest.raises(NotFound):
        poster(999_999, "pdf", "A4")
    with pytest.raises(ValidationError):
        poster(stops.open.id or 0, "svg", "A4")
    with pytest.raises(ValidationError):
        poster(stops.open.id or 0, "pdf", "A3")
