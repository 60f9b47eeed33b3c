"""Read the database for one calendar view and turn it into plain events.

Views: `all` (staff: everything), `tuba` (the Tuba team: every stop's open period), `venue:<id>`
(a venue's stops, as the venue sees them), `kit:<id>` (a kit's tour), `van:<id>` (a van's
days and legs), `stop:<id>` (one stop as its venue sees it: the approval email's attachment).

Events and their identity (no column is added for them):
- a stop's open period: all-day, UID `Stop.uid`, SEQUENCE `Stop.sequence`;
- its install and dismantle visits: timed, UIDs `install-<Stop.uid>` / `dismantle-<Stop.uid>`,
  at the venue's opening time for the exhibition's install/dismantle minutes, unless a transport
  leg gives the van's real arrival (install) or departure (dismantle); SEQUENCE `Stop.sequence`
  plus, when a leg sets the time, the leg's SEQUENCE + 1;
- a transport leg: timed, UID `TransportLeg.uid`; a van day: all-day, UID `VanDay.uid`.
DTSTAMP and LAST-MODIFIED are the last change (`Stop.updated_at`, `VanDay.updated_at`), never
"now", so the same database state gives the same bytes.

Privacy: contacts appear only in staff views (`all`, `kit`, `van`), and only the contact the
venue gave with its request (never an erased one). A venue's views carry no contact and no leg,
so they never show another venue.

A view is loaded in a fixed, small number of queries, whatever the number of stops.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from booking.calendars.ics import CANCELLED, CONFIRMED, PARIS, CalEvent
from booking.config import get_settings
from booking.errors import NotFound, ValidationError
from booking.i18n import add_messages, format_date, format_number, format_time, t
from booking.models import (
    BookingRequest,
    Contact,
    Depot,
    Exhibition,
    Kit,
    KitPart,
    PartCondition,
    Stop,
    StopStatus,
    TransportLeg,
    Van,
    VanDay,
    Venue,
)

add_messages(
    {
        "calendars.unknown_view": {
            "fr": "Vue de calendrier inconnue : « {view} ». Vues possibles : all, tuba, venue:<id>, kit:<id>, van:<id>, stop:<id>.",
            "en": 'Unknown calendar view: "{view}". Views: all, tuba, venue:<id>, kit:<id>, van:<id>, stop:<id>.',
        },
        "calendars.not_found": {
            "fr": "{what} n° {id} introuvable.",
            "en": "{what} #{id} not found.",
        },
        "calendars.what.venue": {"fr": "Lieu", "en": "Venue"},
        "calendars.what.kit": {"fr": "Kit", "en": "Kit"},
        "calendars.what.van": {"fr": "Camion", "en": "Van"},
        "calendars.what.stop": {"fr": "Étape", "en": "Stop"},
        "calendars.title.all": {"fr": "Tournée – tout le calendrier", "en": "Tournée – everything"},
        "calendars.title.tuba": {
            "fr": "Tournée – toutes les étapes (équipe Tuba)",
            "en": "Tournée – all stops (Tuba team)",
        },
        "calendars.title.venue": {"fr": "Tournée – {name}", "en": "Tournée – {name}"},
        "calendars.title.kit": {"fr": "Tournée – {name}", "en": "Tournée – {name}"},
        "calendars.title.van": {"fr": "Tournée – {name}", "en": "Tournée – {name}"},
        "calendars.title.stop": {
            "fr": "Tournée – {exhibition} à {venue}",
            "en": "Tournée – {exhibition} at {venue}",
        },
        "calendars.summary.open": {
            "fr": "Exposition « {exhibition} » – {venue}",
            "en": "Exhibition “{exhibition}” – {venue}",
        },
        "calendars.summary.install": {
            "fr": "Installation « {exhibition} » – {venue}",
            "en": "Installation “{exhibition}” – {venue}",
        },
        "calendars.summary.dismantle": {
            "fr": "Démontage « {exhibition} » – {venue}",
            "en": "Dismantling “{exhibition}” – {venue}",
        },
        "calendars.summary.leg": {
            "fr": "{van} : {origin} → {destination}{kits}",
            "en": "{van}: {origin} → {destination}{kits}",
        },
        "calendars.summary.van_day": {
            "fr": "{van} : {legs} trajet(s), {km} km",
            "en": "{van}: {legs} leg(s), {km} km",
        },
        "calendars.cancelled_prefix": {"fr": "ANNULÉ – ", "en": "CANCELLED – "},
        "calendars.desc.exhibition": {"fr": "Exposition : {title}", "en": "Exhibition: {title}"},
        "calendars.desc.kit": {"fr": "Kit : {name} ({code})", "en": "Kit: {name} ({code})"},
        "calendars.desc.dates": {
            "fr": "Ouverte du {first} au {last} ; démontage le {dismantle}.",
            "en": "Open from {first} to {last}; dismantling on {dismantle}.",
        },
        "calendars.desc.cancelled": {
            "fr": "Étape annulée.",
            "en": "Stop cancelled.",
        },
        "calendars.desc.cancel_reason": {"fr": "Motif : {reason}", "en": "Reason: {reason}"},
        "calendars.desc.planned_minutes": {
            "fr": "Durée prévue : {minutes} min",
            "en": "Planned duration: {minutes} min",
        },
        "calendars.desc.van_arrives": {
            "fr": "Arrivée prévue du camion : {time}",
            "en": "Van expected at: {time}",
        },
        "calendars.desc.van_leaves": {
            "fr": "Départ prévu du camion : {time}",
            "en": "Van leaves at: {time}",
        },
        "calendars.desc.access": {"fr": "Accès : {notes}", "en": "Access: {notes}"},
        "calendars.desc.floor": {"fr": "Étage : {floor}", "en": "Floor: {floor}"},
        "calendars.desc.lift_yes": {"fr": "Ascenseur : oui", "en": "Lift: yes"},
        "calendars.desc.lift_no": {"fr": "Ascenseur : non", "en": "Lift: no"},
        "calendars.desc.parking": {
            "fr": "Stationnement du camion : {notes}",
            "en": "Van parking: {notes}",
        },
        "calendars.desc.hanging": {
            "fr": "Surface d'accrochage : {notes}",
            "en": "Hanging surface: {notes}",
        },
        "calendars.desc.opening": {
            "fr": "Horaires du lieu : {opens}–{closes}",
            "en": "Venue hours: {opens}–{closes}",
        },
        "calendars.desc.contact": {"fr": "Contact : {contact}", "en": "Contact: {contact}"},
        "calendars.desc.checklist": {
            "fr": "Liste de contrôle du kit {code} :",
            "en": "Checklist of kit {code}:",
        },
        "calendars.desc.part_damaged": {"fr": "abîmé", "en": "damaged"},
        "calendars.desc.part_missing": {"fr": "manquant", "en": "missing"},
        "calendars.desc.depart": {
            "fr": "Départ : {place} à {time}",
            "en": "Departure: {place} at {time}",
        },
        "calendars.desc.arrive": {
            "fr": "Arrivée : {place} à {time}",
            "en": "Arrival: {place} at {time}",
        },
        "calendars.desc.distance": {
            "fr": "Trajet : {km} km, {minutes} min",
            "en": "Drive: {km} km, {minutes} min",
        },
        "calendars.desc.handling": {
            "fr": "Manutention sur place : {minutes} min",
            "en": "Handling on site: {minutes} min",
        },
        "calendars.desc.load": {"fr": "À charger : {kits}", "en": "To load: {kits}"},
        "calendars.desc.empty_van": {"fr": "Camion à vide.", "en": "Empty van."},
        "calendars.desc.leg_kind.delivery": {
            "fr": "Livraison (dépôt → lieu)",
            "en": "Delivery (depot → venue)",
        },
        "calendars.desc.leg_kind.transfer": {
            "fr": "Transfert (lieu → lieu)",
            "en": "Transfer (venue → venue)",
        },
        "calendars.desc.leg_kind.pickup": {
            "fr": "Retour (lieu → dépôt)",
            "en": "Return (venue → depot)",
        },
        "calendars.desc.leg_kind.empty": {"fr": "Trajet à vide", "en": "Empty drive"},
        "calendars.desc.arrival_contact": {
            "fr": "Contact à l'arrivée : {contact}",
            "en": "Contact at arrival: {contact}",
        },
        "calendars.desc.arrival_access": {
            "fr": "À l'arrivée – {notes}",
            "en": "At arrival – {notes}",
        },
        "calendars.desc.shift": {"fr": "Service : {start}–{end}", "en": "Shift: {start}–{end}"},
        "calendars.desc.unknown_place": {"fr": "lieu inconnu", "en": "unknown place"},
    }
)

VIEW_KINDS = ("all", "tuba", "venue", "kit", "van", "stop")
STAFF_KINDS = frozenset({"all", "kit", "van"})  # views that may carry contacts and legs
_ENTITY: dict[str, Any] = {"venue": Venue, "kit": Kit, "van": Van, "stop": Stop}


@dataclass(frozen=True)
class View:
    """A parsed view name: `kind` and, except for `all` and `tuba`, the id it is about."""

    kind: str
    id: int | None = None

    @property
    def staff(self) -> bool:
        return self.kind in STAFF_KINDS

    def __str__(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"


def parse_view(view: str) -> View:
    """`"venue:12"` → View("venue", 12); a ValidationError names the views on bad input."""
    text = (view or "").strip()
    kind, sep, rest = text.partition(":")
    kind = kind.lower()
    if kind in ("all", "tuba") and not sep:
        return View(kind)
    if kind in _ENTITY and sep and rest.isascii() and rest.isdigit() and len(rest) <= 18:
        return View(kind, int(rest))
    raise ValidationError("calendars.unknown_view", field="view", view=text[:60])


def check_view_exists(session: Session, view: View, lang: str = "fr") -> None:
    """NotFound when the venue, kit, van or stop of `view` does not exist."""
    if view.id is None:
        return
    if session.get(_ENTITY[view.kind], view.id) is None:
        raise NotFound(
            "calendars.not_found", what=t(f"calendars.what.{view.kind}", lang), id=view.id
        )


# ---------------------------------------------------------------------------- formatting


@lru_cache(maxsize=8192)
def _day(value: dt.date, lang: str) -> str:
    return format_date(value, lang)


@lru_cache(maxsize=8192)
def _number(value: float, lang: str) -> str:
    return format_number(value, lang)


@lru_cache(maxsize=8192)
def _clock(value: dt.datetime | dt.time, lang: str) -> str:
    return format_time(value, lang)


def _place(venue: Venue | Depot | None, lang: str) -> str:
    if venue is None:
        return t("calendars.desc.unknown_place", lang)
    return venue.name


def _address(venue: Venue | Depot | None) -> str:
    if venue is None:
        return ""
    parts = [venue.name, venue.address]
    if isinstance(venue, Venue):
        parts.append(f"{venue.postcode} {venue.commune}".strip())
    return ", ".join(p.strip() for p in parts if p and p.strip())


def _geo(venue: Venue | Depot | None) -> tuple[float, float] | None:
    if venue is None or venue.lat is None or venue.lon is None:
        return None
    return (venue.lat, venue.lon)


def _access_lines(venue: Venue, lang: str) -> list[str]:
    lines = [
        t(
            "calendars.desc.opening",
            lang,
            opens=_clock(venue.opens_at, lang),
            closes=_clock(venue.closes_at, lang),
        )
    ]
    if venue.floor:
        lines.append(t("calendars.desc.floor", lang, floor=venue.floor))
    if venue.has_lift is not None:
        lines.append(
            t("calendars.desc.lift_yes" if venue.has_lift else "calendars.desc.lift_no", lang)
        )
    if venue.van_parking:
        lines.append(t("calendars.desc.parking", lang, notes=venue.van_parking))
    if venue.hanging_surface:
        lines.append(t("calendars.desc.hanging", lang, notes=venue.hanging_surface))
    if venue.access_notes:
        lines.append(t("calendars.desc.access", lang, notes=venue.access_notes))
    return lines


def _contact_text(contact: Contact) -> str:
    parts = [contact.name or ""]
    if contact.role:
        parts[0] = f"{parts[0]} ({contact.role})" if parts[0] else contact.role
    parts += [contact.email or "", contact.phone or ""]
    return " – ".join(p for p in parts if p)


def _checklist(kit: Kit, parts: Sequence[KitPart], lang: str) -> list[str]:
    lines = [t("calendars.desc.checklist", lang, code=kit.code)]
    for part in parts:
        line = f"- {part.label}"
        if part.condition == PartCondition.damaged:
            line += f" ({t('calendars.desc.part_damaged', lang)})"
        elif part.condition == PartCondition.missing:
            line += f" ({t('calendars.desc.part_missing', lang)})"
        if part.note:
            line += f" : {part.note}" if lang == "fr" else f": {part.note}"
        lines.append(line)
    return lines


def _local(day: dt.date, at: dt.time) -> dt.datetime:
    """`at` o'clock in Paris on `day`, as an aware datetime (a time in the March gap moves
    forward, as a clock would)."""
    naive = dt.datetime.combine(day, at.replace(tzinfo=None))
    return naive.replace(tzinfo=PARIS).astimezone(dt.UTC).astimezone(PARIS)


# ---------------------------------------------------------------------------- loading


@dataclass(frozen=True, slots=True)
class _StopRow:
    id: int
    request_id: int
    kit_id: int
    venue_id: int
    exhibition_id: int
    install_date: dt.date
    last_open_date: dt.date
    dismantle_date: dt.date
    status: str
    cancel_reason: str
    uid: str
    sequence: int
    updated_at: dt.datetime
    contact_id: int | None


_STOP_COLUMNS: tuple[Any, ...] = (
    Stop.id,
    Stop.request_id,
    Stop.kit_id,
    Stop.venue_id,
    Stop.exhibition_id,
    Stop.install_date,
    Stop.last_open_date,
    Stop.dismantle_date,
    Stop.status,
    Stop.cancel_reason,
    Stop.uid,
    Stop.sequence,
    Stop.updated_at,
    BookingRequest.contact_id,
)


@dataclass(frozen=True, slots=True)
class _LegRow:
    id: int
    van_day_id: int | None
    position: int
    date: dt.date
    kind: str
    from_depot_id: int | None
    from_venue_id: int | None
    to_depot_id: int | None
    to_venue_id: int | None
    kit_ids: list[int]
    stop_id: int | None
    depart_at: dt.datetime | None
    arrive_at: dt.datetime | None
    handling_minutes: int
    km: float
    minutes: float
    uid: str
    sequence: int


_LEG_COLUMNS: tuple[Any, ...] = (
    TransportLeg.id,
    TransportLeg.van_day_id,
    TransportLeg.position,
    TransportLeg.date,
    TransportLeg.kind,
    TransportLeg.from_depot_id,
    TransportLeg.from_venue_id,
    TransportLeg.to_depot_id,
    TransportLeg.to_venue_id,
    TransportLeg.kit_ids,
    TransportLeg.stop_id,
    TransportLeg.depart_at,
    TransportLeg.arrive_at,
    TransportLeg.handling_minutes,
    TransportLeg.km,
    TransportLeg.minutes,
    TransportLeg.uid,
    TransportLeg.sequence,
)


@dataclass
class _Data:
    """Everything one view needs, loaded in a few queries."""

    stops: list[_StopRow]
    legs: list[_LegRow]
    van_days: dict[int, VanDay]
    vans: dict[int, Van]
    venues: dict[int, Venue]
    depots: dict[int, Depot]
    exhibitions: dict[int, Exhibition]
    kits: dict[int, Kit]
    parts: dict[int, list[KitPart]]
    contacts: dict[int, Contact]


def _stop_filter(view: View) -> Any:
    if view.kind == "venue":
        return Stop.venue_id == view.id
    if view.kind == "kit":
        return Stop.kit_id == view.id
    if view.kind == "stop":
        return Stop.id == view.id
    return None


def _load_stops(session: Session, condition: Any) -> list[_StopRow]:
    query = select(*_STOP_COLUMNS).join(BookingRequest, col(BookingRequest.id) == Stop.request_id)
    if condition is not None:
        query = query.where(condition)
    query = query.order_by(col(Stop.install_date), col(Stop.id))
    return [_StopRow(*row) for row in session.exec(query).all()]


def _load_legs(session: Session, condition: Any) -> list[_LegRow]:
    query = select(*_LEG_COLUMNS)
    if condition is not None:
        query = query.where(condition)
    return [_LegRow(*row) for row in session.exec(query.order_by(col(TransportLeg.id))).all()]


def _by_id(rows: Iterable[Any]) -> dict[int, Any]:
    return {row.id: row for row in rows}


def _rows_by_id(session: Session, model: Any, ids: set[int]) -> dict[int, Any]:
    """The rows of `model` with these ids, in one query (none for no id)."""
    if not ids:
        return {}
    return _by_id(session.exec(select(model).where(col(model.id).in_(sorted(ids)))).all())


def _load(session: Session, view: View) -> _Data:
    stops: list[_StopRow] = []
    legs: list[_LegRow] = []
    if view.kind != "van":
        stops = _load_stops(session, _stop_filter(view))
    if view.kind == "all":
        legs = _load_legs(session, None)
    elif view.kind == "van":
        legs = _load_legs(
            session,
            col(TransportLeg.van_day_id).in_(select(VanDay.id).where(VanDay.van_id == view.id)),
        )
    elif stops and view.kind != "tuba":
        # Legs that may deliver or collect these stops' kits: they set the visits' times.
        hosts = sorted({s.venue_id for s in stops})
        legs = _load_legs(
            session,
            and_(
                col(TransportLeg.date) >= min(s.install_date for s in stops),
                col(TransportLeg.date) <= max(s.dismantle_date for s in stops),
                or_(
                    col(TransportLeg.to_venue_id).in_(hosts),
                    col(TransportLeg.from_venue_id).in_(hosts),
                ),
            ),
        )
    if view.kind == "van" and legs:
        # The stops its legs serve: for the contact at arrival and the exhibition's name.
        served = {v for leg in legs for v in (leg.to_venue_id, leg.from_venue_id) if v is not None}
        first, last = min(leg.date for leg in legs), max(leg.date for leg in legs)
        stops = _load_stops(
            session,
            and_(
                col(Stop.venue_id).in_(sorted(served)),
                col(Stop.install_date) <= last,
                col(Stop.dismantle_date) >= first,
            ),
        )

    van_day_query = select(VanDay)
    if view.kind == "van":
        van_day_query = van_day_query.where(VanDay.van_id == view.id)
    elif view.kind == "all":
        pass
    else:
        ids = sorted({leg.van_day_id for leg in legs if leg.van_day_id is not None})
        van_day_query = van_day_query.where(col(VanDay.id).in_(ids))
    van_days = (
        _by_id(session.exec(van_day_query).all()) if (legs or view.kind in ("van", "all")) else {}
    )
    vans = _by_id(session.exec(select(Van)).all()) if van_days else {}

    venue_ids = {s.venue_id for s in stops} | {
        v for leg in legs for v in (leg.to_venue_id, leg.from_venue_id) if v is not None
    }
    venues = _rows_by_id(session, Venue, venue_ids)
    depot_ids = {d for leg in legs for d in (leg.to_depot_id, leg.from_depot_id) if d is not None}
    depots = _rows_by_id(session, Depot, depot_ids)
    kits = _rows_by_id(
        session, Kit, {s.kit_id for s in stops} | {k for leg in legs for k in leg.kit_ids}
    )
    parts: dict[int, list[KitPart]] = defaultdict(list)
    if kits and view.kind != "tuba":
        for part in session.exec(
            select(KitPart)
            .where(col(KitPart.kit_id).in_(sorted(kits)))
            .order_by(col(KitPart.kit_id), col(KitPart.position), col(KitPart.id))
        ).all():
            parts[part.kit_id].append(part)
    exhibitions = _rows_by_id(
        session,
        Exhibition,
        {s.exhibition_id for s in stops} | {k.exhibition_id for k in kits.values()},
    )
    contacts: dict[int, Contact] = {}
    if view.staff and stops:
        contact_query = select(Contact).where(col(Contact.erased_at).is_(None))
        if view.kind == "all":
            contact_query = contact_query.where(
                col(Contact.id).in_(
                    select(BookingRequest.contact_id).join(
                        Stop, col(Stop.request_id) == BookingRequest.id
                    )
                )
            )
        else:
            contact_query = contact_query.where(
                col(Contact.id).in_(sorted({s.contact_id for s in stops if s.contact_id}))
            )
        contacts = _by_id(session.exec(contact_query).all())
    return _Data(
        stops=stops,
        legs=legs,
        van_days=van_days,
        vans=vans,
        venues=venues,
        depots=depots,
        exhibitions=exhibitions,
        kits=kits,
        parts=parts,
        contacts=contacts,
    )


# ---------------------------------------------------------------------------- events


class _LegIndex:
    """Which leg brings a stop's kit (install) and which takes it away (dismantle)."""

    def __init__(self, legs: Iterable[_LegRow]) -> None:
        self.arriving: dict[tuple[int, dt.date, int], _LegRow] = {}
        self.leaving: dict[tuple[int, dt.date, int], _LegRow] = {}
        for leg in legs:
            for kit_id in leg.kit_ids:
                if leg.to_venue_id is not None and leg.arrive_at is not None:
                    self.arriving.setdefault((leg.to_venue_id, leg.date, kit_id), leg)
                if leg.from_venue_id is not None and leg.depart_at is not None:
                    self.leaving.setdefault((leg.from_venue_id, leg.date, kit_id), leg)

    def install(self, stop: _StopRow) -> _LegRow | None:
        return self.arriving.get((stop.venue_id, stop.install_date, stop.kit_id))

    def dismantle(self, stop: _StopRow) -> _LegRow | None:
        return self.leaving.get((stop.venue_id, stop.dismantle_date, stop.kit_id))


