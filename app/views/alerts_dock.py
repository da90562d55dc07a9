"""The alerts dock: everything that needs action, with the count in its title.

Activating an alert (double-click or Enter) says what to open, by the alert's kind.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QDockWidget, QListView, QWidget

from app.models.alerts import AlertKind
from app.models.alerts_model import AlertRole, AlertsModel

__all__ = ["AlertsDock", "WEATHER_KINDS"]

# The alerts that open onto the weather and the reschedule request (``WeatherAlertDialog``).
WEATHER_KINDS = frozenset({AlertKind.AT_RISK, AlertKind.WEATHER_CANCELLED, AlertKind.CONFIRM})


class AlertsDock(QDockWidget):
    """Signals:
        count_changed(int): the number of alerts shown, after each reload.
        weather_activated(str): a weather alert — at risk, cancelled for weather, or waiting
            for the instructor's confirmation — was activated: its lesson's id (the weather alert
            dialog opens on it, with the reasons, the reports and the reschedule request).
        lesson_activated(str): another alert about a lesson (a failed mail's, say): its id.
        check_in_activated(str): a lesson checked out and not checked in past its end: its id
            (the check-in dialog opens on it).
        request_activated(str): a reschedule request to open in the review (its id).
        edit_activated(str): a local edit in conflict or refused (its mutation id).
        notification_activated(str): a mail that failed (its notification id).
    """

    count_changed = Signal(int)
    weather_activated = Signal(str)
    lesson_activated = Signal(str)
    check_in_activated = Signal(str)
    request_activated = Signal(str)
    edit_activated = Signal(str)
    notification_activated = Signal(str)

    def __init__(self, *, model: AlertsModel, parent: QWidget | None = None) -> None:
        super().__init__("Alerts", parent)
        self.setObjectName("alerts-dock")
        self._model = model
        self.list_view = QListView(self)
        self.list_view.setObjectName("alerts-list")
        self.list_view.setModel(model)
        # One line an alert, the cause in it; what does not fit is in the tooltip and one
        # activation away.
        self.list_view.setWordWrap(False)
        self.list_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list_view.setAlternatingRowColors(True)
        self.list_view.setUniformItemSizes(True)
        self.list_view.setIconSize(QSize(18, 18))  # the kind's glyph on its colour
        self.list_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.activated.connect(self._activate)
        self.setWidget(self.list_view)
        model.modelReset.connect(self._recount)
        self._recount()

    @property
    def count(self) -> int:
        return self._model.rowCount()

    def activate_row(self, row: int) -> None:
        """As if the alert in ``row`` were double-clicked."""
        self._activate(self._model.index(row, 0))

    def _activate(self, index: QModelIndex) -> None:
        alert = self._model.data(index, AlertRole.ALERT)
        if alert is None:
            return
        if alert.kind in (AlertKind.EDIT_CONFLICT, AlertKind.EDIT_REJECTED) and alert.mutation_id:
            self.edit_activated.emit(alert.mutation_id)
        elif alert.kind is AlertKind.MAIL_FAILED and alert.notification_id:
            self.notification_activated.emit(alert.notification_id)
        elif alert.kind in WEATHER_KINDS and alert.lesson_id:
            self.weather_activated.emit(alert.lesson_id)
        elif alert.kind is AlertKind.NOT_CHECKED_IN and alert.lesson_id:
            self.check_in_activated.emit(alert.lesson_id)
        elif alert.kind is AlertKind.CONFIRM and alert.request_id:
            self.request_activated.emit(alert.request_id)
        elif alert.lesson_id:
            self.lesson_activated.emit(alert.lesson_id)

    def _recount(self) -> None:
        self.setWindowTitle(f"Alerts ({self.count})")
        self.count_changed.emit(self.count)
