"""The access log never shows a student's or password-reset link token.

Real requests through uvicorn with its access log on, configured as ``fsp-sync serve`` configures
it (``sync.server_cli.uvicorn_config``); the records are caught at uvicorn's access logger.
"""

from __future__ import annotations

import logging
import time
import httpx
import pytest

from sync.access_log import ACCESS_LOGGER, TokenRedactingFilter, redact
from sync.api import create_app
from sync.config import Settings
from tests.support.served_app import served

SECRET = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LWxpbms.c2lnbmF0dXJl"


@pytest.fixture
def access_logger() -> logging.Logger:
    logger = logging.getLogger(ACCESS_LOGGER)
    # Whatever an earlier test installed goes, so this one shows the service installs it.
    for installed in [f for f in logger.filters if isinstance(f, TokenRedactingFilter)]:
        logger.removeFilter(installed)
    return logger


def _logged(records: list[logging.LogRecord], count: int) -> list[str]:
    """The access lines, once ``count`` are there (uvicorn logs one just after its response)."""
    give_up = time.monotonic() + 10

    def lines() -> list[str]:
        return [record.getMessage() for record in records if record.name == ACCESS_LOGGER]

    while len(lines()) < count and time.monotonic() < give_up:
        time.sleep(0.02)
    return lines()


def test_link_tokens_are_redacted_in_the_access_log(api_server, access_logger, caplog) -> None:
    settings = Settings.explicit(database_url=api_server.settings.database_url,
                                 sweep_interval_seconds=0)
    paths = [f"/r/{SECRET}", f"/r/{SECRET}?option=2", f"/reset-password/{SECRET}",
             f"/reset-password?token={SECRET}", "/health"]
    with served(create_app(settings), log_level="info") as url, httpx.Client(base_url=url) as http:
        # After the server configured its loggers (which drops their handlers); uvicorn's access
        # logger does not propagate to the root, where caplog listens.
        access_logger.addHandler(caplog.handler)
        try:
            for path in paths:
                http.get(path)
            http.post(f"/r/{SECRET}", data={"option": "1"})
            lines = _logged(caplog.records, len(paths) + 1)
        finally:
            access_logger.removeHandler(caplog.handler)

    assert len(lines) == len(paths) + 1, lines
    assert not [line for line in lines if SECRET in line], lines
    assert sum('"GET /r/[redacted] HTTP' in line for line in lines) == 1
    assert sum('"GET /r/[redacted]?option=2 HTTP' in line for line in lines) == 1
    assert sum('"POST /r/[redacted] HTTP' in line for line in lines) == 1
    assert sum('"GET /reset-password/[redacted] HTTP' in line for line in lines) == 1
    assert sum('"GET /reset-password?token=[redacted] HTTP' in line for line in lines) == 1
    assert sum('"GET /health HTTP' in line for line in lines) == 1


@pytest.mark.parametrize(("logged", "shown"), [
    ("/r/abc.def-ghi_jkl", "/r/[redacted]"),
    ("/r/abc?option=3", "/r/[redacted]?option=3"),
    ("/reset-password/abc", "/reset-password/[redacted]"),
    ("/auth/refresh?refresh_token=abc&x=1", "/auth/refresh?refresh_token=[redacted]&x=1"),
    ("/somewhere?next=/r/abc", "/somewhere?next=/r/[redacted]"),
    ("/students?limit=50", "/students?limit=50"),
    ("/reschedule/r/abc", "/reschedule/r/abc"),  # not a link page
])
def test_what_is_redacted(logged: str, shown: str) -> None:
    assert redact(logged) == shown
