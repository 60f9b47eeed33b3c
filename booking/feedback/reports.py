"""The venue's stop report, sent from its private link: visitors, groups, incidents, and the
condition of each part of the kit at dismantling (with an optional photo).

A damaged or missing part updates the kit's checklist (`KitPart.condition`) and the kit's own
condition and note in the same transaction, audited, so staff see it before the next loading.
A photo must be a real image of at most 5 MB; it is re-encoded on the server (JPEG, oriented,
at most 2000 px) so no EXIF, GPS or other metadata is kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session, col, select

from booking import audit
from booking.db import read_session
from booking.errors import NotFound, ValidationError
from booking.feedback.dashboard import Filters, narrows_stops, selected_stops
from booking.i18n import add_messages, format_date
from booking.models import (
    BookingRequest,
    Exhibition,
    Kit,
    KitCondition,
    KitPart,
    PartCondition,
    PartKind,
    Stop,
    StopReport,
    StopStatus,
    Venue,
)
from booking.services.links import request_for_token
from booking.types import utcnow

add_messages(
    {
        "reports.no_stop": {
            "fr": "Cette demande n'a pas (ou plus) d'étape confirmée : il n'y a pas de bilan à remplir.",
            "en": "This request has no confirmed stop (any more): there is no report to fill in.",
        },
        "reports.too_early": {
            "fr": "Le bilan pourra être rempli à partir du {date}, jour de l'installation.",
            "en": "The report can be filled in from {date}, the installation day.",
        },
        "reports.bad_count": {
            "fr": "« {what} » doit être un nombre entier entre 0 et {max}.",
            "en": '"{what}" must be a whole number between 0 and {max}.',
        },
        "reports.day_outside_stop": {
            "fr": "Le {day} n'est pas un jour de l'étape (du {start} au {end}).",
            "en": "{day} is not a day of the stop ({start} to {end}).",
        },
        "reports.text_too_long": {
            "fr": "« {what} » est trop long : {max} caractères au plus.",
            "en": '"{what}" is too long: at most {max} characters.',
        },
        "reports.unknown_part": {
            "fr": "Cette pièce ne fait pas partie du kit de l'étape.",
            "en": "This part does not belong to the stop's kit.",
        },
        "reports.bad_condition": {
            "fr": "État inconnu « {value} » (attendu : bon, abîmé ou manquant).",
            "en": 'Unknown condition "{value}" (expected: ok, damaged or missing).',
        },
        "reports.photo_too_large": {
            "fr": "La photo pèse {size} Mo : 5 Mo au plus.",
            "en": "The photo weighs {size} MB: at most 5 MB.",
        },
        "reports.photo_not_image": {
            "fr": "Ce fichier n'est pas une image lisible (JPEG, PNG ou WebP).",
            "en": "This file is not a readable image (JPEG, PNG or WebP).",
        },
        "reports.what.visitors_total": {"fr": "Visiteurs", "en": "Visitors"},
        "reports.what.visitors_day": {"fr": "Visiteurs du jour", "en": "Visitors of the day"},
        "reports.what.groups": {"fr": "Groupes reçus", "en": "Groups received"},
        "reports.what.school_classes": {"fr": "Classes reçues", "en": "School classes received"},
        "reports.what.mediation_sessions": {
            "fr": "Séances de médiation",
            "en": "Mediation sessions",
        },
        "reports.what.incidents": {"fr": "Incidents", "en": "Incidents"},
        "reports.what.comments": {"fr": "Commentaires", "en": "Comments"},
        "reports.what.note": {"fr": "Précision sur une pièce", "en": "Note on a part"},
        "reports.kit_note": {
            "fr": "{day} – bilan de {venue} : {parts}.",
            "en": "{day} – report from {venue}: {parts}.",
        },
        "reports.condition.ok": {"fr": "bon état", "en": "good"},
        "reports.condition.damaged": {"fr": "abîmé", "en": "damaged"},
        "reports.condition.missing": {"fr": "manquant", "en": "missing"},
    }
)

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 50_000_000
PHOTO_MAX_SIDE = 2000
_PHOTO_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
MAX_VISITORS = 1_000_000
MAX_SMALL_COUNT = 10_000
MAX_TEXT = 4000
MAX_NOTE = 1000


@dataclass(frozen=True)
class PartLine:
    part_id: int
    kind: str
    label: str
    condition: str  # the kit's checklist today
    reported: str  # what this stop's report says ("ok" when not yet reported)
    note: str


@dataclass(frozen=True)
class ReportData:
    visitors_total: int
    visitors_by_day: dict[str, int]
    groups: int
    school_classes: int
    mediation_sessions: int
    incidents: str
    comments: str
    fixing_kit_condition: str
    parts_condition: dict[str, str]
    has_photo: bool
    submitted_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class ReportContext:
    """What the venue's report page shows."""

    request_id: int
    stop_id: int
    venue_name: str
    exhibition_title: str
    kit_name: str
    install_date: dt.date
    last_open_date: dt.date
    dismantle_date: dt.date
    days: list[dt.date]
    parts: list[PartLine]
    report: ReportData | None
    opens_on: dt.date  # the first day a report may be sent
    feedback_token: str


