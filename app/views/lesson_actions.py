"""What the dispatcher does to lessons from the main window: book, edit, move, cancel, check the
weather, fix a refused edit.

"The lesson" of a menu command or key is the one selected on the calendar (a click, the arrow
keys); Return and the weather check fall back on the one last under the mouse.

The window builds the menus and wires the calendar to these; what comes of an action goes out as
signals (a status-bar line, an edit that ended or was refused, "read the replica again").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QWidget

from app.models.calendar_model import CalendarModel
from app.models.free_slot import Proposal, propose_lesson
from app.models.lessons import Lesson, load_schedule, parse_time
from app.services.api_client import ApiClient
from app.services.background import run_in_background
from app.services.lesson_edits import EditOutcome, LessonEdits
from app.services.policy_warnings import warning_codes
from app.services.replica import Replica
from app.services.sync_loop import SyncLoop
from app.views.calendar_view import MoveRequest, SlotRequest
from app.views.cancel_lesson_dialog import CancelLessonDialog
from app.views.lesson_editor import LessonEditor
from app.views.move_lesson_dialog import MoveLessonDialog
from app.views.policy_warning_dialog import PolicyWarningDialog

__all__ = ["LessonActions"]

_LIVE = frozenset({"SCHEDULED", "AT_RISK"})  # what can still be moved or cancelled


class LessonActions(QObject):
    """Signals:
        message(str, int): a status-bar line and how long to show it (ms; 0: until replaced).
        lesson_saved(object): a lesson edit ended (``EditOutcome``: applied, queued, refused).
        edit_refused(str): the service refused a move made on the calendar; the message says why
            (also sent as ``message``); the lesson stays as it was.
        outdated(): what the calendar shows may no longer be so: read the replica again.
        read_failed(object): reading the replica failed (the exception).
    """

    message = Signal(str, int)
    lesson_saved = Signal(object)
    edit_refused = Signal(str)
    outdated = Signal()
    read_failed = Signal(object)

    def __init__(self, *, calendar_model: CalendarModel, edits: LessonEdits, replica: Replica,
                 sync_loop: SyncLoop, client: ApiClient | None,
                 clock: Callable[[], datetime], can_edit: Callable[[Lesson], bool],
                 is_instructor: Callable[[], bool], parent: QWidget | None = None) -> None:
        """``parent``: the window the lesson editor opens over; once it is closed and deleted
        (and this with it), the answers of background calls still running are dropped."""
        super().__init__(parent)
        self._calendar_model = calendar_model
        self._edits = edits
        self._replica = replica
        self._sync_loop = sync_loop
        self._client = client
        self._clock = clock
        self._can_edit = can_edit
        self._is_instructor = is_instructor
        self.editor: LessonEditor | None = None
        self.cancel_dialog: CancelLessonDialog | None = None
        self.move_dialog: MoveLessonDialog | None = None
        self.warning_dialog: PolicyWarningDialog | None = None  # "move anyway?"
        self._hovered_lesson = ""  # the lesson last under the mouse
        self._selected_lesson = ""  # the lesson selected on the calendar

    def _say(self, text: str, timeout: int = 0) -> None:
        self.message.emit(text, timeout)

    def remember_hovered(self, lesson_id: str) -> None:
        if lesson_id:
            self._hovered_lesson = lesson_id

    def remember_selected(self, lesson_id: str) -> None:
        self._selected_lesson = lesson_id

    @property
    def selected_lesson_id(self) -> str:
        return self._selected_lesson

    @property
    def current_lesson_id(self) -> str:
        """The selected lesson, else the one last under the mouse ("" when neither)."""
        return self._selected_lesson or self._hovered_lesson

    def _lesson(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self._calendar_model.schedule.lessons
                     if lesson.id == lesson_id), None)

    # -- the lesson editor ----------------------------------------------------------------

    def open_lesson_editor(self, lesson: Lesson | None = None, *, read_only: bool = False,
                           start: datetime | None = None, aircraft_id: str | None = None,
                           instructor_id: str | None = None, flight_type: str | None = None,
                           retry_of: str | None = None) -> LessonEditor | None:
        """The lesson editor (one at a time): a new lesson when ``lesson`` is None; ``retry_of``:
        a refused edit of it to fix. Instructors see other instructors' lessons read-only and book
        nothing."""
        if self.editor is not None:
            self.editor.raise_()
            self.editor.activateWindow()
            self._say("Finish or cancel the lesson being edited first.", 10_000)
            return None
        if lesson is None and self._is_instructor():
            self._say("Instructors cannot book lessons: ask the front desk.", 10_000)
            return None
        read_only = read_only or (lesson is not None and not self._can_edit(lesson))
        client = self._client
        editor = LessonEditor(schedule=self._calendar_model.schedule, edits=self._edits,
                              lesson=lesson, read_only=read_only, start=start,
                              aircraft_id=aircraft_id, instructor_id=instructor_id,
                              flight_type=flight_type, retry_of=retry_of,
                              check_weather=client.check_weather if client is not None else None,
                              clock=self._clock, parent=self.parent())
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(self._on_lesson_saved)
        editor.discarded.connect(lambda *_: self._after_lesson_edit())
        editor.weather_checked.connect(lambda *_: self._sync_loop.sync_now())
        editor.finished.connect(lambda *_: self._forget_editor(editor))
        self.editor = editor
        editor.open()
        return editor

    def _forget_editor(self, editor: LessonEditor) -> None:
        if self.editor is editor:
            self.editor = None

    def new_lesson(self) -> None:
        """A new lesson (Ctrl+N) in the next free slot inside school hours (``free_slot``),
        found in the replica off the GUI thread; the editor opens when it is known."""
        if self.editor is not None or self._is_instructor():
            self.open_lesson_editor()  # (says why not)
            return
        replica, now = self._replica, self._clock()
        run_in_background(lambda: propose_lesson(replica, now=now), self._open_proposed,
                          self._proposal_failed, owner=self)

    def _open_proposed(self, proposal: Proposal | None) -> None:
        if proposal is None:
            self._say("No free aircraft inside school hours in the next two weeks: choose the "
                      "time in the editor.", 15_000)
            self.open_lesson_editor()
            return
        self.open_lesson_editor(start=proposal.start, aircraft_id=proposal.aircraft_id)

    def _proposal_failed(self, error: Exception) -> None:
        self._say(f"Could not look for a free slot ({error}): choose the time in the editor.",
                  15_000)
        self.open_lesson_editor()

    def edit_current(self) -> None:
        """The editor for the selected lesson, else the one last under the mouse (Return on the
        calendar)."""
        self.edit_lesson(self.current_lesson_id)

    def edit_lesson(self, lesson_id: str, read_only: bool = False) -> LessonEditor | None:
        """The editor for a lesson on the calendar (read-only when asked, or not one's own)."""
        if not lesson_id:
            self._say("Select a lesson on the calendar first: click it, or move to it with the "
                      "arrow keys.", 10_000)
            return None
        lesson = self._lesson(lesson_id)
        if lesson is None:
            self._say("That lesson is no longer on the calendar: it may have been moved or "
                      "removed. Look for it again.", 10_000)
            return None
        return self.open_lesson_editor(lesson, read_only=read_only)

    def open_read_only(self, lesson_id: str) -> None:
        self.edit_lesson(lesson_id, read_only=True)

    def book_slot(self, request: SlotRequest) -> None:
        """A free slot double-clicked: a new lesson there, in that aircraft's or instructor's row
        (the instructors' solo row: a solo lesson)."""
        kind, row_id = request.row_kind, request.row_id
        self.open_lesson_editor(start=request.start,
                                aircraft_id=row_id if kind == "aircraft" else None,
                                instructor_id=row_id if kind == "instructor" else None,
                                flight_type="SOLO" if kind == "instructor" and not row_id else None)

    def _on_lesson_saved(self, outcome: EditOutcome) -> None:
        if outcome.state == "queued":
            self._say(outcome.message, 15_000)
        elif outcome.state == "applied":
            self._say(outcome.message, 5_000)
        self.lesson_saved.emit(outcome)
        self._after_lesson_edit()

    def _after_lesson_edit(self) -> None:
        self._sync_loop.refresh_status()
        self.outdated.emit()

    # -- moving on the calendar -----------------------------------------------------------

    def move_lesson(self, request: MoveRequest) -> None:
        """A lesson dragged elsewhere, sent at once; a refusal leaves it where it was and says why
        (status bar and ``edit_refused``). When the school's booking policy only warns, the
        lesson shows at its new place, marked, while a small dialog asks: "Move anyway" sends it
        again with the warnings accepted, "Cancel" drops the move and it goes back."""
        lesson = self._lesson(request.lesson_id)
        if lesson is None:
            self._refuse_move("That lesson is no longer on the calendar: it may have been "
                              "changed meanwhile. Look for it again.")
            return
        if not self._can_edit(lesson):
            self._refuse_move("You may move only the lessons you teach: ask the front desk.")
            return
        fields: dict[str, Any] = {"start_at": request.start, "end_at": request.end}
        if request.row_kind == "aircraft" and request.row_id:
            fields["aircraft_id"] = request.row_id
        elif request.row_kind == "instructor":  # the solo row: no instructor
            fields["instructor_id"] = request.row_id
        edits, lesson_id, version = self._edits, lesson.id, lesson.version
        zone = self._calendar_model.schedule.timezone
        what = f"Moving {lesson.student}'s lesson to {request.start.astimezone(zone):%a %d %b %H:%M}"

        def work() -> EditOutcome:
            return _settled(edits, edits.save(lesson_id=lesson_id, fields=fields,
                                              base_version=version))

        self._say("Moving the lesson…")
        run_in_background(work, lambda outcome: self._on_moved(outcome, what),
                          self._on_move_failed, owner=self)

    def _on_moved(self, outcome: EditOutcome, what: str = "This move") -> None:
        if outcome.needs_acknowledgement:
            self._ask_move_anyway(outcome, what)
        elif outcome.refused:
            self._refuse_move(f"The lesson was not moved: {outcome.message}")
        elif outcome.state == "queued":
            self._say(outcome.message, 15_000)
        else:
            self._say("Lesson moved.", 5_000)
        self.lesson_saved.emit(outcome)
        self._after_lesson_edit()

    def _on_move_failed(self, error: Exception) -> None:
        self._refuse_move(f"The lesson was not moved: {error}")
        self._after_lesson_edit()

    def _ask_move_anyway(self, outcome: EditOutcome, what: str) -> None:
        if self.warning_dialog is not None:  # (a drag cannot start while it is open)
            self.warning_dialog.close()
        dialog = PolicyWarningDialog(what=what, warnings=outcome.warnings, parent=self.parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._move_anyway(outcome, what))
        dialog.rejected.connect(lambda: self._drop_move(outcome))
        dialog.finished.connect(lambda *_: self._forget_warning_dialog(dialog))
        self.warning_dialog = dialog
        self._say("The school's booking policy warns about this move: move it anyway, or "
                  "cancel it.")
        dialog.open()

    def _forget_warning_dialog(self, dialog: PolicyWarningDialog) -> None:
        if self.warning_dialog is dialog:
            self.warning_dialog = None

    def _move_anyway(self, outcome: EditOutcome, what: str) -> None:
        edits, mutation_id = self._edits, outcome.mutation_id
        codes = warning_codes(outcome.warnings)
        self._say("Moving the lesson anyway…")
        run_in_background(lambda: _settled(edits, edits.acknowledge(mutation_id, codes)),
                          lambda answer: self._on_moved(answer, what), self._on_move_failed,
                          owner=self)

    def _drop_move(self, outcome: EditOutcome) -> None:
        edits, mutation_id = self._edits, outcome.mutation_id

        def dropped(_changes: object) -> None:
            self._say("The lesson was not moved.", 10_000)
            self._after_lesson_edit()

        def failed(error: Exception) -> None:
            self._say(f"The move could not be dropped ({error}): it waits among the alerts.",
                      15_000)
            self._after_lesson_edit()

        run_in_background(lambda: edits.discard(mutation_id), dropped, failed, owner=self)

    def ask_move(self, lesson_id: str | None = None) -> MoveLessonDialog | None:
        """Move a lesson from the keyboard (the selected one by default): a new start and
        aircraft, sent as a drag's move is."""
        lesson = self._changeable(lesson_id, "move")
        if lesson is None:
            return None
        dialog = MoveLessonDialog(lesson=lesson, schedule=self._calendar_model.schedule,
                                  clock=self._clock, parent=self.parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.move_lesson(dialog.request()))
        dialog.finished.connect(lambda *_: setattr(self, "move_dialog", None))
        self.move_dialog = dialog
        dialog.open()
        return dialog

    # -- cancelling -----------------------------------------------------------------------

    def ask_cancel(self, lesson_id: str | None = None) -> CancelLessonDialog | None:
        """Delete on the calendar (the selected lesson by default): asks why, then cancels it
        (``cancel_lesson``); "Keep lesson" leaves it as it is."""
        lesson = self._changeable(lesson_id, "cancel")
        if lesson is None:
            return None
        dialog = CancelLessonDialog(lesson=lesson, zone=self._calendar_model.schedule.timezone,
                                    parent=self.parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.cancel_lesson(lesson.id, dialog.reason()))
        dialog.finished.connect(lambda *_: setattr(self, "cancel_dialog", None))
        self.cancel_dialog = dialog
        dialog.open()
        return dialog

    def cancel_lesson(self, lesson_id: str, reason: str) -> None:
        """Cancel a lesson with ``reason`` (kept in its notes) through the service, as the
        editor's "Cancel lesson" does; a refusal leaves it as it was and says why."""
        edits = self._edits
        self._say("Cancelling the lesson…")
        run_in_background(lambda: edits.cancel_lesson(lesson_id, reason), self._on_cancelled,
                          self._on_cancel_failed, owner=self)

    def _on_cancelled(self, outcome: EditOutcome) -> None:
        self._say(outcome.message, 15_000 if outcome.state != "applied" else 5_000)
        self.lesson_saved.emit(outcome)
        self._after_lesson_edit()

    def _on_cancel_failed(self, error: Exception) -> None:
        self._say(f"The lesson was not cancelled: {error}", 15_000)
        self._after_lesson_edit()

    def can_change(self, lesson: Lesson) -> bool:
        """Whether ``lesson`` may be moved or cancelled here now (a menu enables its commands
        by this; asking anyway says why not)."""
        return self._can_edit(lesson) and lesson.status in _LIVE and lesson.version is not None

    def lesson(self, lesson_id: str) -> Lesson | None:
        """The lesson of the calendar's schedule with that id."""
        return self._lesson(lesson_id) if lesson_id else None

    def _changeable(self, lesson_id: str | None, verb: str) -> Lesson | None:
        """The lesson to move or cancel, or None after saying why it cannot be."""
        lesson_id = self._selected_lesson if lesson_id is None else lesson_id
        if self.cancel_dialog is not None or self.move_dialog is not None:
            (self.cancel_dialog or self.move_dialog).raise_()
            return None
        lesson = self._lesson(lesson_id) if lesson_id else None
        if lesson is None:
            self._say(f"Select the lesson to {verb} first: click it, or move to it with the "
                      "arrow keys.", 10_000)
            return None
        if not self._can_edit(lesson):
            self._say(f"You may {verb} only the lessons you teach: ask the front desk.", 10_000)
            return None
        if lesson.status not in _LIVE:
            self._say(f"This lesson is {lesson.status.replace('_', ' ').lower()}: there is "
                      f"nothing to {verb}.", 10_000)
            return None
        if lesson.version is None:
            self._say(f"This lesson has not reached the service yet: {verb} it once it is sent.",
                      10_000)
            return None
        return lesson

    def _refuse_move(self, message: str) -> None:
        self._say(message, 15_000)
        self.edit_refused.emit(message)

    # -- weather --------------------------------------------------------------------------

    def check_current_weather(self) -> None:
        """The selected lesson's weather, else the one last under the mouse."""
        self.check_lesson_weather(self.current_lesson_id)

    def check_lesson_weather(self, lesson_id: str) -> None:
        """Ask the service to judge a lesson's weather now; the verdict goes to the status bar."""
        client = self._client
        lesson = self._lesson(lesson_id) if lesson_id else None
        if lesson is None:
            self._say("Select a lesson on the calendar first: click it, or move to it with the "
                      "arrow keys.", 10_000)
            return
        if client is None or lesson.version is None:
            self._say("This lesson's weather can be checked once it has reached the service.",
                      10_000)
            return
        zone = self._calendar_model.schedule.timezone
        what = f"{lesson.student}, {lesson.start.astimezone(zone):%a %H:%M}"
        self._say(f"Checking the weather for {what}…")
        sync_loop = self._sync_loop

        def done(check: dict[str, Any]) -> None:
            reasons = "; ".join(str(reason.get("text", "")) for reason in check.get("reasons", [])
                                if isinstance(reason, dict))
            verdict = str(check.get("verdict", "UNKNOWN")).replace("_", "-")
            self._say(f"Weather for {what}: {verdict}" + (f" — {reasons}" if reasons else ""),
                      30_000)
            sync_loop.sync_now()

        def failed(error: Exception) -> None:
            self._say(f"Could not check the weather for {what}: {error}", 15_000)

        run_in_background(lambda: client.check_weather(lesson.id), done, failed,
                          owner=self)

    # -- a refused edit, to fix -----------------------------------------------------------

    def edit_again(self, mutation_id: str) -> None:
        """The lesson editor on a refused lesson edit, to fix it and send it again."""
        replica = self._replica

        def read() -> Lesson | None:
            entry = replica.entry(mutation_id)
            row = replica.get("flights", entry.row_id) if entry and entry.table == "flights" else None
            if row is None:
                return None
            start, end = parse_time(row.data["start_at"]), parse_time(row.data["end_at"])
            return next((lesson for lesson in load_schedule(replica, start, end).lessons
                         if lesson.id == row.id), None)

        run_in_background(read, lambda lesson: self._edit_refused_lesson(lesson, mutation_id),
                          self.read_failed.emit, owner=self)

    def _edit_refused_lesson(self, lesson: Lesson | None, mutation_id: str) -> None:
        if lesson is not None:
            self.open_lesson_editor(lesson, retry_of=mutation_id)
            return
        self._say("That change is no longer waiting (it was sent or dropped): nothing to fix.",
                  10_000)
        self.outdated.emit()


def _settled(edits: LessonEdits, outcome: EditOutcome) -> EditOutcome:
    """A refused move leaves nothing behind (the lesson snaps back), unless the policy only
    warns: then it waits, shown where it would go, for "Move anyway" or "Cancel"."""
    if outcome.refused and not outcome.needs_acknowledgement:
        edits.discard(outcome.mutation_id)
    return outcome
