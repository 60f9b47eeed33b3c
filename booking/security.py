"""Passwords (argon2) and capability tokens.

Tokens of private links, feeds and QR forms are 256 random bits, URL-safe. A private link's
token is stored only as its SHA-256 (a leaked database does not open the venues' links).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so both paths take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

TOKEN_BYTES = 32
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; never raises, takes as long for a missing hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str | None) -> bool:
    """A cheap shape check before any lookup (length and alphabet of `new_token`)."""
    if not token or not 40 <= len(token) <= 64:
        return False
    return all(c.isalnum() or c in "-_" for c in token)


def same_token(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