class _Builder:
    def __init__(self, data: _Data, view: View, lang: str) -> None:
        self.data = data
        self.view = view
        self.lang = lang
        self.base = get_settings().base_url.rstrip("/")
        self.legs = _LegIndex(data.legs)
        self._checklists: dict[int, list[str]] = {}
        self._access: dict[int, list[str]] = {}
        self.stops_by_venue: dict[int, list[_StopRow]] = defaultdict(list)
        for stop in data.stops:
            self.stops_by_venue[stop.venue_id].append(stop)

    def tr(self, key: str, /, **params: object) -> str:
        return t(key, self.lang, **params)

    def checklist(self, kit: Kit) -> list[str]:
        assert kit.id is not None
        if kit.id not in self._checklists:
            self._checklists[kit.id] = _checklist(kit, self.data.parts.get(kit.id, []), self.lang)
        return self._checklists[kit.id]

    def access(self, venue: Venue) -> list[str]:
        assert venue.id is not None
        if venue.id not in self._access:
            self._access[venue.id] = _access_lines(venue, self.lang)
        return self._access[venue.id]

    # -- stops

    def stop_url(self, stop: _StopRow) -> str:
        """A page the calendar's reader can open: the request (staff), the stop reports
        (Tuba), the public catalogue (a venue, whose private link is not known here)."""
        if self.view.staff:
            return f"{self.base}/demandes?request={stop.request_id}"
        if self.view.kind == "tuba":
            return f"{self.base}/rapports?stop={stop.id}"
        return f"{self.base}/expositions"

    def visit(
        self, stop: _StopRow, venue: Venue, kind: str, minutes: int
    ) -> tuple[dt.datetime, dt.datetime, list[str], int, dt.datetime]:
        """When the install or dismantle visit happens, the line saying when the van comes,
        and the visit's SEQUENCE and last change.

        With no leg: at the venue's opening time (a dismantle on the last open day ends at its
        closing time). With a leg: the install starts when the van arrives, the dismantle ends
        when it leaves; the leg's changes count in SEQUENCE and in the last change."""
        leg = self.legs.install(stop) if kind == "install" else self.legs.dismantle(stop)
        day = stop.install_date if kind == "install" else stop.dismantle_date
        length = dt.timedelta(minutes=minutes)
        if leg is None:
            if kind == "dismantle" and stop.dismantle_date == stop.last_open_date:
                end = _local(day, venue.closes_at)
                return end - length, end, [], stop.sequence, stop.updated_at
            start = _local(day, venue.opens_at)
            return start, start + length, [], stop.sequence, stop.updated_at
        if kind == "install":
            assert leg.arrive_at is not None
            start, end = leg.arrive_at, leg.arrive_at + length
            line = self.tr("calendars.desc.van_arrives", time=_clock(start, self.lang))
        else:
            assert leg.depart_at is not None
            start, end = leg.depart_at - length, leg.depart_at
            line = self.tr("calendars.desc.van_leaves", time=_clock(end, self.lang))
        stamp = stop.updated_at
        van_day = self.data.van_days.get(leg.van_day_id or 0)
        if van_day is not None and van_day.updated_at > stamp:
            stamp = van_day.updated_at
        return start, end, [line], stop.sequence + leg.sequence + 1, stamp

    def stop_events(self, stop: _StopRow) -> list[CalEvent]:
        venue = self.data.venues[stop.venue_id]
        exhibition = self.data.exhibitions[stop.exhibition_id]
        kit = self.data.kits[stop.kit_id]
        cancelled = stop.status == StopStatus.cancelled
        status = CANCELLED if cancelled else CONFIRMED
        prefix = self.tr("calendars.cancelled_prefix") if cancelled else ""
        names = {"exhibition": exhibition.title, "venue": venue.name}
        common = [
            self.tr("calendars.desc.exhibition", title=exhibition.title),
            self.tr("calendars.desc.kit", name=kit.name, code=kit.code),
            self.tr(
                "calendars.desc.dates",
                first=_day(stop.install_date, self.lang),
                last=_day(stop.last_open_date, self.lang),
                dismantle=_day(stop.dismantle_date, self.lang),
            ),
        ]
        if cancelled:
            common.append(self.tr("calendars.desc.cancelled"))
            if self.view.staff and stop.cancel_reason:
                common.append(self.tr("calendars.desc.cancel_reason", reason=stop.cancel_reason))
        location, geo, url = _address(venue), _geo(venue), self.stop_url(stop)
        access: list[str] = []
        contact_lines: list[str] = []
        if self.view.kind != "tuba":
            access = self.access(venue)
            contact = self.data.contacts.get(stop.contact_id) if stop.contact_id else None
            if self.view.staff and contact is not None:
                contact_lines = [self.tr("calendars.desc.contact", contact=_contact_text(contact))]
        open_period = CalEvent(
            uid=stop.uid,
            summary=prefix + self.tr("calendars.summary.open", **names),
            start=stop.install_date,
            end=stop.last_open_date + dt.timedelta(days=1),
            stamp=stop.updated_at,
            sequence=stop.sequence,
            status=status,
            location=location,
            geo=geo,
            description="\n".join(common + access + contact_lines),
            url=url,
            transparent=True,
        )
        if self.view.kind == "tuba":
            return [open_period]
        checklist = self.checklist(kit)
        events = [open_period]
        for kind in ("install", "dismantle"):
            minutes = (
                exhibition.install_minutes if kind == "install" else exhibition.dismantle_minutes
            )
            start, end, van_line, sequence, stamp = self.visit(stop, venue, kind, minutes)
            description = (
                [self.tr("calendars.desc.planned_minutes", minutes=minutes)]
                + van_line
                + common
                + access
                + contact_lines
                + checklist
            )
            events.append(
                CalEvent(
                    uid=f"{kind}-{stop.uid}",
                    summary=prefix + self.tr(f"calendars.summary.{kind}", **names),
                    start=start,
                    end=end,
                    stamp=stamp,
                    sequence=sequence,
                    status=status,
                    location=location,
                    geo=geo,
                    description="\n".join(description),
                    url=url,
                )
            )
        return events

    # -- transport

    def _endpoint(self, venue_id: int | None, depot_id: int | None) -> Venue | Depot | None:
        if venue_id is not None:
            return self.data.venues.get(venue_id)
        if depot_id is not None:
            return self.data.depots.get(depot_id)
        return None

    def _served_stop(self, leg: _LegRow) -> _StopRow | None:
        """The stop at the leg's destination, installed or collected that day."""
        if leg.to_venue_id is None:
            return None
        for stop in self.stops_by_venue.get(leg.to_venue_id, ()):
            if stop.id == leg.stop_id or leg.date in (stop.install_date, stop.dismantle_date):
                return stop
        return None

    def leg_event(self, leg: _LegRow) -> CalEvent:
        origin = self._endpoint(leg.from_venue_id, leg.from_depot_id)
        destination = self._endpoint(leg.to_venue_id, leg.to_depot_id)
        van_day = self.data.van_days.get(leg.van_day_id or 0)
        van = self.data.vans.get(van_day.van_id) if van_day is not None else None
        van_name = van.name if van is not None else self.tr("calendars.what.van")
        kits = [self.data.kits[k] for k in leg.kit_ids if k in self.data.kits]
        kit_codes = f" ({', '.join(k.code for k in kits)})" if kits else ""
        summary = self.tr(
            "calendars.summary.leg",
            van=van_name,
            origin=_place(origin, self.lang),
            destination=_place(destination, self.lang),
            kits=kit_codes,
        )
        lines = [self.tr(f"calendars.desc.leg_kind.{leg.kind}")]
        for key, place, moment in (
            ("calendars.desc.depart", origin, leg.depart_at),
            ("calendars.desc.arrive", destination, leg.arrive_at),
        ):
            if moment is not None:
                where = _address(place) or _place(place, self.lang)
                lines.append(self.tr(key, place=where, time=_clock(moment, self.lang)))
        lines.append(
            self.tr(
                "calendars.desc.distance",
                km=_number(leg.km, self.lang),
                minutes=round(leg.minutes),
            )
        )
        if leg.handling_minutes:
            lines.append(self.tr("calendars.desc.handling", minutes=leg.handling_minutes))
        if kits:
            lines.append(
                self.tr("calendars.desc.load", kits=", ".join(f"{k.name} ({k.code})" for k in kits))
            )
            for kit in kits:
                lines += self.checklist(kit)
        else:
            lines.append(self.tr("calendars.desc.empty_van"))
        if isinstance(destination, Venue):
            notes = "; ".join(self.access(destination))
            lines.append(self.tr("calendars.desc.arrival_access", notes=notes))
            served = self._served_stop(leg)
            contact = (
                self.data.contacts.get(served.contact_id)
                if served is not None and served.contact_id
                else None
            )
            if contact is not None:
                lines.append(
                    self.tr("calendars.desc.arrival_contact", contact=_contact_text(contact))
                )
        start: dt.date | dt.datetime
        end: dt.date | dt.datetime
        if leg.depart_at is not None and leg.arrive_at is not None:
            start, end = leg.depart_at, max(leg.arrive_at, leg.depart_at)
        else:
            start, end = leg.date, leg.date + dt.timedelta(days=1)
        stamp = van_day.updated_at if van_day is not None else _midnight_utc(leg.date)
        return CalEvent(
            uid=leg.uid,
            summary=summary,
            start=start,
            end=end,
            stamp=stamp,
            sequence=leg.sequence,
            location=_address(origin),
            geo=_geo(origin),
            description="\n".join(lines),
            url=f"{self.base}/camion?date={leg.date.isoformat()}",
        )

    def van_day_event(self, van_day: VanDay, legs: Sequence[_LegRow]) -> CalEvent:
        van = self.data.vans.get(van_day.van_id)
        van_name = van.name if van is not None else self.tr("calendars.what.van")
        lines = []
        if van_day.start_at is not None and van_day.end_at is not None:
            lines.append(
                self.tr(
                    "calendars.desc.shift",
                    start=_clock(van_day.start_at, self.lang),
                    end=_clock(van_day.end_at, self.lang),
                )
            )
        for leg in legs:
            origin = self._endpoint(leg.from_venue_id, leg.from_depot_id)
            destination = self._endpoint(leg.to_venue_id, leg.to_depot_id)
            when = _clock(leg.depart_at, self.lang) if leg.depart_at is not None else "—"
            lines.append(f"{when} {_place(origin, self.lang)} → {_place(destination, self.lang)}")
        depot = self.data.depots.get(van.depot_id) if van is not None else None
        return CalEvent(
            uid=van_day.uid,
            summary=self.tr(
                "calendars.summary.van_day",
                van=van_name,
                legs=len(legs),
                km=_number(van_day.km, self.lang),
            ),
            start=van_day.date,
            end=van_day.date + dt.timedelta(days=1),
            stamp=van_day.updated_at,
            sequence=van_day.sequence,
            location=_address(depot),
            description="\n".join(lines),
            url=f"{self.base}/camion?date={van_day.date.isoformat()}",
            transparent=True,
        )

    def events(self) -> list[CalEvent]:
        events: list[CalEvent] = []
        if self.view.kind != "van":
            for stop in self.data.stops:
                events += self.stop_events(stop)
        if self.view.kind in ("all", "kit", "van"):
            legs = self.data.legs
            if self.view.kind == "kit":
                legs = [leg for leg in legs if self.view.id in leg.kit_ids]
            for leg in legs:
                events.append(self.leg_event(leg))
        if self.view.kind in ("all", "van"):
            by_day: dict[int, list[_LegRow]] = defaultdict(list)
            for leg in self.data.legs:
                if leg.van_day_id is not None:
                    by_day[leg.van_day_id].append(leg)
            for van_day in self.data.van_days.values():
                day_legs = sorted(
                    by_day.get(van_day.id or 0, []), key=lambda g: (g.position, g.id or 0)
                )
                events.append(self.van_day_event(van_day, day_legs))
        return events


