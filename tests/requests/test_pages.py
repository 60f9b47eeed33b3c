"""The pages, driven as a venue and as staff would (AppTest), with the emails read back from
a real SMTP server: submit, hold, approve, follow the link, download the calendar."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from booking import db
from booking.models import BookingRequest, Stop, Venue
from booking.services.accounts import add_user
from booking.services.requests import paris_today, submit_request
from booking.ui.text import plain
from tests.factories import world
from tests.requests.conftest import TODAY, Inbox, request_input, send_outbox

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
FORM = "booking/ui/pages/request_form.py"
MINE = "booking/ui/pages/my_request.py"
QUEUE = "booking/ui/pages/requests_queue.py"
SCRIPT = "<script>alert(1)</script>"
MARKDOWN = "**gras** [x](javascript:alert(1))"


def _app(page: str, *, user_id: int | None = None, token: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if user_id is not None:
        at.session_state["user_id"] = user_id
    at.run()
    if token is not None:
        at.query_params["token"] = token
    return at.switch_page(page).run()


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _by_label(widgets: Any, label: str) -> Any:
    found = [w for w in widgets if w.label == label]
    assert found, (label, [w.label for w in widgets])
    return found[0]


def _rendered(at: AppTest) -> list[str]:
    """Every piece of Markdown the page sent (where text could be interpreted)."""
    return [m.value for m in [*at.markdown, *at.caption, *at.title, *at.subheader, *at.header]]


@pytest.fixture
def setup(sqlite_url: str) -> dict[str, int]:
    with db.transaction() as session:
        w = world(session)
        venue_id = w.venues[0].id
    staff = add_user(
        email="sam@metropole.example",
        display_name="Sam",
        role="staff",
        password="correct horse battery",
    )
    return {"venue": venue_id, "staff": staff.id}  # type: ignore[dict-item]


def test_venue_submits_staff_hold_then_approve_venue_downloads_its_calendar(
    setup: dict[str, int], inbox: Inbox
) -> None:
    today = paris_today()
    start, end = today + dt.timedelta(days=40), today + dt.timedelta(days=130)

    # The venue fills in the form.
    at = _ok(_app(FORM))
    at.selectbox(key="request_form.venue").select_index(0).run()
    _by_label(at.text_input, "Nom et prénom").input("Camille Martin")
    _by_label(at.text_input, "Fonction").input("Bibliothécaire")
    _by_label(at.text_input, "Adresse e-mail").input("camille.martin@example.org")
    at.date_input(key="request_form.window1").set_value((start, end))
    _by_label(at.text_area, "Médiation prévue").input(MARKDOWN)
    _by_label(at.text_area, "Message à l'équipe (facultatif)").input(SCRIPT)
    _by_label(at.button, "Envoyer la demande").click().run()
    _ok(at)
    assert [s.value for s in at.success] == ["Demande envoyée"]
    (shown_link,) = [c.value for c in at.code]
    # A second click that reaches the server with the same form makes no second request.
    del at.session_state["request_form.done"]
    _by_label(at.run().button, "Envoyer la demande").click().run()
    assert [c.value for c in _ok(at).code] == [shown_link]
    with db.read_session() as session:
        (request,) = session.exec(select(BookingRequest)).all()

    # The email brings the private link.
    send_outbox()
    (received,) = inbox.messages
    assert received["Subject"].startswith("Demande reçue : Légende urbaine – Self Data")
    link = re.search(r"http\S+/ma-demande\?token=(\S+)", inbox.body(received))
    assert link is not None and link.group(0) == shown_link
    token = link.group(1)

    # Staff put the best candidate on hold, then approve it.
    at = _ok(_app(QUEUE, user_id=setup["staff"]))
    assert f"Demande n° {request.id} — envoyée" in [h.value for h in at.header]
    _by_label(at.button, "Poser une option").click().run()
    _ok(at)
    assert f"Demande n° {request.id} — sous réserve" in [h.value for h in at.header]
    _by_label(at.button, "Confirmer l'option en cours").click().run()
    _ok(at)
    assert f"Demande n° {request.id} — confirmée" in [h.value for h in at.header]
    history = at.dataframe[-2].value  # the request's audit trail, newest first
    assert list(history.iloc[:, 2]) == ["request.approved", "request.held", "request.submitted"]
    assert set(history.iloc[:, 1][:2]) == {"user:sam@metropole.example"}

    # The venue follows its link: approved, with its documents.
    at = _ok(_app(MINE, token=token))
    assert any("État : confirmée" in i.value for i in at.success)
    downloads = [b.label for b in at.download_button]
    assert downloads == [
        "Calendrier de l'étape (.ics)",
        "Guide d'installation (PDF)",
        "Convention de prêt (PDF)",
    ]
    with db.read_session() as session:
        stop = session.exec(select(Stop)).one()
    from booking.calendars import export_calendar  # what the calendar button serves

    ics = export_calendar(f"stop:{stop.id}").decode()
    assert "BEGIN:VEVENT" in ics and stop.uid in ics.replace("\r\n ", "")
    # Text the venue typed is shown as typed, never interpreted.
    assert SCRIPT in [t.value for t in at.text] and MARKDOWN in [t.value for t in at.text]
    for markdown in _rendered(at):
        assert SCRIPT not in markdown and "[x](javascript" not in markdown

    # The emails of the hold and the approval, read from the SMTP server.
    send_outbox()
    held, approved = inbox.messages[1:]
    assert held["Subject"].startswith("Dates réservées sous réserve")
    assert "à confirmer avant le" in inbox.body(held)
    assert approved["Subject"].startswith("Étape confirmée")
    body = inbox.body(approved)
    assert f"installation : {_french(stop.install_date)}" in body
    (attachment,) = list(approved.iter_attachments())
    assert attachment.get_filename() == f"etape-{stop.id}.ics"


def _french(day: dt.date) -> str:
    from booking.i18n import format_date

    return format_date(day, "fr")


def test_a_bad_link_shows_only_not_valid(setup: dict[str, int]) -> None:
    sent = submit_request(request_input(1, setup["venue"]), today=TODAY)
    for token in (sent.token[:-2] + "zz", "<script>", ""):
        at = _app(MINE, token=token)
        assert not at.exception
        assert [e.value for e in at.error] == ["Ce lien n'est pas valide."]
        assert not at.download_button and not at.text


def test_staff_see_typed_html_inert_in_the_queue(setup: dict[str, int]) -> None:
    submit_request(
        request_input(1, setup["venue"], message=SCRIPT, mediation=MARKDOWN), today=TODAY
    )
    at = _ok(_app(QUEUE, user_id=setup["staff"]))
    texts = [t.value for t in at.text]
    assert SCRIPT in texts and MARKDOWN in texts
    for markdown in _rendered(at):
        assert SCRIPT not in markdown and "[x](javascript" not in markdown


def test_staff_decline_through_a_confirmation_dialog(setup: dict[str, int]) -> None:
    sent = submit_request(request_input(1, setup["venue"]), today=TODAY)
    at = _ok(_app(QUEUE, user_id=setup["staff"]))
    _by_label(at.button, "Refuser…").click().run()
    at.button(key="queue.confirm_close").click().run()  # no reason: refused in words
    assert [e.value for e in at.error] == ["Indiquez un motif (1 à 2000 caractères)."]
    _by_label(at.button, "Refuser…").click().run()
    at.text_area(key="queue.reason").input("Salle trop petite").run()
    at.button(key="queue.confirm_close").click().run()
    _ok(at)
    with db.read_session() as session:
        request = session.get(BookingRequest, sent.request_id)
    assert request is not None and request.status == "declined"
    assert request.decision_reason == "Salle trop petite"


def test_the_venue_withdraws_and_then_cannot_edit(setup: dict[str, int]) -> None:
    sent = submit_request(request_input(1, setup["venue"]), today=TODAY)
    at = _ok(_app(MINE, token=sent.token))
    assert _by_label(at.button, "Enregistrer")  # the edit form is there while live
    _by_label(at.button, "Retirer la demande").click().run()
    at.button(key="my_request.confirm_withdraw").click().run()
    _ok(at)
    assert [s.value for s in at.success] == ["Demande retirée."]
    assert not [b for b in at.button if b.label in ("Enregistrer", "Retirer la demande")]


def test_every_page_of_the_feature_renders_with_data(setup: dict[str, int]) -> None:
    submit_request(request_input(1, setup["venue"]), today=TODAY)
    for page in (
        "booking/ui/pages/exhibitions.py",
        "booking/ui/pages/kits.py",
        "booking/ui/pages/venues.py",
        "booking/ui/pages/messages.py",
    ):
        at = _ok(_app(page, user_id=setup["staff"]))
        assert at.title, page
    messages = _app("booking/ui/pages/messages.py", user_id=setup["staff"])
    assert any("SMTP_HOST" in w.value for w in messages.warning)  # no server configured


def test_plain_escapes_markdown_and_html() -> None:
    assert plain(SCRIPT) == r"\<script\>alert\(1\)\<\/script\>"
    assert plain(":red[x] $a$") == r"\:red\[x\] \$a\$"
    assert plain("a\nb") == "a  \nb"


def test_a_new_venue_is_located_shown_on_a_map_and_corrected(setup: dict[str, int]) -> None:
    at = _ok(_app(FORM))
    at.radio(key="request_form.mode").set_value("new").run()
    _by_label(at.text_input, "Nom du lieu").input("Salle <b>Molière</b>")
    _by_label(at.text_input, "Adresse").input("1 place de la Mairie")
    _by_label(at.text_input, "Code postal").input("69100")
    _by_label(at.text_input, "Commune").input("Villeurbanne")
    _by_label(at.button, "Localiser le lieu").click().run()
    _ok(at)
    assert any("approximatif" in i.value for i in at.info)  # the town hall's point
    charts = [e for e in _all(at.main) if getattr(e, "type", "") == "vega_lite_chart"]
    assert len(charts) == 1  # the point drawn locally: no map tiles, no third party
    _by_label(at.selectbox, "Ou la commune").select("Vaulx-en-Velin")  # type: ignore[arg-type]
    _by_label(at.button, "Utiliser ce point").click().run()
    _ok(at)
    assert any("corrigé à la main" in m.value for m in at.markdown)
    _by_label(at.text_input, "Nom et prénom").input("Dominique Durand")
    _by_label(at.text_input, "Adresse e-mail").input("d.durand@example.org")
    start = paris_today() + dt.timedelta(days=30)
    at.date_input(key="request_form.window1").set_value((start, start + dt.timedelta(days=60)))
    _by_label(at.button, "Envoyer la demande").click().run()
    _ok(at)
    with db.read_session() as session:
        venue = session.exec(select(Venue).where(Venue.name == "Salle <b>Molière</b>")).one()
    assert (venue.geocode_source, venue.insee) == ("manual", "69256")


def test_staff_mark_a_kit_damaged_from_the_kits_page(setup: dict[str, int]) -> None:
    at = _ok(_app("booking/ui/pages/kits.py", user_id=setup["staff"]))
    _by_label(at.selectbox, "État du kit").select("damaged")  # type: ignore[arg-type]
    _by_label(at.text_area, "Note").input("Œillets arrachés")
    _by_label(at.button, "Enregistrer l'état").click().run()
    _ok(at)
    assert [s.value for s in at.success] == [
        "Enregistré ; 0 lieu(x) avec une étape à venir prévenu(s)."
    ]
    assert "abîmé" in list(at.dataframe[0].value.iloc[:, 3])


def _all(node: Any) -> list[Any]:
    found = []
    for child in getattr(node, "children", {}).values():
        found.append(child)
        found.extend(_all(child))
    return found
