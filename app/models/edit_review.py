"""A local edit in conflict or refused, side by side with the server's row, in words (blocking:
call off the GUI thread). ``load_edit_review(replica, mutation_id)`` gives ``ConflictDialog``
everything it shows: times in the school's zone, ids turned into names.

"Your version" is the row as it would be if your edit were sent again on top of the server's
current row (what "keep mine" does); "the server's version" is that current row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.models.alerts import SchoolNames, describe_edit_target
from app.models.labels import field_value_label
from app.models.lessons import parse_time
from app.services.policy_warnings import PolicyWarning, warnings_in
from app.services.replica import Replica

__all__ = ["EditReview", "FieldVersions", "load_edit_review"]

# (key, label) in the order a person reads a lesson.
_FLIGHT_FIELDS = (
    ("start_at", "Start"), ("end_at", "End"), ("student_id", "Student"),
    ("instructor_id", "Instructor"), ("aircraft_id", "Aircraft"), ("flight_type", "Type"),
    ("departure", "Departure"), ("destination", "Destination"), ("route_points", "Route"),
    ("status", "Status"), ("notes", "Notes"),
)
_BOOKKEEPING = frozenset({"id", "version", "server_seq", "school_id", "created_at", "updated_at",
                          "deleted_at", "rescheduled_from_id", "account_id",
                          # what was booked over the policy: the warnings say it, not the fields
                          "acknowledge", "acknowledged_warnings"})


@dataclass(frozen=True)
class FieldVersions:
    label: str
    mine: str
    theirs: str

    @property
    def differs(self) -> bool:
        return self.mine != self.theirs


@dataclass(frozen=True)
class EditReview:
    mutation_id: str
    state: str  # "conflict" | "rejected" | "pending"
    table: str
    op: str
    row_id: str
    target: str  # "Jane Doe's lesson of Thu 03 Dec 14:00 (N172HC)"
    reason: str  # the service's message
    fields: tuple[FieldVersions, ...]
    # A refusal the school's booking policy lets a person book over: what it warns about.
    warnings: tuple[PolicyWarning, ...] = ()

    @property
    def differing(self) -> tuple[FieldVersions, ...]:
        return tuple(field for field in self.fields if field.differs)


def load_edit_review(replica: Replica, mutation_id: str) -> EditReview | None:
    """None when the edit has left the outbox (sent, resolved or discarded meanwhile)."""
    entry = replica.entry(mutation_id)
    if entry is None:
        return None
    names = SchoolNames(replica)
    row = replica.get(entry.table, entry.row_id)
    theirs: dict[str, Any] = dict(entry.server_row or (row.server_data if row is not None else None)
                                  or {})
    if entry.op == "delete":
        mine = theirs | ({"status": "CANCELLED"} if entry.table == "flights" else {})
    else:
        mine = theirs | entry.data
    if entry.table == "flights":
        keys = [key for key, _ in _FLIGHT_FIELDS]
        labels = dict(_FLIGHT_FIELDS)
    else:
        keys, labels = [], {}
    keys += sorted((set(mine) | set(theirs)) - set(keys) - _BOOKKEEPING)
    fields = tuple(FieldVersions(label=labels.get(key) or key.replace("_", " ").capitalize(),
                                 mine=_words(names, key, mine.get(key)) if mine else "—",
                                 theirs=_words(names, key, theirs.get(key)) if theirs else "—")
                   for key in keys if key in mine or key in theirs)
    error = entry.error or {}
    if entry.state == "conflict":
        reason = error.get("detail") or "Someone changed this on the server after you did."
    else:
        reason = error.get("detail") or "The service refused the change without a reason."
    return EditReview(mutation_id=entry.mutation_id, state=entry.state, table=entry.table,
                      op=entry.op, row_id=entry.row_id,
                      target=describe_edit_target(replica, entry, names), reason=reason,
                      fields=fields,
                      warnings=warnings_in(error) if entry.state == "rejected" else ())


def _words(names: SchoolNames, key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if key.endswith("_at") and isinstance(value, str):
        try:
            return f"{parse_time(value).astimezone(names.zone):%a %d %b %Y %H:%M}"
        except ValueError:
            return value
    if key == "student_id":
        return names.student(value)
    if key == "instructor_id":
        return names.instructor(value)
    if key == "aircraft_id":
        return names.aircraft(value)
    words = field_value_label(key, value)  # CROSS_COUNTRY → "Cross-country"
    if words is not None:
        return words
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{name}: {item}" for name, item in value.items())
    return str(value)
