"""CSV and XLSX exports of responses, stop reports and the dashboard's summary.

- Safe against formula injection: a text cell starting with = + - @ tab or CR gets a leading
  apostrophe, in CSV and XLSX alike (and XLSX cells are written as text, never formulas).
- Hidden or flagged comments never leave the app; purged ones are gone.
- Rows are read in chunks (never the whole table in memory); the summary is the dashboard's,
  with the same suppression (a hidden count is an empty cell marked "< 10").
- Responses keep the day of their answer, not the hour.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select
from sqlmodel import col

from booking.db import read_session
from booking.feedback.dashboard import (
    Breakdown,
    Filters,
    R,
    narrows_stops,
    response_conditions,
    selected_stops,
    summarise,
    venue_type_label,
)
from booking.feedback.questionnaire import all_definitions
from booking.feedback.reports import list_stop_reports
from booking.i18n import PARIS, add_messages, t
from booking.models import CommentStatus, Exhibition, FeedbackIdea, Stop, Venue

add_messages(
    {
        "export.sheet.responses": {"fr": "Réponses", "en": "Responses"},
        "export.sheet.reports": {"fr": "Bilans d'étape", "en": "Stop reports"},
        "export.sheet.summary": {"fr": "Synthèse", "en": "Summary"},
        "export.col.response": {"fr": "Réponse", "en": "Response"},
        "export.col.stop": {"fr": "Étape", "en": "Stop"},
        "export.col.exhibition": {"fr": "Exposition", "en": "Exhibition"},
        "export.col.venue": {"fr": "Lieu", "en": "Venue"},
        "export.col.venue_type": {"fr": "Type de lieu", "en": "Venue type"},
        "export.col.commune": {"fr": "Commune", "en": "Commune"},
        "export.col.day": {"fr": "Jour", "en": "Day"},
        "export.col.language": {"fr": "Langue", "en": "Language"},
        "export.col.version": {"fr": "Version du questionnaire", "en": "Questionnaire version"},
        "export.col.rating": {"fr": "Note", "en": "Rating"},
        "export.col.age_band": {"fr": "Âge", "en": "Age"},
        "export.col.came_with": {"fr": "Venu·e", "en": "Came"},
        "export.col.will_do": {"fr": "Fera", "en": "Will do"},
        "export.col.comment": {"fr": "Commentaire", "en": "Comment"},
        "export.col.idea_before": {"fr": "{idea} (avant)", "en": "{idea} (before)"},
        "export.col.idea_after": {"fr": "{idea} (après)", "en": "{idea} (after)"},
        "export.col.install": {"fr": "Installation", "en": "Installation"},
        "export.col.last_open": {"fr": "Dernier jour", "en": "Last day"},
        "export.col.visitors": {"fr": "Visiteurs", "en": "Visitors"},
        "export.col.groups": {"fr": "Groupes", "en": "Groups"},
        "export.col.classes": {"fr": "Classes", "en": "Classes"},
        "export.col.sessions": {"fr": "Séances de médiation", "en": "Mediation sessions"},
        "export.col.incidents": {"fr": "Incidents", "en": "Incidents"},
        "export.col.report_comments": {"fr": "Commentaires du lieu", "en": "Venue's comments"},
        "export.col.fixing_kit": {"fr": "Kit de fixation", "en": "Fixing kit"},
        "export.col.damaged": {"fr": "Pièces abîmées", "en": "Damaged parts"},
        "export.col.missing": {"fr": "Pièces manquantes", "en": "Missing parts"},
        "export.col.updated": {"fr": "Mis à jour", "en": "Updated"},
        "export.col.section": {"fr": "Rubrique", "en": "Section"},
        "export.col.category": {"fr": "Catégorie", "en": "Category"},
        "export.col.count": {"fr": "Nombre", "en": "Count"},
        "export.col.note": {"fr": "Remarque", "en": "Note"},
        "export.hidden": {
            "fr": "< 10 : masqué (petit groupe)",
            "en": "< 10: hidden (small group)",
        },
        "export.section.responses": {"fr": "Réponses", "en": "Responses"},
        "export.section.visitors": {"fr": "Visiteurs comptés", "en": "Visitors counted"},
        "export.section.rate": {"fr": "Taux de réponse", "en": "Response rate"},
        "export.section.mean_rating": {"fr": "Note moyenne", "en": "Mean rating"},
        "export.section.rating": {"fr": "Note de la visite", "en": "Rating of the visit"},
        "export.section.age": {"fr": "Âge", "en": "Age"},
        "export.section.came": {"fr": "Venu·e", "en": "Came"},
        "export.section.will_do": {"fr": "Fera différemment", "en": "Will do differently"},
        "export.section.shift": {"fr": "{idea} : évolution", "en": "{idea}: change"},
        "export.section.before": {"fr": "{idea} : avant", "en": "{idea}: before"},
        "export.section.after": {"fr": "{idea} : après", "en": "{idea}: after"},
        "export.section.stop": {"fr": "Réponses par étape", "en": "Responses per stop"},
        "export.bad_format": {
            "fr": "Format d'export inconnu « {fmt} » (attendu : csv ou xlsx).",
            "en": 'Unknown export format "{fmt}" (expected: csv or xlsx).',
        },
        "export.bad_table": {
            "fr": "Tableau d'export inconnu « {table} » (attendu : responses, reports ou summary).",
            "en": 'Unknown export table "{table}" (expected: responses, reports or summary).',
        },
    }
)

FORMATS = ("csv", "xlsx")
TABLES = ("responses", "reports", "summary")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 5000


def neutralise(value: Any) -> Any:
    """A value a spreadsheet will show as text, never run: text starting with = + - @ tab
    or CR gets a leading apostrophe. Numbers, dates and empty cells pass unchanged."""
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


@dataclass
class Table:
    """A sheet: a name, headers, and rows produced lazily."""

    name: str
    headers: list[str]
    rows: Callable[[], Iterable[Sequence[Any]]]


# ---------------------------------------------------------------------------- tables


def _idea_keys() -> list[str]:
    keys: dict[str, None] = {}
    for _version, definition in sorted(all_definitions().items()):
        for item in definition["ideas"]["items"]:
            keys.setdefault(item["key"], None)
    return list(keys)


def responses_table(filters: Filters, lang: str = "fr") -> Table:
    """One row per response; comments only when visible."""
    filters.check()
    idea_keys = _idea_keys()
    headers = [
        t(f"export.col.{c}", lang)
        for c in (
            "response",
            "stop",
            "exhibition",
            "venue",
            "venue_type",
            "commune",
            "day",
            "language",
            "version",
            "rating",
            "age_band",
            "came_with",
            "will_do",
        )
    ]
    for key in idea_keys:
        headers += [
            t("export.col.idea_before", lang, idea=key),
            t("export.col.idea_after", lang, idea=key),
        ]
    headers.append(t("export.col.comment", lang))

    def rows() -> Iterator[list[Any]]:
        with read_session() as session:
            stop_ids = (
                [s.id for s in selected_stops(session, filters)] if narrows_stops(filters) else None
            )
            where = response_conditions(filters, stop_ids)
            last_id = 0
            while True:
                chunk = session.execute(
                    select(
                        R.c.id,
                        R.c.stop_id,
                        col(Exhibition.title),
                        col(Venue.name),
                        col(Venue.type),
                        col(Venue.commune),
                        R.c.submitted_hour,
                        R.c.language,
                        R.c.questionnaire_version,
                        R.c.rating,
                        R.c.age_band,
                        R.c.came_with,
                        R.c.will_do,
                        R.c.comment,
                        R.c.comment_status,
                    )
                    .join(Stop, col(Stop.id) == R.c.stop_id)
                    .join(Venue, col(Venue.id) == col(Stop.venue_id))
                    .join(Exhibition, col(Exhibition.id) == col(Stop.exhibition_id))
                    .where(R.c.id > last_id, *where)
                    .order_by(R.c.id)
                    .limit(CHUNK)
                ).all()
                if not chunk:
                    return
                ids = [r[0] for r in chunk]
                ideas: dict[int, dict[str, tuple[int, int]]] = {}
                for rid, idea, before, after in session.execute(
                    select(
                        col(FeedbackIdea.response_id),
                        col(FeedbackIdea.idea),
                        col(FeedbackIdea.before),
                        col(FeedbackIdea.after),
                    ).where(col(FeedbackIdea.response_id).in_(ids))
                ).all():
                    ideas.setdefault(rid, {})[idea] = (before, after)
                for r in chunk:
                    (
                        rid,
                        sid,
                        title,
                        venue,
                        vtype,
                        commune,
                        hour,
                        language,
                        version,
                        rating,
                        age,
                        came,
                        will_do,
                        comment,
                        status,
                    ) = r
                    hour = hour if hour.tzinfo else hour.replace(tzinfo=dt.UTC)
                    row: list[Any] = [
                        rid,
                        sid,
                        title,
                        venue,
                        str(vtype),
                        commune,
                        hour.astimezone(PARIS).date(),
                        language,
                        version,
                        rating,
                        age,
                        came,
                        "|".join(will_do or []),
                    ]
                    answered = ideas.get(rid, {})
                    for key in idea_keys:
                        pair = answered.get(key)
                        row += [pair[0], pair[1]] if pair else [None, None]
                    row.append(comment if status == CommentStatus.visible else None)
                    yield row
                last_id = ids[-1]

    return Table(t("export.sheet.responses", lang), headers, rows)


def reports_table(filters: Filters, lang: str = "fr") -> Table:
    """One row per stop report."""
    headers = [
        t(f"export.col.{c}", lang)
        for c in (
            "stop",
            "venue",
            "venue_type",
            "commune",
            "install",
            "last_open",
            "visitors",
            "groups",
            "classes",
            "sessions",
            "incidents",
            "report_comments",
            "fixing_kit",
            "damaged",
            "missing",
            "updated",
        )
    ]

    def rows() -> Iterator[list[Any]]:
        for r in list_stop_reports(filters):
            yield [
                r.stop_id,
                r.venue_name,
                venue_type_label(r.venue_type, lang),
                r.commune,
                r.install_date,
                r.last_open_date,
                r.visitors_total,
                r.groups,
                r.school_classes,
                r.mediation_sessions,
                r.incidents,
                r.comments,
                r.fixing_kit_condition,
                "; ".join(r.damaged_parts),
                "; ".join(r.missing_parts),
                r.updated_at.astimezone(PARIS).replace(tzinfo=None, microsecond=0),
            ]

    return Table(t("export.sheet.reports", lang), headers, rows)


def summary_table(filters: Filters, lang: str = "fr") -> Table:
    """The dashboard's figures, suppressed exactly as on screen."""
    headers = [t(f"export.col.{c}", lang) for c in ("section", "category", "count", "note")]
    hidden = t("export.hidden", lang)

    def rows() -> Iterator[list[Any]]:
        s = summarise(filters, lang)

        def breakdown(section: str, b: Breakdown) -> Iterator[list[Any]]:
            for label, count in zip(b.labels, b.counts, strict=True):
                yield [section, label, count, hidden if count is None else None]

        yield [
            t("export.section.responses", lang),
            None,
            s.responses,
            hidden if s.responses is None else None,
        ]
        yield [t("export.section.visitors", lang), None, s.visitors, None]
        yield [
            t("export.section.rate", lang),
            None,
            round(s.response_rate, 4) if s.response_rate is not None else None,
            None,
        ]
        yield [
            t("export.section.mean_rating", lang),
            None,
            round(s.mean_rating, 2) if s.mean_rating is not None else None,
            None,
        ]
        yield from breakdown(t("export.section.rating", lang), s.ratings)
        for idea in s.ideas:
            yield from breakdown(t("export.section.shift", lang, idea=idea.label), idea.shift)
            yield from breakdown(t("export.section.before", lang, idea=idea.label), idea.before)
            yield from breakdown(t("export.section.after", lang, idea=idea.label), idea.after)
        yield from breakdown(t("export.section.will_do", lang), s.will_do)
        yield from breakdown(t("export.section.age", lang), s.age_bands)
        yield from breakdown(t("export.section.came", lang), s.came_with)
        for stop in s.stops:
            yield [
                t("export.section.stop", lang),
                f"{stop.venue_name} ({stop.install_date.isoformat()})",
                stop.responses,
                hidden if stop.responses is None else None,
            ]

    return Table(t("export.sheet.summary", lang), headers, rows)


