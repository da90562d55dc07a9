"""Edit › Undo and Redo of the lesson edits made at this desk (book, move, change, cancel).

Every edit that took comes from ``RecordingLessonEdits`` as an ``EditRecord`` and is pushed on a
``QUndoStack``. Undoing sends a new edit through the service (``RecordingLessonEdits.revert``, off
the GUI thread); only once it went through does the stack step back, so the menu always says what
the next Undo and Redo will do ("Undo move of Jane Doe's lesson"). An undo the service refuses
says why (``refused``) and stays on the stack to try again — unless it can never go through (the
lesson is closed, gone or changed since), then it leaves the history.

Booking a cancelled lesson again gives it a new id: later (and earlier) steps about the old id
follow it to the new one.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from app.services.background import run_in_background
from app.services.edit_history import EditRecord, RecordingLessonEdits, ReplayOutcome

__all__ = ["UndoHistory", "LessonCommand", "UNDO_LIMIT"]

UNDO_LIMIT = 100


class LessonCommand(QUndoCommand):
    """One recorded edit on the stack. Its ``undo``/``redo`` do nothing: the work is sent to the
    service first (``UndoHistory``), and the stack steps only once it went through."""

    def __init__(self, record: EditRecord) -> None:
        super().__init__(record.description)
        self.record = record

    def undo(self) -> None:
        pass

    def redo(self) -> None:
        pass


def _menu_text(verb: str, what: str) -> str:
    # "&" starts a mnemonic in a menu: a student named "Smith & Sons" keeps its ampersand.
    return f"&{verb} {what.replace('&', '&&')}" if what else f"&{verb}"


class UndoHistory(QObject):
    """Signals:
        message(str, int): a status-bar line and how long to show it (ms; 0: until replaced).
        done(str): an undo or redo went through (what, e.g. "Undone: move of Jane Doe's lesson").
        refused(str): an undo or redo did not go through; the message says why and what next.
        outdated(): lessons changed: read the replica again.
        show_lesson(str, object): the lesson an undo or redo changed, and its start (aware UTC),
            to show it on the calendar.
    """

    message = Signal(str, int)
    done = Signal(str)
    refused = Signal(str)
    outdated = Signal()
    show_lesson = Signal(str, object)
    _recorded = Signal(object)  # from the thread the edit ran on

    def __init__(self, *, edits: RecordingLessonEdits, parent: QWidget) -> None:
        super().__init__(parent)
        self._edits = edits
        self.stack = QUndoStack(self)
        self.stack.setUndoLimit(UNDO_LIMIT)
        self._busy = False
        self._waiting: list[EditRecord] = []  # recorded while an undo ran: pushed after it
        # A lesson booked again has a new id: old id → the id it continues as.
        self._renamed: dict[str, str] = {}

        self.undo_action = QAction("&Undo", parent)
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QAction("&Redo", parent)
        # Ctrl+Shift+Z, and Ctrl+Y where that is the platform's custom (Windows).
        self.redo_action.setShortcuts(QKeySequence.StandardKey.Redo)
        self.redo_action.triggered.connect(self.redo)
        self._recorded.connect(self._on_recorded, Qt.ConnectionType.QueuedConnection)
        # A method, not a lambda: the stack emits as it is destroyed, and Qt drops the
        # connections of a receiver being destroyed (a lambda's would outlive it).
        self.stack.indexChanged.connect(self._index_changed)
        edits.set_listener(self._recorded.emit)
        self._update_actions()

    def actions(self) -> list[QAction]:
        return [self.undo_action, self.redo_action]

    @property
    def busy(self) -> bool:
        """An undo or redo is on its way to the service."""
        return self._busy

    def clear(self) -> None:
        """Forget every step (e.g. another person signed in)."""
        self.stack.clear()
        self._renamed.clear()
        self._update_actions()

    # -- recording -------------------------------------------------------------------------

    def _on_recorded(self, record: EditRecord) -> None:
        if self._busy:
            self._waiting.append(record)
            return
        self._push(record)

    def _push(self, record: EditRecord) -> None:
        self.stack.push(LessonCommand(record))  # the stack owns it from here
        self._update_actions()

    # -- undo and redo ---------------------------------------------------------------------

    def undo(self) -> None:
        """Undo the last step (in the background; the stack steps back once it went through)."""
        if self._busy or not self.stack.canUndo():
            return
        self._replay(self._command(self.stack.index() - 1), undo=True)

    def redo(self) -> None:
        if self._busy or not self.stack.canRedo():
            return
        self._replay(self._command(self.stack.index()), undo=False)

    def _command(self, index: int) -> LessonCommand:
        command = self.stack.command(index)  # the Python object pushed, with its record
        assert isinstance(command, LessonCommand), "a step this history did not push"
        return command

    def _lesson_id(self, lesson_id: str) -> str:
        seen = set()
        while lesson_id in self._renamed and lesson_id not in seen:
            seen.add(lesson_id)
            lesson_id = self._renamed[lesson_id]
        return lesson_id

    def _replay(self, command: LessonCommand, *, undo: bool) -> None:
        record, edits = command.record, self._edits
        lesson_id = self._lesson_id(record.lesson_id)
        self._busy = True
        self._update_actions()
        verb = "Undoing" if undo else "Redoing"
        self.message.emit(f"{verb} the {record.description}…", 0)

        def work() -> ReplayOutcome:
            return edits.revert(record, lesson_id) if undo else edits.reapply(record, lesson_id)

        run_in_background(work, lambda outcome: self._replayed(command, lesson_id, undo, outcome),
                          lambda error: self._failed(command, undo, error), owner=self)

    def _replayed(self, command: LessonCommand, lesson_id: str, undo: bool,
                  outcome: ReplayOutcome) -> None:
        record = command.record
        step = self.stack.undo if undo else self.stack.redo
        if outcome.done:
            if outcome.lesson_id and outcome.lesson_id != lesson_id:
                self._renamed[lesson_id] = outcome.lesson_id
            step()
            done = "Undone" if undo else "Redone"
            if outcome.queued:
                text = (f"{done} on this computer: {record.description}. It is sent to the "
                        "service as soon as it can be reached; the status bar shows when.")
            else:
                text = f"{done}: {record.description}."
            self.message.emit(text, 10_000)
            self.done.emit(text)
            if outcome.lesson_id and outcome.start is not None:
                self.show_lesson.emit(outcome.lesson_id, outcome.start)
        else:
            verb = "undo" if undo else "redo"
            if outcome.final:
                command.setObsolete(True)
                step()  # an obsolete command leaves the stack as it steps
                text = (f"Could not {verb} the {record.description}. {outcome.reason} It is left "
                        f"as it is, and the step is taken out of the undo history.")
            else:
                key = "Undo" if undo else "Redo"
                text = (f"Could not {verb} the {record.description}. {outcome.reason} The lesson "
                        f"is left as it is; Edit › {key} tries again.")
            self.message.emit(text, 30_000)
            self.refused.emit(text)
        self._settle()

    def _failed(self, command: LessonCommand, undo: bool, error: Exception) -> None:
        verb = "undo" if undo else "redo"
        text = (f"Could not {verb} the {command.record.description}: {error}. Nothing was "
                "changed; try again.")
        self.message.emit(text, 30_000)
        self.refused.emit(text)
        self._settle()

    def _settle(self) -> None:
        self._busy = False
        waiting, self._waiting = self._waiting, []
        for record in waiting:
            self._push(record)
        self._update_actions()
        self.outdated.emit()

    def _index_changed(self, _index: int) -> None:
        self._update_actions()

    def _update_actions(self) -> None:
        can_undo = self.stack.canUndo() and not self._busy
        can_redo = self.stack.canRedo() and not self._busy
        self.undo_action.setEnabled(can_undo)
        self.redo_action.setEnabled(can_redo)
        self.undo_action.setText(_menu_text("Undo", self.stack.undoText()))
        self.redo_action.setText(_menu_text("Redo", self.stack.redoText()))
        self.undo_action.setToolTip(
            f"Undo the {self.stack.undoText()}" if self.stack.canUndo() else "Nothing to undo")
        self.redo_action.setToolTip(
            f"Redo the {self.stack.redoText()}" if self.stack.canRedo() else "Nothing to redo")
