"""The lesson editor's question when a lesson of a weekly series moves in time: this lesson only,
or this and the following lessons of the series (moved the same way: to the same new time of
day, as many days later or earlier; all or none, each on every rule).

The answer is ``chosen(scope)`` ("this" or "following"); Cancel goes back to the form. Moving the
following lessons changes only times: when the edit changes something else too, that choice is
off and says why.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from app.models.labels import SCOPE_LABELS
from app.views.plain_text import plain_label, plain_tooltip
from app.views.theme import message_style

__all__ = ["SeriesScopeDialog"]


class SeriesScopeDialog(QDialog):
    """Signals:
        chosen(str): "this" or "following"; the dialog closes (accepted).
    """

    chosen = Signal(str)

    def __init__(self, *, what: str, following_allowed: bool = True, why_not: str = "",
                 offline: bool = False, parent: QWidget | None = None) -> None:
        """``what``: the change in words ("Jane Doe's lesson moves from Tue 02 Dec 14:00 to Wed
        03 Dec 15:00 CST"). ``offline``: the change is kept here and sent later."""
        super().__init__(parent)
        self.setObjectName("series-scope-dialog")
        self.setWindowTitle("Move lessons of the series")
        self.heading = plain_label(f"{what}. This lesson belongs to a weekly series: which "
                                   "lessons move?", self)
        self.heading.setWordWrap(True)
        self.note = plain_label("", self)
        self.note.setWordWrap(True)
        notes = []
        if not following_allowed and why_not:
            notes.append(why_not)
        if offline:
            notes.append("The service cannot be reached now: the change is kept on this computer "
                         "and sent, with the lessons it moves, once it can be.")
        self.note.setText("\n".join(notes))
        self.note.setStyleSheet(message_style("info", self.palette()) if notes else "")
        self.note.setVisible(bool(notes))
        self.buttons = QDialogButtonBox(self)
        self.this_button = self.buttons.addButton(SCOPE_LABELS["this"],
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.following_button = self.buttons.addButton(SCOPE_LABELS["following"],
                                                       QDialogButtonBox.ButtonRole.AcceptRole)
        self.following_button.setEnabled(following_allowed)
        self.following_button.setToolTip(plain_tooltip(
            why_not if not following_allowed else
            "The later lessons of the series still to fly move the same way; if one of them "
            "cannot, none moves and the reason is shown"))
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.this_button.setDefault(True)
        self.this_button.clicked.connect(lambda: self._choose("this"))
        self.following_button.clicked.connect(lambda: self._choose("following"))
        self.cancel_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def _choose(self, scope: str) -> None:
        self.chosen.emit(scope)
        self.accept()