def tables(filters: Filters, lang: str = "fr", names: Sequence[str] = TABLES) -> list[Table]:
    builders = {"responses": responses_table, "reports": reports_table, "summary": summary_table}
    return [builders[name](filters, lang) for name in names]


# ---------------------------------------------------------------------------- writers


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(value)


def write_csv(table: Table, out: IO[bytes]) -> int:
    """UTF-8 with a BOM and ';' separators (what a French spreadsheet opens as columns)."""
    text_out = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text_out, delimiter=";", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(h) for h in table.headers])
    count = 0
    for row in table.rows():
        writer.writerow([_csv_value(v) for v in row])
        count += 1
    text_out.flush()
    text_out.detach()
    return count


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))
    return value


def write_xlsx(sheets: Sequence[Table], out: IO[bytes]) -> int:
    """One sheet per table (streamed: openpyxl's write-only mode)."""
    workbook = Workbook(write_only=True)
    count = 0
    for table in sheets:
        sheet = workbook.create_sheet(title=table.name[:31])
        sheet.append([_xlsx_value(h) for h in table.headers])
        for row in table.rows():
            sheet.append([_xlsx_value(v) for v in row])
            count += 1
    workbook.save(out)
    return count


def export(
    filters: Filters,
    fmt: str,
    out: IO[bytes],
    *,
    table: str = "responses",
    lang: str = "fr",
) -> int:
    """Write the dashboard's export to `out`: CSV holds one table, XLSX all three sheets.

    Returns the number of data rows written.
    """
    from booking.errors import ValidationError

    if fmt not in FORMATS:
        raise ValidationError("export.bad_format", field="format", fmt=fmt)
    if table not in TABLES:
        raise ValidationError("export.bad_table", field="table", table=table)
    if fmt == "csv":
        return write_csv(tables(filters, lang, [table])[0], out)
    return write_xlsx(tables(filters, lang), out)


def export_bytes(
    filters: Filters, fmt: str, *, table: str = "responses", lang: str = "fr"
) -> bytes:
    buffer = io.BytesIO()
    export(filters, fmt, buffer, table=table, lang=lang)
    return buffer.getvalue()
