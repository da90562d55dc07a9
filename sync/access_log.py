"""Students' links and password-reset links kept out of the access log.

The token in ``/r/<token>`` and ``/reset-password/<token>`` *is* the permission to act, so a log
line with it hands that permission to whoever reads the logs. ``redact_access_log()`` installs a
filter on uvicorn's access logger that rewrites the path before any handler formats it:
``/r/[redacted]``, and any query parameter whose name contains "token" the same way.
"""

from __future__ import annotations

import logging
import re
from typing import Any

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "[redacted]"

# The token segment after /r/ or /reset-password/, as a path or inside a query value (?next=/r/…);
# not "/bar/r/…" (the look-behind wants the start, a space, a quote or a separator before it).
_LINK_TOKEN = re.compile(r"(?<![\w.%-])(/(?:r|reset-password)/)[^/?#&\s\"']+")
_TOKEN_PARAMETER = re.compile(r"([?&][^=&#\s\"']*token[^=&#\s\"']*=)[^&#\s\"']+", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with every link token replaced by ``[redacted]``."""
    text = _LINK_TOKEN.sub(rf"\1{REDACTED}", text)
    return _TOKEN_PARAMETER.sub(rf"\1{REDACTED}", text)


class TokenRedactingFilter(logging.Filter):
    """Rewrites a record's message and string arguments (uvicorn passes the path as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redacted(value) for key, value in record.args.items()}
        return True


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


def redact_access_log(logger_name: str = ACCESS_LOGGER) -> None:
    """Install the filter on the access logger (once; calling again changes nothing).

    Call it after ``uvicorn.Config`` is made: that (re)configures uvicorn's loggers.
    """
    logger = logging.getLogger(logger_name)
    if not any(isinstance(existing, TokenRedactingFilter) for existing in logger.filters):
        logger.addFilter(TokenRedactingFilter())
