"""QR posters for a stop (PDF and PNG, A4 and A5) pointing to `/f/<stop-token>`.

The QR code comes from `segno`; in the PDF it is drawn as vector rectangles (sharp at any
print size), in the PNG as pixels at 150 dpi. Text uses the shipped DejaVu font.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from dataclasses import dataclass

import segno
from PIL import Image, ImageDraw, ImageFont
from sqlmodel import col, select

from booking.config import get_settings
from booking.db import read_session
from booking.errors import NotFound, ValidationError
from booking.i18n import add_messages, format_date
from booking.models import Exhibition, Stop, Venue
from booking.pdf import FONT, FONT_DIR, new_pdf, pdf_bytes

add_messages(
    {
        "poster.headline": {"fr": "Votre avis en une minute", "en": "Your view in one minute"},
        "poster.sub": {
            "fr": "Scannez le code avec votre téléphone",
            "en": "Scan the code with your phone",
        },
        "poster.anonymous": {
            "fr": "Anonyme : ni compte, ni traceur, ni adresse IP enregistrée.",
            "en": "Anonymous: no account, no tracker, no IP address stored.",
        },
        "poster.dates": {"fr": "Du {start} au {end}", "en": "From {start} to {end}"},
        "poster.not_found": {"fr": "Étape introuvable.", "en": "Stop not found."},
        "poster.bad_size": {
            "fr": "Format d'affiche inconnu (attendu : A4 ou A5, PDF ou PNG).",
            "en": "Unknown poster format (expected: A4 or A5, PDF or PNG).",
        },
    }
)

SIZES_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
PNG_DPI = 150
ENGLISH_LINE = "Your view in one minute – anonymous"


@dataclass(frozen=True)
class PosterInfo:
    stop_id: int
    url: str
    exhibition_title: str
    venue_name: str
    commune: str
    install_date: dt.date
    last_open_date: dt.date


def form_url(token: str) -> str:
    return f"{get_settings().base_url.rstrip('/')}/f/{token}"


def poster_info(stop_id: int) -> PosterInfo:
    with read_session() as session:
        row = session.exec(
            select(Stop, col(Venue.name), col(Venue.commune), col(Exhibition.title))
            .join(Venue, col(Venue.id) == col(Stop.venue_id))
            .join(Exhibition, col(Exhibition.id) == col(Stop.exhibition_id))
            .where(Stop.id == stop_id)
        ).first()
    if row is None:
        raise NotFound("poster.not_found")
    stop, venue, commune, title = row
    return PosterInfo(
        stop_id=stop_id,
        url=form_url(stop.feedback_token),
        exhibition_title=title,
        venue_name=venue,
        commune=commune,
        install_date=stop.install_date,
        last_open_date=stop.last_open_date,
    )


def _qr(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def _lines(info: PosterInfo) -> tuple[str, str, str, str]:
    from booking.i18n import t

    dates = t(
        "poster.dates",
        "fr",
        start=format_date(info.install_date, "fr"),
        end=format_date(info.last_open_date, "fr"),
    )
    place = f"{info.venue_name}, {info.commune}" if info.commune else info.venue_name
    return t("poster.headline", "fr"), t("poster.sub", "fr"), place, dates


def poster_pdf(info: PosterInfo, size: str = "A4") -> bytes:
    """A one-page PDF poster, the QR code drawn as vectors."""
    if size not in SIZES_MM:
        raise ValidationError("poster.bad_size", field="size")
    from booking.i18n import t

    width, height = SIZES_MM[size]
    k = width / 210.0  # every measure scales with the page
    with warnings.catch_warnings():  # fpdf2 notes it once fixed A5's size: nothing to act on
        warnings.simplefilter("ignore", UserWarning)
        pdf = new_pdf(page_format=size, title=f"{info.exhibition_title} – {info.venue_name}")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    margin = 15 * k
    inner = width - 2 * margin
    headline, sub, place, dates = _lines(info)
    pdf.set_text_color(0x1A, 0x1A, 0x1A)
    pdf.set_xy(margin, 16 * k)
    pdf.set_font(FONT, "", 13 * k)
    pdf.multi_cell(inner, 6 * k, info.exhibition_title, align="C")
    pdf.set_font(FONT, "B", 30 * k)
    pdf.set_text_color(0xB0, 0x00, 0x5C)
    pdf.set_x(margin)
    pdf.multi_cell(inner, 13 * k, headline, align="C")
    pdf.set_text_color(0x1A, 0x1A, 0x1A)
    pdf.set_font(FONT, "", 15 * k)
    pdf.set_x(margin)
    pdf.multi_cell(inner, 8 * k, sub, align="C")

    qr = _qr(info.url)
    modules = qr.symbol_size(border=0)[0]
    side = 130 * k
    module = side / modules
    x0, y0 = (width - side) / 2, max(pdf.get_y() + 8 * k, 82 * k)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(qr.matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(
                    x0 + start * module, y0 + r * module, (c - start) * module, module, style="F"
                )
            else:
                c += 1
    y = y0 + side + 8 * k
    pdf.set_font(FONT, "", 9 * k)
    pdf.set_xy(margin, y)
    pdf.multi_cell(inner, 5 * k, info.url, align="C")
    pdf.set_font(FONT, "B", 14 * k)
    pdf.set_x(margin)
    pdf.multi_cell(inner, 7 * k, place, align="C")
    pdf.set_font(FONT, "", 12 * k)
    pdf.set_x(margin)
    pdf.multi_cell(inner, 6 * k, dates, align="C")
    pdf.set_font(FONT, "", 10 * k)
    pdf.set_xy(margin, height - 30 * k)
    pdf.multi_cell(inner, 5 * k, t("poster.anonymous", "fr"), align="C")
    pdf.set_x(margin)
    pdf.multi_cell(inner, 5 * k, f"{ENGLISH_LINE}: {info.url}", align="C")
    return pdf_bytes(pdf)


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size)


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def poster_png(info: PosterInfo, size: str = "A4") -> bytes:
    """The same poster as a PNG at 150 dpi (for screens, messages and quick printing)."""
    if size not in SIZES_MM:
        raise ValidationError("poster.bad_size", field="size")
    from booking.i18n import t

    mm = PNG_DPI / 25.4
    width, height = (round(v * mm) for v in SIZES_MM[size])
    k = width / (210 * mm)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    margin = round(15 * k * mm)
    inner = width - 2 * margin
    headline, sub, place, dates = _lines(info)
    y = round(16 * k * mm)

    def block(
        text: str, px: int, bold: bool = False, fill: str = "#1a1a1a", gap: float = 1.25
    ) -> None:
        nonlocal y
        font = _font(px, bold)
        for line in _wrap(draw, text, font, inner):
            draw.text((width / 2, y), line, font=font, fill=fill, anchor="ma")
            y += round(px * gap)

    pt = mm * 0.3528  # one typographic point in pixels
    block(info.exhibition_title, round(13 * k * pt))
    y += round(3 * k * mm)
    block(headline, round(30 * k * pt), bold=True, fill="#b0005c")
    block(sub, round(15 * k * pt))
    qr = _qr(info.url)
    modules = qr.symbol_size(border=0)[0]
    side = round(130 * k * mm)
    scale = max(1, side // modules)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=0)
    buffer.seek(0)
    code = Image.open(buffer).convert("RGB").resize((side, side), Image.Resampling.NEAREST)
    y = max(y + round(8 * k * mm), round(82 * k * mm))
    image.paste(code, ((width - side) // 2, y))
    y += side + round(8 * k * mm)
    block(info.url, round(9 * k * pt))
    block(place, round(14 * k * pt), bold=True)
    block(dates, round(12 * k * pt))
    y = height - round(30 * k * mm)
    block(t("poster.anonymous", "fr"), round(10 * k * pt))
    block(f"{ENGLISH_LINE}: {info.url}", round(10 * k * pt))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True, dpi=(PNG_DPI, PNG_DPI))
    return out.getvalue()


def poster(stop_id: int, fmt: str = "pdf", size: str = "A4") -> tuple[bytes, str, str]:
    """(content, MIME type, file name) of a stop's poster."""
    if fmt not in ("pdf", "png") or size not in SIZES_MM:
        raise ValidationError("poster.bad_size", field="format")
    info = poster_info(stop_id)
    name = f"affiche-avis-etape-{stop_id}-{size}.{fmt}"
    if fmt == "pdf":
        return poster_pdf(info, size), "application/pdf", name
    return poster_png(info, size), "image/png", name


@dataclass(frozen=True)
class FormLink:
    stop_id: int
    venue_name: str
    commune: str
    install_date: dt.date
    last_open_date: dt.date
    url: str


def current_form_links(today: dt.date | None = None) -> list[FormLink]:
    """Every stop open today (Paris), with its visitor form's URL (staff send it to venues)."""
    from booking.feedback.submit import local_today
    from booking.models import StopStatus

    day = today or local_today()
    with read_session() as session:
        rows = session.exec(
            select(Stop, col(Venue.name), col(Venue.commune))
            .join(Venue, col(Venue.id) == col(Stop.venue_id))
            .where(
                Stop.status == StopStatus.confirmed,
                col(Stop.install_date) <= day,
                col(Stop.last_open_date) >= day,
            )
            .order_by(col(Stop.install_date), col(Stop.id))
        ).all()
    return [
        FormLink(
            stop_id=stop.id or 0,
            venue_name=name,
            commune=commune,
            install_date=stop.install_date,
            last_open_date=stop.last_open_date,
            url=form_url(stop.feedback_token),
        )
        for stop, name, commune in rows
    ]
