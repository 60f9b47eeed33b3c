"""Private links: a venue follows its request with an unguessable token, no account.

Only the token's SHA-256 is stored. Any unknown, malformed or tampered token gets the same
plain "link not valid", with no detail.
"""

from __future__ import annotations

from sqlmodel import Session, select

from booking.errors import NotFound
from booking.i18n import add_messages
from booking.models import BookingRequest
from booking.security import hash_token, looks_like_token

add_messages(
    {
        "links.invalid": {
            "fr": "Ce lien n'est pas valide.",
            "en": "This link is not valid.",
        },
    }
)


def request_for_token(session: Session, token: str | None) -> BookingRequest:
    """The request a private link opens, or NotFound("links.invalid")."""
    if not looks_like_token(token):
        raise NotFound("links.invalid")
    assert token is not None
    request = session.exec(
        select(BookingRequest).where(BookingRequest.token_hash == hash_token(token))
    ).first()
    if request is None:
        raise NotFound("links.invalid")
    return request
