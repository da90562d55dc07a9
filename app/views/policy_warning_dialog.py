"""A small question after a move the school's booking policy warns about (a drag on the
calendar, or Move lesson…): the warnings, then "Move anyway" (accepted: the lesson keeps which)
or "Cancel" (the move is dropped and the lesson goes back where it was). The answer is the
dialog's: ``accepted`` or ``rejected``; the caller does the work."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from app.services.policy_warnings import PolicyWarning
from app.views.plain_text import plain_label
from app.views.theme import message_style

__all__ = ["PolicyWarningDialog"]


class PolicyWarningDialog(QDialog):
    """``what``: the edit in words ("Moving Jane Doe's lesson to Tue 02 Dec 09:00");
    ``go_text``: the button that goes ahead ("Move &anyway")."""

    def __init__(self, *, what: str, warnings: Sequence[PolicyWarning],
                 go_text: str = "Move &anyway", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policy-warning-dialog")
        self.setWindowTitle("The booking policy warns")
        self.warnings = tuple(warnings)
        self.heading = plain_label(f"{what} goes against the school's booking policy:", self)
        self.heading.setWordWrap(True)
        self.warnings_label = plain_label(
            "\n".join(f"• {warning.sentence}" for warning in self.warnings), self)
        self.warnings_label.setObjectName("policy-warnings")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet(message_style("warning", self.palette()))
        self.buttons = QDialogButtonBox(self)
        self.go_button = self.buttons.addButton(go_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.go_button.setToolTip("Go ahead with these warnings accepted; the lesson keeps which "
                                  "were accepted, by whom and when")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        # Enter never goes over a warning by accident.
        self.go_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