def _midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def _title(session: Session, view: View, data: _Data, lang: str) -> str:
    if view.kind in ("all", "tuba"):
        return t(f"calendars.title.{view.kind}", lang)
    if view.kind == "stop":
        stop = data.stops[0]
        return t(
            "calendars.title.stop",
            lang,
            exhibition=data.exhibitions[stop.exhibition_id].title,
            venue=data.venues[stop.venue_id].name,
        )
    entity = session.get(_ENTITY[view.kind], view.id)
    assert entity is not None
    return t(f"calendars.title.{view.kind}", lang, name=entity.name)


def load_view(session: Session, view: View, lang: str = "fr") -> tuple[str, list[CalEvent]]:
    """The title and the events of `view` (NotFound for an unknown venue, kit, van, stop)."""
    check_view_exists(session, view, lang)
    data = _load(session, view)
    return _title(session, view, data, lang), _Builder(data, view, lang).events()


# ---------------------------------------------------------------------------- choices


@dataclass(frozen=True)
class ViewOption:
    """A view a person can pick: its name for `export_calendar`, its kind and a label."""

    view: str
    kind: str
    label: str


def view_options(lang: str = "fr") -> list[ViewOption]:
    """Every view that can be exported or subscribed to, for a page's picker: everything, the
    Tuba team, then each venue, kit and van by name."""
    from booking.db import read_session

    options = [
        ViewOption("all", "all", t("calendars.title.all", lang)),
        ViewOption("tuba", "tuba", t("calendars.title.tuba", lang)),
    ]
    with read_session() as session:
        for venue in session.exec(select(Venue).order_by(col(Venue.name), col(Venue.id))):
            label = f"{t('calendars.what.venue', lang)} – {venue.name}"
            if venue.commune:
                label += f" ({venue.commune})"
            options.append(ViewOption(f"venue:{venue.id}", "venue", label))
        for kit in session.exec(select(Kit).order_by(col(Kit.code), col(Kit.id))):
            options.append(
                ViewOption(
                    f"kit:{kit.id}",
                    "kit",
                    f"{t('calendars.what.kit', lang)} – {kit.name} ({kit.code})",
                )
            )
        for van in session.exec(select(Van).order_by(col(Van.code), col(Van.id))):
            options.append(
                ViewOption(f"van:{van.id}", "van", f"{t('calendars.what.van', lang)} – {van.name}")
            )
    return options


def clear_caches() -> None:
    """Forget formatted dates, times and numbers (benchmarks measure a cold export)."""
    for cached in (_day, _clock, _number):
        cached.cache_clear()
