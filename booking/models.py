"""The domain model: every noun of the architecture page as a table.

Rules the tables keep:
- stop dates are `date` (whole days); times are aware datetimes stored in UTC (`UTCDateTime`);
- personal data lives only in `Contact` (erasable) and `User`;
- a kit's occupancy (stops and live holds widened by turnaround buffers) is one row per
  request in `KitOccupancy`, and the database refuses two overlapping rows for one kit
  (PostgreSQL exclusion constraint, SQLite trigger: see the first migration).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from booking.types import UTCDateTime, utcnow


def _utc_column(nullable: bool = True, index: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(UTCDateTime(), nullable=nullable, index=index),
    )


def _created_column() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


def _json_column(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


# ---------------------------------------------------------------------------- enumerations


class Role(StrEnum):
    staff = "staff"
    tuba = "tuba"
    admin = "admin"


class VenueType(StrEnum):
    library = "library"
    school = "school"
    park = "park"
    town_hall = "town_hall"
    other = "other"


class Setting(StrEnum):
    """Where an exhibition may stand."""

    indoor = "indoor"
    outdoor = "outdoor"
    both = "both"


class KitCondition(StrEnum):
    good = "good"
    damaged = "damaged"
    out_of_service = "out_of_service"


class PartKind(StrEnum):
    panel = "panel"
    fixing_kit = "fixing_kit"
    guide = "guide"
    other = "other"


class PartCondition(StrEnum):
    ok = "ok"
    damaged = "damaged"
    missing = "missing"


class RequestStatus(StrEnum):
    submitted = "submitted"
    held = "held"
    approved = "approved"
    declined = "declined"
    waitlisted = "waitlisted"
    cancelled = "cancelled"
    withdrawn = "withdrawn"


class StopStatus(StrEnum):
    confirmed = "confirmed"
    cancelled = "cancelled"


class OccupancyKind(StrEnum):
    hold = "hold"
    stop = "stop"


class LegKind(StrEnum):
    delivery = "delivery"  # depot -> venue
    transfer = "transfer"  # venue -> venue
    pickup = "pickup"  # venue -> depot
    empty = "empty"  # the van drives with no kit on board


class FeedScope(StrEnum):
    all = "all"
    venue = "venue"
    kit = "kit"
    van = "van"
    tuba = "tuba"


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class CommentStatus(StrEnum):
    visible = "visible"
    flagged = "flagged"
    hidden = "hidden"
    purged = "purged"


# ---------------------------------------------------------------------------- people


class User(SQLModel, table=True):
    """A staff, Tuba or admin account. Venues have none: they use a private link."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, sa_column_kwargs={"unique": True}, index=True)
    display_name: str = Field(max_length=120)
    role: Role = Field(sa_type=String(16))
    password_hash: str | None = Field(default=None, max_length=255)
    disabled: bool = False
    language: str = Field(default="fr", max_length=2)
    created_at: dt.datetime = _created_column()
    last_login_at: dt.datetime | None = _utc_column()


