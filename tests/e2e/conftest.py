"""End-to-end fixtures: the service's real server, real mail servers and the weather stand-in.

Reused, not rewritten: the databases (SQLite and PostgreSQL) from ``tests/sync/conftest.py``, the
API server and signed-in schools from ``tests/sync/api/conftest.py``, the STARTTLS SMTP server
(aiosmtpd) and moto's SES server from ``tests/sync/notify/test_providers.py``. Imported here, they
are this directory's own instances: the e2e tests get a server and database of their own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sync.config import get_settings
from tests.sync.api.conftest import ApiServer, api_server, signed_in_school  # noqa: F401
from tests.sync.conftest import database_factory, database_kind  # noqa: F401
from tests.sync.notify.test_providers import moto_ses, smtp_server  # noqa: F401


@pytest.fixture
def same_settings(api_server: ApiServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The sweep (in this process, through ``get_settings()``) signs the student's link with the
    server's key and points it at the server; no model is configured unless a test says so."""
    monkeypatch.setenv("FSP_ENV", "development")
    monkeypatch.setenv("FSP_SECRET_KEY", api_server.settings.secret_key.get_secret_value())
    monkeypatch.setenv("FSP_PUBLIC_URL", api_server.url)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "FSP_AI_MODEL", "FSP_AI_TIMEOUT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
