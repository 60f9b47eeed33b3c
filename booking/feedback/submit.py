"""One visitor's anonymous answers: find the stop of a QR code, validate, store.

Anonymous by construction: a response holds the stop, the questionnaire version, the hour
(truncated, UTC), the language and the answers; nothing about the phone, its address or a
cookie. A comment is cleaned (control characters, e-mail addresses and phone numbers removed)
and kept as plain text; every place that shows it escapes it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import Session, col, select

from booking.db import get_engine, read_session, transaction
from booking.errors import NotFound, ValidationError
from booking.feedback.questionnaire import (
    QuestionnaireInfo,
    active_questionnaire,
    ensure_default_questionnaire,
    get_questionnaire,
    idea_keys,
    option_values,
    scale_values,
)
from booking.i18n import add_messages
from booking.models import (
    CommentStatus,
    Exhibition,
    FeedbackIdea,
    FeedbackResponse,
    Stop,
    StopStatus,
    Venue,
)
from booking.security import looks_like_token
from booking.types import paris_today, utcnow

add_messages(
    {
        "feedback.unknown_stop": {
            "fr": "Ce questionnaire n'existe pas ou plus.",
            "en": "This questionnaire does not exist or no longer exists.",
        },
        "feedback.closed": {
            "fr": "L'exposition n'est plus ici : le questionnaire de cette étape est fermé.",
            "en": "The exhibition is no longer here: this stop's questionnaire is closed.",
        },
        "feedback.bad_answer": {
            "fr": "Une réponse ne fait pas partie du questionnaire ; vérifiez vos choix.",
            "en": "An answer is not part of the questionnaire; please check your choices.",
        },
        "feedback.bad_version": {
            "fr": "Ce questionnaire a changé ; rechargez la page pour répondre à la nouvelle version.",
            "en": "This questionnaire has changed; reload the page to answer the new version.",
        },
        "feedback.comment_too_long": {
            "fr": "Votre commentaire est trop long ({length} caractères) : {max} au plus.",
            "en": "Your comment is too long ({length} characters): at most {max}.",
        },
        "feedback.empty": {
            "fr": "Répondez à au moins une question avant d'envoyer.",
            "en": "Answer at least one question before sending.",
        },
    }
)

REDACTED = "[…]"
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE_RE = re.compile(r"(?:(?:\+|00)33[\s.-]?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")
_MAX_VALUES_PER_FIELD = 20  # a hand-made request repeating a field gets no further


@dataclass(frozen=True)
class StopPlace:
    venue_name: str
    commune: str


@dataclass(frozen=True)
class FormStop:
    """What the visitor's page needs to know of the stop behind a QR code."""

    stop_id: int
    venue_name: str
    commune: str
    exhibition_title: str
    install_date: dt.date
    last_open_date: dt.date
    state: str  # "open" | "not_yet" | "closed"
    now_at: list[StopPlace] = field(default_factory=list)  # where the exhibition is now


@dataclass(frozen=True)
class Answers:
    """Validated answers, ready to store."""

    version: int
    rating: int | None
    ideas: dict[str, tuple[int, int]]
    will_do: list[str]
    age_band: str | None
    came_with: str | None
    comment: str | None

    @property
    def empty(self) -> bool:
        return not (
            self.rating is not None
            or self.ideas
            or self.will_do
            or self.age_band
            or self.came_with
            or self.comment
        )


local_today = paris_today  # the visitor's day, as the rest of the app counts it


