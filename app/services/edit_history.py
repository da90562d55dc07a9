"""What the desk did to lessons, kept so it can be undone and redone — pure Python, blocking.

``RecordingLessonEdits`` is ``LessonEdits`` that tells a listener of every booking, move, change
and cancellation that took (applied by the service, or queued while it cannot be reached): an
``EditRecord`` with the lesson and its fields before and after.

Undoing is itself an edit, sent through the same path (the outbox, then the service and its
rules), never a rollback of the replica: ``revert`` sends the opposite edit, ``reapply`` the same
edit again; neither is recorded. So:

- a booking is undone by cancelling the lesson, and redone by booking it again (a new lesson:
  a cancelled one stays cancelled);
- a move or a change is undone by changing the fields back, on the version the lesson has now —
  unless someone changed those fields since (undoing would overwrite them: refused for good);
- a cancellation is undone by booking the lesson again, same people, aircraft and time (the
  service may refuse: the slot was taken meanwhile, the time has passed…);
- a lesson whose aircraft is checked out (flying, not yet checked in) is never moved, changed
  (but for its notes) or cancelled by an undo or redo: refused for good, saying why — as the
  service would (rule FLIGHT_CHECKED_OUT).

Warnings of the school's booking policy the person booked over (``acknowledge``) are accepted
again for the state an undo or redo brings back — someone accepted them for exactly that; a new
warning refuses it. A refusal comes back as a ``ReplayOutcome`` with the reason, nothing left in
the outbox; ``final`` says it can never go through (the lesson is closed, gone, changed since, or
its time has passed), so the history may drop it.

Call every method off the GUI thread; the listener is called on that thread too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from app.services.lesson_edits import EDITABLE_FIELDS, IN_FLIGHT_TEXT, EditOutcome, LessonEdits
from app.services.replica import ReplicaRow
from app.services.sync_engine import SyncEngine

__all__ = ["EditKind", "EditRecord", "RecordingLessonEdits", "ReplayOutcome", "possessive"]

EditKind = Literal["create", "move", "edit", "cancel"]
# What each kind is called in "Undo move of Jane Doe's lesson".
KIND_WORDS: dict[str, str] = {"create": "booking", "move": "move", "edit": "change",
                              "cancel": "cancellation"}
# A change of these alone is a move (what a drag or Move lesson… does).
_MOVE_FIELDS = frozenset({"start_at", "end_at", "aircraft_id", "instructor_id"})
# What booking a lesson again takes (``FlightCreate``'s fields).
_BOOKING_FIELDS = (*EDITABLE_FIELDS, "route_points")
_LIVE = frozenset({"SCHEDULED", "AT_RISK"})
# What a lesson whose aircraft is checked out may still change (the service's rule).
_CHANGEABLE_IN_FLIGHT = frozenset({"notes"})
_FIELD_WORDS = {"start_at": "start", "end_at": "end", "aircraft_id": "aircraft",
                "instructor_id": "instructor", "student_id": "student", "flight_type": "type",
                "departure": "departure", "destination": "destination", "notes": "notes"}
# The editor's advice at the end of a refusal; an undo has its own next step.
_EDITOR_ADVICE = re.compile(r"\s*(Change it and save again, or cancel\.|Pick another [^.]* and save "
                            r"again\.)\s*$")
_CANCEL_PREFIX = "The lesson was not cancelled: "
UNDO_BOOKING_REASON = "booking undone at the front desk"


def possessive(name: str) -> str:
    """ "Jane Doe" → "Jane Doe's"; "" → "the student's"."""
    return f"{name}'s" if name else "the student's"


@dataclass(frozen=True)
class EditRecord:
    """One edit that took. ``before``/``after``: for a move or change, the changed fields' old
    and new values; for a booking, ``after`` is the whole booking; for a cancellation, ``before``
    is (and ``reason`` says why it was cancelled, ``cancel_kind`` what kind of cancellation).
    ``accepted_before``/``accepted_after``: the policy warnings (codes) the lesson was booked over
    before and after a move or change."""

    kind: EditKind
    lesson_id: str
    student: str
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    accepted_before: tuple[str, ...] = ()
    accepted_after: tuple[str, ...] = ()
    cancel_kind: str = "other"
    # "following": a move of a lesson of a weekly series that moved the later ones with it;
    # undone and redone the same way.
    scope: str = "this"

    @property
    def description(self) -> str:
        """E.g. "move of Jane Doe's lesson"."""
        if self.scope == "following":
            return (f"{KIND_WORDS[self.kind]} of {possessive(self.student)} lesson and the "
                    "following ones")
        return f"{KIND_WORDS[self.kind]} of {possessive(self.student)} lesson"


@dataclass(frozen=True)
class ReplayOutcome:
    """How an undo or redo ended. ``lesson_id``: the lesson now (booking it again gives a new
    one); ``start``: when it now starts (None when unknown); ``reason``: why it was refused."""

    done: bool
    lesson_id: str
    start: datetime | None = None
    reason: str = ""
    final: bool = False
    queued: bool = False


class RecordingLessonEdits(LessonEdits):
    """``LessonEdits`` that records what took (see the module docstring)."""

    def __init__(self, engine: SyncEngine, *,
                 listener: Callable[[EditRecord], None] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__(engine)
        self._listener = listener
        self._clock = clock

    def set_listener(self, listener: Callable[[EditRecord], None] | None) -> None:
        self._listener = listener

    # -- recorded edits --------------------------------------------------------------------

    def save(self, *, lesson_id: str | None, fields: Mapping[str, Any], base_version: int | None,
             retry_of: str | None = None) -> EditOutcome:
        before: dict[str, Any] = {}
        if lesson_id is not None:
            row = self.replica.get("flights", lesson_id)
            if row is not None:
                # Fixing a refused edit: it was never in force, so "before" is the service's row.
                before = dict((row.server_data if retry_of and row.server_data else row.data))
        outcome = super().save(lesson_id=lesson_id, fields=fields, base_version=base_version,
                               retry_of=retry_of)
        if outcome.state in ("applied", "queued") and outcome.mutation_id:
            record = self._record_save(new=lesson_id is None, lesson_id=outcome.lesson_id,
                                       before=before, scope=str(fields.get("scope") or "this"))
            if record is not None:
                self._tell(record)
        return outcome

    def acknowledge(self, mutation_id: str, codes: Iterable[str]) -> EditOutcome:
        # A booking or move made over the school's warnings took: recorded as its save would
        # have been (it was never in force before, so "before" is the service's row).
        entry = self.replica.entry(mutation_id)
        row = self.replica.get("flights", entry.row_id) if entry is not None else None
        before = dict(row.server_data) if row is not None and row.server_data else {}
        outcome = super().acknowledge(mutation_id, codes)
        if outcome.state in ("applied", "queued") and entry is not None and entry.op != "delete":
            record = self._record_save(new=entry.op == "insert", lesson_id=outcome.lesson_id,
                                       before=before, scope=str(entry.data.get("scope") or "this"))
            if record is not None:
                self._tell(record)
        return outcome

    def cancel_lesson(self, lesson_id: str, reason: str, *, kind: str = "other") -> EditOutcome:
        row = self.replica.get("flights", lesson_id)
        outcome = super().cancel_lesson(lesson_id, reason, kind=kind)
        if outcome.state in ("applied", "queued") and row is not None:
            self._tell(EditRecord("cancel", lesson_id, self._student(row.data),
                                  before=_booking(row.data),
                                  reason=reason.strip() or "cancelled at the front desk",
                                  cancel_kind=kind))
        return outcome

    def _record_save(self, *, new: bool, lesson_id: str, before: Mapping[str, Any],
                     scope: str = "this") -> EditRecord | None:
        row = self.replica.get("flights", lesson_id)
        if row is None:
            return None
        after = row.data
        if new:
            return EditRecord("create", lesson_id, self._student(after), after=_booking(after))
        changed = [key for key in EDITABLE_FIELDS if not _same(key, before.get(key), after.get(key))]
        if not changed:
            return None
        kind: EditKind = "move" if set(changed) <= _MOVE_FIELDS else "edit"
        return EditRecord(kind, lesson_id, self._student(after),
                          before={key: before.get(key) for key in changed},
                          after={key: after.get(key) for key in changed},
                          accepted_before=_accepted(before), accepted_after=_accepted(after),
                          scope="following" if scope == "following" else "this")

    def _tell(self, record: EditRecord) -> None:
        if self._listener is not None:
            self._listener(record)

    def _student(self, data: Mapping[str, Any]) -> str:
        return self._name("students", data.get("student_id"), "name")

    # -- undo and redo (not recorded) ------------------------------------------------------

    def revert(self, record: EditRecord, lesson_id: str) -> ReplayOutcome:
        """Undo ``record`` on ``lesson_id`` (the lesson it is about now)."""
        if record.kind == "create":
            return self._cancel(lesson_id, UNDO_BOOKING_REASON)
        if record.kind == "cancel":
            return self._book_again(record.before)
        return self._restore(lesson_id, expected=record.after, values=record.before,
                             accepted=record.accepted_before, scope=record.scope)

    def reapply(self, record: EditRecord, lesson_id: str) -> ReplayOutcome:
        """Redo ``record`` on ``lesson_id``, after ``revert``."""
        if record.kind == "create":
            return self._book_again(record.after)
        if record.kind == "cancel":
            return self._cancel(lesson_id, record.reason, record.cancel_kind)
        return self._restore(lesson_id, expected=record.before, values=record.after,
                             accepted=record.accepted_after, scope=record.scope)

    def _cancel(self, lesson_id: str, reason: str, kind: str = "other") -> ReplayOutcome:
        row = self.replica.get("flights", lesson_id)
        closed = _closed(row) or _in_flight(row)
        if closed:
            return ReplayOutcome(False, lesson_id, _start(row), closed, final=True)
        outcome = LessonEdits.cancel_lesson(self, lesson_id, reason, kind=kind)
        return self._ended(outcome, lesson_id)

    def _restore(self, lesson_id: str, *, expected: Mapping[str, Any], values: Mapping[str, Any],
                 accepted: tuple[str, ...], scope: str = "this") -> ReplayOutcome:
        row = self.replica.get("flights", lesson_id)
        closed = _closed(row) or (_in_flight(row) if set(values) - _CHANGEABLE_IN_FLIGHT else "")
        if closed:
            return ReplayOutcome(False, lesson_id, _start(row), closed, final=True)
        assert row is not None
        drifted = [key for key, value in expected.items() if not _same(key, row.data.get(key), value)]
        if drifted:
            words = ", ".join(_FIELD_WORDS.get(key, key) for key in drifted)
            return ReplayOutcome(
                False, lesson_id, _start(row),
                f"The lesson was changed since ({words}): undoing would overwrite that change.",
                final=True)
        # base_version None: the version the lesson has now, whatever happened to it since.
        fields = dict(values) | ({"acknowledge": list(accepted)} if accepted else {})
        if scope == "following":  # the later lessons of the series go back (or again) with it
            fields["scope"] = scope
        outcome = LessonEdits.save(self, lesson_id=lesson_id, fields=fields, base_version=None)
        return self._ended(outcome, lesson_id)

    def _book_again(self, booking: Mapping[str, Any]) -> ReplayOutcome:
        try:
            start = datetime.fromisoformat(str(booking["start_at"]).replace("Z", "+00:00"))
        except (KeyError, ValueError):
            return ReplayOutcome(False, "", None, "The lesson's time is not known.", final=True)
        if start <= self._clock():
            local = start.astimezone(self._school_zone())
            return ReplayOutcome(False, "", start,
                                 f"Its time ({local:%a %d %b %H:%M}) has passed: book it again "
                                 "at another time.", final=True)
        outcome = LessonEdits.save(self, lesson_id=None, fields=dict(booking), base_version=None)
        return self._ended(outcome, outcome.lesson_id)

    def _ended(self, outcome: EditOutcome, lesson_id: str) -> ReplayOutcome:
        if outcome.refused:
            if outcome.mutation_id and self.replica.entry(outcome.mutation_id) is not None:
                self.discard(outcome.mutation_id)  # an undo the service refused leaves nothing
            if outcome.state == "conflict":
                # Someone else changed it meanwhile: what this undo expected no longer holds.
                return ReplayOutcome(False, lesson_id, None,
                                     "Someone else changed the lesson meanwhile.", final=True)
            return ReplayOutcome(False, lesson_id, None, _reason(outcome.message))
        row = self.replica.get("flights", lesson_id)
        return ReplayOutcome(True, lesson_id, _start(row), queued=outcome.state == "queued")


# -- helpers -----------------------------------------------------------------------------------


def _booking(data: Mapping[str, Any]) -> dict[str, Any]:
    """The lesson as a booking to send again (with the policy warnings it was booked over)."""
    booking = {key: data.get(key) for key in _BOOKING_FIELDS if key in data}
    booking["route_points"] = list(booking.get("route_points") or [])
    accepted = _accepted(data)
    if accepted:
        booking["acknowledge"] = list(accepted)
    return booking


def _accepted(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The codes of the policy warnings a lesson was booked over (``acknowledged_warnings``)."""
    warnings = data.get("acknowledged_warnings") or ()
    return tuple(dict.fromkeys(str(warning["code"]) for warning in warnings
                               if isinstance(warning, Mapping) and warning.get("code")))


