"""The Tuba dashboard's read models: SQL aggregates, small groups suppressed, plain data.

Everything is counted in the database (GROUP BY over `feedback_response` and `feedback_idea`,
narrowed by stop through `ix_feedback_stop_hour`); no response row is ever loaded here.

Every breakdown of respondents is a one-row table whose categories include "no answer", so its
total is the number of responses N and no difference between two tables reveals a small group;
each is suppressed (`suppression.suppress_counts`). A mean is shown only when its table hides
nothing (a mean adds an equation that could undo the suppression). Multiple-choice counts have
no total and are only primary-suppressed.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import String, case, cast, func, literal, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from booking import audit
from booking.db import get_engine, read_session
from booking.errors import NotFound, ValidationError
from booking.feedback.questionnaire import all_definitions, text
from booking.feedback.suppression import THRESHOLD, Suppressed, suppress_counts
from booking.i18n import PARIS, add_messages, t
from booking.models import (
    CommentStatus,
    Exhibition,
    FeedbackIdea,
    FeedbackResponse,
    Stop,
    StopReport,
    StopStatus,
    Venue,
    VenueType,
)
from booking.services.bookings import write

add_messages(
    {
        "dashboard.no_answer": {"fr": "Sans réponse", "en": "No answer"},
        "dashboard.shift.away": {
            "fr": "Moins d'accord après la visite",
            "en": "Agrees less after the visit",
        },
        "dashboard.shift.same": {"fr": "Avis inchangé", "en": "Unchanged"},
        "dashboard.shift.toward": {
            "fr": "Plus d'accord après la visite",
            "en": "Agrees more after the visit",
        },
        "dashboard.bad_period": {
            "fr": "La période est à l'envers : la date de début doit précéder la date de fin.",
            "en": "The period is reversed: the start date must come before the end date.",
        },
        "dashboard.comment_not_found": {
            "fr": "Commentaire introuvable.",
            "en": "Comment not found.",
        },
        "dashboard.bad_moderation": {
            "fr": "Action de modération inconnue.",
            "en": "Unknown moderation action.",
        },
        "venue_type.library": {"fr": "Bibliothèque", "en": "Library"},
        "venue_type.school": {"fr": "Collège", "en": "School"},
        "venue_type.park": {"fr": "Parc", "en": "Park"},
        "venue_type.town_hall": {"fr": "Mairie", "en": "Town hall"},
        "venue_type.other": {"fr": "Autre lieu", "en": "Other venue"},
    }
)

R = FeedbackResponse.__table__  # type: ignore[attr-defined]
I = FeedbackIdea.__table__  # type: ignore[attr-defined]  # noqa: E741
NO_ANSWER = "__none__"
SHIFTS = ("away", "same", "toward")


@dataclass(frozen=True)
class Filters:
    """What the dashboard looks at. Hashable: it keys the page's cache."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    exhibition_id: int | None = None
    stop_ids: tuple[int, ...] = ()
    venue_type: str | None = None
    commune: str | None = None

    def check(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValidationError("dashboard.bad_period", field="period")
        if self.venue_type and self.venue_type not in {v.value for v in VenueType}:
            raise ValidationError("dashboard.bad_period", field="venue_type")


@dataclass(frozen=True)
class Breakdown:
    """A one-row breakdown: categories (keys and labels) and their suppressed counts."""

    keys: list[str]
    labels: list[str]
    counts: list[int | None]
    total: int | None
    hidden: int

    def rows(self) -> list[dict[str, Any]]:
        return [
            {"key": k, "label": label, "count": c}
            for k, label, c in zip(self.keys, self.labels, self.counts, strict=True)
        ]


@dataclass(frozen=True)
class IdeaFigures:
    key: str
    label: str
    shift: Breakdown  # away / same / toward / no answer
    before: Breakdown  # scale levels / no answer
    after: Breakdown


@dataclass(frozen=True)
class StopFigure:
    stop_id: int
    venue_name: str
    venue_type: str
    commune: str
    install_date: dt.date
    last_open_date: dt.date
    lat: float | None
    lon: float | None
    responses: int | None  # None: a small group, hidden
    visitors: int | None  # counted by the venue in its report; None when not reported
    response_rate: float | None


@dataclass(frozen=True)
class Summary:
    """Everything the dashboard shows for one set of filters."""

    responses: int | None
    visitors: int
    reported_stops: int
    response_rate: float | None
    mean_rating: float | None
    ratings: Breakdown
    age_bands: Breakdown
    came_with: Breakdown
    will_do: Breakdown
    ideas: list[IdeaFigures]
    stops: list[StopFigure] = field(default_factory=list)


@dataclass(frozen=True)
class Options:
    exhibitions: list[tuple[int, str]]
    stops: list[tuple[int, str]]
    venue_types: list[str]
    communes: list[str]


# ---------------------------------------------------------------------------- labels


@dataclass
class _Labels:
    """Keys and labels known to any questionnaire version (the newest label wins)."""

    rating: list[tuple[int, str]]
    scale: list[tuple[int, str]]
    ideas: list[tuple[str, str]]
    will_do: list[tuple[str, str]]
    age_band: list[tuple[str, str]]
    came_with: list[tuple[str, str]]


def _labels(lang: str) -> _Labels:
    merged: dict[str, dict[Any, str]] = defaultdict(dict)
    for _version, d in sorted(all_definitions().items()):  # newer versions overwrite labels
        for o in d["rating"]["options"]:
            merged["rating"][o["value"]] = text(o["label"], lang)
        for o in d["ideas"]["scale"]:
            merged["scale"][o["value"]] = text(o["label"], lang)
        for o in d["ideas"]["items"]:
            merged["ideas"][o["key"]] = text(o["label"], lang)
        for section in ("will_do", "age_band", "came_with"):
            for o in d[section]["options"]:
                merged[section][o["value"]] = text(o["label"], lang)

    def ordered(name: str, numeric: bool = False) -> list[Any]:
        items = list(merged[name].items())
        return sorted(items) if numeric else items

    return _Labels(
        rating=ordered("rating", True),
        scale=ordered("scale", True),
        ideas=ordered("ideas"),
        will_do=ordered("will_do"),
        age_band=ordered("age_band"),
        came_with=ordered("came_with"),
    )


def venue_type_label(value: str, lang: str) -> str:
    return t(f"venue_type.{value}", lang)


# ---------------------------------------------------------------------------- filters


def _local_midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=PARIS).astimezone(dt.UTC)