def truncate_to_hour(moment: dt.datetime) -> dt.datetime:
    """The UTC hour a moment falls in: all a response keeps of its time."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _state(status: str, install: dt.date, last_open: dt.date, today: dt.date) -> str:
    if status != StopStatus.confirmed or today > last_open:
        return "closed"
    if today < install:
        return "not_yet"
    return "open"


def _stop_state(stop: Stop, today: dt.date) -> str:
    return _state(str(stop.status), stop.install_date, stop.last_open_date, today)


def _current_places(session: Session, stop: Stop, today: dt.date) -> list[StopPlace]:
    """Where the exhibition is today: its kit's current stop, else its other kits' stops."""
    base = (
        select(col(Venue.name), col(Venue.commune), col(Stop.kit_id))
        .join(Venue, col(Venue.id) == Stop.venue_id)
        .where(
            Stop.exhibition_id == stop.exhibition_id,
            Stop.status == StopStatus.confirmed,
            col(Stop.install_date) <= today,
            col(Stop.last_open_date) >= today,
            Stop.id != stop.id,
        )
        .order_by(col(Stop.install_date), col(Stop.id))
        .limit(20)
    )
    rows = session.exec(base).all()
    same_kit = [r for r in rows if r[2] == stop.kit_id]
    chosen = same_kit or rows[:3]
    return [StopPlace(name, commune) for name, commune, _ in chosen]


def stop_for_token(
    token: str, *, now: dt.datetime | None = None, engine: Engine | None = None
) -> FormStop:
    """The stop behind a QR code and whether its form is open today (Paris dates).

    Raises NotFound("feedback.unknown_stop") for any unknown or malformed token.
    """
    if not looks_like_token(token):
        raise NotFound("feedback.unknown_stop")
    today = local_today(now)
    with read_session(engine or get_engine()) as session:
        row = session.exec(
            select(Stop, col(Venue.name), col(Venue.commune), col(Exhibition.title))
            .join(Venue, col(Venue.id) == Stop.venue_id)
            .join(Exhibition, col(Exhibition.id) == Stop.exhibition_id)
            .where(Stop.feedback_token == token)
        ).first()
        if row is None:
            raise NotFound("feedback.unknown_stop")
        stop, venue_name, commune, title = row
        state = _stop_state(stop, today)
        assert stop.id is not None
        return FormStop(
            stop_id=stop.id,
            venue_name=venue_name,
            commune=commune,
            exhibition_title=title,
            install_date=stop.install_date,
            last_open_date=stop.last_open_date,
            state=state,
            now_at=_current_places(session, stop, today) if state == "closed" else [],
        )


# ---------------------------------------------------------------------------- validation


def clean_comment(raw: str | None) -> str | None:
    """Plain text: no control characters, no e-mail address or phone number, trimmed."""
    if raw is None:
        return None
    value = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    value = "".join(
        ch for ch in value if ch == "\n" or not unicodedata.category(ch).startswith("C")
    )
    value = re.sub(r"\n{3,}", "\n\n", value)
    value = "\n".join(line.strip() for line in value.split("\n")).strip()
    value = _EMAIL_RE.sub(REDACTED, value)
    value = _PHONE_RE.sub(REDACTED, value)
    return value or None


def _one(fields: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = [v for v in fields.get(name, ()) if v != ""]
    if len(values) > 1:
        raise ValidationError("feedback.bad_answer", field=name)
    return values[0] if values else None


def _choice(fields: Mapping[str, Sequence[str]], name: str, allowed: Sequence[Any]) -> Any:
    value = _one(fields, name)
    if value is None:
        return None
    for candidate in allowed:
        if str(candidate) == value:
            return candidate
    raise ValidationError("feedback.bad_answer", field=name)


def parse_answers(fields: Mapping[str, Sequence[str]]) -> Answers:
    """Check a submitted form against the questionnaire version it was made from.

    `fields` maps each form field to its values. Field names: `v` (version), `rating`,
    `idea.<key>.before` / `idea.<key>.after`, `will_do` (several), `age_band`, `came_with`,
    `comment`. Any other field, any value outside the questionnaire, an oversized comment or
    an empty form is a ValidationError naming the field.
    """
    if any(len(values) > _MAX_VALUES_PER_FIELD for values in fields.values()):
        raise ValidationError("feedback.bad_answer")
    raw_version = _one(fields, "v")
    if raw_version is None or not raw_version.isdigit() or len(raw_version) > 6:
        raise ValidationError("feedback.bad_version", field="v")
    questionnaire = get_questionnaire(int(raw_version))
    if questionnaire is None:
        raise ValidationError("feedback.bad_version", field="v")
    definition = questionnaire.definition

    keys = idea_keys(definition)
    scale = scale_values(definition)
    idea_fields = {f"idea.{k}.{side}" for k in keys for side in ("before", "after")}
    known = {"v", "rating", "will_do", "age_band", "came_with", "comment"} | idea_fields
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValidationError("feedback.bad_answer", field=unknown[0])

    ideas: dict[str, tuple[int, int]] = {}
    for key in keys:
        before = _choice(fields, f"idea.{key}.before", scale)
        after = _choice(fields, f"idea.{key}.after", scale)
        # Radio buttons cannot be untouched without JavaScript: half an answer is dropped.
        if before is not None and after is not None:
            ideas[key] = (before, after)

    allowed_will_do = option_values(definition, "will_do")
    will_do = [v for v in fields.get("will_do", ()) if v != ""]
    if any(v not in allowed_will_do for v in will_do):
        raise ValidationError("feedback.bad_answer", field="will_do")
    will_do = [v for v in allowed_will_do if v in will_do]  # questionnaire order, no repeats

    comment: str | None = None
    raw_comment = _one(fields, "comment")
    if raw_comment is not None:
        if not definition["comment"]["enabled"]:
            raise ValidationError("feedback.bad_answer", field="comment")
        comment = clean_comment(raw_comment)
        limit = definition["comment"]["max_length"]
        if comment is not None and len(comment) > limit:
            raise ValidationError(
                "feedback.comment_too_long", field="comment", length=len(comment), max=limit
            )

    answers = Answers(
        version=questionnaire.version,
        rating=_choice(fields, "rating", [o["value"] for o in definition["rating"]["options"]]),
        ideas=ideas,
        will_do=will_do,
        age_band=_choice(fields, "age_band", option_values(definition, "age_band")),
        came_with=_choice(fields, "came_with", option_values(definition, "came_with")),
        comment=comment,
    )
    if answers.empty:
        raise ValidationError("feedback.empty")
    return answers


# ---------------------------------------------------------------------------- storing


_RESPONSES = FeedbackResponse.__table__  # type: ignore[attr-defined]
_IDEAS = FeedbackIdea.__table__  # type: ignore[attr-defined]


def store_answers(
    session: Session, stop_id: int, answers: Answers, *, lang: str, now: dt.datetime
) -> int:
    """Add one response and its received-idea rows to the caller's transaction; its id.

    Plain INSERTs (no ORM unit of work): this runs for every visitor of a whole class at once.
    """
    response_id = session.execute(
        insert(_RESPONSES)
        .values(
            stop_id=stop_id,
            questionnaire_version=answers.version,
            submitted_hour=truncate_to_hour(now),
            language=lang if lang in ("fr", "en") else "fr",
            rating=answers.rating,
            age_band=answers.age_band,
            came_with=answers.came_with,
            will_do=list(answers.will_do),
            answers={},
            comment=answers.comment,
            comment_status=CommentStatus.visible.value,
        )
        .returning(_RESPONSES.c.id)
    ).scalar_one()
    if answers.ideas:
        session.execute(
            insert(_IDEAS),
            [
                {"response_id": response_id, "idea": key, "before": before, "after": after}
                for key, (before, after) in answers.ideas.items()
            ],
        )
    return int(response_id)


def submit_response(
    token: str,
    fields: Mapping[str, Sequence[str]],
    *,
    lang: str = "fr",
    now: dt.datetime | None = None,
) -> int:
    """Validate and store one visitor's answers for the stop of `token`; returns its id.

    Nothing is written unless everything is valid and the stop is open today. No audit event:
    its time to the second would undo the hour truncation, and the row is its own record.
    """
    now = now or utcnow()
    answers = parse_answers(fields)
    if not looks_like_token(token):
        raise NotFound("feedback.unknown_stop")
    today = local_today(now)
    with transaction() as session:
        stop = session.execute(
            select(
                col(Stop.id), col(Stop.status), col(Stop.install_date), col(Stop.last_open_date)
            ).where(Stop.feedback_token == token)
        ).first()
        if stop is None:
            raise NotFound("feedback.unknown_stop")
        if _state(str(stop[1]), stop[2], stop[3], today) != "open":
            raise ValidationError("feedback.closed")
        return store_answers(session, int(stop[0]), answers, lang=lang, now=now)


def questionnaire_for_form() -> QuestionnaireInfo:
    """The active questionnaire (version 1 is created from the shipped file if none)."""
    return active_questionnaire() or ensure_default_questionnaire()
