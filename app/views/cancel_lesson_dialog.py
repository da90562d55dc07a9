"""Asked before a lesson is cancelled from the calendar (Delete, or its context menu): which lesson,
what kind of cancellation (the student cancelled, a no-show, the school…: the metrics count each
kind apart from the sweep's weather cancellations) and why in words — kept in the lesson's notes.
For a lesson of a weekly series: this lesson only, or this and the following ones.

"This lesson only" travels like any edit (the outbox: queued while the service cannot be reached);
"this and following" is the service's alone (``POST /flights/{id}/cancel`` with scope
"following", all or none), so it needs the service to be reachable — the dialog says so."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QGroupBox, QLabel,
                               QLineEdit, QRadioButton, QVBoxLayout, QWidget)

from app.models.labels import CANCEL_KIND_LABELS
from app.models.lessons import Lesson
from app.models.logbook import FollowingLessons
from app.views.plain_text import make_plain
from app.views.theme import message_style

__all__ = ["CancelLessonDialog", "KIND_HINTS"]

# What each kind covers, under its label.
KIND_HINTS = {
    "student": "the student called it off",
    "no_show": "the student did not come",
    "school": "no instructor or aircraft (sickness, maintenance…)",
    "weather": "the desk's own call on the weather (the sweep's cancellations are counted apart)",
    "other": "none of these",
}


class CancelLessonDialog(QDialog):
    """"Cancel this lesson?" with the kind and the reason to give; "Cancel lesson" stays disabled
    until both are given, and "Keep lesson" (also Escape) leaves it as it is."""

    def __init__(self, *, lesson: Lesson, zone: tzinfo, offline: bool = False,
                 parent: QWidget | None = None) -> None:
        """``offline``: the service could not be reached at the last try ("this and following"
        then cannot be done)."""
        super().__init__(parent)
        self.setWindowTitle("Cancel lesson")
        self.lesson_id = lesson.id
        self._zone = zone
        self._offline = offline
        start, end = lesson.start.astimezone(zone), lesson.end.astimezone(zone)
        self.summary_label = QLabel(
            f"Cancel {lesson.student}'s lesson {start:%a %d %b %H:%M}–{end:%H:%M} {start:%Z} in "
            f"{lesson.aircraft}" + (f" with {lesson.instructor}" if lesson.instructor else "")
            + "?\nThe student and instructor are not told by this: call them.", self)
        self.summary_label.setWordWrap(True)
        make_plain(self.summary_label)

        self.kind_box = QGroupBox("What happened?", self)
        kinds = QVBoxLayout(self.kind_box)
        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[str, QRadioButton] = {}
        for kind, words in CANCEL_KIND_LABELS.items():
            button = QRadioButton(words, self.kind_box)
            button.setToolTip(KIND_HINTS.get(kind, ""))
            button.setProperty("cancel_kind", kind)
            self.kind_group.addButton(button)
            self.kind_buttons[kind] = button
            kinds.addWidget(button)
        self.kind_group.setExclusive(True)

        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText("Why, in a few words? (kept in the lesson's notes)")
        self.reason_edit.setAccessibleName("Reason for cancelling")
        self.reason_edit.setMaxLength(500)  # the service's bound

        # A lesson of a series: this one, or this and the later ones.
        self.scope_box = QGroupBox("Which lessons?", self)
        scopes = QVBoxLayout(self.scope_box)
        self.this_only = QRadioButton("&This lesson only", self.scope_box)
        self.following = QRadioButton("This and the &following lessons of its weekly series",
                                      self.scope_box)
        self.this_only.setChecked(True)
        self.scope_group = QButtonGroup(self)
        for button in (self.this_only, self.following):
            self.scope_group.addButton(button)
            scopes.addWidget(button)
        self.scope_box.setVisible(bool(lesson.series_id))

        self.note_label = QLabel(self)
        self.note_label.setWordWrap(True)
        self.note_label.setStyleSheet(message_style("warning", self.palette()))
        make_plain(self.note_label)
        self.note_label.hide()

        self.buttons = QDialogButtonBox(self)
        self.cancel_lesson_button = self.buttons.addButton(
            "Cancel &lesson", QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep_button = self.buttons.addButton("&Keep lesson",
                                                  QDialogButtonBox.ButtonRole.RejectRole)
        self.keep_button.setDefault(True)  # Return alone never cancels a lesson
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(lambda _text: self._check())
        self.kind_group.buttonToggled.connect(lambda *_: self._check())
        self.scope_group.buttonToggled.connect(lambda *_: self._check())

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.kind_box)
        layout.addWidget(QLabel("&Reason:", self, buddy=self.reason_edit))
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.scope_box)
        layout.addWidget(self.note_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self._check()
        self.kind_buttons[next(iter(CANCEL_KIND_LABELS))].setFocus()

    # -- what was chosen --------------------------------------------------------------------------

    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def kind(self) -> str | None:
        """The kind chosen (``student``, ``no_show``, ``school``, ``weather``, ``other``), or
        None while none is."""
        button = self.kind_group.checkedButton()
        return str(button.property("cancel_kind")) if button is not None else None

    def scope(self) -> str:
        """"this" or "following"."""
        chosen = (not self.scope_box.isHidden() and self.following.isEnabled()
                  and self.following.isChecked())
        return "following" if chosen else "this"

    def set_following(self, following: FollowingLessons) -> None:
        """How many later lessons of the series "this and following" would cancel."""
        if following.count == 0:
            self.following.setText("This and the following lessons (none left to fly)")
            self.following.setEnabled(False)
            self.this_only.setChecked(True)
        else:
            until = (f", until {following.last_start.astimezone(self._zone):%a %d %b}"
                     if following.last_start is not None else "")
            lessons = "lesson" if following.count == 1 else "lessons"
            self.following.setText(f"This and the &following {following.count} {lessons} of its "
                                   f"weekly series{until}")
            self.following.setEnabled(True)
        self._check()

    def set_offline(self, offline: bool) -> None:
        self._offline = offline
        self._check()

    def problem(self) -> str:
        """Why it cannot be cancelled as chosen yet ("" when it can)."""
        if self.kind() is None:
            return "Choose what happened."
        if not self.reason():
            return "Give the reason."
        if self.scope() == "following" and self._offline:
            return "offline"
        return ""

    def _check(self) -> None:
        problem = self.problem()
        self.cancel_lesson_button.setEnabled(not problem)
        if problem == "offline":
            self.note_label.setText(
                "The service cannot be reached right now, and the following lessons of a series "
                "are cancelled by the service only. Cancel this lesson only (it is sent as soon "
                "as the service can be reached), or try again when it is back.")
            self.note_label.show()
        else:
            self.note_label.hide()

    def accept(self) -> None:
        if not self.problem():
            super().accept()
