"""Help › Keyboard shortcuts: every action of the menu bar with its shortcut.

Built by walking the menu bar each time it opens, so it lists what the menus really hold —
including menus added later — and never a hand-kept copy.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QMenu, QMenuBar,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

__all__ = ["ShortcutsDialog", "menu_actions", "plain_text", "shortcut_text"]


def plain_text(text: str) -> str:
    """A menu text without its mnemonic marks: ``"&Sync now"`` → ``"Sync now"``."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def shortcut_text(action: QAction) -> str:
    """The action's shortcuts as this platform writes them (``Ctrl+4``, ``⌘4``)."""
    return ", ".join(sequence.toString(QKeySequence.SequenceFormat.NativeText)
                     for sequence in action.shortcuts() if not sequence.isEmpty())


def menu_actions(menu_bar: QMenuBar) -> Iterator[tuple[str, QAction]]:
    """``("View", action)`` for every visible action reachable from the menu bar, in menu order;
    submenus give ``"Lesson › Move to"``."""

    def walk(menu: QMenu, path: str) -> Iterator[tuple[str, QAction]]:
        for action in menu.actions():
            if action.isSeparator() or not action.isVisible():
                continue
            submenu = action.menu()
            if isinstance(submenu, QMenu):
                yield from walk(submenu, f"{path} › {plain_text(action.text())}")
            else:
                yield path, action

    for action in menu_bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.isVisible():
            yield from walk(menu, plain_text(action.text()))


class ShortcutsDialog(QDialog):
    """A table of menu, action and shortcut (no signals: it only shows)."""

    def __init__(self, *, menu_bar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = list(menu_actions(menu_bar))
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Menu", "Action", "Shortcut"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for row, (path, action) in enumerate(rows):
            texts = (path, plain_text(action.text()), shortcut_text(action) or "—")
            for column, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if action.toolTip() and column == 1:
                    item.setToolTip(action.toolTip())
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(480, min(120 + 30 * len(rows), 640))
        self.setWindowModality(Qt.WindowModality.NonModal)

    def rows(self) -> list[tuple[str, str, str]]:
        """(menu, action, shortcut) as shown."""
        return [tuple(self.table.item(row, column).text() for column in range(3))  # type: ignore[misc]
                for row in range(self.table.rowCount())]
