"""The words a person reads for the service's enum values, in one place.

The service speaks in enum names (``CROSS_COUNTRY``, ``WEATHER_CANCELLED``, ``PENDING_STUDENT``);
no panel shows those. Every view asks here, so a lesson type or a request state reads the same in
the calendar's tooltip, the conflict dialog, the reschedule review and the legend. A value this
module does not know yet (a newer service) is still shown in words (``enum_words``), never raw.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["FLIGHT_TYPE_LABELS", "STATUS_LABELS", "VERDICT_LABELS", "REQUEST_STATE_LABELS",
           "ROLE_LABELS", "TRAINING_LEVEL_LABELS", "PRODUCED_BY_LABELS", "CATEGORY_LABELS",
           "enum_words", "flight_type_label", "status_label", "verdict_label",
           "request_state_label", "role_label", "training_level_label", "field_value_label"]

FLIGHT_TYPE_LABELS = {
    "DUAL": "Dual",
    "SOLO": "Solo",
    "CROSS_COUNTRY": "Cross-country",
    "INSTRUMENT": "Instrument",
}
STATUS_LABELS = {
    "SCHEDULED": "Scheduled",
    "AT_RISK": "At risk",
    "WEATHER_CANCELLED": "Cancelled for weather",
    "RESCHEDULED": "Rescheduled",
    "COMPLETED": "Completed",
    "CANCELLED": "Cancelled",
}
VERDICT_LABELS = {
    "GO": "Go",
    "MARGINAL": "Marginal",
    "NO_GO": "No-go",
    "UNKNOWN": "Unknown (no usable report)",
}
REQUEST_STATE_LABELS = {
    "PENDING_STUDENT": "Waiting for the student to choose",
    "PENDING_INSTRUCTOR": "Waiting for the instructor to confirm",
    "ACCEPTED": "Booked",
    "REJECTED": "Rejected",
    "EXPIRED": "Expired (nobody answered in time)",
}
ROLE_LABELS = {
    "admin": "Administrator",
    "dispatcher": "Dispatcher",
    "instructor": "Instructor",
    "student": "Student",
}
TRAINING_LEVEL_LABELS = {
    "EARLY_STUDENT": "Early student",
    "PRIVATE_PILOT": "Private pilot",
    "INSTRUMENT_RATED": "Instrument rated",
}
PRODUCED_BY_LABELS = {
    "ai": "the AI ranker",
    "deterministic": "the deterministic ranker",
}
CATEGORY_LABELS = {
    "VFR": "VFR — visual flight rules",
    "MVFR": "MVFR — marginal VFR",
    "IFR": "IFR — instrument flight rules",
    "LIFR": "LIFR — low IFR",
}


def enum_words(value: object) -> str:
    """``CROSS_COUNTRY`` → "Cross country": any enum name a table below lacks, still in words."""
    text = str(value or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:].lower() if text else "—"


def _lookup(table: Mapping[str, str], value: object) -> str:
    return table.get(str(value or ""), None) or enum_words(value)


def flight_type_label(value: object) -> str:
    return _lookup(FLIGHT_TYPE_LABELS, value)


def status_label(value: object) -> str:
    return _lookup(STATUS_LABELS, value)


def verdict_label(value: object) -> str:
    """None (no weather check yet) is "Not checked yet"."""
    return _lookup(VERDICT_LABELS, value) if value else "Not checked yet"


def request_state_label(value: object) -> str:
    return _lookup(REQUEST_STATE_LABELS, value)


def role_label(value: object) -> str:
    return _lookup(ROLE_LABELS, value)


def training_level_label(value: object) -> str:
    return _lookup(TRAINING_LEVEL_LABELS, value)


# Which table a row's field is read with (the conflict dialog shows rows field by field).
_FIELD_TABLES: dict[str, Mapping[str, str]] = {
    "flight_type": FLIGHT_TYPE_LABELS,
    "status": STATUS_LABELS,
    "verdict": VERDICT_LABELS,
    "state": REQUEST_STATE_LABELS,
    "role": ROLE_LABELS,
    "training_level": TRAINING_LEVEL_LABELS,
}


def field_value_label(key: str, value: object) -> str | None:
    """The words for ``value`` of a row's field ``key`` when that field holds an enum; None for
    any other field (its value is shown as it is)."""
    table = _FIELD_TABLES.get(key)
    if table is None or not isinstance(value, str):
        return None
    return _lookup(table, value)