class AuditEvent(SQLModel, table=True):
    """Who did what, when, to which entity; written in the same transaction as the change."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )
    actor: str = Field(max_length=200)  # "user:<email>", "venue:request-<id>", "system", "cli"
    action: str = Field(max_length=64, index=True)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    details: dict[str, Any] = _json_column(dict)


# ---------------------------------------------------------------------------- catalogue


class Exhibition(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, sa_column_kwargs={"unique": True})
    title: str = Field(max_length=200)
    subtitle: str = Field(default="", max_length=300)
    summary: str = Field(default="", max_length=1000)
    description: str = Field(default="", max_length=8000)
    producer: str = Field(default="", max_length=200)
    commissioner: str = Field(default="", max_length=200)
    panel_count_min: int = 1
    panel_count_max: int = 1
    length_m: float = 0.0
    setting: Setting = Field(default=Setting.indoor, sa_type=String(8))
    hanging: str = Field(default="", max_length=500)  # walls, fences, grids…
    requirements: str = Field(default="", max_length=4000)  # what the venue must provide / do
    audience: str = Field(default="", max_length=500)
    min_stay_days: int = 7
    max_stay_days: int = 42
    install_minutes: int = 120
    dismantle_minutes: int = 90
    buffer_days: int = 0
    active: bool = True
    created_at: dt.datetime = _created_column()


class Depot(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=300)
    lat: float
    lon: float


class Kit(SQLModel, table=True):
    """One physical copy of an exhibition."""

    id: int | None = Field(default=None, primary_key=True)
    exhibition_id: int = Field(foreign_key="exhibition.id", index=True)
    code: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    name: str = Field(max_length=120)
    depot_id: int = Field(foreign_key="depot.id")
    condition: KitCondition = Field(default=KitCondition.good, sa_type=String(16))
    condition_note: str = Field(default="", max_length=2000)
    available_from: dt.date | None = None
    available_to: dt.date | None = None
    active: bool = True


class KitPart(SQLModel, table=True):
    """A panel, the fixing kit, the guide: the checklist loaded into the van."""

    __tablename__ = "kit_part"

    id: int | None = Field(default=None, primary_key=True)
    kit_id: int = Field(foreign_key="kit.id", index=True)
    kind: PartKind = Field(sa_type=String(16))
    position: int = 0
    label: str = Field(max_length=200)
    condition: PartCondition = Field(default=PartCondition.ok, sa_type=String(16))
    note: str = Field(default="", max_length=1000)


class Van(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, sa_column_kwargs={"unique": True})
    name: str = Field(max_length=120)
    depot_id: int = Field(foreign_key="depot.id")
    capacity_kits: int = 2
    shift_start: dt.time = dt.time(8, 0)
    shift_end: dt.time = dt.time(16, 30)
    lunch_start: dt.time | None = dt.time(12, 0)
    lunch_minutes: int = 45
    active: bool = True


# ---------------------------------------------------------------------------- venues


class Venue(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=80, sa_column_kwargs={"unique": True})
    name: str = Field(max_length=200)
    type: VenueType = Field(sa_type=String(16), index=True)
    address: str = Field(default="", max_length=300)
    postcode: str = Field(default="", max_length=10)
    commune: str = Field(default="", max_length=120, index=True)
    insee: str = Field(default="", max_length=5)
    lat: float | None = None
    lon: float | None = None
    geocode_source: str = Field(default="", max_length=16)  # ban | gazetteer | manual
    open_weekdays: list[int] = _json_column(lambda: [1, 2, 3, 4, 5])  # 0 = Monday
    opens_at: dt.time = dt.time(9, 0)
    closes_at: dt.time = dt.time(18, 0)
    indoor: bool = True
    hanging_surface: str = Field(default="", max_length=300)
    hanging_length_m: float | None = None
    floor: str = Field(default="", max_length=60)
    has_lift: bool | None = None
    van_parking: str = Field(default="", max_length=300)
    access_notes: str = Field(default="", max_length=2000)
    created_at: dt.datetime = _created_column()


class VenueClosure(SQLModel, table=True):
    """Days a venue is closed (inclusive). Imported from .ics or typed by staff/venue."""

    __tablename__ = "venue_closure"

    id: int | None = Field(default=None, primary_key=True)
    venue_id: int = Field(foreign_key="venue.id", index=True)
    start: dt.date
    end: dt.date
    reason: str = Field(default="", max_length=300)
    source: str = Field(default="manual", max_length=16)  # manual | ics


class Contact(SQLModel, table=True):
    """A person at a venue: personal data, the minimum, erasable."""

    id: int | None = Field(default=None, primary_key=True)
    venue_id: int = Field(foreign_key="venue.id", index=True)
    name: str | None = Field(default=None, max_length=120)
    role: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    language: str = Field(default="fr", max_length=2)
    created_at: dt.datetime = _created_column()
    last_used_at: dt.datetime | None = _utc_column()
    erased_at: dt.datetime | None = _utc_column()


# ---------------------------------------------------------------------------- booking


class BookingRequest(SQLModel, table=True):
    """A venue asks for an exhibition; follows submitted → held → approved | declined | …"""

    __tablename__ = "booking_request"

    id: int | None = Field(default=None, primary_key=True)
    exhibition_id: int = Field(foreign_key="exhibition.id", index=True)
    venue_id: int = Field(foreign_key="venue.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    status: RequestStatus = Field(default=RequestStatus.submitted, sa_type=String(16), index=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    language: str = Field(default="fr", max_length=2)
    stay_min_days: int
    stay_max_days: int
    preferred_start: dt.date | None = None
    priority: int = 1
    indoor: bool = True
    hanging_surface: str = Field(default="", max_length=300)
    hanging_length_m: float | None = None
    access_notes: str = Field(default="", max_length=2000)
    expected_audience: str = Field(default="", max_length=1000)
    mediation: str = Field(default="", max_length=2000)
    message: str = Field(default="", max_length=4000)
    # a hold, or a counter-proposal awaiting the venue's answer
    kit_id: int | None = Field(default=None, foreign_key="kit.id")
    start: dt.date | None = None  # install day
    end: dt.date | None = None  # last open day
    dismantle: dt.date | None = None
    hold_expires_at: dt.datetime | None = _utc_column(index=True)
    proposal_kit_id: int | None = Field(default=None, foreign_key="kit.id")
    proposal_start: dt.date | None = None
    proposal_end: dt.date | None = None
    proposal_dismantle: dt.date | None = None
    decision_reason: str = Field(default="", max_length=2000)
    submitted_at: dt.datetime = _created_column()
    updated_at: dt.datetime = _created_column()
    version: int = 1  # optimistic lock: two staff acting at once


class RequestWindow(SQLModel, table=True):
    """One acceptable date window of a request (inclusive)."""

    __tablename__ = "request_window"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="booking_request.id", index=True)
    start: dt.date
    end: dt.date


class Stop(SQLModel, table=True):
    """An approved request placed on a kit: install day … last open day, then dismantle day."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="booking_request.id", sa_column_kwargs={"unique": True})
    kit_id: int = Field(foreign_key="kit.id", index=True)
    venue_id: int = Field(foreign_key="venue.id", index=True)
    exhibition_id: int = Field(foreign_key="exhibition.id", index=True)
    install_date: dt.date = Field(index=True)
    last_open_date: dt.date
    dismantle_date: dt.date
    status: StopStatus = Field(default=StopStatus.confirmed, sa_type=String(16), index=True)
    cancel_reason: str = Field(default="", max_length=2000)
    uid: str = Field(
        max_length=120, sa_column_kwargs={"unique": True}
    )  # iCalendar UID, never regenerated
    sequence: int = 0  # iCalendar SEQUENCE, bumped on every change of date, place or status
    feedback_token: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_at: dt.datetime = _created_column()
    updated_at: dt.datetime = _created_column()