def _stop_conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.exhibition_id is not None:
        conditions.append(col(Stop.exhibition_id) == filters.exhibition_id)
    if filters.stop_ids:
        conditions.append(col(Stop.id).in_(list(filters.stop_ids)))
    if filters.venue_type:
        conditions.append(col(Venue.type) == filters.venue_type)
    if filters.commune:
        conditions.append(col(Venue.commune) == filters.commune)
    if filters.date_from:
        conditions.append(col(Stop.last_open_date) >= filters.date_from)
    if filters.date_to:
        conditions.append(col(Stop.install_date) <= filters.date_to)
    return conditions


@dataclass(frozen=True)
class _StopRow:
    id: int
    status: str
    install_date: dt.date
    last_open_date: dt.date
    venue_name: str
    venue_type: str
    commune: str
    lat: float | None
    lon: float | None


def selected_stops(session: Session, filters: Filters) -> list[_StopRow]:
    """The stops the filters keep (cancelled ones too: they may have answers)."""
    query = (
        select(
            col(Stop.id),
            col(Stop.status),
            col(Stop.install_date),
            col(Stop.last_open_date),
            col(Venue.name),
            col(Venue.type),
            col(Venue.commune),
            col(Venue.lat),
            col(Venue.lon),
        )
        .join(Venue, col(Venue.id) == col(Stop.venue_id))
        .where(*_stop_conditions(filters))
        .order_by(col(Stop.install_date), col(Stop.id))
    )
    return [
        _StopRow(int(r[0]), str(r[1]), r[2], r[3], r[4], str(r[5]), r[6], r[7], r[8])
        for r in session.execute(query).all()
    ]