@dataclass
class ReportInput:
    """What the venue sends. `visitors_by_day` wins over `visitors_total` when it has days."""

    visitors_total: int | None = None
    visitors_by_day: dict[dt.date, int] = field(default_factory=dict)
    groups: int = 0
    school_classes: int = 0
    mediation_sessions: int = 0
    incidents: str = ""
    comments: str = ""
    parts_condition: dict[int, str] = field(default_factory=dict)
    part_notes: dict[int, str] = field(default_factory=dict)
    photo: bytes | None = None
    remove_photo: bool = False


def _stop_of(session: Session, request: BookingRequest) -> Stop:
    stop = session.exec(select(Stop).where(Stop.request_id == request.id)).first()
    if stop is None or stop.status != StopStatus.confirmed:
        raise NotFound("reports.no_stop")
    return stop


def _data(report: StopReport) -> ReportData:
    return ReportData(
        visitors_total=report.visitors_total,
        visitors_by_day=dict(report.visitors_by_day),
        groups=report.groups,
        school_classes=report.school_classes,
        mediation_sessions=report.mediation_sessions,
        incidents=report.incidents,
        comments=report.comments,
        fixing_kit_condition=str(report.fixing_kit_condition),
        parts_condition=dict(report.parts_condition),
        has_photo=report.photo is not None,
        submitted_at=report.submitted_at,
        updated_at=report.updated_at,
    )


def report_context(token: str | None) -> ReportContext:
    """The stop behind a venue's private link, its kit's parts and the report so far.

    Raises NotFound("links.invalid") for any bad token, NotFound("reports.no_stop") when the
    request has no confirmed stop.
    """
    with read_session() as session:
        request = request_for_token(session, token)
        stop = _stop_of(session, request)
        venue = session.get(Venue, stop.venue_id)
        exhibition = session.get(Exhibition, stop.exhibition_id)
        kit = session.get(Kit, stop.kit_id)
        assert venue and exhibition and kit and stop.id and request.id
        report = session.exec(select(StopReport).where(StopReport.stop_id == stop.id)).first()
        reported = report.parts_condition if report else {}
        parts = [
            PartLine(
                part_id=p.id or 0,
                kind=str(p.kind),
                label=p.label,
                condition=str(p.condition),
                reported=reported.get(str(p.id), PartCondition.ok.value),
                note=p.note,
            )
            for p in session.exec(
                select(KitPart)
                .where(KitPart.kit_id == kit.id)
                .order_by(col(KitPart.position), col(KitPart.id))
            )
        ]
        days = [
            stop.install_date + dt.timedelta(days=i)
            for i in range((stop.last_open_date - stop.install_date).days + 1)
        ]
        return ReportContext(
            request_id=request.id,
            stop_id=stop.id,
            venue_name=venue.name,
            exhibition_title=exhibition.title,
            kit_name=kit.name,
            install_date=stop.install_date,
            last_open_date=stop.last_open_date,
            dismantle_date=stop.dismantle_date,
            days=days,
            parts=parts,
            report=_data(report) if report else None,
            opens_on=stop.install_date,
            feedback_token=stop.feedback_token,
        )


# ---------------------------------------------------------------------------- validation


def _count(value: Any, what: str, maximum: int) -> int:
    if isinstance(value, bool) or value is None:
        raise ValidationError("reports.bad_count", field=what, what=_what(what), max=maximum)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(
            "reports.bad_count", field=what, what=_what(what), max=maximum
        ) from None
    if number != value and not (isinstance(value, str) and value.strip().isdigit()):
        raise ValidationError("reports.bad_count", field=what, what=_what(what), max=maximum)
    if not 0 <= number <= maximum:
        raise ValidationError("reports.bad_count", field=what, what=_what(what), max=maximum)
    return number


