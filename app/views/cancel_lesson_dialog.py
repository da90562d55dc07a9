"""Asked before a lesson is cancelled from the calendar (Delete, or its context menu): which lesson,
and why — the reason is kept in the lesson's notes, as when it is cancelled in the editor."""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from app.models.lessons import Lesson
from app.views.plain_text import make_plain

__all__ = ["CancelLessonDialog"]


class CancelLessonDialog(QDialog):
    """"Cancel this lesson?" with the reason to give; "Cancel lesson" stays disabled until there
    is one, and "Keep lesson" (also Escape) leaves it as it is."""

    def __init__(self, *, lesson: Lesson, zone: tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cancel lesson")
        self.lesson_id = lesson.id
        start, end = lesson.start.astimezone(zone), lesson.end.astimezone(zone)
        self.summary_label = QLabel(
            f"Cancel {lesson.student}'s lesson {start:%a %d %b %H:%M}–{end:%H:%M} in "
            f"{lesson.aircraft}" + (f" with {lesson.instructor}" if lesson.instructor else "")
            + "?\nThe student and instructor are not told by this: call them.", self)
        self.summary_label.setWordWrap(True)
        make_plain(self.summary_label)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText("Why? (kept in the lesson's notes)")
        self.reason_edit.setAccessibleName("Reason for cancelling")
        self.buttons = QDialogButtonBox(self)
        self.cancel_lesson_button = self.buttons.addButton(
            "Cancel &lesson", QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep_button = self.buttons.addButton("&Keep lesson",
                                                  QDialogButtonBox.ButtonRole.RejectRole)
        self.keep_button.setDefault(True)  # Return alone never cancels a lesson
        self.cancel_lesson_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason_edit.textChanged.connect(
            lambda text: self.cancel_lesson_button.setEnabled(bool(text.strip())))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(QLabel("&Reason:", self, buddy=self.reason_edit))
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.buttons)
        self.reason_edit.setFocus()

    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def accept(self) -> None:
        if self.reason():
            super().accept()