def response_conditions(filters: Filters, stop_ids: Sequence[int] | None) -> list[Any]:
    conditions: list[Any] = []
    if stop_ids is not None:
        conditions.append(R.c.stop_id.in_(list(stop_ids)))
    if filters.date_from:
        conditions.append(R.c.submitted_hour >= _local_midnight_utc(filters.date_from))
    if filters.date_to:
        end = _local_midnight_utc(filters.date_to + dt.timedelta(days=1))
        conditions.append(R.c.submitted_hour < end)
    return conditions


def narrows_stops(filters: Filters) -> bool:
    return bool(
        filters.exhibition_id is not None
        or filters.stop_ids
        or filters.venue_type
        or filters.commune
        or filters.date_from
        or filters.date_to
    )


# ---------------------------------------------------------------------------- aggregates


def _breakdown(
    pairs: Sequence[tuple[Any, str]], counts: dict[Any, int], n: int, lang: str
) -> Breakdown:
    keys = [str(k) for k, _ in pairs] + [NO_ANSWER]
    labels = [label for _, label in pairs] + [t("dashboard.no_answer", lang)]
    known = sum(counts.get(k, 0) for k, _ in pairs)
    values = [counts.get(k, 0) for k, _ in pairs] + [max(0, n - known)]
    table = suppress_counts(values)
    return Breakdown(keys, labels, table.cells[0], table.total, table.hidden_count)


def _multi(pairs: Sequence[tuple[str, str]], counts: dict[str, int]) -> Breakdown:
    values = [counts.get(k, 0) for k, _ in pairs]
    cells: list[int | None] = [v if v >= THRESHOLD else None for v in values]
    return Breakdown(
        [k for k, _ in pairs],
        [label for _, label in pairs],
        cells,
        None,
        sum(1 for c in cells if c is None),
    )


def _like_json_member(column: Any, value: str) -> ColumnElement[bool]:
    # will_do is a JSON list of [a-z0-9_] keys: its text contains "value" with the quotes.
    return cast(column, String).like(f'%"{value}"%')


@dataclass
class RawCounts:
    """Unsuppressed counts for one selection of responses (never leaves this module)."""

    n: int = 0
    ratings: dict[Any, int] = field(default_factory=dict)
    ages: dict[Any, int] = field(default_factory=dict)
    came: dict[Any, int] = field(default_factory=dict)
    will_do: dict[str, int] = field(default_factory=dict)
    ideas: dict[tuple[str, int, int], int] = field(default_factory=dict)  # (idea, before, after)
    per_stop: dict[int, int] = field(default_factory=dict)


def _count_in_sql(session: Session, where: list[Any], labels: _Labels) -> RawCounts:
    """GROUP BY queries over the selected responses (used when a period is chosen)."""
    raw = RawCounts()
    will_do_sums = [
        func.sum(case((_like_json_member(R.c.will_do, key), 1), else_=0))
        for key, _ in labels.will_do
    ]
    cube = session.execute(
        select(R.c.rating, R.c.age_band, R.c.came_with, func.count(), *will_do_sums)
        .where(*where)
        .group_by(R.c.rating, R.c.age_band, R.c.came_with)
    ).all()
    ratings: dict[Any, int] = defaultdict(int)
    ages: dict[Any, int] = defaultdict(int)
    came: dict[Any, int] = defaultdict(int)
    will_do: dict[str, int] = defaultdict(int)
    for row in cube:
        count = int(row[3])
        raw.n += count
        for target, value in ((ratings, row[0]), (ages, row[1]), (came, row[2])):
            if value is not None:
                target[value] += count
        for (key, _), value in zip(labels.will_do, row[4:], strict=True):
            will_do[key] += int(value or 0)
    raw.ratings, raw.ages, raw.came, raw.will_do = (
        dict(ratings),
        dict(ages),
        dict(came),
        dict(will_do),
    )
    idea_query = select(I.c.idea, I.c.before, I.c.after, func.count()).group_by(
        I.c.idea, I.c.before, I.c.after
    )
    if where:
        idea_query = idea_query.join(R, R.c.id == I.c.response_id).where(*where)
    raw.ideas = {(i, int(b), int(a)): int(c) for i, b, a, c in session.execute(idea_query).all()}
    raw.per_stop = {
        int(sid): int(c)
        for sid, c in session.execute(
            select(R.c.stop_id, func.count()).where(*where).group_by(R.c.stop_id)
        ).all()
    }
    return raw