def _what(key: str) -> str:
    from booking.i18n import t

    return t(f"reports.what.{key}", "fr")


def clean_text(value: str | None, what: str, maximum: int) -> str:
    """Plain text without control characters (newlines kept), trimmed, at most `maximum`."""
    raw = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    cleaned = "".join(
        ch for ch in raw if ch == "\n" or not unicodedata.category(ch).startswith("C")
    ).strip()
    if len(cleaned) > maximum:
        raise ValidationError("reports.text_too_long", field=what, what=_what(what), max=maximum)
    return cleaned


def clean_photo(data: bytes) -> tuple[bytes, str]:
    """A real image of at most 5 MB, re-encoded as JPEG without any metadata."""
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError(
            "reports.photo_too_large", field="photo", size=f"{len(data) / 1024 / 1024:.1f}"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in _PHOTO_FORMATS:
                    raise ValidationError("reports.photo_not_image", field="photo")
                if probe.width * probe.height > MAX_PHOTO_PIXELS:
                    raise ValidationError("reports.photo_not_image", field="photo")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                oriented = ImageOps.exif_transpose(image)
                rgb = oriented.convert("RGB")
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
    ):
        raise ValidationError("reports.photo_not_image", field="photo") from None
    rgb.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    # A fresh image holds pixels only: no EXIF, GPS, XMP, ICC or comment survives.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue(), "image/jpeg"


# ---------------------------------------------------------------------------- writing

_SEVERITY = {PartCondition.ok: 0, PartCondition.damaged: 1, PartCondition.missing: 2}


def _part_problem(label: str, value: str, lang: str) -> str:
    from booking.i18n import t

    return t("kits.problem.part", lang, part=label, condition=t(f"kits.part.{value}", lang))


def _apply_part_conditions(
    session: Session,
    *,
    stop: Stop,
    venue_name: str,
    conditions: Mapping[int, PartCondition],
    notes: Mapping[int, str],
    actor: str,
    today: dt.date,
) -> list[str]:
    """Mark damaged or missing parts on the kit's checklist, and the kit itself damaged.

    The same record as staff marking them on the kits page (`booking.services.kits`): one
    audit event per change, and every venue with an upcoming stop on the kit is told, in this
    transaction. A part reported "ok" is left as it is: only staff declare a part repaired.
    Returns the labels of the parts whose condition changed.
    """
    from booking.i18n import t
    from booking.services.kits import record_part_change_in_session

    parts = {
        p.id: p
        for p in session.exec(select(KitPart).where(KitPart.kit_id == stop.kit_id))
        if p.id is not None
    }
    changed, words = [], []
    for part_id, condition in conditions.items():
        part = parts[part_id]
        if condition == PartCondition.ok:
            continue
        words.append(f"{part.label} {t(f'reports.condition.{condition.value}', 'fr')}")
        before = PartCondition(part.condition)
        if _SEVERITY[condition] <= _SEVERITY[before]:
            continue
        note = notes.get(part_id, "")
        part.condition = condition
        part.note = (
            f"{format_date(today, 'fr', 'short')} – {venue_name} : {note}" if note else part.note
        )[:MAX_NOTE]
        session.add(part)
        label, value = part.label, condition.value
        record_part_change_in_session(
            session,
            actor=actor,
            action="kit.part_condition_changed",
            kit_id=stop.kit_id,
            before=before.value,
            after=value,
            fine=PartCondition.ok.value,
            note=note,
            today=today,
            problem=functools.partial(_part_problem, label, value),
            part_id=part_id,
            part=label,
            stop_id=stop.id,
        )
        changed.append(label)
    if changed:
        kit = session.get(Kit, stop.kit_id)
        assert kit is not None
        line = t(
            "reports.kit_note",
            "fr",
            day=format_date(today, "fr", "short"),
            venue=venue_name,
            parts=", ".join(words),
        )
        before_kit = str(kit.condition)
        if kit.condition == KitCondition.good:
            kit.condition = KitCondition.damaged
        kit.condition_note = (f"{kit.condition_note}\n{line}" if kit.condition_note else line)[
            -2000:
        ]
        session.add(kit)
        after_kit = str(kit.condition)
        record_part_change_in_session(
            session,
            actor=actor,
            action="kit.condition_changed",
            kit_id=stop.kit_id,
            before=before_kit,
            after=after_kit,
            fine=KitCondition.good.value,
            note=line,
            today=today,
            problem=lambda lang: t(
                "kits.problem.kit", lang, condition=t(f"kits.condition.{after_kit}", lang)
            ),
            stop_id=stop.id,
        )
    return changed


