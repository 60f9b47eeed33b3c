"""Domain errors: what a person can meet, with a message from the catalogue.

Programming errors stay ordinary exceptions; these are for input and state a user can fix.
"""

from __future__ import annotations

from booking.i18n import t


class DomainError(Exception):
    """An error with a catalogue key and parameters; `message(lang)` says it to a person."""

    def __init__(self, key: str, /, field: str | None = None, **params: object) -> None:
        self.key = key
        self.field = field
        self.params = params
        super().__init__(self.message("fr"))

    def message(self, lang: str = "fr") -> str:
        return t(self.key, lang, **self.params)


class ValidationError(DomainError):
    """Bad input; `field` names the input it is about."""


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    """The state changed under the user (a concurrent change, an overlapping booking)."""


class PermissionDenied(DomainError):
    pass


class ConfigurationError(DomainError):
    pass
