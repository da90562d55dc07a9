"""The reschedule review: weather-cancelled lessons' requests in a list, the chosen one beside it
(``RequestPanel``: its lesson, state, who acted when, its three options and the decisions the desk
makes — confirm, pick for the student, reject, search again).

The list and the options come from the replica (read off the GUI thread); who acted when comes
from the service (``GET /reschedule/{id}``), or, offline, from the replica's timestamps. Every
decision goes to the service in the background; on success a sync round follows so the calendar
and alerts change too.

The dock fits the room it is given: the list beside the request when the dock is wide, above it
when narrow; the option cards side by side, or stacked; never a sideways scrollbar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QListView, QPushButton, QSplitter, QWidget

from app.models.reschedule_model import (
    RescheduleListModel,
    RescheduleRole,
    Reschedules,
    RescheduleView,
    load_reschedules,
)
from app.services.api_client import ApiClient
from app.services.background import run_in_background
from app.services.replica import Replica
from app.services.sync_loop import SyncLoop
from app.views.reschedule_option_card import OptionCard
from app.views.reschedule_request_panel import (MANAGER_ROLES, OFFLINE_NOTE, OPTION_CARDS,
                                                RequestPanel)

__all__ = ["RescheduleReview", "OFFLINE_NOTE", "OPTION_CARDS", "MANAGER_ROLES"]

# Below this width the list goes above the request instead of beside it.
SIDE_BY_SIDE_WIDTH = 760
LIST_WIDTH = 240


class RescheduleReview(QDockWidget):
    """Signals:
        acted(str, str): a decision the service accepted — (request id, action), the action one of
            "pick", "confirm", "reject", "search_again"; for "search_again" the id is the new
            request's.
        action_failed(str): the service refused a decision or could not be reached; the message
            (also shown in the panel) says what happened and what to do next.
        request_shown(str): the panel shows this request with its history (online or offline).
        refreshed(): the list shows the replica's requests as they are now (after ``refresh``).
    """

    acted = Signal(str, str)
    action_failed = Signal(str)
    request_shown = Signal(str)
    refreshed = Signal()

    def __init__(self, *, replica: Replica, sync_loop: SyncLoop, client: ApiClient | None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__("Reschedule review", parent)
        self.setObjectName("reschedule-dock")
        self._replica = replica
        self._wanted: str | None = None  # a request to select once the replica has it

        self.model = RescheduleListModel(parent=self)
        self.list_view = QListView(self)
        self.list_view.setModel(self.model)
        self.list_view.setWordWrap(True)
        self.list_view.setAlternatingRowColors(True)
        self.list_view.setMinimumWidth(180)
        self.list_view.setSpacing(2)
        # Long names wrap; a sideways scrollbar would hide the state at the end of the line.
        self.list_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list_view.selectionModel().currentChanged.connect(self._on_current_changed)

        self.panel = RequestPanel(sync_loop=sync_loop, client=client, clock=clock, parent=self)
        self.panel.acted.connect(self._on_acted)
        self.panel.acted.connect(self.acted)
        self.panel.action_failed.connect(self.action_failed)
        self.panel.request_shown.connect(self.request_shown)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.list_view)
        self.splitter.addWidget(self.panel)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([LIST_WIDTH, 900])
        self.setWidget(self.splitter)

    # -- the request panel's parts (the review is where the desk and the tests reach them) -

    @property
    def cards(self) -> list[OptionCard]:
        return self.panel.cards

    @property
    def confirm_button(self) -> QPushButton:
        return self.panel.confirm_button

    @property
    def reject_button(self) -> QPushButton:
        return self.panel.reject_button

    @property
    def search_button(self) -> QPushButton:
        return self.panel.search_button

    @property
    def lesson_label(self) -> QLabel:
        return self.panel.lesson_label

    @property
    def state_label(self) -> QLabel:
        return self.panel.state_label

    @property
    def offline_label(self) -> QLabel:
        return self.panel.offline_label

    @property
    def message_label(self) -> QLabel:
        return self.panel.message_label

    @property
    def hint_label(self) -> QLabel:
        return self.panel.hint_label

    @property
    def history_title(self) -> QLabel:
        return self.panel.history_title

    @property
    def history_label(self) -> QLabel:
        return self.panel.history_label

    @property
    def empty_label(self) -> QLabel:
        return self.panel.empty_label

    # -- public ---------------------------------------------------------------------------

    @property
    def current(self) -> RescheduleView | None:
        """The request the panel shows, as the replica last had it."""
        return self.panel.current

    @property
    def online(self) -> bool:
        return self.panel.online

    def refresh(self) -> None:
        """Read the requests from the replica again (off the GUI thread); the selection stays."""
        replica = self._replica
        run_in_background(lambda: load_reschedules(replica), self._loaded, self._load_failed,
                          owner=self)

    def show_request(self, request_id: str) -> None:
        """Select ``request_id`` (now, or after the next refresh if the replica lacks it yet)."""
        row = self.model.row_of(request_id)
        if row < 0:
            self._wanted = request_id
            self.refresh()
            return
        self._wanted = None
        index = self.model.index(row, 0)
        self.list_view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.list_view.scrollTo(index)
        self.panel.show_request(self.model.data(index, RescheduleRole.REQUEST))

    def first_open_request(self) -> str | None:
        return next((r.id for r in self.model.reschedules.requests if r.is_open), None)

    def confirm(self) -> None:
        """Book the student's pick (the lesson's instructor, a dispatcher or an admin)."""
        self.panel.confirm()

    def pick_for_student(self, rank: int) -> None:
        """Record the student's choice (told on the phone): option ``rank``."""
        self.panel.pick_for_student(rank)

    def reject(self, reason: str | None = None) -> None:
        """Close the request; without ``reason`` the person is asked for one (it may stay empty)."""
        self.panel.reject(reason)

    def search_again(self) -> None:
        """Replace the request by one with freshly searched options (dispatchers and admins)."""
        self.panel.search_again()

    # -- layout ---------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        wide = event.size().width() >= SIDE_BY_SIDE_WIDTH
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
            # Beside: the list a column; above: a few lines of it, the request the rest.
            first = LIST_WIDTH if wide else max(event.size().height() // 4, 90)
            total = event.size().width() if wide else event.size().height()
            self.splitter.setSizes([first, max(total - first, 1)])

    # -- reading --------------------------------------------------------------------------

    def _loaded(self, reschedules: Reschedules) -> None:
        current = self.panel.current
        keep = self._wanted or (current.id if current is not None else None)
        self.model.set_reschedules(reschedules)
        self.panel.set_reschedules(reschedules)
        row = self.model.row_of(keep) if keep else -1
        if row < 0 and self._wanted is None and self.model.rowCount() > 0:
            row = 0
        if self.model.rowCount() == 0:
            self.panel.show_request(None)
        elif row >= 0:  # else the wanted request is not synced yet: the next refresh brings it
            self._wanted = None
            self.show_request(self.model.data(self.model.index(row, 0), RescheduleRole.ID))
        self.refreshed.emit()

    def _load_failed(self, error: Exception) -> None:
        self.panel.set_message(f"Could not read the requests from the local copy: {error}. "
                               "Restart the app; if it happens again, report it.")

    def _on_current_changed(self, current: Any, _previous: Any) -> None:
        request = self.model.data(current, RescheduleRole.REQUEST) if current.isValid() else None
        shown = self.panel.current
        if request is not None and (shown is None or shown.id != request.id):
            self.panel.show_request(request)

    def _on_acted(self, request_id: str, action: str) -> None:
        if action == "search_again":
            self._wanted = request_id  # the new request: selected once the sync brings it
