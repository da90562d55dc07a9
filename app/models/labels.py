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
           "CANCEL_KIND_LABELS", "enum_words", "flight_type_label", "status_label",
           "verdict_label", "request_state_label", "role_label", "training_level_label",
           "cancel_kind_label", "field_value_label", "RULE_ACTION_LABELS", "SCOPE_LABELS",
           "rule_action_label"]

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
    # Not a status of the service: a SCHEDULED or AT_RISK lesson whose aircraft is checked out
    # (``Lesson.shown_status``).
    "FLYING": "Flying (checked out)",
}
# Why a lesson was cancelled by hand (the service's ``CancelKind``), in the order the cancel
# dialog offers them; the sweep's own weather cancellations are WEATHER_CANCELLED instead.
CANCEL_KIND_LABELS = {
    "student": "Student cancelled",
    "no_show": "No-show",
    "school": "Instructor or school (aircraft, instructor…)",
    "weather": "Weather (decided at the desk)",
    "other": "Other",
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
# What a booking-policy rule does when a booking breaks it (``sync.policy``'s RuleAction).
RULE_ACTION_LABELS = {
    "block": "Block — refuse the booking",
    "warn": "Warn — book once someone accepts it",
    "off": "Off — not checked",
}
# Which lessons of a weekly series a change applies to (FlightUpdate's ``scope``).
SCOPE_LABELS = {
    "this": "This lesson only",
    "following": "This and the following lessons of the series",
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


def rule_action_label(value: object) -> str:
    return _lookup(RULE_ACTION_LABELS, value)


def cancel_kind_label(value: object) -> str:
    return _lookup(CANCEL_KIND_LABELS, value)


# Which table a row's field is read with (the conflict dialog shows rows field by field).
_FIELD_TABLES: dict[str, Mapping[str, str]] = {
    "flight_type": FLIGHT_TYPE_LABELS,
    "status": STATUS_LABELS,
    "verdict": VERDICT_LABELS,
    "state": REQUEST_STATE_LABELS,
    "role": ROLE_LABELS,
    "training_level": TRAINING_LEVEL_LABELS,
    "scope": SCOPE_LABELS,
    "cancel_kind": CANCEL_KIND_LABELS,
}


def field_value_label(key: str, value: object) -> str | None:
    """The words for ``value`` of a row's field ``key`` when that field holds an enum; None for
    any other field (its value is shown as it is)."""
    table = _FIELD_TABLES.get(key)
    if table is None or not isinstance(value, str):
        return None
    return _lookup(table, value)