class KitOccupancy(SQLModel, table=True):
    """The days a kit is taken by a hold or a stop: from `start` (the install day) up to but
    not including `end` (the dismantle day plus the turnaround buffer, at least the day
    after the install day), so with no buffer the next stop may be installed on the day the
    kit is dismantled (a direct transfer).

    The database refuses two overlapping rows for one kit.
    """

    __tablename__ = "kit_occupancy"

    id: int | None = Field(default=None, primary_key=True)
    kit_id: int = Field(foreign_key="kit.id", index=True)
    request_id: int = Field(foreign_key="booking_request.id", sa_column_kwargs={"unique": True})
    kind: OccupancyKind = Field(sa_type=String(8))
    start: dt.date
    end: dt.date  # exclusive


# ---------------------------------------------------------------------------- transport


class VanDay(SQLModel, table=True):
    """The ordered legs one van drives on one day."""

    __tablename__ = "van_day"
    __table_args__ = (UniqueConstraint("van_id", "date"),)

    id: int | None = Field(default=None, primary_key=True)
    van_id: int = Field(foreign_key="van.id", index=True)
    date: dt.date = Field(index=True)
    start_at: dt.datetime | None = _utc_column()
    end_at: dt.datetime | None = _utc_column()
    km: float = 0.0
    minutes: float = 0.0
    solver: str = Field(default="", max_length=40)
    uid: str = Field(max_length=120, sa_column_kwargs={"unique": True})
    sequence: int = 0
    updated_at: dt.datetime = _created_column()


class TransportLeg(SQLModel, table=True):
    """A van drive: depot → venue, venue → venue or venue → depot, with the kits on board."""

    __tablename__ = "transport_leg"

    id: int | None = Field(default=None, primary_key=True)
    van_day_id: int | None = Field(default=None, foreign_key="van_day.id", index=True)
    position: int = 0
    date: dt.date = Field(index=True)
    kind: LegKind = Field(sa_type=String(16))
    from_depot_id: int | None = Field(default=None, foreign_key="depot.id")
    from_venue_id: int | None = Field(default=None, foreign_key="venue.id")
    to_depot_id: int | None = Field(default=None, foreign_key="depot.id")
    to_venue_id: int | None = Field(default=None, foreign_key="venue.id")
    kit_ids: list[int] = _json_column(list)
    stop_id: int | None = Field(default=None, foreign_key="stop.id", index=True)
    depart_at: dt.datetime | None = _utc_column()
    arrive_at: dt.datetime | None = _utc_column()
    handling_minutes: int = 0
    km: float = 0.0
    minutes: float = 0.0
    uid: str = Field(max_length=120, sa_column_kwargs={"unique": True})
    sequence: int = 0


class TravelCache(SQLModel, table=True):
    """Answers of a road router, so a matrix is asked for once."""

    __tablename__ = "travel_cache"
    __table_args__ = (UniqueConstraint("model", "from_key", "to_key"),)

    id: int | None = Field(default=None, primary_key=True)
    model: str = Field(max_length=60)
    from_key: str = Field(max_length=40)  # "lat,lon" rounded to 5 decimals
    to_key: str = Field(max_length=40)
    km: float
    minutes: float
    created_at: dt.datetime = _created_column()


class GeocodeCache(SQLModel, table=True):
    __tablename__ = "geocode_cache"

    id: int | None = Field(default=None, primary_key=True)
    query: str = Field(max_length=400, sa_column_kwargs={"unique": True})
    lat: float
    lon: float
    label: str = Field(default="", max_length=400)
    postcode: str = Field(default="", max_length=10)
    commune: str = Field(default="", max_length=120)
    insee: str = Field(default="", max_length=5)
    source: str = Field(max_length=16)
    created_at: dt.datetime = _created_column()


