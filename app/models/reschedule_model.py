"""Reschedule requests as the review shows them, read from the replica, and their list model.

``load_reschedules(replica)`` (blocking: call it off the GUI thread) joins each request with its
lesson (student, instructor, aircraft, original time) and each option with its instructor's name,
aircraft tail, expected weather and justification, into plain ``RescheduleView`` values, so the
Qt model stays thin. ``RescheduleListModel`` lists them open ones first, soonest lesson first.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QGuiApplication

from app.models.alerts import SchoolNames
from app.models.labels import REQUEST_STATE_LABELS, flight_type_label
from app.models.lessons import parse_time
from app.services.replica import Replica
from app.views.plain_text import plain_tooltip
from app.views.theme import muted_text

__all__ = ["OptionView", "RescheduleView", "Reschedules", "RescheduleListModel", "RescheduleRole",
           "STATE_LABELS", "SHORT_STATE_LABELS", "OPEN_STATES", "load_reschedules"]

OPEN_STATES = frozenset({"PENDING_STUDENT", "PENDING_INSTRUCTOR"})
STATE_LABELS = REQUEST_STATE_LABELS  # (the one table of ``app.models.labels``)
# The list's second line: short, so that a narrow list does not wrap it.
SHORT_STATE_LABELS = {
    "PENDING_STUDENT": "waiting for the student",
    "PENDING_INSTRUCTOR": "waiting for the instructor",
    "ACCEPTED": "booked",
    "REJECTED": "rejected",
    "EXPIRED": "expired",
}


@dataclass(frozen=True)
class OptionView:
    rank: int
    start: datetime  # aware, UTC
    end: datetime
    instructor_id: str | None
    instructor: str  # the name, or "solo"
    aircraft_id: str
    aircraft: str  # the tail number
    verdict: str | None  # GO | MARGINAL | None (no forecast yet)
    weather_summary: str
    justification: str


@dataclass(frozen=True)
class RescheduleView:
    id: str
    flight_id: str
    state: str
    produced_by: str
    student: str
    instructor_id: str | None
    instructor: str  # "" for a solo lesson
    aircraft: str
    flight_type: str
    lesson_status: str
    original_start: datetime
    original_end: datetime
    detected_at: datetime
    expires_at: datetime
    selected_rank: int | None = None
    selected_at: datetime | None = None
    confirmed_at: datetime | None = None
    closed_at: datetime | None = None
    new_flight_id: str | None = None
    version: int | None = None
    options: tuple[OptionView, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def selected_option(self) -> OptionView | None:
        return next((o for o in self.options if o.rank == self.selected_rank), None)

    def replica_history(self) -> list[tuple[datetime, str]]:
        """The steps the replica knows (times only: who acted is the service's to say)."""
        steps = [(self.detected_at, f"opened with {len(self.options)} options")]
        if self.selected_at is not None:
            steps.append((self.selected_at, f"option {self.selected_rank} chosen"))
        if self.confirmed_at is not None:
            steps.append((self.confirmed_at, f"option {self.selected_rank} booked"))
        if self.closed_at is not None and self.state != "ACCEPTED":
            steps.append((self.closed_at, STATE_LABELS.get(self.state, self.state).lower()))
        return steps


@dataclass(frozen=True)
class Reschedules:
    """Every request of the school, in the list's order, and what the review needs around them."""

    timezone: zoneinfo.ZoneInfo = field(default_factory=lambda: zoneinfo.ZoneInfo("UTC"))
    requests: tuple[RescheduleView, ...] = ()
    instructor_accounts: tuple[tuple[str, str], ...] = ()  # (account id, instructor id)

    def get(self, request_id: str) -> RescheduleView | None:
        return next((r for r in self.requests if r.id == request_id), None)


def _optional_time(text: str | None) -> datetime | None:
    return parse_time(text) if text else None


def load_reschedules(replica: Replica) -> Reschedules:
    """Every reschedule request in the replica, joined for display (blocking)."""
    school = SchoolNames(replica)
    zone, names = school.zone, school.people
    options: dict[str, list[OptionView]] = {}
    for row in replica.rows("reschedule_options"):
        data = row.data
        weather = data.get("expected_weather") or {}
        instructor_id = data.get("instructor_id")
        options.setdefault(data["request_id"], []).append(OptionView(
            rank=int(data["rank"]), start=parse_time(data["start_at"]), end=parse_time(data["end_at"]),
            instructor_id=instructor_id,
            instructor=(names["instructors"].get(instructor_id, {}).get("name", "?")
                        if instructor_id else "solo"),
            aircraft_id=data["aircraft_id"],
            aircraft=names["aircraft"].get(data["aircraft_id"], {}).get("tail_number", "?"),
            verdict=weather.get("verdict"), weather_summary=weather.get("summary") or "no forecast yet",
            justification=data.get("justification") or "",
        ))
    requests = []
    for row in replica.rows("reschedule_requests"):
        data = row.data
        flight_row = replica.get("flights", data["flight_id"])
        if flight_row is None:
            continue  # the lesson is not (yet) in the replica: nothing to show it with
        flight = flight_row.data
        instructor_id = flight.get("instructor_id")
        requests.append(RescheduleView(
            id=row.id, flight_id=data["flight_id"], state=data["state"],
            produced_by=data.get("produced_by") or "",
            student=names["students"].get(flight["student_id"], {}).get("name", "?"),
            instructor_id=instructor_id,
            instructor=names["instructors"].get(instructor_id or "", {}).get("name", ""),
            aircraft=names["aircraft"].get(flight["aircraft_id"], {}).get("tail_number", "?"),
            flight_type=flight.get("flight_type") or "", lesson_status=flight.get("status") or "",
            original_start=parse_time(flight["start_at"]), original_end=parse_time(flight["end_at"]),
            detected_at=parse_time(data["detected_at"]), expires_at=parse_time(data["expires_at"]),
            selected_rank=data.get("selected_rank"), selected_at=_optional_time(data.get("selected_at")),
            confirmed_at=_optional_time(data.get("confirmed_at")),
            closed_at=_optional_time(data.get("closed_at")), new_flight_id=data.get("new_flight_id"),
            version=row.version,
            options=tuple(sorted(options.get(row.id, []), key=lambda option: option.rank)),
        ))
    open_ones = sorted((r for r in requests if r.is_open), key=lambda r: (r.original_start, r.id))
    # Closed ones after, the most recently closed first: what the desk is likely to ask about.
    closed = sorted((r for r in requests if not r.is_open),
                    key=lambda r: (r.closed_at or r.detected_at, r.id), reverse=True)
    return Reschedules(
        timezone=zone, requests=tuple(open_ones + closed),
        instructor_accounts=tuple((person["account_id"], person_id)
                                  for person_id, person in names["instructors"].items()
                                  if person.get("account_id")),
    )


class RescheduleRole(IntEnum):
    REQUEST = Qt.ItemDataRole.UserRole + 1  # the whole ``RescheduleView``
    ID = Qt.ItemDataRole.UserRole + 2
    STATE = Qt.ItemDataRole.UserRole + 3
    IS_OPEN = Qt.ItemDataRole.UserRole + 4


class RescheduleListModel(QAbstractListModel):
    """The requests for the review's list (open first, soonest lesson first)."""

    def __init__(self, *, parent: Any = None) -> None:
        super().__init__(parent)
        self._data = Reschedules()

    @property
    def reschedules(self) -> Reschedules:
        return self._data

    def set_reschedules(self, reschedules: Reschedules) -> None:
        self.beginResetModel()
        self._data = reschedules
        self.endResetModel()

    def row_of(self, request_id: str) -> int:
        """The row showing ``request_id``, or -1."""
        return next((row for row, r in enumerate(self._data.requests) if r.id == request_id), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._data.requests)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._data.requests):
            return None
        request = self._data.requests[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            when = request.original_start.astimezone(self._data.timezone)
            return (f"{request.student} · {request.aircraft}\n"
                    f"{when:%a %d %b %H:%M} — {SHORT_STATE_LABELS.get(request.state, request.state)}")
        if role == Qt.ItemDataRole.ToolTipRole:
            who = f" with {request.instructor}" if request.instructor else " (solo)"
            return plain_tooltip(f"{request.student}{who}, "
                                 f"{flight_type_label(request.flight_type).lower()} lesson in "
                                 f"{request.aircraft}")
        if role == Qt.ItemDataRole.ForegroundRole:
            # Closed requests recede: the palette's text, faded (readable light or dark).
            return None if request.is_open else muted_text(QGuiApplication.palette())
        return {RescheduleRole.REQUEST: request, RescheduleRole.ID: request.id,
                RescheduleRole.STATE: request.state, RescheduleRole.IS_OPEN: request.is_open}.get(role)
