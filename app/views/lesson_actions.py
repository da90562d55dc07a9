"""What the dispatcher does to lessons from the main window: book, edit, move, cancel, check out
and in, check the weather, fix a refused edit.

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
from app.models.labels import status_label
from app.models.lessons import LIVE_STATUSES, Lesson, load_schedule, parse_time
from app.models.logbook import (CHECK_OUT_WINDOW, MeterForm, can_check_in, can_check_out,
                                following_in_series, load_meter_form)
from app.services.api_client import ApiClient, Offline, Refused
from app.services.background import run_in_background
from app.services.lesson_edits import EditOutcome, LessonEdits
from app.services.policy_warnings import warning_codes
from app.services.replica import Replica
from app.services.sync_loop import SyncLoop
from app.views.calendar_view import MoveRequest, SlotRequest
from app.views.cancel_lesson_dialog import CancelLessonDialog
from app.views.check_in_dialog import CheckInDialog
from app.views.check_out_dialog import CheckOutDialog
from app.views.lesson_editor import LessonEditor
from app.views.logbook_dialog import LogbookDialog
from app.views.move_lesson_dialog import MoveLessonDialog
from app.views.policy_warning_dialog import PolicyWarningDialog
from app.views.series_dialog import SeriesDialog

__all__ = ["LessonActions"]

_LIVE = LIVE_STATUSES  # what can still be moved or cancelled


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
        self.series_dialog: SeriesDialog | None = None
        self.check_out_dialog: CheckOutDialog | None = None
        self.check_in_dialog: CheckInDialog | None = None
        # The dialogs that need the service say so while it cannot be reached.
        sync_loop.status_changed.connect(self._follow_status)
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
    def calendar_model(self) -> CalendarModel:
        """The calendar's lessons (the schedule the commands act on)."""
        return self._calendar_model

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
        # "Check in…" from the editor of a lesson in the air, where it can be checked in here.
        check_in = (self.ask_check_in if lesson is not None and lesson.checked_out
                    and self.can_check_in(lesson) else None)
        editor = LessonEditor(schedule=self._calendar_model.schedule, edits=self._edits,
                              lesson=lesson, read_only=read_only, start=start,
                              aircraft_id=aircraft_id, instructor_id=instructor_id,
                              flight_type=flight_type, retry_of=retry_of,
                              check_weather=client.check_weather if client is not None else None,
                              clock=self._clock,
                              online=lambda: self._sync_loop.status.state != "offline",
                              ask_cancel=lambda opened: self.ask_cancel(editor=opened),
                              check_in=check_in, parent=self.parent())
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(self._on_lesson_saved)
        # A series moved "this and following": the service moved the others; the next pull
        # brings them to the calendar.
        editor.saved.connect(lambda outcome: self._sync_loop.sync_now()
                             if outcome.state == "applied" and editor.scope == "following"
                             else None)
        editor.series_requested.connect(self.book_series)
        editor.discarded.connect(lambda *_: self._after_lesson_edit())
        editor.weather_checked.connect(lambda *_: self._sync_loop.sync_now())
        editor.finished.connect(lambda *_: self._forget_editor(editor))
        self.editor = editor
        editor.open()
        return editor

    def book_series(self, fields: dict[str, Any] | None = None) -> SeriesDialog | None:
        """Lesson › Book a weekly series… (or "Make it weekly…" in a new lesson, with its
        ``fields``): the series dialog; the service books it, and a sync brings the lessons."""
        if self.series_dialog is not None:
            self.series_dialog.raise_()
            self.series_dialog.activateWindow()
            return self.series_dialog
        if self._is_instructor():
            self._say("Instructors cannot book lessons: ask the front desk.", 10_000)
            return None
        client = self._client
        dialog = SeriesDialog(schedule=self._calendar_model.schedule,
                              book=client.book_series if client is not None else None,
                              fields=fields, clock=self._clock, parent=self.parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.booked.connect(self._on_series_booked)
        # A failure may still have booked some (the answer was lost): the next round shows them.
        dialog.failed.connect(lambda _message: self._sync_loop.sync_now())
        dialog.finished.connect(lambda *_: setattr(self, "series_dialog", None))
        self.series_dialog = dialog
        dialog.open()
        return dialog

    def _on_series_booked(self, result: Any) -> None:
        booked, refused = len(result.booked), len(result.refused)
        self._say(f"Weekly series: {booked} lesson{'s' if booked != 1 else ''} booked"
                  + (f", {refused} not (the series dialog says why)." if refused else "."), 15_000)
        self._sync_loop.sync_now()  # the calendar shows the lessons after the round

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
        why = self.why_not_drag(lesson)
        if why:
            self._refuse_move(why)
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

    def ask_cancel(self, lesson_id: str | None = None, *,
                   editor: LessonEditor | None = None) -> CancelLessonDialog | None:
        """Delete on the calendar (the selected lesson by default), or "Cancel lesson…" in the
        lesson ``editor`` (its lesson; the dialog opens over it): asks what happened and why
        (and, for a lesson of a series, whether the following ones go too), then cancels it
        (``cancel_lesson``); "Keep lesson" leaves it as it is."""
        lesson = self._changeable(lesson_id, "cancel",
                                  lesson=editor.lesson if editor is not None else None)
        if lesson is None:
            return None
        dialog = CancelLessonDialog(lesson=lesson, zone=self._calendar_model.schedule.timezone,
                                    offline=self._offline(),
                                    parent=editor if editor is not None else self.parent())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.cancel_lesson(
            lesson.id, dialog.reason(), kind=dialog.kind() or "other", scope=dialog.scope(),
            editor=editor))
        dialog.finished.connect(lambda *_: setattr(self, "cancel_dialog", None))
        self.cancel_dialog = dialog
        if lesson.series_id:
            replica = self._replica
            run_in_background(lambda: following_in_series(replica, lesson.id),
                              dialog.set_following, lambda _error: None, owner=dialog)
        dialog.open()
        return dialog

    def cancel_lesson(self, lesson_id: str, reason: str, *, kind: str = "other",
                      scope: str = "this", editor: LessonEditor | None = None) -> None:
        """Cancel a lesson with ``reason`` (kept in its notes) and ``kind`` (counted apart in the
        metrics). ``scope`` "this": through the outbox (queued while the service cannot be
        reached); "following": the later lessons of its series too, by the service at once (all
        or none; not possible offline). A refusal leaves it as it was and says why.

        ``editor``: the lesson editor it was asked from — it waits, a refused change it was
        fixing is dropped first (the cancellation replaces it), and it closes once cancelled or
        shows why not."""
        replacing = editor.start_cancel() if editor is not None else None
        if scope == "following":
            self._cancel_following(lesson_id, reason, kind, replacing=replacing, editor=editor)
            return
        edits = self._edits
        self._say("Cancelling the lesson…")

        def work() -> EditOutcome:
            if replacing:
                edits.discard(replacing)
            return edits.cancel_lesson(lesson_id, reason, kind=kind)

        run_in_background(work, lambda outcome: self._on_cancelled(outcome, editor),
                          lambda error: self._on_cancel_failed(lesson_id, error, editor),
                          owner=self)

    def _on_cancelled(self, outcome: EditOutcome, editor: LessonEditor | None = None) -> None:
        self._say(outcome.message, 15_000 if outcome.state != "applied" else 5_000)
        self.lesson_saved.emit(outcome)
        self._tell_editor(editor, outcome)
        self._after_lesson_edit()

    def _on_cancel_failed(self, lesson_id: str, error: Exception,
                          editor: LessonEditor | None = None) -> None:
        message = f"The lesson was not cancelled: {error}"
        self._say(message, 15_000)
        self._tell_editor(editor, EditOutcome("rejected", "", lesson_id, message))
        self._after_lesson_edit()

    def _tell_editor(self, editor: LessonEditor | None, outcome: EditOutcome) -> None:
        """How a cancellation asked from the editor ended, while that editor is still open."""
        if editor is not None and self.editor is editor:
            editor.finish_cancel(outcome)

    def _cancel_following(self, lesson_id: str, reason: str, kind: str, *,
                          replacing: str | None = None,
                          editor: LessonEditor | None = None) -> None:
        client, edits = self._client, self._edits
        if client is None:
            self._refuse_cancel(lesson_id, "The lessons were not cancelled: the following lessons "
                                           "of a series are cancelled by the service, and this "
                                           "window has none. Cancel this lesson only.", editor)
            return
        self._say("Cancelling the lesson and the following ones of its series…")

        def work() -> dict[str, Any]:
            if replacing:
                edits.discard(replacing)
            return client.cancel_flight(lesson_id, reason, kind=kind, scope="following")

        def done(answer: dict[str, Any]) -> None:
            count = len(answer.get("also_cancelled") or ())
            message = ("The lesson was cancelled, and the following "
                       + (f"{count} lessons" if count != 1 else "lesson") + " of its series."
                       if count else "The lesson was cancelled; no later lesson of its series was "
                                     "left to fly.")
            self._say(message, 10_000)
            outcome = EditOutcome("applied", "", lesson_id, message)
            self.lesson_saved.emit(outcome)
            self._tell_editor(editor, outcome)
            self._sync_loop.sync_now()  # the calendar shows them cancelled after the round
            self._after_lesson_edit()

        def failed(error: Exception) -> None:
            if isinstance(error, Offline):
                message = ("The lessons were not cancelled: the service cannot be reached, and "
                           "the following lessons of a series are cancelled by the service only. "
                           "Cancel this lesson only (it is sent when the service can be reached), "
                           "or try again when it is back.")
            elif isinstance(error, Refused):
                message = f"The lessons were not cancelled: {_sentence(error.detail)}"
            else:
                message = f"The lessons were not cancelled: {_sentence(str(error))} Try again."
            self._refuse_cancel(lesson_id, message, editor)

        run_in_background(work, done, failed, owner=self)

    def _refuse_cancel(self, lesson_id: str, message: str,
                       editor: LessonEditor | None = None) -> None:
        self._say(message, 30_000)
        outcome = EditOutcome("rejected", "", lesson_id, message)
        self.lesson_saved.emit(outcome)
        self._tell_editor(editor, outcome)
        self._after_lesson_edit()

    def _offline(self) -> bool:
        return self._sync_loop.status.state == "offline"

    def _follow_status(self, status: Any) -> None:
        offline = status.state == "offline"
        for dialog in (self.cancel_dialog, self.check_out_dialog, self.check_in_dialog):
            if dialog is not None:
                dialog.set_offline(offline)

    # -- check-out and check-in -------------------------------------------------------------

    def can_check_out(self, lesson: Lesson) -> bool:
        """Whether ``lesson`` may be checked out here now (a menu enables the command by this)."""
        return (self._client is not None and self._can_edit(lesson)
                and can_check_out(lesson, self._clock()))

    def can_check_in(self, lesson: Lesson) -> bool:
        """Whether ``lesson`` may be checked in here now."""
        return (self._client is not None and self._can_edit(lesson)
                and can_check_in(lesson, self._clock()))

    def ask_check_out(self, lesson_id: str | None = None) -> None:
        """The check-out dialog for a lesson (the selected one by default), once its aircraft's
        meters are read from the replica; says why not when it cannot be checked out."""
        self._ask_logbook(lesson_id, check_in=False)

    def ask_check_in(self, lesson_id: str | None = None) -> None:
        """The check-in dialog for a lesson (the selected one by default; one off the calendar,
        from an alert, is read from the replica)."""
        self._ask_logbook(lesson_id, check_in=True)

    @property
    def logbook_dialog(self) -> LogbookDialog | None:
        return self.check_out_dialog or self.check_in_dialog

    def _ask_logbook(self, lesson_id: str | None, *, check_in: bool) -> None:
        verb = "check in" if check_in else "check out"
        if self.logbook_dialog is not None:
            self.logbook_dialog.raise_()
            self.logbook_dialog.activateWindow()
            self._say("Finish the check-out or check-in already open first.", 10_000)
            return
        lesson_id = self._selected_lesson if lesson_id is None else lesson_id
        if not lesson_id:
            self._say(f"Select the lesson to {verb} first: click it, or move to it with the "
                      "arrow keys.", 10_000)
            return
        lesson = self._lesson(lesson_id)
        if lesson is not None:
            self._open_logbook(lesson, check_in=check_in)
            return
        replica = self._replica
        run_in_background(lambda: _read_lesson(replica, lesson_id),
                          lambda found: self._open_logbook(found, check_in=check_in)
                          if found is not None else self._say(
                              "That lesson is no longer in the schedule.", 10_000),
                          self.read_failed.emit, owner=self)

    def _open_logbook(self, lesson: Lesson, *, check_in: bool) -> None:
        why = self._why_not_logbook(lesson, check_in=check_in)
        if why:
            self._say(why, 15_000)
            return
        replica = self._replica
        run_in_background(lambda: load_meter_form(replica, lesson.id),
                          lambda form: self._show_logbook(lesson, form, check_in=check_in),
                          self.read_failed.emit, owner=self)

    def _why_not_logbook(self, lesson: Lesson, *, check_in: bool) -> str:
        verb = "check in" if check_in else "check out"
        if self._client is None:
            return f"Lessons are checked out and in through the service: there is none to {verb}."
        if not self._can_edit(lesson):
            return f"You may {verb} only the lessons you teach: ask the front desk."
        if lesson.status not in _LIVE:
            return (f"This lesson is {lesson.status.replace('_', ' ').lower()}: there is nothing "
                    f"to {verb}.")
        if lesson.version is None:
            return f"This lesson has not reached the service yet: {verb} once it is sent."
        now = self._clock()
        if check_in and not can_check_in(lesson, now):
            zone = self._calendar_model.schedule.timezone
            return (f"This lesson starts {lesson.start.astimezone(zone):%a %d %b %H:%M %Z}: "
                    "check it in once it is flown.")
        if not check_in and not can_check_out(lesson, now):
            if lesson.checked_out_at is not None:
                return "The aircraft is already checked out for this lesson: check it in instead."
            hours = int(CHECK_OUT_WINDOW.total_seconds() // 3600)
            return (f"A lesson is checked out on its day (within {hours} hours of its start). "
                    "A lesson flown earlier is checked in with its readings out as well.")
        return ""

    def _show_logbook(self, lesson: Lesson, form: MeterForm | None, *, check_in: bool) -> None:
        if form is None:
            self._say("That lesson is no longer in the schedule.", 10_000)
            return
        if self.logbook_dialog is not None:  # (two asked at once)
            return
        client = self._client
        assert client is not None
        lesson_id = lesson.id
        if check_in:
            dialog: LogbookDialog = CheckInDialog(
                lesson=lesson, form=form, zone=self._calendar_model.schedule.timezone,
                send=lambda body: client.check_in(lesson_id, **body), offline=self._offline(),
                clock=self._clock, parent=self.parent())
            self.check_in_dialog = dialog
        else:
            dialog = CheckOutDialog(
                lesson=lesson, form=form, zone=self._calendar_model.schedule.timezone,
                send=lambda body: client.check_out(lesson_id, **body), offline=self._offline(),
                clock=self._clock, parent=self.parent())
            self.check_out_dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.recorded.connect(lambda row: self._on_logbook_recorded(dialog, row))
        dialog.finished.connect(lambda *_: self._forget_logbook(dialog))
        dialog.open()

    def _on_logbook_recorded(self, dialog: LogbookDialog, row: dict[str, Any]) -> None:
        self._say(dialog.describe_recorded(row), 15_000)
        self._sync_loop.sync_now()  # the lesson (and the aircraft's meters) come back with it

    def _forget_logbook(self, dialog: LogbookDialog) -> None:
        if self.check_out_dialog is dialog:
            self.check_out_dialog = None
        if self.check_in_dialog is dialog:
            self.check_in_dialog = None

    def can_change(self, lesson: Lesson) -> bool:
        """Whether ``lesson`` may be moved or cancelled here now (a menu enables its commands
        by this; asking anyway says why not)."""
        return (self._can_edit(lesson) and lesson.status in _LIVE and lesson.version is not None
                and lesson.checked_out_at is None)

    def lesson(self, lesson_id: str) -> Lesson | None:
        """The lesson of the calendar's schedule with that id."""
        return self._lesson(lesson_id) if lesson_id else None

    def why_not_drag(self, lesson: Lesson) -> str:
        """Why ``lesson`` cannot be dragged elsewhere on the calendar ("" when it can): the
        calendar says this in the status bar instead of starting the drag."""
        if not self._can_edit(lesson):
            return "You may move only the lessons you teach: ask the front desk."
        if lesson.status not in _LIVE:
            return (f"This lesson is {status_label(lesson.status).lower()}: it can no longer be "
                    "moved.")
        if lesson.checked_out:
            return ("The aircraft is checked out for this lesson: it cannot be moved while it is "
                    "flying. Check it in to record what was flown.")
        return ""

    def refuse_drag(self, lesson_id: str) -> None:
        """A lesson that may not move was dragged on the calendar: the status bar says why."""
        lesson = self._lesson(lesson_id)
        why = self.why_not_drag(lesson) if lesson is not None else ""
        self._say(why or "This lesson cannot be moved here.", 10_000)

    def _changeable(self, lesson_id: str | None, verb: str, *,
                    lesson: Lesson | None = None) -> Lesson | None:
        """The lesson to move or cancel (``lesson``, else the one with ``lesson_id``, else the
        selected one), or None after saying why it cannot be."""
        lesson_id = self._selected_lesson if lesson_id is None else lesson_id
        if self.cancel_dialog is not None or self.move_dialog is not None:
            (self.cancel_dialog or self.move_dialog).raise_()
            return None
        if lesson is None:
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
        if lesson.checked_out_at is not None:
            self._say(f"The aircraft is checked out for this lesson: there is nothing to {verb}; "
                      "check it in after the flight.", 10_000)
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
            if entry is None or entry.table != "flights":
                return None
            return _read_lesson(replica, entry.row_id)

        run_in_background(read, lambda lesson: self._edit_refused_lesson(lesson, mutation_id),
                          self.read_failed.emit, owner=self)

    def _edit_refused_lesson(self, lesson: Lesson | None, mutation_id: str) -> None:
        if lesson is not None:
            self.open_lesson_editor(lesson, retry_of=mutation_id)
            return
        self._say("That change is no longer waiting (it was sent or dropped): nothing to fix.",
                  10_000)
        self.outdated.emit()


def _read_lesson(replica: Replica, lesson_id: str) -> Lesson | None:
    """The lesson with that id as the calendar would show it, read from the replica (blocking)."""
    row = replica.get("flights", lesson_id)
    if row is None:
        return None
    start, end = parse_time(row.data["start_at"]), parse_time(row.data["end_at"])
    return next((lesson for lesson in load_schedule(replica, start, end).lessons
                 if lesson.id == row.id), None)


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _settled(edits: LessonEdits, outcome: EditOutcome) -> EditOutcome:
    """A refused move leaves nothing behind (the lesson snaps back), unless the policy only
    warns: then it waits, shown where it would go, for "Move anyway" or "Cancel"."""
    if outcome.refused and not outcome.needs_acknowledgement:
        edits.discard(outcome.mutation_id)
    return outcome
