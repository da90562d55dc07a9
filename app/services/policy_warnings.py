"""The school's booking-policy warnings as the desk meets them — pure Python, no Qt.

A booking (or a change of one) that breaks only rules the school lets a person book over comes
back refused with rule ``NEEDS_ACKNOWLEDGEMENT`` and ``warnings: [{code, text}]`` — in REST's
error body and in a push result's ``error``, which the outbox keeps. Sent again with
``"acknowledge": [codes]`` in its data, it is booked, and the lesson keeps what was accepted, by
whom and when (``acknowledged_warnings: [{code, text, by, at}]``, a replicated column).

A rule the school blocks is refused with its own rule and no warnings: there is nothing to
acknowledge, so ``warnings_in`` finds none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["AcceptedWarning", "NEEDS_ACKNOWLEDGEMENT", "PolicyWarning", "accepted_warnings",
           "warning_codes", "warnings_in"]

NEEDS_ACKNOWLEDGEMENT = "NEEDS_ACKNOWLEDGEMENT"


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


@dataclass(frozen=True)
class PolicyWarning:
    """One rule a booking breaks that may be booked over: ``code`` goes back in ``acknowledge``,
    ``text`` says what is wrong ("the lesson, Tue 02 Dec 09:00–10:00 (school time), is outside
    James Whitaker's availability on Tuesdays (11:00–19:00)")."""

    code: str
    text: str

    @property
    def sentence(self) -> str:
        """``text`` as a sentence (capitalised, with its full stop)."""
        return _sentence(self.text or self.code)


@dataclass(frozen=True)
class AcceptedWarning:
    """A warning a lesson was booked over: what it said, who accepted it and when (UTC)."""

    code: str
    text: str
    by: str = ""
    at: datetime | None = None

    @property
    def sentence(self) -> str:
        return _sentence(self.text or self.code)


def warnings_in(error: Mapping[str, Any] | None) -> tuple[PolicyWarning, ...]:
    """The warnings of a refusal that only needs acknowledging; () for any other refusal (a
    block, a clash, a stale version…) or an answer without readable warnings."""
    if not isinstance(error, Mapping) or error.get("rule") != NEEDS_ACKNOWLEDGEMENT:
        return ()
    found = []
    for item in error.get("warnings") or ():
        if isinstance(item, Mapping) and item.get("code"):
            found.append(PolicyWarning(str(item["code"]), str(item.get("text") or "")))
    return tuple(found)


def warning_codes(warnings: Iterable[PolicyWarning]) -> list[str]:
    """The codes to send back in ``acknowledge`` (each once, in the order given)."""
    return list(dict.fromkeys(warning.code for warning in warnings))


def accepted_warnings(row: Mapping[str, Any] | None) -> tuple[AcceptedWarning, ...]:
    """The warnings a lesson (a replicated ``flights`` row) was booked over; () for none, or for
    a row pulled from a service that does not keep them."""
    found = []
    for item in (row or {}).get("acknowledged_warnings") or ():
        if not isinstance(item, Mapping) or not item.get("code"):
            continue
        found.append(AcceptedWarning(str(item["code"]), str(item.get("text") or ""),
                                     str(item.get("by") or ""), _moment(item.get("at"))))
    return tuple(found)


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