class StopCounts:
    """The read model: every stop's answer counts, one numpy row per stop.

    Built once with GROUP BY queries, then kept up to date incrementally: only responses with
    an id above the last one seen are counted again (answers are never changed; moderation
    and the comment purge do not touch counts). If the total no longer matches (a row
    committed out of id order, a database emptied by tests) it is rebuilt. Shared by every
    user of the process: it holds counts per stop, nothing about a person.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.signature: tuple[Any, ...] = ()
        self.columns: dict[tuple[Any, ...], int] = {}
        self.rows: dict[int, int] = {}
        self.matrix = np.zeros((0, 0), dtype=np.int64)
        self.last_id = 0
        self.total = 0

    def _reset(self, signature: tuple[Any, ...], columns: list[tuple[Any, ...]]) -> None:
        self.signature = signature
        self.columns = {c: i for i, c in enumerate(columns)}
        self.rows = {}
        self.matrix = np.zeros((0, len(columns)), dtype=np.int64)
        self.last_id = 0
        self.total = 0

    def _row(self, stop_id: int) -> int:
        row = self.rows.get(stop_id)
        if row is None:
            row = self.rows[stop_id] = len(self.rows)
            if row >= self.matrix.shape[0]:
                grown = np.zeros((max(64, row * 2), self.matrix.shape[1]), dtype=np.int64)
                grown[: self.matrix.shape[0]] = self.matrix
                self.matrix = grown
        return row

    def _add(self, session: Session, labels: _Labels, after_id: int) -> None:
        # From scratch, a plain scan is faster than walking the primary key.
        newer = [R.c.id > after_id] if after_id else []
        value_sums = [
            func.sum(case((column == value, 1), else_=0))
            for column, pairs in (
                (R.c.rating, labels.rating),
                (R.c.age_band, labels.age_band),
                (R.c.came_with, labels.came_with),
            )
            for value, _ in pairs
        ] + [
            func.sum(case((_like_json_member(R.c.will_do, key), 1), else_=0))
            for key, _ in labels.will_do
        ]
        names = (
            [("rating", v) for v, _ in labels.rating]
            + [("age", v) for v, _ in labels.age_band]
            + [("came", v) for v, _ in labels.came_with]
            + [("will_do", v) for v, _ in labels.will_do]
        )
        index = [self.columns[name] for name in names]
        n_col = self.columns[("n",)]
        for row in session.execute(
            select(R.c.stop_id, func.count(), *value_sums).where(*newer).group_by(R.c.stop_id)
        ).all():
            r = self._row(int(row[0]))
            self.matrix[r, n_col] += int(row[1])
            self.matrix[r, index] += np.array([int(v or 0) for v in row[2:]], dtype=np.int64)
            self.total += int(row[1])
        for stop_id, idea, before, after, count in session.execute(
            select(R.c.stop_id, I.c.idea, I.c.before, I.c.after, func.count())
            .join(R, R.c.id == I.c.response_id)
            .where(*newer)
            .group_by(R.c.stop_id, I.c.idea, I.c.before, I.c.after)
        ).all():
            column = self.columns.get(("idea", idea, int(before), int(after)))
            if column is not None:
                self.matrix[self._row(int(stop_id)), column] += int(count)

    def refresh(self, session: Session, key: str, labels: _Labels) -> None:
        """Bring the counts up to date in `session`'s snapshot."""
        columns: list[tuple[Any, ...]] = [("n",)]
        columns += [("rating", v) for v, _ in labels.rating]
        columns += [("age", v) for v, _ in labels.age_band]
        columns += [("came", v) for v, _ in labels.came_with]
        columns += [("will_do", v) for v, _ in labels.will_do]
        columns += [
            ("idea", idea, b, a)
            for idea, _ in labels.ideas
            for b, _ in labels.scale
            for a, _ in labels.scale
        ]
        signature = (key, tuple(columns))
        # Two scalar subqueries, not max() and count() side by side: SQLite answers max(id)
        # from the primary key and count() from the smallest index (about 8 ms at 500,000
        # rows), but both in one SELECT make it read the whole table (about 60 ms).
        last, total = session.execute(
            select(
                select(func.max(R.c.id)).scalar_subquery(),
                select(func.count()).select_from(R).scalar_subquery(),
            )
        ).one()
        last, total = int(last or 0), int(total or 0)
        if signature != self.signature or last < self.last_id or total < self.total:
            self._reset(signature, columns)
        if last > self.last_id:
            self._add(session, labels, self.last_id)
            self.last_id = last
        if self.total != total:  # a response committed out of id order: count again
            self._reset(signature, columns)
            self._add(session, labels, 0)
            self.last_id = last

    def counts(self, stop_ids: Sequence[int] | None) -> RawCounts:
        """The sum over `stop_ids` (every stop when None)."""
        if stop_ids is None:
            rows = list(self.rows.values())
        else:
            rows = [self.rows[s] for s in stop_ids if s in self.rows]
        vector = self.matrix[rows].sum(axis=0) if rows else np.zeros(len(self.columns), np.int64)
        raw = RawCounts(n=int(vector[self.columns[("n",)]]))
        targets = {"rating": raw.ratings, "age": raw.ages, "came": raw.came, "will_do": raw.will_do}
        for column, i in self.columns.items():
            value = int(vector[i])
            if not value or column[0] == "n":
                continue
            if column[0] == "idea":
                raw.ideas[(column[1], column[2], column[3])] = value
            else:
                targets[column[0]][column[1]] = value
        n_col = self.columns[("n",)]
        wanted = self.rows.keys() if stop_ids is None else stop_ids
        raw.per_stop = {s: int(self.matrix[self.rows[s], n_col]) for s in wanted if s in self.rows}
        return raw


