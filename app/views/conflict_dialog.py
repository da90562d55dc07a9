"""A local edit the service did not take: in conflict (someone changed the row first) or refused.

Both versions side by side (field | your version | the server's version; rows that differ are
highlighted), then the choice: for a conflict "keep mine" (send it again on top of theirs) or
"keep theirs" (drop it), for a refused edit "discard" or "edit and send again" — and, when the
school's booking policy only warns about it (rule NEEDS_ACKNOWLEDGEMENT), its warnings and "book
anyway" (sent again with them accepted). A rule the school blocks offers no "book anyway". The
decision goes to the sync loop, which does the work off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QPushButton,
    QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from app.models.edit_review import EditReview
from app.services.policy_warnings import warning_codes
from app.services.sync_loop import SyncLoop
from app.views.plain_text import plain_label, plain_tooltip
from app.views.theme import MESSAGE_STYLES, is_dark

__all__ = ["ConflictDialog"]



class ConflictDialog(QDialog):
    """Signals:
        resolved(str, str): (mutation id, "mine" | "theirs"), after handing it to the sync loop.
        discarded(str): a refused edit's mutation id, after asking the sync loop to drop it.
        edit_again(str): the person wants to change the refused edit and send it again.
        acknowledged(str): a refused edit's mutation id, after asking the sync loop to send it
            again with the school's warnings accepted ("Book anyway").
    """

    resolved = Signal(str, str)
    discarded = Signal(str)
    edit_again = Signal(str)
    acknowledged = Signal(str)

    def __init__(self, *, review: EditReview, sync_loop: SyncLoop,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflict-dialog")
        self.review = review
        self._sync_loop = sync_loop
        conflict = review.state == "conflict"
        warned = bool(review.warnings)
        self.setWindowTitle("Your change clashes with a newer one" if conflict
                            else "Your change goes against the booking policy" if warned
                            else "Your change was refused")

        if conflict:
            heading = (f"Someone changed {review.target} on the server after you made your "
                       "change. Compare both versions and choose which one stands.")
        elif warned:
            heading = (f"The school's booking policy warns about your change to {review.target}. "
                       "Book it anyway, edit it and send it again, or discard it.")
        elif review.state == "rejected":
            heading = (f"The service refused your change to {review.target}. Discard it, or "
                       "edit it and send it again.")
        else:
            heading = f"Your change to {review.target} is waiting to be sent; nothing to decide."
        self.heading = plain_label(heading, self)
        self.heading.setWordWrap(True)
        reason = ("The policy says:\n" + "\n".join(f"• {warning.sentence}"
                                                   for warning in review.warnings)
                  if warned else f"The service said: {review.reason}")
        self.reason_label = plain_label(reason, self)
        self.reason_label.setObjectName("conflict-reason")
        self.reason_label.setWordWrap(True)
        self.reason_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason_label.setVisible(review.state in ("conflict", "rejected"))

        self.table = QTableWidget(len(review.fields), 3, self)
        self.table.setObjectName("conflict-versions")
        self.table.setHorizontalHeaderLabels(["Field", "Your version", "The server's version"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        bold = QFont(self.font())
        bold.setBold(True)
        # Differing fields: the warning tone of this palette, text and background together.
        differs_text, differs_fill, _border = MESSAGE_STYLES["warning"][is_dark(self.palette())]
        for row, field in enumerate(review.fields):
            for column, text in enumerate((field.label, field.mine, field.theirs)):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tooltip(text))
                if field.differs:
                    item.setBackground(QBrush(QColor(differs_fill)))
                    item.setForeground(QBrush(QColor(differs_text)))
                    item.setFont(bold)
                self.table.setItem(row, column, item)

        self.buttons = QDialogButtonBox(self)
        self.keep_mine_button = self.keep_theirs_button = None
        self.discard_button = self.edit_again_button = self.book_anyway_button = None
        if conflict:
            self.keep_mine_button = self._button("Keep mine (send again on top of theirs)",
                                                 lambda: self._resolve("mine"))
            self.keep_theirs_button = self._button("Keep theirs (drop my change)",
                                                   lambda: self._resolve("theirs"))
        elif review.state == "rejected":
            if warned:
                self.book_anyway_button = self._button("Book anyway", self._book_anyway)
                self.book_anyway_button.setToolTip(
                    "Send the change again with these warnings accepted; the lesson keeps "
                    "which were accepted, by whom and when")
            self.discard_button = self._button("Discard my change", self._discard)
            self.edit_again_button = self._button("Edit and send again", self._edit_again)
        later = self.buttons.addButton("Decide later" if review.state != "pending" else "Close",
                                       QDialogButtonBox.ButtonRole.RejectRole)
        later.clicked.connect(self.reject)
        # Enter never drops or overwrites anyone's work by accident.
        for button in self.buttons.buttons():
            button.setAutoDefault(False)
        later.setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.buttons)
        self.resize(720, 420)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.table.resizeRowsToContents()  # once the columns have their width: wrapped notes fit

    def _button(self, text: str, slot: Callable[[], None]) -> QPushButton:
        button = self.buttons.addButton(text, QDialogButtonBox.ButtonRole.ActionRole)
        button.clicked.connect(slot)
        return button

    def _resolve(self, keep: str) -> None:
        self._sync_loop.resolve_conflict(self.review.mutation_id, keep)
        self.resolved.emit(self.review.mutation_id, keep)
        self.accept()

    def _discard(self) -> None:
        self._sync_loop.discard_edit(self.review.mutation_id)
        self.discarded.emit(self.review.mutation_id)
        self.accept()

    def _book_anyway(self) -> None:
        self._sync_loop.acknowledge_edit(self.review.mutation_id,
                                         warning_codes(self.review.warnings))
        self.acknowledged.emit(self.review.mutation_id)
        self.accept()

    def _edit_again(self) -> None:
        self.edit_again.emit(self.review.mutation_id)
        self.accept()
