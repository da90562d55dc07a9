"""The messages dock (View › Messages): every status-bar message of this session, whole, with the
time in the school's zone. The status bar has one line; a long refusal ("… because the aircraft is
booked by …, and …") is cut off there, so its "Details…" link opens this dock on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QDockWidget, QListWidget, QListWidgetItem, QWidget

from app.views.plain_text import plain_tooltip

__all__ = ["MessageLog", "KEEP"]

KEEP = 500  # the oldest go first: a day's messages, not a week's


class MessageLog(QDockWidget):
    def __init__(self, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__("Messages", parent)
        self.setObjectName("messages-dock")
        self._clock = clock
        self._zone: tzinfo = UTC
        self.list_widget = QListWidget(self)
        self.list_widget.setObjectName("messages-list")
        self.list_widget.setWordWrap(True)  # here the whole text is read
        self.list_widget.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list_widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(self.list_widget)

    def set_timezone(self, zone: tzinfo) -> None:
        """The school's zone, for the times of the messages added from now on."""
        self._zone = zone

    @property
    def messages(self) -> list[str]:
        """The texts logged, oldest first (without their times)."""
        return [self.list_widget.item(row).data(Qt.ItemDataRole.UserRole)
                for row in range(self.list_widget.count())]

    def add(self, text: str) -> None:
        """Log ``text`` (shown as plain text: a refusal may quote what someone typed)."""
        if not text:
            return
        at = self._clock().astimezone(self._zone)
        item = QListWidgetItem(f"{at:%H:%M:%S %Z}  {text}")
        item.setData(Qt.ItemDataRole.UserRole, text)
        item.setToolTip(plain_tooltip(text))
        self.list_widget.addItem(item)
        while self.list_widget.count() > KEEP:
            self.list_widget.takeItem(0)

    def reveal_last(self) -> None:
        """Show the dock, raised, on the newest message."""
        self.show()
        self.raise_()
        if self.list_widget.count():
            self.list_widget.setCurrentRow(self.list_widget.count() - 1)
            self.list_widget.scrollToBottom()