_READ_MODELS: dict[str, StopCounts] = {}
_READ_MODELS_LOCK = threading.Lock()


def _read_model(key: str) -> StopCounts:
    with _READ_MODELS_LOCK:
        model = _READ_MODELS.pop(key, None) or StopCounts()
        _READ_MODELS[key] = model  # most recently used last
        while len(_READ_MODELS) > 4:  # one per database in use; tests switch databases
            _READ_MODELS.pop(next(iter(_READ_MODELS)))
        return model


def clear_read_models() -> None:
    """Forget the read models (tests that empty a database and reuse its ids)."""
    with _READ_MODELS_LOCK:
        _READ_MODELS.clear()


def data_version() -> tuple[Any, ...]:
    """What the dashboard's figures depend on, read in one cheap query: the database, the
    newest response and the number of responses, stop reports and stops (with their latest
    change). Pages key their caches on it, so a cached figure is never older than the data."""
    engine = get_engine()
    with read_session(engine) as session:
        row = session.execute(
            select(
                select(func.max(R.c.id)).scalar_subquery(),
                select(func.count()).select_from(R).scalar_subquery(),
                select(func.count()).select_from(StopReport).scalar_subquery(),
                select(func.max(col(StopReport.updated_at))).scalar_subquery(),
                select(func.count()).select_from(Stop).scalar_subquery(),
                select(func.max(col(Stop.updated_at))).scalar_subquery(),
            )
        ).one()
    return (engine.url.render_as_string(hide_password=True), *row)


def warm_read_model() -> int:
    """Bring the per-stop read model of the configured database up to date (at app start);
    returns the number of responses it counts."""
    engine = get_engine()
    with read_session(engine) as session:
        model = _read_model(engine.url.render_as_string(hide_password=True))
        with model.lock:
            model.refresh(session, engine.url.render_as_string(), _labels("fr"))
            return model.total


def summarise(filters: Filters, lang: str = "fr") -> Summary:
    """The dashboard's figures for `filters`, every breakdown suppressed.

    Without a period the counts come from the per-stop read model (kept up to date
    incrementally); with a period, from GROUP BY queries over the responses of that period.
    """
    filters.check()
    labels = _labels(lang)
    engine = get_engine()
    with read_session(engine) as session:
        stops = selected_stops(session, filters)
        stop_ids = [s.id for s in stops] if narrows_stops(filters) else None
        if filters.date_from or filters.date_to:
            raw = _count_in_sql(session, response_conditions(filters, stop_ids), labels)
        else:
            model = _read_model(engine.url.render_as_string(hide_password=True))
            with model.lock:
                model.refresh(session, engine.url.render_as_string(), labels)
                raw = model.counts(stop_ids)
        report_query = select(col(StopReport.stop_id), col(StopReport.visitors_total))
        if stop_ids is not None:
            report_query = report_query.where(col(StopReport.stop_id).in_(stop_ids))
        visitors_by_stop = {sid: int(v or 0) for sid, v in session.execute(report_query).all()}
    return _summary(raw, stops, visitors_by_stop, labels, lang)


