"""The find bar (Ctrl+F): students, instructors, aircraft and lessons from the local replica.

Typing searches (``lesson_search.find``, off the GUI thread, a moment after the last key); the
results list under the field shows people and aircraft first (each leads to its next lesson),
then lessons, soonest first. Return or a click goes to the chosen one (``lesson_chosen``) and
folds the list away, Up and Down move through the list (Down shows it again), Escape closes the
bar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QToolButton, QVBoxLayout,
    QWidget,
)

from app.models.lesson_search import FindResult, FindResults, find
from app.services.background import run_in_background
from app.services.replica import Replica
from app.views.plain_text import make_plain, plain_tooltip

__all__ = ["FindBar", "SEARCH_DELAY_MS"]

SEARCH_DELAY_MS = 200  # after the last key: one search per pause, not one per letter
_VISIBLE_RESULTS = 8
_RESULT = Qt.ItemDataRole.UserRole + 1


class FindBar(QWidget):
    """Signals:
        lesson_chosen(str, object): go to this lesson (its id, and its start, aware UTC).
        searched(object): the ``FindResults`` now listed.
        closed(): the bar was closed (Escape or its close button).
    """

    lesson_chosen = Signal(str, object)
    searched = Signal(object)
    closed = Signal()

    def __init__(self, *, replica: Replica,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("find-bar")
        self._replica = replica
        self._clock = clock
        self._asked = 0  # the latest search: answers to earlier ones are dropped
        self.field = QLineEdit(self)
        self.field.setPlaceholderText("Student, instructor, tail number, notes or lesson id")
        self.field.setClearButtonEnabled(True)
        self.field.setAccessibleName("Find")
        self.field.setMinimumWidth(320)
        self.field.textChanged.connect(lambda _text: self._timer.start())
        self.field.returnPressed.connect(self.go_to_current)
        self.field.installEventFilter(self)
        self.count_label = QLabel(self)
        make_plain(self.count_label)
        self.close_button = QToolButton(self)
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Close the find bar (Escape)")
        self.close_button.setAccessibleName("Close the find bar")
        self.close_button.clicked.connect(self.close_bar)
        self.results = QListWidget(self)
        self.results.setAccessibleName("Found")
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay in the field
        self.results.itemClicked.connect(lambda item: self._choose(item.data(_RESULT)))
        self.results.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        caption = QLabel("Find:", self)  # (no mnemonic: Alt+F opens the File menu)
        caption.setBuddy(self.field)
        top.addWidget(caption)
        top.addWidget(self.field, 1)
        top.addWidget(self.count_label)
        top.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.results)
        self.hide()

    # -- opening and closing ---------------------------------------------------------------

    def open(self) -> None:
        """Show the bar with the field focused and its text selected (Ctrl+F again: same)."""
        self.show()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()
        if self.field.text().strip() and self.results.count() == 0:
            self.search_now()

    def close_bar(self) -> None:
        self._timer.stop()
        self._asked += 1
        self.hide()
        self.closed.emit()

    # -- searching -------------------------------------------------------------------------

    def search_now(self) -> None:
        """Search for the field's text (in the background)."""
        self._timer.stop()
        self._asked += 1
        asked, text = self._asked, self.field.text()
        if not text.strip():
            self._show(FindResults(text))
            return
        replica, now = self._replica, self._clock()
        run_in_background(lambda: find(replica, text, now=now),
                          lambda results: self._answered(asked, results),
                          lambda error: self._search_failed(asked, error), owner=self)

    def _answered(self, asked: int, results: FindResults) -> None:
        if asked == self._asked:
            self._show(results)

    def _search_failed(self, asked: int, error: Exception) -> None:
        if asked == self._asked:
            self._show(FindResults(self.field.text()))
            self.count_label.setText(f"Could not search: {error}")

    def _show(self, found: FindResults) -> None:
        self.results.clear()
        for result in found.results:
            item = QListWidgetItem(f"{result.title}  —  {result.detail}")
            item.setData(_RESULT, result)
            item.setToolTip(plain_tooltip(f"{result.title}\n{result.detail}"))
            self.results.addItem(item)
        if found.more:
            item = QListWidgetItem(f"… and {found.more} more lessons: type more to narrow it down")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)
            rows = min(self.results.count(), _VISIBLE_RESULTS)
            self.results.setFixedHeight(rows * max(self.results.sizeHintForRow(0), 1)
                                        + 2 * self.results.frameWidth())
        self.results.setVisible(self.results.count() > 0)
        if not found.text.strip():
            self.count_label.setText("")
        elif found.count == 0:
            self.count_label.setText("Nothing found")
        else:
            self.count_label.setText(f"{found.count} found")
        self.searched.emit(found)

    @property
    def shown_results(self) -> list[FindResult]:
        return [item.data(_RESULT) for item in
                (self.results.item(row) for row in range(self.results.count()))
                if item.data(_RESULT) is not None]

    # -- choosing --------------------------------------------------------------------------

    def go_to_current(self) -> None:
        """Return: the current result (the first unless moved)."""
        if self._timer.isActive():
            # Return before the pause ended: search now, and choose once the answer is listed.
            self.searched.connect(self._choose_first_once)
            self.search_now()
            return
        item = self.results.currentItem()
        if item is not None:
            self._choose(item.data(_RESULT))

    def _choose_first_once(self, _results: FindResults) -> None:
        self.searched.disconnect(self._choose_first_once)
        self.go_to_current()

    def _choose(self, result: FindResult | None) -> None:
        if result is None:
            return
        if not result.lesson_id or result.start is None:
            self.count_label.setText(f"{result.title} has no lessons")
            return
        # The list folds away (the calendar gets its room back); Down shows it again.
        self.results.hide()
        self.lesson_chosen.emit(result.lesson_id, result.start)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.field and isinstance(event, QKeyEvent) \
                and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key == Qt.Key.Key_Escape:
                self.close_bar()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.results.count():
                if self.results.isHidden():
                    self.results.show()
                    return True
                step = 1 if key == Qt.Key.Key_Down else -1
                row = min(max(self.results.currentRow() + step, 0), self.results.count() - 1)
                self.results.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)
