"""Booking, changing and cancelling lessons from the desk — pure Python, no Qt, blocking.

``LessonEdits.save`` writes the edit to the replica's outbox first (one durable transaction: from
then on nothing typed is lost), then tries to send it at once (``SyncEngine.push_pending``, which
holds the engine's round lock, so it never interleaves with a sync round). The answer comes back
as an ``EditOutcome``:

- ``applied``: the service booked it; the replica holds the service's row.
- ``rejected``: the service refused (a clash, an unqualified instructor…); the edit stays in the
  outbox, marked, until the person fixes it (``save(..., retry_of=mutation_id)`` amends that same
  edit, so a refusal and its fix leave ONE edit) or gives up (``discard``).
- ``needs_acknowledgement``: the school's booking policy warns about it (outside someone's
  availability, a forecast below minimums…; ``warnings``); the edit stays in the outbox, marked,
  until the person books it anyway (``acknowledge``: the same edit, sent again with the warnings'
  codes), changes it (``retry_of``, judged afresh) or gives up (``discard``). A rule the school
  blocks is a plain ``rejected``: nothing to book over.
- ``conflict``: someone else changed the lesson meanwhile; saving again with ``retry_of`` puts
  the person's change on top of the current version.
- ``queued``: the service could not be reached; the edit stays in the outbox and the next sync
  round sends it.

Messages are sentences for the person at the desk; a booking clash names the lesson it clashes
with ("N172HC is already booked Tue 25 Nov 14:00–16:00 for Jane Doe with Sam Lee").

Call every method off the GUI thread (``background.run_in_background``).
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from app.services.api_client import ApiError, Offline
from app.services.policy_warnings import PolicyWarning, warnings_in
from app.services.replica import Changes, OutboxEntry, Replica
from app.services.sync_engine import SyncEngine

__all__ = ["EditOutcome", "LessonEdits", "EDITABLE_FIELDS", "IN_FLIGHT_TEXT"]

OutcomeState = Literal["applied", "rejected", "needs_acknowledgement", "conflict", "queued"]

# What the desk may change on a lesson (FlightUpdate's fields, less route points and version).
EDITABLE_FIELDS = ("student_id", "instructor_id", "aircraft_id", "start_at", "end_at",
                   "departure", "destination", "flight_type", "notes")
_TIMES = ("start_at", "end_at")
# Why a lesson whose aircraft is checked out (and not yet checked in) keeps all but its notes:
# what it says is what is flying now (the service's rule FLIGHT_CHECKED_OUT).
IN_FLIGHT_TEXT = ("The aircraft is checked out for this lesson: check it in to record what was "
                  "flown; only the notes can change now.")


@dataclass(frozen=True)
class EditOutcome:
    """How a save ended (see the module docstring for the states).

    ``mutation_id``: the outbox entry (pass it as ``retry_of`` after a refusal; "" when there was
    nothing to send). ``lesson_id``: the lesson, also for a new booking. ``field``: the input the
    service faulted (``start_at``, ``aircraft_id``…), if any. ``conflict``: the service's summary
    of the lesson it clashes with, or for ``conflict`` the lesson as it now stands.
    ``warnings``: for ``needs_acknowledgement``, what the school's policy warns about (pass them
    to ``LessonEdits.acknowledge`` to book it anyway).
    """

    state: OutcomeState
    mutation_id: str
    lesson_id: str
    message: str
    field: str | None = None
    conflict: dict[str, Any] | None = None
    warnings: tuple[PolicyWarning, ...] = ()

    @property
    def refused(self) -> bool:
        """Not done: the edit waits in the outbox for the person (or, for a cancellation, was
        dropped)."""
        return self.state in ("rejected", "needs_acknowledgement", "conflict")

    @property
    def needs_acknowledgement(self) -> bool:
        return self.state == "needs_acknowledgement"


class LessonEdits:
    """Lesson edits through ``engine``'s replica and client (see the module docstring)."""

    def __init__(self, engine: SyncEngine) -> None:
        self.engine = engine

    @property
    def replica(self) -> Replica:
        return self.engine.replica

    # -- public ----------------------------------------------------------------------------

    def save(self, *, lesson_id: str | None, fields: Mapping[str, Any], base_version: int | None,
             retry_of: str | None = None) -> EditOutcome:
        """Book (``lesson_id`` None: ``fields`` is the whole lesson) or change a lesson (only the
        fields that differ from what the replica shows are sent), then send it now.

        ``retry_of``: the mutation id of this dialog's earlier refused edit — amended instead of
        adding a second edit. ``base_version``: the version the person edited (None: the one
        last pulled).

        ``fields`` may hold ``scope`` for a change of a lesson of a weekly series: "following"
        moves the later lessons of the series the same way (times only; the service does it
        when the edit is pushed, and the next pull brings them), "this" only this one. It is
        not a field of the lesson: sent as given, with the fields that changed."""
        data = {key: _normalised(key, value) for key, value in fields.items()}
        scope = data.pop("scope", None)
        also = {"scope": scope} if scope is not None else {}
        previous = self.replica.entry(retry_of) if retry_of else None
        if previous is not None:
            entry = self._amend(previous, data | also)
        elif lesson_id is None:
            entry = self.replica.record_edit("flights", "insert", data=data)
        else:
            changed = self._changed_fields(lesson_id, data)
            if not changed:
                return EditOutcome("applied", "", lesson_id, "Nothing was changed.")
            entry = self.replica.record_edit("flights", "update", row_id=lesson_id,
                                             data=changed | also, base_version=base_version)
        return self._send(entry)

    def acknowledge(self, mutation_id: str, codes: Iterable[str]) -> EditOutcome:
        """Book a refused edit over the school's warnings (``codes``: those of its
        ``warnings``): the same outbox entry, its data amended with ``acknowledge`` (under a new
        mutation id, as any fix of a refused edit), sent again now. The answer may still refuse
        it (the slot was taken meanwhile) or warn of something new.

        Raises ``ValueError`` when the edit no longer waits for an acknowledgement (sent,
        dropped, or refused for another reason)."""
        entry = self.replica.entry(mutation_id)
        if entry is None or entry.state != "rejected" or not warnings_in(entry.error):
            raise ValueError("That change no longer waits for the school's warnings to be "
                             "accepted (it was sent, dropped or refused for another reason).")
        accepted = list(dict.fromkeys(str(code) for code in codes))
        if not accepted:
            raise ValueError("Name the warnings to book over.")
        return self._send(self.replica.amend_edit(entry.mutation_id, {"acknowledge": accepted}))

    def discard(self, mutation_id: str) -> Changes:
        """Drop a refused (or unsent) edit: the lesson shows as the service has it again."""
        changes = self.replica.discard_edit(mutation_id)
        self.engine.refresh_counts()
        return changes

    def cancel_lesson(self, lesson_id: str, reason: str, *, kind: str = "other") -> EditOutcome:
        """Cancel a lesson (the service keeps it, as CANCELLED, with the reason in its notes);
        ``kind`` says why (``student``, ``no_show``, ``school``, ``weather``, ``other``: the
        metrics count each apart). A refused cancellation is dropped at once, so the lesson is
        left exactly as it was."""
        reason = reason.strip() or "cancelled at the front desk"
        entry = self.replica.record_edit("flights", "delete", row_id=lesson_id,
                                         data={"reason": reason, "reason_kind": kind})
        outcome = self._send(entry)
        if outcome.refused:
            self.discard(outcome.mutation_id)
            return EditOutcome(outcome.state, outcome.mutation_id, lesson_id,
                               f"The lesson was not cancelled: {outcome.message}",
                               outcome.field, outcome.conflict)
        if outcome.state == "applied":
            return EditOutcome("applied", outcome.mutation_id, lesson_id, "The lesson was cancelled.")
        return outcome

    # -- internals -------------------------------------------------------------------------

    def _amend(self, previous: OutboxEntry, data: dict[str, Any]) -> OutboxEntry:
        if previous.op == "update":
            # Against the row as the service has it, not as the refused edit shows it.
            row = self.replica.get("flights", previous.row_id)
            server = (row.server_data if row is not None else None) or {}
            data = {key: value for key, value in data.items()
                    if not _same(key, server.get(key), value) or key in previous.data}
        if "acknowledge" in previous.data:
            # Warnings accepted for what was refused say nothing about the edit as fixed: it is
            # judged afresh, and the person asked again if the policy still warns.
            data["acknowledge"] = []
        if previous.state == "conflict":
            # Someone changed the lesson meanwhile: the person saw why and saves again, so the
            # change goes on top of the version the service now has.
            renewed = self.replica.resolve_conflict(previous.mutation_id, "mine")
            assert renewed is not None
            previous = renewed
        return self.replica.amend_edit(previous.mutation_id, data)

    def _changed_fields(self, lesson_id: str, data: dict[str, Any]) -> dict[str, Any]:
        row = self.replica.get("flights", lesson_id)
        shown = row.data if row is not None else {}
        return {key: value for key, value in data.items() if not _same(key, shown.get(key), value)}

    def _send(self, entry: OutboxEntry) -> EditOutcome:
        try:
            self.engine.push_pending()
        except Offline:
            self.engine.refresh_counts()
            return EditOutcome(
                "queued", entry.mutation_id, entry.row_id,
                "Saved on this computer but not sent yet: the service cannot be reached right "
                "now. It is sent as soon as it can be; the status bar shows when.")
        except ApiError as exc:
            self.engine.refresh_counts()
            return EditOutcome(
                "queued", entry.mutation_id, entry.row_id,
                f"Saved on this computer but not sent yet ({exc.message}). It is sent with the "
                "next sync; the status bar shows when.")
        now = self.replica.entry(entry.mutation_id)
        if now is None:
            return EditOutcome("applied", entry.mutation_id, entry.row_id, "Saved.")
        if now.state == "pending":
            return EditOutcome(
                "queued", now.mutation_id, now.row_id,
                "Saved on this computer; it waits for an earlier edit of this lesson that the "
                "service refused — fix or drop that one first (see the pending edits).")
        error = now.error or {}
        if now.state == "conflict":
            server = now.server_row or {}
            return EditOutcome(
                "conflict", now.mutation_id, now.row_id,
                "Someone else changed this lesson while you were editing it. Check the times "
                "and save again to put your change on top of theirs, or cancel to keep theirs.",
                error.get("field"), server or None)
        warnings = warnings_in(error)
        if warnings:
            return EditOutcome("needs_acknowledgement", now.mutation_id, now.row_id,
                               _warned(warnings), _field(error.get("field")),
                               error.get("conflict"), warnings)
        return EditOutcome("rejected", now.mutation_id, now.row_id, self._explain(error),
                           _field(error.get("field")), error.get("conflict"))

    def _explain(self, error: Mapping[str, Any]) -> str:
        """The service's reason as a sentence; a clash names the lesson it clashes with. When a
        later lesson of a series moved "this and following" cannot move, it says which (in
        school time) and that none moved."""
        rule = error.get("rule") or ""
        clash = error.get("conflict") or {}
        detail = str(error.get("detail") or "the service refused the change")
        later = _LATER_IN_SERIES.match(detail)
        prefix = ""
        if later is not None:
            try:
                when = f"{_parse(later.group(1)).astimezone(self._school_zone()):%a %d %b %H:%M %Z}"
            except ValueError:
                when = later.group(1)
            prefix = f"None of the series moved: its lesson of {when} cannot move. "
            detail = detail[later.end():]
        if rule.endswith("_DOUBLE_BOOKED") and clash.get("id"):
            named = self._name_clash(rule, clash)
            if named:
                return prefix + named
        if rule == "FLIGHT_CHECKED_OUT":  # the service's words name its API: the desk's instead
            return prefix + IN_FLIGHT_TEXT
        return prefix + _sentence(detail) + " Change it and save again, or cancel."

    def _name_clash(self, rule: str, clash: Mapping[str, Any]) -> str | None:
        try:
            zone = self._school_zone()
            start = _parse(clash["start_at"]).astimezone(zone)
            end = _parse(clash["end_at"]).astimezone(zone)
        except (KeyError, TypeError, ValueError):
            return None
        when = f"{start:%a %d %b %H:%M}–{end:%H:%M}"
        row = self.replica.get("flights", str(clash["id"]))
        other = row.data if row is not None else {}
        student = self._name("students", other.get("student_id"), "name")
        instructor = self._name("instructors", other.get("instructor_id"), "name")
        tail = self._name("aircraft", other.get("aircraft_id"), "tail_number")
        student_text = f" for {student}" if student else ""
        with_text = f" with {instructor}" if instructor else ""
        if rule == "AIRCRAFT_DOUBLE_BOOKED":
            who = tail or "The aircraft"
            return (f"{who} is already booked {when}{student_text}{with_text}. "
                    "Pick another time or aircraft and save again.")
        if rule == "INSTRUCTOR_DOUBLE_BOOKED":
            who = instructor or "The instructor"
            return (f"{who} is already teaching {when}{student_text}"
                    f"{f' in {tail}' if tail else ''}. Pick another time or instructor and save again.")
        who = student or "The student"
        return (f"{who} already has a lesson {when}{f' in {tail}' if tail else ''}{with_text}. "
                "Pick another time and save again.")

    def _school_zone(self) -> zoneinfo.ZoneInfo:
        schools = self.replica.rows("schools")
        name = schools[0].data.get("timezone") if schools else None
        try:
            return zoneinfo.ZoneInfo(name or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def _name(self, table: str, row_id: Any, key: str) -> str:
        if not row_id:
            return ""
        row = self.replica.get(table, str(row_id))
        return str(row.data.get(key) or "") if row is not None else ""


# -- helpers -----------------------------------------------------------------------------------


# How the service says a later lesson of a series moved "this and following" could not move.
_LATER_IN_SERIES = re.compile(r"the lesson of (\S+) in this series cannot move: ")


def _parse(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _normalised(key: str, value: Any) -> Any:
    """As the service stores it: times in UTC ISO with ``Z``, codes upper-case, "" as no value."""
    if key in _TIMES and value is not None:
        return _parse(value).isoformat().replace("+00:00", "Z")
    if key in ("departure", "destination"):
        value = (value or "").strip().upper()
        return value or None
    if key in ("instructor_id",) and not value:
        return None
    if key == "notes":
        return value or ""
    return str(value) if key.endswith("_id") and value is not None else value


def _same(key: str, old: Any, new: Any) -> bool:
    if key in _TIMES:
        if old is None or new is None:
            return old is new
        try:
            return _parse(old) == _parse(new)
        except ValueError:
            return False
    if key in ("destination", "instructor_id", "notes"):
        return (old or None) == (new or None)
    return old == new


def _warned(warnings: tuple[PolicyWarning, ...]) -> str:
    said = " ".join(warning.sentence for warning in warnings)
    return (f"This goes against the school's booking policy. {said} Book it anyway, or change "
            "it and save again.")


def _field(field: Any) -> str | None:
    """``data.start_at`` (a validation error's location) → ``start_at``."""
    if not field:
        return None
    return str(field).split(".")[-1]


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