def _summary(
    raw: RawCounts,
    stops: Sequence[_StopRow],
    visitors_by_stop: dict[int, int],
    labels: _Labels,
    lang: str,
) -> Summary:
    n = raw.n
    before: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    after: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    shift: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (idea, b, a), count in raw.ideas.items():
        before[idea][b] += count
        after[idea][a] += count
        shift[idea]["away" if a > b else "same" if a == b else "toward"] += count
    ratings_table = _breakdown(
        [(k, f"{k} – {label}") for k, label in labels.rating], raw.ratings, n, lang
    )
    shift_pairs = [(s, t(f"dashboard.shift.{s}", lang)) for s in SHIFTS]
    ideas = [
        IdeaFigures(
            key=key,
            label=label,
            shift=_breakdown(shift_pairs, shift.get(key, {}), n, lang),
            before=_breakdown(labels.scale, before.get(key, {}), n, lang),
            after=_breakdown(labels.scale, after.get(key, {}), n, lang),
        )
        for key, label in labels.ideas
        if key in shift or n == 0
    ]
    stop_figures = _stop_figures(stops, raw.per_stop, visitors_by_stop)
    kept_ids = {f.stop_id for f in stop_figures}
    shown = [s for s in stop_figures if s.responses is not None and s.visitors]
    shown_visitors = sum(s.visitors or 0 for s in shown)
    rated = sum(raw.ratings.values())
    rating_sum = sum(int(k) * v for k, v in raw.ratings.items())
    total = suppress_counts([n]).total if n else None
    return Summary(
        responses=total,
        visitors=sum(v for sid, v in visitors_by_stop.items() if sid in kept_ids),
        reported_stops=sum(1 for s in stop_figures if s.visitors is not None),
        response_rate=(
            sum(s.responses or 0 for s in shown) / shown_visitors if shown_visitors else None
        ),
        mean_rating=(
            rating_sum / rated if rated and not ratings_table.hidden and total is not None else None
        ),
        ratings=ratings_table,
        age_bands=_breakdown(labels.age_band, raw.ages, n, lang),
        came_with=_breakdown(labels.came_with, raw.came, n, lang),
        will_do=_multi(labels.will_do, raw.will_do),
        ideas=ideas,
        stops=stop_figures,
    )


def _stop_figures(
    stops: Sequence[_StopRow], per_stop: dict[int, int], visitors: dict[int, int]
) -> list[StopFigure]:
    """One figure per stop. Stops without any answer show 0: they are known zeros (a stop
    that has not started cannot have answers), so they cannot hide anything and stay out of
    the suppressed table."""
    kept = [s for s in stops if s.status == StopStatus.confirmed or per_stop.get(s.id)]
    answered = [s for s in kept if per_stop.get(s.id)]
    shown: dict[int, int | None] = {s.id: 0 for s in kept}
    if answered:
        table: Suppressed = suppress_counts([per_stop[s.id] for s in answered])
        shown.update({s.id: c for s, c in zip(answered, table.cells[0], strict=True)})
    figures = []
    for stop in kept:
        count = shown[stop.id]
        seen = visitors.get(stop.id)
        figures.append(
            StopFigure(
                stop_id=stop.id,
                venue_name=stop.venue_name,
                venue_type=stop.venue_type,
                commune=stop.commune,
                install_date=stop.install_date,
                last_open_date=stop.last_open_date,
                lat=stop.lat,
                lon=stop.lon,
                responses=count,
                visitors=seen,
                response_rate=(count / seen if count is not None and seen else None),
            )
        )
    return figures