# ---------------------------------------------------------------------------- calendars


class CalendarFeed(SQLModel, table=True):
    """A secret, revocable URL serving an .ics view."""

    __tablename__ = "calendar_feed"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    name: str = Field(max_length=120)
    scope: FeedScope = Field(sa_type=String(8))
    scope_id: int | None = None
    created_by: str = Field(default="", max_length=200)
    created_at: dt.datetime = _created_column()
    revoked_at: dt.datetime | None = _utc_column()
    last_fetched_at: dt.datetime | None = _utc_column()


# ---------------------------------------------------------------------------- feedback


class Questionnaire(SQLModel, table=True):
    """A versioned set of visitor questions (data, not code); answers keep their version."""

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(sa_column_kwargs={"unique": True})
    title: str = Field(max_length=200)
    definition: dict[str, Any] = _json_column(dict)
    active: bool = False
    created_at: dt.datetime = _created_column()
    created_by: str = Field(default="", max_length=200)


class FeedbackResponse(SQLModel, table=True):
    """A visitor's anonymous answers: no IP, no cookie id, time kept to the hour."""

    __tablename__ = "feedback_response"
    __table_args__ = (
        Index("ix_feedback_stop_hour", "stop_id", "submitted_hour"),
        # the moderation list: newest comments first, without scanning the answers without one
        Index(
            "ix_feedback_comment_hour",
            "submitted_hour",
            "id",
            sqlite_where=text("comment IS NOT NULL"),
            postgresql_where=text("comment IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    stop_id: int = Field(foreign_key="stop.id")
    questionnaire_version: int
    submitted_hour: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    language: str = Field(default="fr", max_length=2)
    rating: int | None = None
    age_band: str | None = Field(default=None, max_length=16)
    came_with: str | None = Field(default=None, max_length=16)
    will_do: list[str] = _json_column(list)
    answers: dict[str, Any] = _json_column(dict)
    comment: str | None = Field(default=None, max_length=500)
    comment_status: CommentStatus = Field(default=CommentStatus.visible, sa_type=String(8))


class FeedbackIdea(SQLModel, table=True):
    """One received idea of one response, before and after the visit (for SQL aggregates)."""

    __tablename__ = "feedback_idea"
    __table_args__ = (Index("ix_feedback_idea_key", "idea", "response_id"),)

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="feedback_response.id", index=True)
    idea: str = Field(max_length=40)
    before: int  # 1 agree … 4 disagree, on the questionnaire's scale
    after: int


class StopReport(SQLModel, table=True):
    """What the venue reports on its stop."""

    __tablename__ = "stop_report"

    id: int | None = Field(default=None, primary_key=True)
    stop_id: int = Field(foreign_key="stop.id", sa_column_kwargs={"unique": True})
    visitors_total: int = 0
    visitors_by_day: dict[str, int] = _json_column(dict)  # ISO date -> count
    groups: int = 0
    school_classes: int = 0
    mediation_sessions: int = 0
    incidents: str = Field(default="", max_length=4000)
    fixing_kit_condition: PartCondition = Field(default=PartCondition.ok, sa_type=String(16))
    parts_condition: dict[str, str] = _json_column(dict)  # KitPart.id -> PartCondition
    comments: str = Field(default="", max_length=4000)
    photo: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    photo_mime: str | None = Field(default=None, max_length=32)
    submitted_at: dt.datetime = _created_column()
    updated_at: dt.datetime = _created_column()


# ---------------------------------------------------------------------------- operations


class OutboxMessage(SQLModel, table=True):
    """An email to send; kept with its attempts so failures are visible to staff."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(max_length=200, sa_column_kwargs={"unique": True})
    kind: str = Field(max_length=40, index=True)
    to_address: str | None = Field(default=None, max_length=254)
    subject: str = Field(max_length=300)
    body_text: str
    attachments: list[dict[str, str]] = _json_column(list)  # [{filename, mime, content}]
    request_id: int | None = Field(default=None, foreign_key="booking_request.id", index=True)
    status: OutboxStatus = Field(default=OutboxStatus.pending, sa_type=String(8), index=True)
    attempts: int = 0
    last_error: str = Field(default="", max_length=2000)
    created_at: dt.datetime = _created_column()
    next_attempt_at: dt.datetime = _created_column()
    sent_at: dt.datetime | None = _utc_column()


class JobRun(SQLModel, table=True):
    """One run of a background job, for the operations page."""

    __tablename__ = "job_run"

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=60, index=True)
    started_at: dt.datetime = _created_column()
    finished_at: dt.datetime | None = _utc_column()
    ok: bool = False
    detail: str = Field(default="", max_length=4000)
