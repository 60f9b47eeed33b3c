"""Staff, Tuba and admin accounts: local (argon2) or through OIDC (email mapped to a role)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import col, select

from booking import audit
from booking.db import read_session, transaction
from booking.errors import NotFound, ValidationError
from booking.i18n import add_messages
from booking.models import Role, User
from booking.security import MIN_PASSWORD_LENGTH, hash_password, verify_password
from booking.types import utcnow

add_messages(
    {
        "accounts.bad_credentials": {
            "fr": "Adresse e-mail ou mot de passe incorrect.",
            "en": "Wrong email address or password.",
        },
        "accounts.disabled": {
            "fr": "Ce compte est désactivé ; adressez-vous à un administrateur.",
            "en": "This account is disabled; ask an administrator.",
        },
        "accounts.bad_email": {
            "fr": "« {email} » n'est pas une adresse e-mail valide.",
            "en": '"{email}" is not a valid email address.',
        },
        "accounts.bad_role": {
            "fr": "Rôle inconnu « {role} » (attendu : staff, tuba ou admin).",
            "en": 'Unknown role "{role}" (expected: staff, tuba or admin).',
        },
        "accounts.short_password": {
            "fr": "Le mot de passe doit comporter au moins {n} caractères.",
            "en": "The password must be at least {n} characters long.",
        },
        "accounts.exists": {
            "fr": "Un compte existe déjà pour {email}.",
            "en": "An account already exists for {email}.",
        },
        "accounts.unknown": {
            "fr": "Aucun compte pour {email}.",
            "en": "No account for {email}.",
        },
        "accounts.no_oidc_account": {
            "fr": "Votre adresse {email} n'a pas de rôle dans Tournée ; demandez à un administrateur de l'ajouter.",
            "en": "Your address {email} has no role in Tournée; ask an administrator to add it.",
        },
        "accounts.bad_name": {
            "fr": "Le nom doit comporter entre 1 et 120 caractères.",
            "en": "The name must be 1 to 120 characters long.",
        },
    }
)

EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def normalise_email(email: str, field: str = "email") -> str:
    """Lower-cased, trimmed; raises a ValidationError when it is not an address."""
    value = (email or "").strip().lower()
    if len(value) > 254 or not EMAIL_RE.match(value):
        raise ValidationError("accounts.bad_email", field=field, email=(email or "")[:60])
    return value


@dataclass(frozen=True)
class UserInfo:
    """What a page needs to know of the signed-in person."""

    id: int
    email: str
    display_name: str
    role: Role
    language: str
    disabled: bool = False

    @property
    def actor(self) -> str:
        return f"user:{self.email}"


def _info(user: User) -> UserInfo:
    assert user.id is not None
    return UserInfo(
        user.id, user.email, user.display_name, Role(user.role), user.language, user.disabled
    )


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError("accounts.bad_role", field="role", role=str(role)[:20]) from None


def add_user(
    *, email: str, display_name: str, role: str, password: str | None, actor: str = "cli"
) -> UserInfo:
    """Create an account; `password=None` makes an OIDC-only account."""
    email = normalise_email(email)
    role_value = _role(role)
    display_name = (display_name or "").strip()
    if not 1 <= len(display_name) <= 120:
        raise ValidationError("accounts.bad_name", field="display_name")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("accounts.short_password", field="password", n=MIN_PASSWORD_LENGTH)
    with transaction() as session:
        if session.exec(select(User).where(User.email == email)).first():
            raise ValidationError("accounts.exists", field="email", email=email)
        user = User(
            email=email,
            display_name=display_name,
            role=role_value,
            password_hash=hash_password(password) if password is not None else None,
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="user.added",
            entity="user",
            entity_id=user.id,
            email=email,
            role=role_value.value,
        )
        return _info(user)


def list_users() -> list[UserInfo]:
    with read_session() as session:
        return [_info(u) for u in session.exec(select(User).order_by(col(User.email)))]


def set_user_disabled(email: str, disabled: bool = True, *, actor: str = "cli") -> UserInfo:
    email = normalise_email(email)
    with transaction() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            raise NotFound("accounts.unknown", field="email", email=email)
        user.disabled = disabled
        audit.record(
            session,
            actor=actor,
            action="user.disabled" if disabled else "user.enabled",
            entity="user",
            entity_id=user.id,
            email=email,
        )
        return _info(user)


def authenticate(email: str, password: str) -> UserInfo:
    """The account for these credentials; the same message whether the email or the password
    is wrong, so the form does not tell who has an account."""
    try:
        email = normalise_email(email)
    except ValidationError:
        verify_password(None, password)
        raise ValidationError("accounts.bad_credentials") from None
    with transaction() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if not verify_password(user.password_hash if user else None, password) or user is None:
            raise ValidationError("accounts.bad_credentials")
        if user.disabled:
            raise ValidationError("accounts.disabled")
        user.last_login_at = utcnow()
        audit.record(
            session, actor=f"user:{email}", action="user.login", entity="user", entity_id=user.id
        )
        return _info(user)


def user_for_oidc(email: str | None) -> UserInfo:
    """The role of a person signed in through OIDC: their verified email must have an account."""
    try:
        address = normalise_email(email or "")
    except ValidationError:
        raise ValidationError("accounts.no_oidc_account", email=str(email)[:60]) from None
    with read_session() as session:
        user = session.exec(select(User).where(User.email == address)).first()
    if user is None:
        raise ValidationError("accounts.no_oidc_account", email=address)
    if user.disabled:
        raise ValidationError("accounts.disabled")
    return _info(user)


def get_user(user_id: int) -> UserInfo | None:
    """The account as it is now (a disabled account is refused on its next page)."""
    with read_session() as session:
        user = session.get(User, user_id)
        return _info(user) if user else None
