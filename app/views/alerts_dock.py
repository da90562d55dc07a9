"""The alerts dock: lessons that need action, with the count in its title."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDockWidget, QListView, QWidget

from app.models.alerts_model import AlertsModel

__all__ = ["AlertsDock"]


class AlertsDock(QDockWidget):
    """Signals:
        count_changed(int): the number of alerts shown, after each reload.
    """

    count_changed = Signal(int)

    def __init__(self, *, model: AlertsModel, parent: QWidget | None = None) -> None:
        super().__init__("Alerts", parent)
        self.setObjectName("alerts-dock")
        self._model = model
        self._list = QListView(self)
        self._list.setModel(model)
        self._list.setWordWrap(True)
        self._list.setAlternatingRowColors(True)
        self.setWidget(self._list)
        model.modelReset.connect(self._recount)
        self._recount()

    @property
    def count(self) -> int:
        return self._model.rowCount()

    def _recount(self) -> None:
        self.setWindowTitle(f"Alerts ({self.count})")
        self.count_changed.emit(self.count)
