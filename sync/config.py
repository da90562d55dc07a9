"""The service's configuration: one settings class, read from the environment.

Nothing in ``sync/`` knows whether it runs embedded, on a school's own server or in AWS; these
settings are the only difference. Environment variables use the ``FSP_`` prefix, except
``DATABASE_URL``, the name every hosting platform and tool already uses.
"""

from __future__ import annotations

import ipaddress
import json
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

APP_NAME = "fsp-dispatcher"

# Good enough to sign tokens on a developer's machine, and refused everywhere else: a key that is
# in the source code signs nothing that must be trusted.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"
MIN_SECRET_KEY_LENGTH = 32


def default_database_url() -> str:
    """A SQLite file in the user's data folder: the embedded, one-machine default."""
    folder = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return f"sqlite:///{folder / 'fsp.sqlite3'}"


def default_mail_url() -> str:
    """A folder of .eml files in the user's data folder: mail that is kept, never sent."""
    folder = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return f"file:{folder / 'mail'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FSP_",
        extra="ignore",
        frozen=True,
        # Tests and code build Settings by field name; the environment uses the aliases.
        validate_by_name=True,
        validate_by_alias=True,
    )

    database_url: str = Field(
        default_factory=default_database_url,
        validation_alias=AliasChoices("DATABASE_URL", "FSP_DATABASE_URL"),
    )
    environment: Literal["development", "production"] = Field(
        default="development", validation_alias=AliasChoices("FSP_ENV", "FSP_ENVIRONMENT")
    )
    secret_key: SecretStr = Field(default=SecretStr(DEVELOPMENT_SECRET_KEY))
    access_token_minutes: int = Field(default=15, gt=0)
    refresh_token_days: int = Field(default=30, gt=0)
    # A sign-in (a refresh-token family) ends this many days after it began, however often it was
    # refreshed: a stolen token that is kept fresh still dies (FSP_SESSION_MAX_DAYS).
    session_max_days: int = Field(default=30, gt=0)
    # The in-process sweep of `fsp-sync serve` (FSP_SWEEP_INTERVAL_SECONDS); 0 turns it off.
    sweep_interval_seconds: int = Field(default=3600, ge=0)
    # Where students' links point: the address this service is reached at from a mail client.
    public_url: str = Field(default="http://127.0.0.1:8000")
    # Where mail goes: ``file:/folder`` (one .eml per mail), ``smtp://user:pass@host:port`` or
    # ``ses`` (Amazon SES v2 in ``ses_region``). See sync.notify.backends.
    mail_url: str = Field(
        default_factory=default_mail_url, validation_alias=AliasChoices("FSP_MAIL", "FSP_MAIL_URL")
    )
    mail_from: str = Field(default="Flight Schedule Pro Dispatcher <dispatch@localhost>")
    ses_region: str = Field(default="us-east-1")
    # A request body larger than this is refused (413) before it is read into memory or parsed
    # (FSP_MAX_REQUEST_BYTES). A push of 200 lessons is far below it.
    max_request_bytes: int = Field(default=1_048_576, gt=0)
    # Weather fetched on behalf of an HTTP request (both products, every batch and retry) must be
    # done within this; the stations are then reported unavailable (FSP_WEATHER_REQUEST_DEADLINE_SECONDS).
    weather_request_deadline_seconds: float = Field(default=4.0, gt=0)
    # The same for one sweep, which nobody waits on (FSP_WEATHER_SWEEP_DEADLINE_SECONDS).
    weather_sweep_deadline_seconds: float = Field(default=120.0, gt=0)
    # After this many failed attempts in a row the weather upstream is not asked for
    # ``weather_breaker_cooldown_seconds``: requests hear "unavailable" at once (sync.weather.breaker).
    weather_breaker_failures: int = Field(default=3, gt=0)
    weather_breaker_cooldown_seconds: float = Field(default=30.0, gt=0)
    # Sign-in throttling (sync.auth.rate_limit): failed and unfinished sign-ins in the last
    # ``login_window_seconds``, counted per account e-mail (one account's password guessed) and
    # per client address (many accounts tried from one place, "password spraying").
    login_max_failures_per_account: int = Field(default=10, gt=0)
    login_max_failures_per_client: int = Field(default=50, gt=0)
    login_window_seconds: int = Field(default=900, gt=0)
    # Reverse proxies whose X-Forwarded-For is believed (FSP_TRUSTED_PROXIES: addresses or
    # networks, comma-separated or a JSON list). Empty: the TCP peer is the client, and a header
    # anyone can write changes nothing. See sync.auth.client_address.
    trusted_proxies: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = ()

    @field_validator("database_url")
    @classmethod
    def _use_psycopg_3(cls, value: str) -> str:
        # Hosting platforms hand out ``postgres://`` or ``postgresql://`` URLs, which SQLAlchemy
        # would route to psycopg2; this service ships psycopg 3 only.
        value = value.strip()
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix):]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _read_proxy_networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    value = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"FSP_TRUSTED_PROXIES is not a JSON list ({exc.msg}): "
                                     "write e.g. 10.0.0.0/8,192.0.2.10") from None
            else:
                value = [part for part in text.split(",") if part.strip()]
        if not isinstance(value, (list, tuple)):
            return value
        networks = []
        for entry in value:
            try:
                # strict=False: 10.0.0.7/8 means the network 10.0.0.0/8, as a person means it.
                networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"FSP_TRUSTED_PROXIES: {str(entry).strip()!r} is not an IP address or network; "
                    "list the proxies' addresses, e.g. 10.0.0.0/8,192.0.2.10"
                ) from None
        return tuple(networks)

    @model_validator(mode="after")
    def _refuse_weak_secret_outside_development(self) -> Settings:
        if self.environment == "development":
            return self
        key = self.secret_key.get_secret_value()
        if not key or key == DEVELOPMENT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"FSP_ENV={self.environment} needs a secret signing key: set FSP_SECRET_KEY to a "
                f"random value of at least {MIN_SECRET_KEY_LENGTH} characters, e.g. the output of "
                "`python -c \"import secrets; print(secrets.token_urlsafe(48))\"`"
            )
        return self

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @classmethod
    def explicit(cls, **values: Any) -> Settings:
        """Settings from these values and the defaults only, ignoring the environment (for tests)."""
        return _ExplicitSettings(**values)


class _ExplicitSettings(Settings):
    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once. Tests that change the environment call ``cache_clear()``."""
    return Settings()