def save_report_in_session(
    session: Session,
    stop: Stop,
    data: ReportInput,
    *,
    actor: str,
    now: dt.datetime,
    check_dates: bool = True,
    photo: tuple[bytes, str] | None = None,
) -> StopReport:
    """Validate and write a stop report inside the caller's transaction (and update the kit)."""
    from booking.feedback.submit import local_today

    today = local_today(now)
    if check_dates and today < stop.install_date:
        raise ValidationError("reports.too_early", date=format_date(stop.install_date, "fr"))
    by_day: dict[str, int] = {}
    for day, value in sorted(data.visitors_by_day.items()):
        if not stop.install_date <= day <= stop.last_open_date:
            raise ValidationError(
                "reports.day_outside_stop",
                field="visitors_by_day",
                day=format_date(day, "fr"),
                start=format_date(stop.install_date, "fr"),
                end=format_date(stop.last_open_date, "fr"),
            )
        count = _count(value, "visitors_day", MAX_VISITORS)
        if count:
            by_day[day.isoformat()] = count
    if by_day:
        total = sum(by_day.values())
        if total > MAX_VISITORS:
            raise ValidationError(
                "reports.bad_count",
                field="visitors_total",
                what=_what("visitors_total"),
                max=MAX_VISITORS,
            )
    else:
        total = _count(data.visitors_total or 0, "visitors_total", MAX_VISITORS)
    groups = _count(data.groups, "groups", MAX_SMALL_COUNT)
    classes = _count(data.school_classes, "school_classes", MAX_SMALL_COUNT)
    sessions = _count(data.mediation_sessions, "mediation_sessions", MAX_SMALL_COUNT)
    incidents = clean_text(data.incidents, "incidents", MAX_TEXT)
    comments = clean_text(data.comments, "comments", MAX_TEXT)

    kit_parts = {
        p.id: p
        for p in session.exec(select(KitPart).where(KitPart.kit_id == stop.kit_id))
        if p.id is not None
    }
    conditions: dict[int, PartCondition] = {}
    for part_id, state in data.parts_condition.items():
        if part_id not in kit_parts:
            raise ValidationError("reports.unknown_part", field="parts")
        try:
            conditions[part_id] = PartCondition(state)
        except ValueError:
            raise ValidationError(
                "reports.bad_condition", field="parts", value=str(state)[:20]
            ) from None
    notes = {}
    for part_id, note in data.part_notes.items():
        if part_id not in kit_parts:
            raise ValidationError("reports.unknown_part", field="parts")
        notes[part_id] = clean_text(note, "note", MAX_NOTE)
    if photo is None and data.photo:
        photo = clean_photo(data.photo)

    fixing = [pid for pid, p in kit_parts.items() if p.kind == PartKind.fixing_kit]
    fixing_condition = max(
        (conditions.get(pid, PartCondition.ok) for pid in fixing),
        key=lambda c: _SEVERITY[c],
        default=PartCondition.ok,
    )

    report = session.exec(select(StopReport).where(StopReport.stop_id == stop.id)).first()
    created = report is None
    if report is None:
        assert stop.id is not None
        report = StopReport(stop_id=stop.id, submitted_at=now)
    report.visitors_total = total
    report.visitors_by_day = by_day
    report.groups, report.school_classes, report.mediation_sessions = groups, classes, sessions
    report.incidents, report.comments = incidents, comments
    report.fixing_kit_condition = fixing_condition
    report.parts_condition = {str(pid): c.value for pid, c in conditions.items()}
    if photo is not None:
        report.photo, report.photo_mime = photo
    elif data.remove_photo:
        report.photo, report.photo_mime = None, None
    report.updated_at = now
    session.add(report)
    session.flush()
    venue = session.get(Venue, stop.venue_id)
    changed = _apply_part_conditions(
        session,
        stop=stop,
        venue_name=venue.name if venue else "",
        conditions=conditions,
        notes=notes,
        actor=actor,
        today=today,
    )
    audit.record(
        session,
        actor=actor,
        action="stop_report.submitted" if created else "stop_report.updated",
        entity="stop_report",
        entity_id=report.id,
        stop_id=stop.id,
        visitors=total,
        damaged_parts=changed,
        photo=report.photo is not None,
    )
    return report


