"""The venue's stop report: figures, kit condition seen by staff, photo cleaned, and every
bad input refused with nothing written."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlmodel import select

from booking import db
from booking.errors import NotFound, ValidationError
from booking.feedback.dashboard import Filters
from booking.feedback.reports import (
    ReportInput,
    clean_photo,
    list_stop_reports,
    report_context,
    report_photo,
    submit_stop_report,
)
from booking.models import (
    AuditEvent,
    BookingRequest,
    Kit,
    KitPart,
    OutboxMessage,
    PartKind,
    StopReport,
)
from booking.security import new_token
from tests.conftest import BOTH
from tests.factories import make_request
from tests.feedback.conftest import Stops


def _parts(kit_id: int) -> dict[str, KitPart]:
    with db.read_session() as session:
        return {p.label: p for p in session.exec(select(KitPart).where(KitPart.kit_id == kit_id))}


def _reports() -> list[StopReport]:
    with db.read_session() as session:
        return list(session.exec(select(StopReport)))


def _actions() -> list[str]:
    with db.read_session() as session:
        events = session.exec(select(AuditEvent).order_by(AuditEvent.id))
        return [e.action for e in events if e.entity != "questionnaire"]


def _jpeg(
    size: tuple[int, int] = (60, 40), *, gps: bool = True, orientation: int | None = None
) -> bytes:
    image = Image.new("RGB", size, (200, 30, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "Camera app 1.0"  # Software
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (45.0, 45.0, 36.0), 3: "E", 4: (4.0, 50.0, 24.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_a_report_with_a_damaged_panel_reaches_the_kit(stops: Stops) -> None:
    token = stops.tokens["open"]
    ctx = report_context(token)
    assert ctx.stop_id == stops.open.id and len(ctx.parts) == 14 and ctx.report is None
    parts = _parts(stops.open.kit_id)
    panel, fixing = (
        parts["Panneau 3"],
        parts[next(k for k, p in parts.items() if p.kind == PartKind.fixing_kit)],
    )
    assert panel.id and fixing.id
    today = ctx.install_date
    saved = submit_stop_report(
        token,
        ReportInput(
            visitors_by_day={today: 40, today + dt.timedelta(days=1): 35},
            visitors_total=999,  # ignored: the days win
            groups=3,
            school_classes=2,
            mediation_sessions=1,
            incidents="Un panneau décroché par le vent.",
            parts_condition={panel.id: "damaged", fixing.id: "missing"},
            part_notes={panel.id: "Coin déchiré"},
            photo=_jpeg(),
        ),
    )
    assert saved.visitors_total == 75 and saved.has_photo
    assert saved.fixing_kit_condition == "missing"
    parts = _parts(stops.open.kit_id)
    assert parts["Panneau 3"].condition == "damaged" and "Coin déchiré" in parts["Panneau 3"].note
    with db.read_session() as session:
        kit = session.get(Kit, stops.open.kit_id)
        assert kit is not None and kit.condition == "damaged"
        assert (
            "Panneau 3 abîmé" in kit.condition_note
            and "Bibliothèque de la Part-Dieu" in kit.condition_note
        )
    assert _actions() == [
        "kit.part_condition_changed",
        "kit.part_condition_changed",
        "kit.condition_changed",
        "stop_report.submitted",
    ]
    # Staff see it on the kit; the venue of the kit's next stop is told, as when staff mark it.
    with db.read_session() as session:
        told = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "kit_issue")).all()
        future = session.get(BookingRequest, stops.future.request_id)
    assert future is not None and future.id in {m.request_id for m in told}
    assert any("Panneau 3" in m.body_text for m in told)
    # A correction saying "ok" does not repair the kit: only staff do.
    submit_stop_report(token, ReportInput(visitors_total=80, parts_condition={panel.id: "ok"}))
    assert _parts(stops.open.kit_id)["Panneau 3"].condition == "damaged"
    assert _actions()[-1] == "stop_report.updated"
    (row,) = list_stop_reports(Filters())
    assert row.visitors_total == 80 and row.has_photo and row.missing_parts == []


def test_the_photo_is_re_encoded_without_metadata(stops: Stops) -> None:
    data, mime = clean_photo(_jpeg(orientation=6, size=(60, 40)))
    assert mime == "image/jpeg"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info and "comment" not in image.info
        assert image.size == (40, 60)  # the orientation was applied, then dropped
    assert b"PhoneMaker" not in data and b"taken at home" not in data
    png = io.BytesIO()
    Image.new("RGBA", (3000, 1000), (0, 0, 0, 0)).save(png, format="PNG")
    with Image.open(io.BytesIO(clean_photo(png.getvalue())[0])) as image:
        assert image.size == (2000, 667) and image.mode == "RGB"
    submit_stop_report(stops.tokens["open"], ReportInput(visitors_total=5, photo=_jpeg()))
    assert stops.open.id
    stored = report_photo(stops.open.id)
    assert stored is not None and b"PhoneMaker" not in stored[0]


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        (b"%PDF-1.7 not an image at all", "pas une image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "pas une image"),
        (_jpeg()[:200], "pas une image"),  # truncated
        (b"\xff\xd8" + b"\x00" * (5 * 1024 * 1024), "5 Mo au plus"),
    ],
)
def test_a_photo_that_is_not_an_image_or_too_big_is_refused(
    stops: Stops, photo: bytes, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        submit_stop_report(stops.tokens["open"], ReportInput(visitors_total=10, photo=photo))
    assert _reports() == []


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    return out.getvalue()


def test_only_photo_formats_are_taken(stops: Stops) -> None:
    with pytest.raises(ValidationError, match="JPEG, PNG ou WebP"):
        clean_photo(_gif())


@pytest.mark.parametrize("token", [None, "", "short", new_token(), "a" * 43 + "'--"])
def test_a_bad_link_gets_one_plain_message(stops: Stops, token: str | None) -> None:
    with pytest.raises(NotFound, match="^Ce lien n'est pas valide.$"):
        report_context(token)
    with pytest.raises(NotFound, match="^Ce lien n'est pas valide.$"):
        submit_stop_report(token, ReportInput(visitors_total=1))
    assert _reports() == []


def test_a_request_without_a_stop_has_no_report(stops: Stops) -> None:
    with db.transaction() as session:
        from booking.models import Exhibition, Venue

        exhibition = session.exec(select(Exhibition)).first()
        venue = session.exec(select(Venue)).first()
        assert exhibition and venue
        _, token = make_request(session, exhibition, venue)
    with pytest.raises(NotFound, match="pas \\(ou plus\\) d'étape"):
        report_context(token)


def test_a_report_waits_for_the_installation_day(stops: Stops) -> None:
    with pytest.raises(ValidationError, match="à partir du"):
        submit_stop_report(stops.tokens["future"], ReportInput(visitors_total=10))
    assert _reports() == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"visitors_total": -1}, "entre 0 et 1000000"),
        ({"visitors_total": 2_000_000}, "entre 0 et 1000000"),
        ({"groups": "3 groupes"}, "Groupes reçus"),
        ({"school_classes": 2.5}, "Classes reçues"),
        ({"visitors_by_day": {dt.date(2000, 1, 1): 3}}, "pas un jour de l'étape"),
        ({"incidents": "x" * 4001}, "trop long"),
        ({"parts_condition": {999_999: "damaged"}}, "ne fait pas partie du kit"),
        ({"parts_condition": "other-kit"}, "ne fait pas partie du kit"),
        ({"parts_condition": "bad-state"}, "État inconnu"),
    ],
)
def test_bad_figures_are_refused_and_nothing_is_written(
    stops: Stops, change: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {"visitors_total": 10, "photo": _jpeg()}
    if change.get("parts_condition") == "other-kit":  # a part of the other kit
        other = next(iter(_parts(stops.elsewhere.kit_id).values()))
        change = {"parts_condition": {other.id: "damaged"}}
    elif change.get("parts_condition") == "bad-state":
        mine = next(iter(_parts(stops.open.kit_id).values()))
        change = {"parts_condition": {mine.id: "broken"}}
    values.update(change)
    with pytest.raises(ValidationError, match=message):
        submit_stop_report(stops.tokens["open"], ReportInput(**values))  # type: ignore[arg-type]
    assert _reports() == []
    assert all(p.condition == "ok" for p in _parts(stops.elsewhere.kit_id).values())
    assert _actions() == []
