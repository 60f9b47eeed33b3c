"""Plausible feedback and stop reports for demo data and benchmarks.

Ratings lean positive, received ideas move a little towards disagreement after the visit,
school stops bring classes of teenagers, parks bring passers-by; a few comments, none with
personal data. Rows are written in bulk (executemany), inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from booking.feedback.questionnaire import _ensure_in_session
from booking.feedback.reports import ReportInput, save_report_in_session
from booking.i18n import PARIS
from booking.models import (
    CommentStatus,
    FeedbackIdea,
    FeedbackResponse,
    KitPart,
    PartKind,
    Stop,
    Venue,
    VenueType,
)
from booking.types import utcnow

COMMENTS_FR = [
    "Très clair, j'ai appris plein de choses sur les cookies.",
    "Les panneaux sont beaux mais il y a beaucoup de texte.",
    "Mes enfants ont adoré le quiz sur les applis.",
    "Je ne savais pas qu'on pouvait demander ses données à une entreprise.",
    "Il faudrait plus d'exemples concrets.",
    "Bonne idée de parler du self data, c'est rassurant.",
    "Un peu trop court à mon goût.",
    "Exposition utile, à montrer dans tous les collèges !",
    "Les illustrations aident beaucoup à comprendre.",
    "J'aimerais un atelier pour régler mon téléphone.",
]
COMMENTS_EN = [
    "Very clear, I learnt a lot about cookies.",
    "Nice panels, a bit too much text.",
    "Useful, I did not know I could ask for my data.",
]

_RATING_WEIGHTS = [2, 5, 15, 40, 38]
_BEFORE_WEIGHTS = [35, 33, 21, 11]
_SHIFT = [(-1, 5), (0, 45), (1, 38), (2, 12)]
_AGES: dict[str, list[tuple[str, int]]] = {
    VenueType.school: [("under_15", 70), ("15_17", 15), ("25_44", 10), ("45_64", 5)],
    VenueType.library: [
        ("under_15", 10),
        ("15_17", 8),
        ("18_24", 12),
        ("25_44", 30),
        ("45_64", 25),
        ("65_plus", 15),
    ],
    VenueType.park: [
        ("under_15", 15),
        ("15_17", 10),
        ("18_24", 15),
        ("25_44", 35),
        ("45_64", 17),
        ("65_plus", 8),
    ],
}
_CAME: dict[str, list[tuple[str, int]]] = {
    VenueType.school: [("school_group", 80), ("alone", 10), ("friends", 10)],
    VenueType.park: [("passing_by", 45), ("family", 30), ("friends", 15), ("alone", 10)],
}
_CAME_DEFAULT = [
    ("alone", 35),
    ("family", 25),
    ("friends", 15),
    ("passing_by", 20),
    ("school_group", 5),
]


def _pick(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _active_definition(session: Session) -> tuple[int, dict[str, Any]]:
    """The active questionnaire; version 1 from the shipped file when there is none yet."""
    row = _ensure_in_session(session, "demo")
    return row.version, row.definition


def _answer_hour(rng: random.Random, stop: Stop, venue: Venue, today: dt.date) -> dt.datetime:
    last = min(stop.last_open_date, today)
    span = max(0, (last - stop.install_date).days)
    for _ in range(10):
        day = stop.install_date + dt.timedelta(days=rng.randint(0, span))
        if day.weekday() in (venue.open_weekdays or [0, 1, 2, 3, 4, 5, 6]):
            break
    opens = venue.opens_at.hour if venue.opens_at else 9
    closes = max(opens + 1, venue.closes_at.hour if venue.closes_at else 18)
    local = dt.datetime.combine(day, dt.time(rng.randint(opens, closes - 1)), tzinfo=PARIS)
    return local.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def add_demo_feedback(
    session: Session,
    stop_ids: list[int],
    rng: random.Random,
    per_stop: int | tuple[int, int],
) -> int:
    """Write plausible anonymous responses for `stop_ids` (answer times within each stop's
    days, never after today); returns how many responses were written."""
    version, definition = _active_definition(session)
    ideas = [i["key"] for i in definition["ideas"]["items"]]
    scale = [o["value"] for o in definition["ideas"]["scale"]]
    will_do = [o["value"] for o in definition["will_do"]["options"] if o["value"] != "nothing"]
    today = utcnow().astimezone(PARIS).date()
    rows = session.exec(
        select(Stop, Venue)
        .join(Venue, col(Venue.id) == col(Stop.venue_id))
        .where(col(Stop.id).in_(stop_ids))
    ).all()
    written = 0
    batch: list[dict[str, Any]] = []
    idea_batch: list[list[tuple[str, int, int]]] = []

    def flush() -> None:
        if not batch:
            return
        table = FeedbackResponse.__table__  # type: ignore[attr-defined]
        ids = (
            session.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), batch
            )
            .scalars()
            .all()
        )
        idea_rows = [
            {"response_id": rid, "idea": key, "before": b, "after": a}
            for rid, answered in zip(ids, idea_batch, strict=True)
            for key, b, a in answered
        ]
        if idea_rows:
            session.execute(insert(FeedbackIdea.__table__), idea_rows)  # type: ignore[attr-defined]
        batch.clear()
        idea_batch.clear()

    for stop, venue in rows:
        if stop.install_date > today:
            continue
        count = per_stop if isinstance(per_stop, int) else rng.randint(*per_stop)
        vtype = str(venue.type)
        for _ in range(count):
            lang = "en" if rng.random() < 0.07 else "fr"
            answered: list[tuple[str, int, int]] = []
            for key in ideas:
                if rng.random() < 0.85:
                    before = rng.choices(scale, weights=_BEFORE_WEIGHTS[: len(scale)])[0]
                    move = _pick(rng, _SHIFT)
                    after = min(max(scale), max(min(scale), before + move))
                    answered.append((key, before, after))
            chosen = [v for v in will_do if rng.random() < 0.28]
            if not chosen and rng.random() < 0.5:
                chosen = ["nothing"]
            comment = None
            if rng.random() < 0.08:
                comment = rng.choice(COMMENTS_EN if lang == "en" else COMMENTS_FR)
            batch.append(
                {
                    "stop_id": stop.id,
                    "questionnaire_version": version,
                    "submitted_hour": _answer_hour(rng, stop, venue, today),
                    "language": lang,
                    "rating": None
                    if rng.random() < 0.05
                    else _pick(rng, list(zip(range(1, 6), _RATING_WEIGHTS, strict=True))),
                    "age_band": None
                    if rng.random() < 0.08
                    else _pick(rng, _AGES.get(vtype, _AGES[VenueType.library])),
                    "came_with": None
                    if rng.random() < 0.06
                    else _pick(rng, _CAME.get(vtype, _CAME_DEFAULT)),
                    "will_do": chosen,
                    "answers": {},
                    "comment": comment,
                    "comment_status": CommentStatus.visible.value,
                }
            )
            idea_batch.append(answered)
            written += 1
            if len(batch) >= 2000:
                flush()
    flush()
    return written


def add_demo_report(session: Session, stop_id: int, rng: random.Random) -> None:
    """A plausible stop report (visitors on open days, groups, now and then a damaged part)."""
    stop = session.get(Stop, stop_id)
    assert stop is not None
    venue = session.get(Venue, stop.venue_id)
    assert venue is not None
    open_days = [
        stop.install_date + dt.timedelta(days=i)
        for i in range((stop.last_open_date - stop.install_date).days + 1)
        if (stop.install_date + dt.timedelta(days=i)).weekday() in (venue.open_weekdays or range(7))
    ]
    base = {VenueType.park: 60, VenueType.library: 35, VenueType.school: 25}.get(
        VenueType(venue.type), 20
    )
    by_day = {day: max(0, int(rng.gauss(base, base / 3))) for day in open_days}
    is_school = venue.type == VenueType.school
    parts = session.exec(select(KitPart).where(KitPart.kit_id == stop.kit_id)).all()
    conditions: dict[int, str] = {}
    notes: dict[int, str] = {}
    if parts and rng.random() < 0.12:
        panels = [p for p in parts if p.kind == PartKind.panel] or list(parts)
        part = rng.choice(panels)
        assert part.id is not None
        conditions[part.id] = "damaged" if rng.random() < 0.8 else "missing"
        notes[part.id] = "Coin déchiré au démontage." if conditions[part.id] == "damaged" else ""
    save_report_in_session(
        session,
        stop,
        ReportInput(
            visitors_by_day=by_day,
            groups=rng.randint(0, 4) + (rng.randint(2, 8) if is_school else 0),
            school_classes=rng.randint(3, 12) if is_school else rng.randint(0, 2),
            mediation_sessions=rng.randint(0, 5),
            incidents=""
            if rng.random() < 0.85
            else "Un panneau décroché par le vent, raccroché le jour même.",
            comments=rng.choice(
                ["", "", "Beaucoup d'échanges avec les visiteurs.", "Public familial le week-end."]
            ),
            parts_condition=conditions,
            part_notes=notes,
        ),
        actor="demo",
        now=max(utcnow(), dt.datetime.combine(stop.install_date, dt.time(12), tzinfo=dt.UTC)),
        check_dates=False,
    )
