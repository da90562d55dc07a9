"""What the check-out and check-in dialogs share: the lesson in words, a note while the service
cannot be reached, the problems with the readings as typed (blocking ones stop the form; the
others need "The readings are right" ticked), and the sending — straight to the service, off the
GUI thread, its refusal shown in the dialog as it said it.

Check-out and check-in are recorded by the service alone (the aircraft's meters are the school's,
not one desk's): they are not queued on this computer while it is offline, and the dialogs say so.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QLabel,
                               QPushButton, QVBoxLayout, QWidget)

from app.models.lessons import Lesson
from app.models.logbook import MeterForm, Problem
from app.services.api_client import ApiError, Offline, Refused, Unauthorized
from app.services.background import run_in_background
from app.views.plain_text import make_plain
from app.views.theme import message_style

__all__ = ["LogbookDialog", "meter_box"]

# What a meter reads up to (the service's own bound).
_MOST_HOURS = 100_000.0


def meter_box(value: float, *, decimals: int, parent: QWidget) -> QDoubleSpinBox:
    """A meter reading in hours: never negative, to ``decimals`` places (Hobbs 1, tach 2)."""
    box = QDoubleSpinBox(parent)
    box.setRange(0.0, _MOST_HOURS)
    box.setDecimals(decimals)
    box.setSingleStep(0.1)
    box.setSuffix(" h")
    box.setValue(value)
    box.setGroupSeparatorShown(False)
    box.setMinimumWidth(120)
    return box


class LogbookDialog(QDialog):
    """The frame of a check-out or check-in dialog; subclasses build the form between the summary
    and the messages, and say what is sent (``body``) and what is wrong (``problems``).

    Signals:
        recorded(dict): the service took it: the lesson as it now stands (its JSON).
    """

    recorded = Signal(dict)

    # Subclasses: the button's words, and what the service does with it ("check-out").
    action_text = "&Record"
    what = "reading"

    def __init__(self, *, lesson: Lesson, form: MeterForm, zone: tzinfo,
                 send: Callable[[dict[str, Any]], dict[str, Any]] | None, offline: bool = False,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        """``send(body)``: sends the body to the service and answers the lesson (blocking; run
        off the GUI thread); None when there is no service to send to. ``offline``: the service
        could not be reached at the last try (the note says so; sending is still allowed, the
        network may be back)."""
        super().__init__(parent)
        self.lesson_id = lesson.id
        self._lesson = lesson
        self._form = form
        self._zone = zone
        self._send = send
        self._clock = clock
        self._busy = False
        start, end = lesson.start.astimezone(zone), lesson.end.astimezone(zone)
        self.summary_label = QLabel(
            f"{lesson.student}'s lesson {start:%a %d %b %H:%M}–{end:%H:%M} {start:%Z} in "
            f"{lesson.aircraft}" + (f" with {lesson.instructor}" if lesson.instructor else " (solo)")
            + ".", self)
        self.summary_label.setWordWrap(True)
        self.offline_label = QLabel(self)
        self.offline_label.setWordWrap(True)
        self.offline_label.setStyleSheet(message_style("warning", self.palette()))
        self.offline_label.setText(
            f"The service cannot be reached right now. A {self.what} is recorded by the service "
            "only, not kept on this computer: try when it can be reached again (the status bar "
            "says when), or note the readings down meanwhile.")
        self.offline_label.setVisible(offline or send is None)
        self.problems_label = QLabel(self)
        self.problems_label.setWordWrap(True)
        self.problems_label.setObjectName("problems")
        self.confirm_box = QCheckBox("The readings are &right", self)
        self.confirm_box.setToolTip("Tick to record readings that look unusual")
        self.refusal_label = QLabel(self)
        self.refusal_label.setWordWrap(True)
        self.refusal_label.setObjectName("refusal")
        self.refusal_label.setStyleSheet(message_style("error", self.palette()))
        self.refusal_label.hide()
        make_plain(self.summary_label, self.offline_label, self.problems_label, self.refusal_label)
        self.buttons = QDialogButtonBox(self)
        self.action_button: QPushButton = self.buttons.addButton(
            self.action_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.action_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.confirm_box.toggled.connect(lambda _checked: self._validate())
        self.setMinimumWidth(480)

    def _lay_out(self, form: Any) -> None:
        """Call at the end of the subclass's constructor with its form (a layout)."""
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.offline_label)
        layout.addLayout(form)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.confirm_box)
        layout.addWidget(self.refusal_label)
        layout.addWidget(self.buttons)
        self._validate()

    # -- for subclasses -------------------------------------------------------------------------

    def problems(self) -> list[Problem]:
        """What is wrong with the form as typed (blocking first)."""
        raise NotImplementedError

    def body(self) -> dict[str, Any]:
        """What is sent (``send``'s argument)."""
        raise NotImplementedError

    def describe_recorded(self, lesson: dict[str, Any]) -> str:
        """The status-bar line once the service took it."""
        raise NotImplementedError

    # -- state ----------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    def set_offline(self, offline: bool) -> None:
        """The service could (not) be reached at the last try: the note follows."""
        self.offline_label.setVisible(offline or self._send is None)

    def _validate(self) -> None:
        """Problems shown (blocking ones as errors, the others as warnings to confirm) and the
        button enabled when the form can be sent."""
        found = self.problems()
        blocking = [problem for problem in found if problem.blocking]
        asking = [problem for problem in found if not problem.blocking]
        self.problems_label.setText("\n".join(problem.text for problem in (blocking or asking)))
        self.problems_label.setVisible(bool(found))
        if found:
            self.problems_label.setStyleSheet(
                message_style("error" if blocking else "warning", self.palette()))
        self.confirm_box.setVisible(bool(asking) and not blocking)
        if not asking:
            self.confirm_box.setChecked(False)
        ready = (not blocking and (not asking or self.confirm_box.isChecked())
                 and self._send is not None and not self._busy)
        self.action_button.setEnabled(ready)

    def can_send(self) -> bool:
        return self.action_button.isEnabled()

    # -- sending --------------------------------------------------------------------------------

    def accept(self) -> None:
        """Send it (off the GUI thread); the dialog closes once the service took it, and stays
        with the service's words when it did not."""
        if not self.can_send():
            return
        send, body = self._send, self.body()
        assert send is not None
        self._set_busy(True)
        self.refusal_label.hide()
        run_in_background(lambda: send(body), self._on_recorded, self._on_failed, owner=self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.action_button.setText("Sending…" if busy else self.action_text)
        self._validate()

    def _on_recorded(self, lesson: dict[str, Any]) -> None:
        self._set_busy(False)
        self.set_offline(False)
        self.recorded.emit(lesson)
        super().accept()

    def _on_failed(self, error: Exception) -> None:
        self._set_busy(False)
        self.refusal_label.setText(self.explain(error))
        self.refusal_label.show()

    def explain(self, error: Exception) -> str:
        """The failure in words: the service's refusal as it said it, what to do next."""
        if isinstance(error, Offline):
            self.set_offline(True)
            # (Not the client's own words: they promise to send it later, which is not so here.)
            return (f"Not recorded: the service cannot be reached. Nothing was kept on this "
                    f"computer — a {self.what} needs the service. Check the network connection "
                    "and try again.")
        if isinstance(error, Refused):
            detail = error.detail.strip()
            detail = detail[:1].upper() + detail[1:]
            if not detail.endswith((".", "!", "?")):
                detail += "."
            return f"The service refused it: {detail}"
        if isinstance(error, Unauthorized):
            return (f"Not recorded: {error}. Sign in again (File › Sign in again…), then try "
                    "again.")
        if isinstance(error, ApiError):
            return f"Not recorded: {error}."
        return f"Not recorded: {error}. Try again; if it keeps failing, tell your administrator."
