"""The staff calendars page: downloads, feeds created, renamed and revoked (with a
confirmation), the French help, and the closure upload block."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from booking.calendars.feeds import create_feed, list_feeds
from booking.services.accounts import add_user
from tests.calendars.factories_calendars import Tour

PAGE = str(Path(__file__).resolve().parents[2] / "booking" / "ui" / "pages" / "calendars.py")


@pytest.fixture
def page(world_tour: Tour) -> AppTest:
    user = add_user(
        email="staff@example.org",
        display_name="Sam",
        role="staff",
        password="correct horse battery",
    )
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state["user_id"] = user.id
    return at.run()


def test_page_offers_every_view_to_download(page: AppTest) -> None:
    assert not page.exception
    assert page.title[0].value == "Calendriers"
    view = page.selectbox(key="calendars_download_view")
    labels = [str(o) for o in view.options]
    assert labels[:2] == [
        "Tournée – tout le calendrier",
        "Tournée – toutes les étapes (équipe Tuba)",
    ]
    assert "Lieu – Bibliothèque de la Part-Dieu (Lyon 3e)" in labels
    assert "Kit – Self Data – kit A (self-data-a)" in labels
    assert "Camion – Camion 1" in labels
    assert page.get("download_button")  # the .ics is generated when clicked
    help_text = " ".join(m.value for m in page.markdown)
    for needle in (
        "S'abonner à partir du web",
        "À partir de l'URL",
        "Nouvel abonnement à un calendrier",
        "webcal://",
    ):
        assert needle in help_text
    # fmt: skip


def test_create_rename_and_revoke_a_feed_from_the_page(page: AppTest) -> None:
    page.text_input(key="new_feed_name").input("Agenda du chauffeur")
    view = page.selectbox(key="new_feed_view")
    view.select(next(o for o in view.options if str(o) == "Camion – Camion 1"))
    page.button(key="FormSubmitter:new_feed-Créer l'abonnement").click().run()
    assert not page.exception
    feeds = list_feeds()
    assert [(f.name, f.created_by) for f in feeds] == [
        ("Agenda du chauffeur", "user:staff@example.org")
    ]
    feed = feeds[0]
    assert feed.url in [c.value for c in page.code]

    page.text_input(key=f"name_{feed.id}").input("Camion 1 – chauffeur")
    page.button(key=f"FormSubmitter:rename_{feed.id}-Renommer").click().run()
    assert list_feeds()[0].name == "Camion 1 – chauffeur"

    page.button(key=f"revoke_{feed.id}").click().run()
    assert list_feeds()[0].active  # nothing happens before the confirmation
    page.button(key="revoke_confirm").click().run()
    assert not page.exception
    assert not list_feeds()[0].active
    assert page.code == [] or feed.url not in [c.value for c in page.code]
    # fmt: skip


def test_bad_feed_name_shows_the_message(page: AppTest) -> None:
    page.text_input(key="new_feed_name").input("   ")
    page.button(key="FormSubmitter:new_feed-Créer l'abonnement").click().run()
    assert [e.value for e in page.error] == [
        "Le nom de l'abonnement doit comporter entre 1 et 120 caractères."
    ]
    assert list_feeds() == []


def test_revoked_feeds_are_listed_apart(world_tour: Tour, page: AppTest) -> None:
    from booking.calendars.feeds import revoke_feed

    kept = create_feed(name="Gardé", view="all", actor="test")
    gone = create_feed(name="Parti", view="tuba", actor="test")
    revoke_feed(gone.id, actor="test")
    page.run()
    codes = [c.value for c in page.code]
    assert kept.url in codes and gone.url not in codes
    assert any("Parti" in t.value for t in page.text)


def test_closure_upload_block_is_on_the_page(page: AppTest) -> None:
    assert page.selectbox(key="closures_venue").value is not None
    assert "Importer des jours de fermeture (.ics)" in [h.value for h in page.subheader]