def filter_options() -> Options:
    """What the filters offer: exhibitions, stops, venue types and communes that have stops."""
    with read_session() as session:
        exhibitions = session.execute(
            select(col(Exhibition.id), col(Exhibition.title)).order_by(Exhibition.title)
        ).all()
        stops = session.execute(
            select(col(Stop.id), col(Venue.name), col(Stop.install_date))
            .join(Venue, col(Venue.id) == col(Stop.venue_id))
            .order_by(col(Stop.install_date).desc(), col(Stop.id).desc())
        ).all()
        types = session.execute(
            select(col(Venue.type)).join(Stop, col(Stop.venue_id) == col(Venue.id)).distinct()
        ).all()
        communes = session.execute(
            select(col(Venue.commune))
            .join(Stop, col(Stop.venue_id) == col(Venue.id))
            .where(col(Venue.commune) != literal(""))
            .distinct()
            .order_by(Venue.commune)
        ).all()
    return Options(
        exhibitions=[(int(i), str(title)) for i, title in exhibitions],
        stops=[(int(i), f"{name} ({day.isoformat()})") for i, name, day in stops],
        venue_types=sorted(str(v) for (v,) in types),
        communes=[str(c) for (c,) in communes],
    )


# ---------------------------------------------------------------------------- comments


@dataclass(frozen=True)
class CommentRow:
    response_id: int
    stop_id: int
    venue_name: str
    day: dt.date
    language: str
    rating: int | None
    comment: str
    status: str


def list_comments(
    filters: Filters,
    *,
    statuses: Sequence[str] = ("visible", "flagged", "hidden"),
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[CommentRow], int]:
    """Comments for moderation (newest first) and how many there are in all.

    Inside the app only: hidden comments are listed here so they can be restored, and never
    in an export.
    """
    filters.check()
    with read_session() as session:
        stop_ids = (
            [s.id for s in selected_stops(session, filters)] if narrows_stops(filters) else None
        )
        conditions = [
            R.c.comment.is_not(None),
            R.c.comment_status.in_([s for s in statuses if s != CommentStatus.purged]),
            *response_conditions(filters, stop_ids),
        ]
        total = int(
            session.execute(select(func.count()).select_from(R).where(*conditions)).scalar() or 0
        )
        rows = session.execute(
            select(
                R.c.id,
                R.c.stop_id,
                col(Venue.name),
                R.c.submitted_hour,
                R.c.language,
                R.c.rating,
                R.c.comment,
                R.c.comment_status,
            )
            .join(Stop, col(Stop.id) == R.c.stop_id)
            .join(Venue, col(Venue.id) == col(Stop.venue_id))
            .where(*conditions)
            .order_by(R.c.submitted_hour.desc(), R.c.id.desc())
            .limit(max(1, min(limit, 500)))
            .offset(max(0, offset))
        ).all()
    result = []
    for rid, sid, venue, hour, language, rating, comment, status in rows:
        hour = hour if hour.tzinfo else hour.replace(tzinfo=dt.UTC)
        result.append(
            CommentRow(
                int(rid),
                int(sid),
                venue,
                hour.astimezone(PARIS).date(),
                language,
                rating,
                comment,
                str(status),
            )
        )
    return result, total


MODERATION = {
    "hide": CommentStatus.hidden,
    "flag": CommentStatus.flagged,
    "show": CommentStatus.visible,
}


def moderate_comment(response_id: int, action: str, *, actor: str) -> str:
    """Hide, flag or show again one comment; returns its new status. Audited."""
    status = MODERATION.get(action)
    if status is None:
        raise ValidationError("dashboard.bad_moderation", field="action")

    def use_case(session: Session) -> None:
        response = session.get(FeedbackResponse, response_id)
        if (
            response is None
            or response.comment is None
            or response.comment_status == CommentStatus.purged
        ):
            raise NotFound("dashboard.comment_not_found")
        previous = str(response.comment_status)
        if previous != status.value:
            response.comment_status = status
            session.add(response)
            audit.record(
                session,
                actor=actor,
                action=f"feedback.comment_{status.value}",
                entity="feedback_response",
                entity_id=response_id,
                previous=previous,
            )

    write(use_case)
    return status.value
