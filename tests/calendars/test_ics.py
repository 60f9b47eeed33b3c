"""The VCALENDAR builder on its own: structure, time zones, escaping and folding, whatever the
text. Property tests (hypothesis) throw arbitrary Unicode at names and notes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from booking.calendars.ics import (
    CANCELLED,
    PARIS,
    CalEvent,
    build_calendar,
    build_calendar_component,
    clean_text,
)
from tests.calendars.parsing import read_events

STAMP = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
ALLOWED = {
    "BEGIN", "END", "VERSION", "PRODID", "CALSCALE", "METHOD", "NAME", "X-WR-CALNAME",
    "REFRESH-INTERVAL", "X-PUBLISHED-TTL", "TZID", "COMMENT", "DTSTART", "TZNAME",
    "TZOFFSETFROM", "TZOFFSETTO", "RDATE", "SUMMARY", "DTEND", "DTSTAMP", "UID", "SEQUENCE",
    "DESCRIPTION", "GEO", "LAST-MODIFIED", "LOCATION", "STATUS", "TRANSP", "URL",
}  # fmt: skip


def timed(uid: str = "e1@test", **kw: object) -> CalEvent:
    values: dict[str, object] = {
        "uid": uid,
        "summary": "Installation",
        "start": dt.datetime(2027, 6, 15, 8, 0, tzinfo=dt.UTC),
        "end": dt.datetime(2027, 6, 15, 10, 0, tzinfo=dt.UTC),
        "stamp": STAMP,
    }
    return CalEvent(**(values | kw))  # type: ignore[arg-type]


def all_day(uid: str = "d1@test", **kw: object) -> CalEvent:
    values: dict[str, object] = {
        "uid": uid,
        "summary": "Exposition",
        "start": dt.date(2027, 6, 15),
        "end": dt.date(2027, 6, 16),
        "stamp": STAMP,
    }
    return CalEvent(**(values | kw))  # type: ignore[arg-type]


def lines(data: bytes) -> list[bytes]:
    assert data.endswith(b"\r\n")
    body = data[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in body)
    return body


def property_names(data: bytes) -> set[str]:
    return {
        re.split(rb"[;:]", line, maxsplit=1)[0].decode()
        for line in lines(data)
        if not line.startswith(b" ")
    }


def test_calendar_header_says_publish_and_how_often_to_refresh() -> None:
    data = build_calendar([all_day()], name="Tournée – test")
    text = data.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert "\r\nMETHOD:PUBLISH\r\n" in text
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text  # RFC 7986 needs VALUE
    assert "\r\nX-PUBLISHED-TTL:PT1H\r\n" in text
    assert "\r\nX-WR-CALNAME:Tournée – test\r\n" in text
    assert "VTIMEZONE" not in text  # no timed event, no time zone needed
    assert IcsCalendarStream.calendar_from_ics(text).refresh_interval == dt.timedelta(hours=1)


def test_all_day_event_is_a_date_with_exclusive_end() -> None:
    data = build_calendar([all_day(end=dt.date(2027, 6, 18))], name="x")
    assert b"DTSTART;VALUE=DATE:20270615\r\n" in data
    assert b"DTEND;VALUE=DATE:20270618\r\n" in data
    read = read_events(data)["d1@test"]
    assert (read.start, read.end) == (dt.date(2027, 6, 15), dt.date(2027, 6, 18))


def test_timed_events_are_in_paris_with_a_vtimezone() -> None:
    data = build_calendar([timed()], name="x")
    assert b"DTSTART;TZID=Europe/Paris:20270615T100000\r\n" in data
    assert b"DTEND;TZID=Europe/Paris:20270615T120000\r\n" in data
    calendar = Calendar.from_ical(data)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
    assert calendar.get_missing_tzids() == set()
    read = read_events(data)["e1@test"]
    assert read.start == dt.datetime(2027, 6, 15, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        # 31 October 2027: at 03:00 CEST clocks go back to 02:00 CET, so 02:xx happens twice
        # and a local time cannot say which; UTC can.
        ((23, 59), b"DTSTART;TZID=Europe/Paris:20271031T015900"),  # 30 Oct. 23:59Z, CEST
        ((0, 0), b"DTSTART:20271031T000000Z"),  # 02:00 CEST, the first 02:00
        ((1, 0), b"DTSTART:20271031T010000Z"),  # 02:00 CET, the second 02:00
        ((1, 59), b"DTSTART:20271031T015900Z"),
        ((2, 0), b"DTSTART;TZID=Europe/Paris:20271031T030000"),  # unambiguous again
    ],
)
def test_ambiguous_october_hour_is_written_in_utc(utc: tuple[int, int], expected: bytes) -> None:
    day = dt.date(2027, 10, 30) if utc[0] == 23 else dt.date(2027, 10, 31)
    start = dt.datetime.combine(day, dt.time(*utc), dt.UTC)
    data = build_calendar([timed(start=start, end=start + dt.timedelta(minutes=30))], name="x")
    assert expected + b"\r\n" in data
    assert read_events(data)["e1@test"].start == start


def test_march_gap_hour_reads_back_at_the_right_instant() -> None:
    """28 March 2027: 02:00 CET jumps to 03:00 CEST; 01:30Z is 03:30 local."""
    start = dt.datetime(2027, 3, 28, 0, 30, tzinfo=dt.UTC)
    data = build_calendar([timed(start=start, end=start + dt.timedelta(hours=1))], name="x")
    assert b"DTSTART;TZID=Europe/Paris:20270328T013000\r\n" in data
    assert b"DTEND;TZID=Europe/Paris:20270328T033000\r\n" in data
    read = read_events(data)["e1@test"]
    assert read.end - read.start == dt.timedelta(hours=1)


def test_vtimezone_matches_the_real_clock_changes() -> None:
    """The VTIMEZONE icalendar writes gives the same offsets as the tz database, hour by hour
    around both changes of 2027 and 2028."""
    events = [
        timed(start=dt.datetime(2027, 1, 5, 9, tzinfo=dt.UTC), end=dt.datetime(2027, 1, 5, 10, tzinfo=dt.UTC)),
        timed("e2@test", start=dt.datetime(2028, 12, 5, 9, tzinfo=dt.UTC), end=dt.datetime(2028, 12, 5, 10, tzinfo=dt.UTC)),
    ]  # fmt: skip
    calendar = Calendar.from_ical(build_calendar(events, name="x"))
    tz = calendar.timezones[0].to_tz()
    for day in (
        dt.date(2027, 3, 28),
        dt.date(2027, 10, 31),
        dt.date(2028, 3, 26),
        dt.date(2028, 10, 29),
    ):
        for hour in range(-3, 6):
            instant = dt.datetime.combine(day, dt.time(), dt.UTC) + dt.timedelta(hours=hour)
            assert instant.astimezone(tz).utcoffset() == instant.astimezone(PARIS).utcoffset(), (
                instant
            )
    # fmt: skip


def test_same_events_same_bytes_whatever_the_order() -> None:
    events = [
        timed(),
        all_day(),
        timed("e0@test"),
        all_day("d0@test", start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 2)),
    ]
    first = build_calendar(events, name="x")
    assert build_calendar(list(reversed(events)), name="x") == first
    assert build_calendar_component(events, name="x").to_ical() == first  # icalendar's own bytes
    assert list(read_events(first)) == ["d0@test", "d1@test", "e0@test", "e1@test"]


def test_cancelled_event_says_so() -> None:
    data = build_calendar([all_day(status=CANCELLED, sequence=3)], name="x")
    read = read_events(data)["d1@test"]
    assert (read.status, read.sequence) == ("CANCELLED", 3)


def test_naive_or_backwards_times_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        build_calendar([timed(start=dt.datetime(2027, 6, 15, 8))], name="x")
    with pytest.raises(ValueError):
        build_calendar([all_day(end=dt.date(2027, 6, 15))], name="x")
    with pytest.raises(ValueError):
        build_calendar([timed(end=dt.datetime(2027, 6, 15, 7, tzinfo=dt.UTC))], name="x")


def test_literal_backslash_n_stays_text() -> None:
    """icalendar would turn the two characters \\N of a path into a line break."""
    data = build_calendar([all_day(summary=r"C:\Nouveau dossier", description="a\\nb")], name="x")
    read = read_events(data)["d1@test"]
    assert read.summary == r"C:\Nouveau dossier"
    assert read.description == "a\\nb"


def test_clean_text_keeps_printable_text_and_tabs() -> None:
    assert clean_text("Salle 2\t– « Éléphant » 🐘") == "Salle 2\t– « Éléphant » 🐘"
    assert clean_text("a\r\nb\rc\u2028d\x85e\x0bf") == "a\nb\nc\nd\ne\nf"
    assert clean_text("a\x00b\x1bc\x7fd\x9fe") == "abcde"


# ---------------------------------------------------------------------------- properties

TEXT = st.text(max_size=300)
LINE_BREAKS = st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c"])
INJECTION = st.builds(
    lambda pre, brk, prop, post: f"{pre}{brk}{prop}{post}",
    TEXT,
    LINE_BREAKS,
    st.sampled_from(["BEGIN:VEVENT", "END:VEVENT", "END:VCALENDAR", "UID:evil", "DTSTART:20000101", " folded", "STATUS:CANCELLED"]),
    TEXT,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(summary=TEXT, description=TEXT, location=TEXT, name=TEXT)
def test_any_unicode_round_trips_through_both_parsers(
    summary: str, description: str, location: str, name: str
) -> None:
    event = timed(summary=summary, description=description, location=location)
    data = build_calendar([event, all_day(summary=summary)], name=name)
    events = read_events(data)  # both parsers agree on every event
    read = events["e1@test"]
    assert read.summary == clean_text(summary)
    assert read.description == clean_text(description)
    assert read.location == clean_text(location)
    assert events["d1@test"].summary == clean_text(summary)
    # NAME is TEXT (RFC 7986); the `ical` parser unescapes it (icalendar keeps it raw)
    assert IcsCalendarStream.calendar_from_ics(data.decode()).name in ([clean_text(name)], [])


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=300
    )
)
def test_printable_text_is_kept_exactly(text: str) -> None:
    assert clean_text(text) == text
    data = build_calendar([timed(summary=text, description=text)], name="x")
    read = read_events(data)["e1@test"]
    assert read.summary == text and read.description == text


@settings(max_examples=150, deadline=None)
@given(summary=TEXT, description=TEXT)
def test_no_content_line_is_longer_than_75_octets(summary: str, description: str) -> None:
    data = build_calendar([timed(summary=summary * 3, description=description * 5)], name=summary)
    assert all(len(line) <= 75 for line in lines(data))
    data.decode("utf-8")  # folding never splits a character


@settings(max_examples=200, deadline=None)
@given(summary=INJECTION, description=INJECTION, location=INJECTION)
def test_a_line_break_in_user_text_never_starts_a_property_or_an_event(
    summary: str, description: str, location: str
) -> None:
    data = build_calendar(
        [timed(summary=summary, description=description, location=location)], name=summary
    )
    assert property_names(data) <= ALLOWED
    text = data.decode()
    assert text.count("\r\nBEGIN:VEVENT\r\n") == 1
    assert text.count("\r\nUID:") == 1
    assert text.count("\r\nEND:VCALENDAR\r\n") == 1 and text.endswith("\r\nEND:VCALENDAR\r\n")
    read = read_events(data)
    assert list(read) == ["e1@test"]
    assert read["e1@test"].status == "CONFIRMED"
