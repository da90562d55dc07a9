"""The settings: defaults for a developer's machine, refusals for production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from sync.config import DEVELOPMENT_SECRET_KEY, Settings, get_settings

STRONG_KEY = "k" * 48


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("DATABASE_URL", "FSP_DATABASE_URL", "FSP_ENV", "FSP_ENVIRONMENT",
                 "FSP_SECRET_KEY", "FSP_ACCESS_TOKEN_MINUTES", "FSP_REFRESH_TOKEN_DAYS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_defaults_suit_a_developer_machine(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # where platformdirs looks on Linux

    settings = Settings()

    assert settings.environment == "development"
    assert settings.database_url == f"sqlite:///{tmp_path / 'fsp-dispatcher' / 'fsp.sqlite3'}"
    assert settings.access_token_minutes == 15
    assert settings.refresh_token_days == 30
    assert settings.session_max_days == 30


def test_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://fsp@db.internal/fsp")
    monkeypatch.setenv("FSP_ENV", "production")
    monkeypatch.setenv("FSP_SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("FSP_ACCESS_TOKEN_MINUTES", "5")

    settings = Settings()

    assert settings.database_url == "postgresql+psycopg://fsp@db.internal/fsp"
    assert settings.environment == "production"
    assert settings.secret_key.get_secret_value() == STRONG_KEY
    assert settings.access_token_minutes == 5


@pytest.mark.parametrize("given", ["postgres://u@h/db", "postgresql://u@h/db"])
def test_plain_postgresql_urls_use_psycopg_3(given):
    assert Settings.explicit(database_url=given).database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize("key", [None, "", DEVELOPMENT_SECRET_KEY, "too-short"])
def test_production_refuses_a_missing_or_weak_secret_key(key):
    values = {"environment": "production"} | ({} if key is None else {"secret_key": key})

    with pytest.raises(ValidationError, match="set FSP_SECRET_KEY"):
        Settings.explicit(**values)


def test_production_starts_with_a_strong_key():
    assert not Settings.explicit(environment="production", secret_key=STRONG_KEY).is_development


def test_explicit_settings_ignore_the_environment(monkeypatch):
    monkeypatch.setenv("FSP_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "sqlite:////elsewhere.sqlite3")

    settings = Settings.explicit(database_url="sqlite:///:memory:")

    assert settings.environment == "development"
    assert settings.database_url == "sqlite:///:memory:"
    assert isinstance(settings, Settings)


def test_get_settings_reads_once(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////first.sqlite3")
    first = get_settings()
    monkeypatch.setenv("DATABASE_URL", "sqlite:////second.sqlite3")

    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().database_url == "sqlite:////second.sqlite3"
