"""Settings read from the environment (and a `.env` file), in one place.

Every knob a deployment may turn lives here; nothing else reads `os.environ`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_SQLITE = PROJECT_ROOT / "var" / "tournee.db"
TIMEZONE = "Europe/Paris"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", env_file=".env", extra="ignore")

    database_url: str = Field(default=f"sqlite:///{DEFAULT_SQLITE}", alias="DATABASE_URL")
    base_url: str = Field(default="http://localhost:8501", alias="TOURNEE_BASE_URL")
    default_language: str = Field(default="fr", alias="TOURNEE_LANGUAGE")
    # Signs the visitor form's CSRF tokens; set the same value on every app process behind a
    # proxy (empty: a random key per process, fine for the single embedded process).
    secret_key: str = Field(default="", alias="TOURNEE_SECRET_KEY", repr=False)

    # Email (SMTP). With no host, messages stay in the outbox and are shown to staff.
    smtp_host: str = Field(default="", alias="SMTP_HOST")
    smtp_port: int = Field(default=25, alias="SMTP_PORT")
    smtp_user: str = Field(default="", alias="SMTP_USER")
    smtp_password: str = Field(default="", alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(default=False, alias="SMTP_STARTTLS")
    smtp_from: str = Field(default="Tournée <tournee@localhost>", alias="SMTP_FROM")
    smtp_timeout: float = Field(default=10.0, alias="SMTP_TIMEOUT")

    # Booking rules
    min_notice_days: int = Field(default=15, alias="TOURNEE_MIN_NOTICE_DAYS")
    hold_days: int = Field(default=10, alias="TOURNEE_HOLD_DAYS")
    season_months_ahead: int = Field(default=18, alias="TOURNEE_SEASON_MONTHS")
    reminder_days_before: int = Field(default=7, alias="TOURNEE_REMINDER_DAYS")
    school_holiday_zone: str = Field(default="A", alias="TOURNEE_SCHOOL_ZONE")

    # Geocoding and routing. Offline by default: the shipped gazetteer and geodesic travel.
    geocoder: str = Field(default="offline", alias="TOURNEE_GEOCODER")  # offline | ban
    ban_domain: str = Field(default="api-adresse.data.gouv.fr", alias="TOURNEE_BAN_DOMAIN")
    ban_scheme: str = Field(default="https", alias="TOURNEE_BAN_SCHEME")
    router: str = Field(default="geodesic", alias="TOURNEE_ROUTER")  # geodesic | osrm
    router_url: str = Field(default="", alias="TOURNEE_ROUTER_URL")
    # The offline travel model: straight line × circuity (by distance band: "up to km:factor",
    # "*" for the rest) ÷ urban speed + a fixed time at each stop.
    circuity: Annotated[tuple[tuple[float, float], ...], NoDecode] = Field(
        default=((2.0, 1.4), (10.0, 1.3), (float("inf"), 1.25)), alias="TOURNEE_CIRCUITY"
    )
    speed_kmh: float = Field(default=25.0, gt=0, le=130, alias="TOURNEE_SPEED_KMH")
    stop_minutes: float = Field(default=5.0, ge=0, le=120, alias="TOURNEE_STOP_MINUTES")

    # Background jobs inside the app process (embedded default); cron in production.
    jobs_in_app: bool = Field(default=True, alias="TOURNEE_JOBS_IN_APP")
    jobs_interval_seconds: int = Field(default=300, alias="TOURNEE_JOBS_INTERVAL")

    # Privacy: retention of free-text feedback comments and of erased contacts.
    comment_retention_months: int = Field(default=24, alias="TOURNEE_COMMENT_RETENTION_MONTHS")
    contact_retention_months: int = Field(default=36, alias="TOURNEE_CONTACT_RETENTION_MONTHS")

    @field_validator("circuity", mode="before")
    @classmethod
    def _bands(cls, value: object) -> object:
        """ "2:1.4,10:1.3,*:1.25" (or one factor, "1.3") → ((2, 1.4), (10, 1.3), (inf, 1.25))."""
        if not isinstance(value, str):
            return value
        bands: list[tuple[float, float]] = []
        for part in value.replace(" ", "").split(","):
            up_to, sep, factor = part.rpartition(":")
            limit = float("inf") if not sep or up_to == "*" else float(up_to)
            bands.append((limit, float(factor)))
        limits = [b[0] for b in bands]
        if limits != sorted(set(limits)) or limits[-1] != float("inf"):
            raise ValueError(
                'bands in increasing order, the last one "*", e.g. 2:1.4,10:1.3,*:1.25'
            )
        if any(not 1.0 <= f <= 3.0 for _l, f in bands):
            raise ValueError("each factor between 1 and 3")
        return tuple(bands)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings; a bad value is a ConfigurationError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        from booking.errors import ConfigurationError

        first = exc.errors()[0]
        variable = ".".join(str(p) for p in first["loc"][:1]) or "?"
        raise ConfigurationError(
            "error.bad_setting", variable=variable, detail=str(first["msg"])
        ) from None


def reset_settings() -> None:
    """Forget cached settings (tests change the environment)."""
    get_settings.cache_clear()