def submit_stop_report(
    token: str | None, data: ReportInput, *, now: dt.datetime | None = None
) -> ReportData:
    """The venue sends (or corrects) its stop report; one transaction, audited.

    Nothing is written unless every figure, text, part and the photo are valid. The photo is
    cleaned before the transaction opens (it takes a moment).
    """
    from booking.services.bookings import write

    now = now or utcnow()
    cleaned = ReportInput(**{**vars(data), "photo": None})
    photo = clean_photo(data.photo) if data.photo else None

    def use_case(session: Session) -> ReportData:
        request = request_for_token(session, token)
        stop = _stop_of(session, request)
        report = save_report_in_session(
            session, stop, cleaned, actor=f"venue:request-{request.id}", now=now, photo=photo
        )
        return _data(report)

    return write(use_case)


# ---------------------------------------------------------------------------- reading (Tuba)


@dataclass(frozen=True)
class ReportRow(ReportData):
    """A report with its stop, for the Tuba page and the exports."""

    stop_id: int
    venue_name: str
    venue_type: str
    commune: str
    install_date: dt.date
    last_open_date: dt.date
    damaged_parts: list[str]
    missing_parts: list[str]


def list_stop_reports(filters: Filters, *, limit: int | None = None) -> list[ReportRow]:
    """The stop reports of the stops kept by `filters`, newest stop first.

    Columns, not entities: ten years of reports load in one light query (never the photos,
    never an ORM object per row)."""
    filters.check()
    with read_session() as session:
        query = (
            select(  # type: ignore[call-overload]
                col(StopReport.stop_id),
                col(StopReport.visitors_total),
                col(StopReport.visitors_by_day),
                col(StopReport.groups),
                col(StopReport.school_classes),
                col(StopReport.mediation_sessions),
                col(StopReport.incidents),
                col(StopReport.comments),
                col(StopReport.fixing_kit_condition),
                col(StopReport.parts_condition),
                col(StopReport.photo).is_not(None),
                col(StopReport.submitted_at),
                col(StopReport.updated_at),
                col(Venue.name),
                col(Venue.type),
                col(Venue.commune),
                col(Stop.install_date),
                col(Stop.last_open_date),
            )
            .join(Stop, col(Stop.id) == col(StopReport.stop_id))
            .join(Venue, col(Venue.id) == col(Stop.venue_id))
            .order_by(col(Stop.install_date).desc(), col(Stop.id).desc())
        )
        if narrows_stops(filters):
            ids = [s.id for s in selected_stops(session, filters)]
            query = query.where(col(StopReport.stop_id).in_(ids))
        if limit:
            query = query.limit(limit)
        rows = session.exec(query).all()  # type: ignore[call-overload]
        part_ids = {int(pid) for r in rows for pid in r[9]}
        labels = (
            {
                p.id: p.label
                for p in session.exec(select(KitPart).where(col(KitPart.id).in_(part_ids)))
            }
            if part_ids
            else {}
        )

    def parts(conditions: dict[str, str], state: str) -> list[str]:
        return [labels.get(int(pid), pid) for pid, c in conditions.items() if c == state]

    return [
        ReportRow(
            visitors_total=total,
            visitors_by_day=dict(by_day),
            groups=groups,
            school_classes=classes,
            mediation_sessions=sessions,
            incidents=incidents,
            comments=comments,
            fixing_kit_condition=str(fixing),
            parts_condition=dict(conditions),
            has_photo=bool(has_photo),
            submitted_at=submitted,
            updated_at=updated,
            stop_id=stop_id,
            venue_name=venue_name,
            venue_type=str(venue_type),
            commune=commune,
            install_date=install,
            last_open_date=last_open,
            damaged_parts=parts(conditions, "damaged"),
            missing_parts=parts(conditions, "missing"),
        )
        for (
            stop_id,
            total,
            by_day,
            groups,
            classes,
            sessions,
            incidents,
            comments,
            fixing,
            conditions,
            has_photo,
            submitted,
            updated,
            venue_name,
            venue_type,
            commune,
            install,
            last_open,
        ) in rows
    ]


def report_photo(stop_id: int) -> tuple[bytes, str] | None:
    """The report's photo (already cleaned when it was received)."""
    with read_session() as session:
        row = session.exec(
            select(col(StopReport.photo), col(StopReport.photo_mime)).where(
                StopReport.stop_id == stop_id
            )
        ).first()
    if row is None or row[0] is None:
        return None
    return bytes(row[0]), row[1] or "image/jpeg"
