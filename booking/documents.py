"""The documents of a stop, filled with its data: the loan agreement to sign and send back,
and the installation guide with the kit's checklist (PDF, `booking.pdf.new_pdf`).

A document is first a list of blocks (plain data a test can read), then a PDF. Text typed
by a venue is printed as text: a PDF does not run HTML or scripts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from booking.db import read_session
from booking.errors import NotFound, ValidationError
from booking.i18n import add_messages, format_date, format_time, normalise_language, t
from booking.models import (
    BookingRequest,
    Contact,
    Exhibition,
    Kit,
    KitPart,
    PartKind,
    Stop,
    StopStatus,
    Venue,
)
from booking.pdf import FONT, new_pdf, pdf_bytes

KINDS = ("loan_agreement", "installation_guide")

add_messages(
    {
        "documents.not_ready": {
            "fr": "Les documents sont disponibles une fois l'étape confirmée.",
            "en": "The documents are available once the stop is confirmed.",
        },
        "documents.stop_not_found": {"fr": "Étape introuvable.", "en": "Stop not found."},
        "documents.loan.title": {
            "fr": "Convention de prêt d'exposition",
            "en": "Exhibition loan agreement",
        },
        "documents.loan.ref": {
            "fr": "Étape n° {stop} — établie le {today}",
            "en": "Stop no. {stop} — drawn up on {today}",
        },
        "documents.loan.parties": {"fr": "Entre les soussignés", "en": "Between the undersigned"},
        "documents.loan.lender": {
            "fr": "{commissioner}, qui fait circuler l'exposition, ci-après « le prêteur » ;",
            "en": '{commissioner}, which tours the exhibition, hereafter "the lender";',
        },
        "documents.loan.borrower": {
            "fr": "{venue}, {address}, représenté·e par {contact}, ci-après « l'emprunteur ».",
            "en": '{venue}, {address}, represented by {contact}, hereafter "the borrower".',
        },
        "documents.loan.a1": {"fr": "Article 1 — Objet", "en": "Article 1 — Purpose"},
        "documents.loan.a1_text": {
            "fr": "Le prêteur met à disposition de l'emprunteur, à titre gratuit, l'exposition « {title} » ({producer}) : kit {kit}, {panels} panneaux, environ {length} m linéaires, avec son kit de fixation et son guide d'installation.",
            "en": 'The lender lends the borrower, free of charge, the exhibition "{title}" ({producer}): kit {kit}, {panels} panels, about {length} m of wall, with its fixing kit and installation guide.',
        },
        "documents.loan.a2": {"fr": "Article 2 — Dates", "en": "Article 2 — Dates"},
        "documents.loan.a2_text": {
            "fr": "Installation le {install} ; ouverture au public jusqu'au {last_open} inclus ; démontage le {dismantle}. Le transport, l'installation et le démontage sont assurés par le prêteur, en présence d'une personne de l'emprunteur.",
            "en": "Installation on {install}; open to the public until {last_open} inclusive; dismantling on {dismantle}. Transport, installation and dismantling are done by the lender, with someone from the borrower present.",
        },
        "documents.loan.a3": {
            "fr": "Article 3 — Engagements de l'emprunteur",
            "en": "Article 3 — The borrower's commitments",
        },
        "documents.loan.a3_items": {
            "fr": "recevoir le camion et laisser un accès pour le déchargement|présenter l'exposition en intérieur ou à l'abri, sans la modifier ni la découper|en permettre l'accès libre et gratuit au public|signaler au prêteur sous 48 heures toute dégradation, perte ou vol|remplir le bilan de l'étape à la fin (fréquentation, groupes, état des panneaux)",
            "en": "receive the van and leave access for unloading|show the exhibition indoors or under shelter, without changing or cutting it|give the public free access to it|report any damage, loss or theft to the lender within 48 hours|fill in the stop report at the end (attendance, groups, condition of the panels)",
        },
        "documents.loan.a4": {"fr": "Article 4 — Assurance", "en": "Article 4 — Insurance"},
        "documents.loan.a4_text": {
            "fr": "L'emprunteur assure l'exposition « clou à clou », de sa livraison à sa reprise, pour sa valeur de remplacement indiquée par le prêteur, et joint une attestation d'assurance à la présente convention signée.",
            "en": "The borrower insures the exhibition from delivery to collection for its replacement value as given by the lender, and attaches an insurance certificate to this signed agreement.",
        },
        "documents.loan.a5": {
            "fr": "Article 5 — Constat d'état",
            "en": "Article 5 — Condition report",
        },
        "documents.loan.a5_text": {
            "fr": "Un constat d'état des {count} éléments du kit est fait à l'installation et au démontage, à partir de la liste de contrôle du guide d'installation.",
            "en": "The condition of the kit's {count} parts is checked at installation and dismantling, from the checklist in the installation guide.",
        },
        "documents.loan.sign_lender": {"fr": "Pour le prêteur", "en": "For the lender"},
        "documents.loan.sign_borrower": {"fr": "Pour l'emprunteur", "en": "For the borrower"},
        "documents.loan.sign_line": {
            "fr": "Date, nom, qualité et signature :",
            "en": "Date, name, capacity and signature:",
        },
        "documents.guide.title": {
            "fr": "Guide d'installation — {title}",
            "en": "Installation guide — {title}",
        },
        "documents.guide.stop": {"fr": "Votre étape", "en": "Your stop"},
        "documents.guide.stop_lines": {
            "fr": "Lieu : {venue}, {address}|Installation : {install} (ouverture du lieu {opens}–{closes})|Dernier jour d'ouverture : {last_open}|Démontage : {dismantle}|Kit : {kit}",
            "en": "Venue: {venue}, {address}|Installation: {install} (venue open {opens}–{closes})|Last open day: {last_open}|Dismantling: {dismantle}|Kit: {kit}",
        },
        "documents.guide.prepare": {"fr": "À prévoir", "en": "To prepare"},
        "documents.guide.hanging": {"fr": "Accrochage", "en": "Hanging"},
        "documents.guide.steps": {"fr": "Étapes", "en": "Steps"},
        "documents.guide.steps_items": {
            "fr": "Accueillir le camion : un accès de déchargement et une personne présente.|Vérifier ensemble le contenu du kit avec la liste de contrôle ci-dessous.|Disposer les panneaux dans l'ordre, du n° 1 au dernier, sur environ {length} m.|Accrocher chaque panneau par ses œillets avec les crochets et colliers fournis, bien tendu, à hauteur des yeux.|Vérifier la stabilité, l'éclairage et le passage d'un fauteuil roulant.|Afficher le QR code du questionnaire visiteurs près du premier panneau.|Au démontage : décrocher, rouler les panneaux (impression vers l'extérieur), refaire la liste de contrôle.",
            "en": "Receive the van: access for unloading and someone present.|Check the kit's contents together against the checklist below.|Lay the panels out in order, from no. 1 to the last, over about {length} m.|Hang each panel by its eyelets with the hooks and ties provided, taut, at eye level.|Check stability, lighting and wheelchair access.|Put up the visitor questionnaire's QR code near the first panel.|At dismantling: unhook, roll the panels (print outwards), go through the checklist again.",
        },
        "documents.guide.access": {
            "fr": "Accès indiqués par le lieu",
            "en": "Access notes from the venue",
        },
        "documents.guide.checklist": {
            "fr": "Liste de contrôle (installation / démontage)",
            "en": "Checklist (installation / dismantling)",
        },
        "documents.none": {"fr": "—", "en": "—"},
    }
)


@dataclass(frozen=True)
class Block:
    """One piece of a document: `kind` is title, subtitle, heading, text, bullet, check or sign."""

    kind: str
    text: str


@dataclass(frozen=True)
class StopData:
    stop_id: int
    status: str
    exhibition: str
    producer: str
    commissioner: str
    requirements: str
    hanging: str
    length_m: float
    panels: int
    venue: str
    address: str
    opens_at: dt.time
    closes_at: dt.time
    access_notes: str
    contact: str
    kit: str
    parts: list[str]
    install: dt.date
    last_open: dt.date
    dismantle: dt.date


def stop_data(session: Session, stop_id: int) -> StopData:
    stop = session.get(Stop, stop_id)
    if stop is None:
        raise NotFound("documents.stop_not_found")
    request = session.get(BookingRequest, stop.request_id)
    venue = session.get(Venue, stop.venue_id)
    exhibition = session.get(Exhibition, stop.exhibition_id)
    kit = session.get(Kit, stop.kit_id)
    assert request and venue and exhibition and kit
    contact = session.get(Contact, request.contact_id) if request.contact_id else None
    parts = list(
        session.exec(
            select(KitPart).where(KitPart.kit_id == kit.id).order_by(col(KitPart.position))
        )
    )
    notes = "\n".join(p for p in (venue.access_notes, request.access_notes) if p)
    who = ", ".join(p for p in ((contact.name, contact.role) if contact else ()) if p)
    return StopData(
        stop_id=stop_id,
        status=str(stop.status),
        exhibition=exhibition.title,
        producer=exhibition.producer,
        commissioner=exhibition.commissioner or "Métropole de Lyon",
        requirements=exhibition.requirements,
        hanging=exhibition.hanging,
        length_m=exhibition.length_m,
        panels=sum(p.kind == PartKind.panel for p in parts) or exhibition.panel_count_max,
        venue=venue.name,
        address=", ".join(p for p in (venue.address, venue.postcode, venue.commune) if p),
        opens_at=venue.opens_at,
        closes_at=venue.closes_at,
        access_notes=notes,
        contact=who or "…",
        kit=f"{kit.name} ({kit.code})",
        parts=[p.label for p in parts],
        install=stop.install_date,
        last_open=stop.last_open_date,
        dismantle=stop.dismantle_date,
    )


def loan_agreement(
    data: StopData, lang: str = "fr", *, today: dt.date | None = None
) -> list[Block]:
    lang = normalise_language(lang)
    today = today or dt.date.today()

    def tx(key: str, **params: object) -> str:
        return t(f"documents.loan.{key}", lang, **params)

    blocks = [
        Block("title", tx("title")),
        Block("subtitle", tx("ref", stop=data.stop_id, today=format_date(today, lang))),
        Block("heading", tx("parties")),
        Block("text", tx("lender", commissioner=data.commissioner)),
        Block("text", tx("borrower", venue=data.venue, address=data.address, contact=data.contact)),
        Block("heading", tx("a1")),
        Block(
            "text",
            tx(
                "a1_text",
                title=data.exhibition,
                producer=data.producer,
                kit=data.kit,
                panels=data.panels,
                length=f"{data.length_m:g}",
            ),
        ),
        Block("heading", tx("a2")),
        Block(
            "text",
            tx(
                "a2_text",
                install=format_date(data.install, lang),
                last_open=format_date(data.last_open, lang),
                dismantle=format_date(data.dismantle, lang),
            ),
        ),
        Block("heading", tx("a3")),
        *[Block("bullet", item) for item in tx("a3_items").split("|")],
        Block("heading", tx("a4")),
        Block("text", tx("a4_text")),
        Block("heading", tx("a5")),
        Block("text", tx("a5_text", count=len(data.parts))),
        Block("sign", f"{tx('sign_lender')}\n{tx('sign_line')}"),
        Block("sign", f"{tx('sign_borrower')}\n{tx('sign_line')}"),
    ]
    return blocks


def installation_guide(data: StopData, lang: str = "fr") -> list[Block]:
    lang = normalise_language(lang)

    def tx(key: str, **params: object) -> str:
        return t(f"documents.guide.{key}", lang, **params)

    lines = tx(
        "stop_lines",
        venue=data.venue,
        address=data.address,
        install=format_date(data.install, lang),
        opens=format_time(data.opens_at, lang),
        closes=format_time(data.closes_at, lang),
        last_open=format_date(data.last_open, lang),
        dismantle=format_date(data.dismantle, lang),
        kit=data.kit,
    ).split("|")
    blocks = [
        Block("title", tx("title", title=data.exhibition)),
        Block("heading", tx("stop")),
        *[Block("bullet", line) for line in lines],
        Block("heading", tx("prepare")),
        Block("text", data.requirements or t("documents.none", lang)),
        Block("heading", tx("hanging")),
        Block("text", data.hanging or t("documents.none", lang)),
        Block("heading", tx("steps")),
        *[
            Block("bullet", f"{n}. {step}")
            for n, step in enumerate(
                tx("steps_items", length=f"{data.length_m:g}").split("|"), start=1
            )
        ],
    ]
    if data.access_notes:
        blocks += [Block("heading", tx("access")), Block("text", data.access_notes)]
    blocks.append(Block("heading", tx("checklist")))
    blocks += [Block("check", part) for part in data.parts]
    return blocks


def render(blocks: list[Block], *, title: str) -> bytes:
    """The blocks as an A4 PDF with the shipped Unicode font."""
    pdf = new_pdf(title=title)
    pdf.set_author("Tournée")
    pdf.add_page()
    width = pdf.epw
    for block in blocks:
        if block.kind == "title":
            pdf.set_font(FONT, "B", 16)
            pdf.multi_cell(width, 8, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif block.kind == "subtitle":
            pdf.set_font(FONT, "", 10)
            pdf.multi_cell(width, 5, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif block.kind == "heading":
            pdf.ln(2)
            pdf.set_font(FONT, "B", 12)
            pdf.multi_cell(width, 6, block.text, new_x="LMARGIN", new_y="NEXT")
        elif block.kind in ("bullet", "check"):
            pdf.set_font(FONT, "", 10)
            mark = "☐  " if block.kind == "check" else "•  "
            pdf.multi_cell(width, 5.5, mark + block.text, new_x="LMARGIN", new_y="NEXT")
        elif block.kind == "sign":
            pdf.ln(6)
            pdf.set_font(FONT, "", 10)
            pdf.multi_cell(width, 5.5, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.cell(width, 22, "", border=1, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font(FONT, "", 10)
            pdf.multi_cell(width, 5.5, block.text, new_x="LMARGIN", new_y="NEXT")
    return pdf_bytes(pdf)


@dataclass(frozen=True)
class Document:
    filename: str
    mime: str
    data: bytes


def document_filename(stop_id: int, kind: str, lang: str = "fr") -> str:
    names = {
        "loan_agreement": ("convention-de-pret", "loan-agreement"),
        "installation_guide": ("guide-installation", "installation-guide"),
    }
    if kind not in names:
        raise ValueError(f"unknown document {kind!r}")
    return f"{names[kind][normalise_language(lang) != 'fr']}-etape-{stop_id}.pdf"


def stop_document(stop_id: int, kind: str, lang: str = "fr") -> Document:
    """The loan agreement or the installation guide of a confirmed stop."""
    filename = document_filename(stop_id, kind, lang)
    with read_session() as session:
        data = stop_data(session, stop_id)
    if data.status != StopStatus.confirmed:
        raise ValidationError("documents.not_ready")
    make = loan_agreement if kind == "loan_agreement" else installation_guide
    blocks = make(data, lang)
    return Document(filename, "application/pdf", render(blocks, title=blocks[0].text))


def document_for_token(token: str | None, kind: str, lang: str = "fr") -> Document:
    """A document through the venue's private link (only once its stop is confirmed)."""
    from booking.services.requests import open_request

    view = open_request(token)
    if not view.documents_ready or view.stop is None:
        raise ValidationError("documents.not_ready")
    return stop_document(view.stop.id, kind, lang)