def _closed(row: ReplicaRow | None) -> str:
    """Why the lesson can no longer be changed ("" when it can)."""
    if row is None:
        return "The lesson is no longer in the schedule."
    status = str(row.data.get("status") or "")
    if status not in _LIVE:
        return (f"The lesson is {status.replace('_', ' ').lower()} now and can no longer be "
                "changed.")
    return ""


def _in_flight(row: ReplicaRow | None) -> str:
    """Why the lesson keeps all but its notes now: its aircraft is checked out and not yet checked
    in ("" when it is not)."""
    if row is None or not row.data.get("checked_out_at"):
        return ""
    return IN_FLIGHT_TEXT


def _start(row: ReplicaRow | None) -> datetime | None:
    if row is None or not row.data.get("start_at"):
        return None
    try:
        return datetime.fromisoformat(str(row.data["start_at"]).replace("Z", "+00:00"))
    except ValueError:
        return None


def _reason(message: str) -> str:
    """The service's reason without the editor's advice ("N172HC is already booked …")."""
    if message.startswith(_CANCEL_PREFIX):
        message = message[len(_CANCEL_PREFIX):]
    message = _EDITOR_ADVICE.sub("", message).strip()
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def _same(key: str, old: Any, new: Any) -> bool:
    """Equal as the service means it: times as instants, no value and "" alike."""
    if key in ("start_at", "end_at") and old and new:
        try:
            return (datetime.fromisoformat(str(old).replace("Z", "+00:00"))
                    == datetime.fromisoformat(str(new).replace("Z", "+00:00")))
        except ValueError:
            return old == new
    return (old or None) == (new or None)
