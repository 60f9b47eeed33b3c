"""The visitor's form at /f/<token>: plain HTML, anonymous, and every bad input refused with
a clear page and nothing written."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from booking import db
from booking.errors import ValidationError
from booking.feedback.questionnaire import default_definition, save_questionnaire
from booking.feedback.submit import submit_response, truncate_to_hour
from booking.models import AuditEvent, FeedbackIdea, FeedbackResponse
from booking.security import new_token
from booking.web import feedback_form
from tests.conftest import BOTH
from tests.feedback.conftest import Stops

ANSWERS: dict[str, Any] = {
    "v": "1",
    "rating": "5",
    "idea.nothing_to_hide.before": "1",
    "idea.nothing_to_hide.after": "3",
    "idea.just_one_click.before": "2",
    "idea.just_one_click.after": "2",
    "will_do": ["check_settings", "talk_about_it"],
    "age_band": "25_44",
    "came_with": "family",
    "comment": "Très clair.",
}


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "no CSRF field in the form"
    return match.group(1)


def _open(client: TestClient, token: str, lang: str = "fr") -> str:
    response = client.get(f"/f/{token}" + ("?lang=en" if lang == "en" else ""))
    assert response.status_code == 200, response.text
    return _csrf(response.text)


def _post(client: TestClient, token: str, csrf: str | None, **overrides: Any) -> Any:
    data = {**ANSWERS, **overrides}
    if csrf is not None:
        data["csrf"] = csrf
    return client.post(f"/f/{token}", data={k: v for k, v in data.items() if v is not None})


def _stored() -> list[FeedbackResponse]:
    with db.read_session() as session:
        return list(session.exec(select(FeedbackResponse)))


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


# ---------------------------------------------------------------------------- the page


def test_form_is_plain_french_html_with_a_label_on_every_field(
    client: TestClient, stops: Stops
) -> None:
    response = client.get(f"/f/{stops.open.feedback_token}")
    assert response.status_code == 200
    page = response.text
    assert page.startswith('<!doctype html><html lang="fr">')
    assert "Votre avis sur l&#x27;exposition" in page and "Bibliothèque de la Part-Dieu" in page
    tags = _tags(page)
    # No script, no external asset of any kind.
    assert not [t for t, _ in tags if t in ("script", "link", "img", "iframe")]
    assert not [a for _, a in tags if any(k in a for k in ("src", "onclick", "onload"))]
    assert "http" not in re.sub(r'name="viewport"[^>]*>', "", page)
    # Every visible field has a label pointing at it.
    labelled = {a.get("for") for t, a in tags if t == "label"}
    fields = [a for t, a in tags if t in ("input", "textarea") and a.get("type") != "hidden"]
    assert fields and all(a.get("id") in labelled for a in fields)
    assert 'href="/f/' in page and "lang=en" in page  # the English link
    headers = response.headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"


def test_the_only_cookie_is_a_strict_signed_csrf_token(client: TestClient, stops: Stops) -> None:
    response = client.get(f"/f/{stops.open.feedback_token}")
    cookies = response.headers.get_list("set-cookie")
    assert len(cookies) == 1
    cookie = cookies[0]
    assert cookie.startswith("fb_csrf=")
    assert "SameSite=strict" in cookie and "HttpOnly" in cookie
    assert f"Path=/f/{stops.open.feedback_token}" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert value == _csrf(response.text) and value.count(".") == 2  # time.nonce.signature


def test_english_on_request(client: TestClient, stops: Stops) -> None:
    page = client.get(f"/f/{stops.open.feedback_token}?lang=en").text
    assert '<html lang="en">' in page
    assert "Your view of the exhibition" in page and "Français" in page


# ---------------------------------------------------------------------------- submitting


@pytest.mark.parametrize("db_url", BOTH, indirect=True)
def test_an_answer_is_stored_anonymously_to_the_hour(client: TestClient, stops: Stops) -> None:
    token = stops.open.feedback_token
    response = _post(client, token, _open(client, token))
    assert response.status_code == 200 and "Merci !" in response.text
    (stored,) = _stored()
    assert stored.stop_id == stops.open.id and stored.questionnaire_version == 1
    assert stored.submitted_hour.minute == stored.submitted_hour.second == 0
    assert stored.submitted_hour.tzinfo is not None
    assert (stored.rating, stored.age_band, stored.came_with) == (5, "25_44", "family")
    assert stored.will_do == ["check_settings", "talk_about_it"]
    assert stored.comment == "Très clair." and stored.answers == {}
    with db.read_session() as session:
        ideas = {i.idea: (i.before, i.after) for i in session.exec(select(FeedbackIdea))}
        assert ideas == {"nothing_to_hide": (1, 3), "just_one_click": (2, 2)}
        # No audit event: its time to the second would undo the hour truncation.
        assert (
            session.exec(select(AuditEvent).where(AuditEvent.entity == "feedback_response")).first()
            is None
        )
    assert "testclient" not in repr(stored)


def test_a_double_tap_stores_one_answer(client: TestClient, stops: Stops) -> None:
    token = stops.open.feedback_token
    csrf = _open(client, token)
    assert _post(client, token, csrf).status_code == 200
    second = _post(client, token, csrf)
    assert second.status_code == 200 and "Merci !" in second.text
    assert len(_stored()) == 1


def test_half_an_idea_is_dropped_not_refused(client: TestClient, stops: Stops) -> None:
    token = stops.open.feedback_token
    response = _post(client, token, _open(client, token), **{"idea.just_one_click.after": None})
    assert response.status_code == 200
    with db.read_session() as session:
        assert [i.idea for i in session.exec(select(FeedbackIdea))] == ["nothing_to_hide"]


def test_answers_keep_the_version_they_answered(client: TestClient, stops: Stops) -> None:
    token = stops.open.feedback_token
    csrf = _open(client, token)  # the form of version 1
    edited = default_definition()
    edited["rating"]["label"]["fr"] = "Votre note ?"
    save_questionnaire(edited, actor="user:tuba@example.org", based_on=1)
    assert _post(client, token, csrf).status_code == 200
    assert _stored()[0].questionnaire_version == 1
    assert "Votre note ?" in client.get(f"/f/{token}").text


# ---------------------------------------------------------------------------- bad input


def test_unknown_and_malformed_tokens_get_the_same_friendly_page(
    client: TestClient, stops: Stops
) -> None:
    pages = [client.get(f"/f/{token}") for token in (new_token(), "x", "a" * 43 + "<script>")]
    assert {p.status_code for p in pages} == {404}
    for page in pages:
        assert "Questionnaire introuvable" in page.text
        assert "Traceback" not in page.text and "<script>" not in page.text
    assert "set-cookie" not in pages[0].headers
    posted = client.post(f"/f/{new_token()}", data={**ANSWERS, "csrf": "x"})
    assert posted.status_code in (403, 404) and not _stored()


def test_a_closed_stop_says_where_the_exhibition_is_now(client: TestClient, stops: Stops) -> None:
    response = client.get(f"/f/{stops.past.feedback_token}")
    assert response.status_code == 410
    assert "a poursuivi sa route" in response.text
    assert "Bibliothèque de la Part-Dieu" in response.text  # the same kit's current stop
    assert "Lyon 3e" in response.text and "<form" not in response.text


def test_a_future_stop_is_not_open_yet(client: TestClient, stops: Stops) -> None:
    response = client.get(f"/f/{stops.future.feedback_token}")
    assert "Bientôt ici" in response.text and "<form" not in response.text


def test_a_submission_to_a_closed_stop_is_refused(client: TestClient, stops: Stops) -> None:
    token = stops.past.feedback_token
    csrf = feedback_form.new_csrf_token()
    client.cookies.set("fb_csrf", csrf, path=f"/f/{token}")
    response = _post(client, token, csrf)
    assert response.status_code == 410 and "a poursuivi sa route" in response.text
    assert not _stored()


@pytest.mark.parametrize(
    "case", ["missing", "wrong", "other_cookie", "expired", "forged_signature"]
)
def test_a_submission_without_a_valid_csrf_token_is_refused(
    client: TestClient, stops: Stops, case: str
) -> None:
    token = stops.open.feedback_token
    good = _open(client, token)
    stamp, nonce, signature = good.split(".")
    field: str | None = {
        "missing": None,
        "wrong": "1.2.3",
        "other_cookie": feedback_form.new_csrf_token(),
        "expired": None,
        "forged_signature": f"{stamp}.{nonce}.{'A' * len(signature)}",
    }[case]
    if case == "expired":
        old = feedback_form.new_csrf_token(now=dt.datetime.now().timestamp() - 4 * 3600)
        client.cookies.set("fb_csrf", old, path=f"/f/{token}")
        field = old
    response = _post(client, token, field)
    assert response.status_code == 403
    assert "Formulaire expiré" in response.text and "Recharger" in response.text
    assert not _stored()


def test_a_filled_honeypot_looks_accepted_but_keeps_nothing(
    client: TestClient, stops: Stops
) -> None:
    token = stops.open.feedback_token
    response = _post(client, token, _open(client, token), hp_extra="http://spam.example")
    assert response.status_code == 200 and "Merci !" in response.text
    assert not _stored()


@pytest.mark.parametrize(
    "overrides",
    [
        {"rating": "9"},
        {"age_band": "99_plus"},
        {"idea.nothing_to_hide.before": "7"},
        {"idea.unknown_idea.before": "1"},
        {"will_do": ["check_settings", "sell_my_data"]},
        {"came_with": ["alone", "family"]},
        {"ip_address": "192.0.2.1"},
        {"v": "99"},
        {"v": "one"},
    ],
)
def test_answers_outside_the_questionnaire_are_refused(
    client: TestClient, stops: Stops, overrides: dict[str, Any]
) -> None:
    token = stops.open.feedback_token
    response = _post(client, token, _open(client, token), **overrides)
    assert response.status_code == 400
    assert "pas encore été enregistré" in response.text and "<form" in response.text
    assert not _stored()


def test_an_empty_form_asks_for_one_answer(client: TestClient, stops: Stops) -> None:
    token = stops.open.feedback_token
    empty = {k: None for k in ANSWERS if k != "v"}
    response = _post(client, token, _open(client, token), **empty)
    assert response.status_code == 400 and "au moins une question" in response.text
    assert not _stored()


def test_an_oversized_comment_is_refused_and_given_back(client: TestClient, stops: Stops) -> None:
    token = stops.open.feedback_token
    long = "Très bien. " * 60  # 660 characters
    response = _post(client, token, _open(client, token), comment=long)
    assert response.status_code == 400
    assert "trop long" in response.text and "500 au plus" in response.text
    assert long.strip() in response.text  # the visitor can shorten it, not retype it
    assert 'value="5" checked' in response.text  # the other answers are kept too
    assert not _stored()


def test_html_in_a_comment_stays_inert(client: TestClient, stops: Stops) -> None:
    token = stops.open.feedback_token
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    refused = _post(client, token, _open(client, token), comment=script + " " * 2 + "x" * 600)
    assert refused.status_code == 400
    assert "<script>alert" not in refused.text and "&lt;script&gt;alert" in refused.text
    assert "<img src=x" not in refused.text
    accepted = _post(client, token, _csrf(refused.text), comment=script)
    assert accepted.status_code == 200
    assert _stored()[0].comment == script  # kept as text; escaped wherever it is shown


def test_contact_details_in_a_comment_are_removed(client: TestClient, stops: Stops) -> None:
    token = stops.open.feedback_token
    comment = "Écrivez-moi à jeanne.d@example.org ou au 06 12 34 56 78, merci"
    assert _post(client, token, _open(client, token), comment=comment).status_code == 200
    assert _stored()[0].comment == "Écrivez-moi à […] ou au […], merci"


def test_an_oversized_body_is_refused(client: TestClient, stops: Stops) -> None:
    token = stops.open.feedback_token
    csrf = _open(client, token)
    response = client.post(
        f"/f/{token}",
        content=b"csrf=" + csrf.encode() + b"&comment=" + b"a" * 20_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400 and "rien n&#x27;a été enregistré" in response.text
    assert not _stored()


def test_a_burst_gets_a_kind_please_wait_page(client: TestClient, stops: Stops) -> None:
    token = stops.open.feedback_token
    statuses = []
    for _ in range(feedback_form.CLIENT_POSTS.burst + 5):
        response = _post(client, token, _open(client, token))
        statuses.append(response.status_code)
    assert statuses.count(200) == feedback_form.CLIENT_POSTS.burst
    assert statuses[-1] == 429
    assert "Merci de patienter" in response.text and int(response.headers["retry-after"]) >= 1
    assert 'value="5" checked' in response.text  # nothing the visitor typed is lost
    assert len(_stored()) == statuses.count(200)


def test_a_flood_on_one_poster_is_limited_per_stop(client: TestClient, stops: Stops) -> None:
    token = stops.open.feedback_token
    limiter = feedback_form.STOP_POSTS
    for _ in range(limiter.burst):
        assert limiter.hit(token) == 0
    response = _post(client, token, _open(client, token))
    assert response.status_code == 429 and not _stored()


# ---------------------------------------------------------------------------- time


def test_hours_are_truncated_in_utc_across_the_clock_changes() -> None:
    paris = dt.timezone(dt.timedelta(hours=2))
    # 27 March 2027 23:59 UTC and 31 October 2027 00:30 UTC (the night clocks go back)
    assert truncate_to_hour(dt.datetime(2027, 3, 28, 1, 59, 59, tzinfo=dt.UTC)) == dt.datetime(
        2027, 3, 28, 1, tzinfo=dt.UTC
    )
    assert truncate_to_hour(dt.datetime(2027, 10, 31, 2, 30, tzinfo=paris)) == dt.datetime(
        2027, 10, 31, 0, tzinfo=dt.UTC
    )
    with pytest.raises(ValueError):
        truncate_to_hour(dt.datetime(2027, 10, 31, 2, 30))


def test_the_form_closes_at_midnight_paris_time_after_the_last_day(db_url: str) -> None:
    from booking.feedback.questionnaire import ensure_default_questionnaire
    from tests.factories import make_request, make_stop, world

    ensure_default_questionnaire()
    with db.transaction() as session:
        w = world(session)
        # Last open day: Sunday 31 October 2027, the night clocks go back (CEST -> CET).
        stop = make_stop(
            session,
            make_request(session, w.exhibition, w.venues[0])[0],
            w.kits[0],
            dt.date(2027, 10, 18),
            dt.date(2027, 10, 31),
        )
    fields = {"v": ["1"], "rating": ["4"]}
    # 23:30 in Paris (CET, UTC+1) on the last day: still open.
    submit_response(
        stop.feedback_token, fields, now=dt.datetime(2027, 10, 31, 22, 30, tzinfo=dt.UTC)
    )
    # 00:30 in Paris the next day, though still 31 October in UTC: closed.
    with pytest.raises(ValidationError, match="plus ici"):
        submit_response(
            stop.feedback_token, fields, now=dt.datetime(2027, 10, 31, 23, 30, tzinfo=dt.UTC)
        )
    (stored,) = _stored()
    assert stored.submitted_hour == dt.datetime(2027, 10, 31, 22, tzinfo=dt.UTC)
