"""The dispatcher's main window: calendar in the centre, alerts dock, menus and status bar.

Data comes from the local replica, read off the GUI thread (``run_in_background``); the sync loop
says when rows changed and how the connection stands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from app.models.alerts_model import AlertsModel
from app.models.calendar_model import CalendarModel
from app.models.lessons import Schedule, load_schedule
from app.models.weather_board_model import WeatherBoardModel
from app.services.background import run_in_background
from app.services.replica import Changes, Replica
from app.services.sync_engine import SyncStatus
from app.services.sync_loop import SyncLoop
from app.views.alerts_dock import AlertsDock
from app.views.calendar_view import CalendarView, ViewMode
from app.views.weather_board import WeatherBoard

__all__ = ["MainWindow"]

ALERTS_AHEAD = timedelta(days=14)


class MainWindow(QMainWindow):
    """Signals:
        loaded(): the calendar and alerts show the replica's current rows (after each reload).
        load_failed(str): reading the replica failed; the message says what to do.
    """

    loaded = Signal()
    load_failed = Signal(str)

    def __init__(self, *, sync_loop: SyncLoop, replica: Replica, user_email: str,
                 fetch_weather: Callable[[Sequence[str]], list[dict[str, Any]]] | None = None,
                 mode: ViewMode | None = None, day: date | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sync_loop = sync_loop
        self._replica = replica
        self._user_email = user_email
        self._clock = clock
        self._school = ""
        self._settings = QSettings()
        mode = mode or ("day" if self._settings.value("calendar/view") == "day" else "week")

        self.calendar_model = CalendarModel(parent=self)
        self.alerts_model = AlertsModel(parent=self)
        self.calendar = CalendarView(model=self.calendar_model, mode=mode, day=day, clock=clock,
                                     parent=self)
        self.setCentralWidget(self.calendar)
        self.alerts_dock = AlertsDock(model=self.alerts_model, parent=self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.alerts_dock)
        self.weather_model = WeatherBoardModel(parent=self)
        self.weather_board: WeatherBoard | None = None
        if fetch_weather is not None:
            self.weather_board = WeatherBoard(model=self.weather_model, fetch=fetch_weather,
                                              parent=self)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.weather_board)
        self._build_menus(mode)
        self._build_status_bar()

        self.calendar.range_changed.connect(lambda *_: self.reload())
        self.alerts_dock.count_changed.connect(lambda *_: self._update_title())
        sync_loop.changed.connect(self._on_changed)
        sync_loop.status_changed.connect(self._show_status)
        self._show_status(sync_loop.status)

        geometry = self._settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 800)
        state = self._settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        self._update_title()

    # -- building -------------------------------------------------------------------------

    def _build_menus(self, mode: ViewMode) -> None:
        view = self.menuBar().addMenu("&View")
        group = QActionGroup(self)
        self.week_action = QAction("&Week", self, checkable=True, shortcut=QKeySequence("Ctrl+1"))
        self.day_action = QAction("&Day", self, checkable=True, shortcut=QKeySequence("Ctrl+2"))
        for action, name in ((self.week_action, "week"), (self.day_action, "day")):
            group.addAction(action)
            action.setChecked(name == mode)
            action.triggered.connect(lambda _checked=False, name=name: self.set_mode(name))
            view.addAction(action)
        view.addSeparator()
        self.today_action = QAction("&Today", self, shortcut=QKeySequence("Ctrl+T"))
        self.today_action.triggered.connect(self.calendar.go_today)
        self.previous_action = QAction("&Previous", self, shortcut=QKeySequence("Alt+Left"))
        self.previous_action.triggered.connect(self.calendar.go_previous)
        self.next_action = QAction("&Next", self, shortcut=QKeySequence("Alt+Right"))
        self.next_action.triggered.connect(self.calendar.go_next)
        self.sync_action = QAction("&Sync now", self, shortcut=QKeySequence("F5"))
        self.sync_action.triggered.connect(self._sync_loop.sync_now)
        view.addActions([self.today_action, self.previous_action, self.next_action])
        view.addSeparator()
        view.addAction(self.alerts_dock.toggleViewAction())
        if self.weather_board is not None:
            view.addAction(self.weather_board.toggleViewAction())
            self.weather_action = QAction("Refresh &weather", self, shortcut=QKeySequence("Ctrl+R"))
            self.weather_action.triggered.connect(self.weather_board.refresh)
            view.addAction(self.weather_action)
        view.addAction(self.sync_action)

    def _build_status_bar(self) -> None:
        self.user_label = QLabel(self)
        self.online_label = QLabel(self)
        self.sync_label = QLabel(self)
        self.pending_label = QLabel(self)
        for label in (self.user_label, self.online_label, self.sync_label, self.pending_label):
            self.statusBar().addPermanentWidget(label)
        self._show_user()

    # -- behaviour ------------------------------------------------------------------------

    def set_mode(self, mode: ViewMode) -> None:
        self._settings.setValue("calendar/view", mode)
        (self.week_action if mode == "week" else self.day_action).setChecked(True)
        self.calendar.set_mode(mode)

    def settings_view(self) -> str:
        """The view choice remembered for the next start."""
        return str(self._settings.value("calendar/view", "week"))

    def reload(self) -> None:
        """Read the visible range and the alerts from the replica, off the GUI thread."""
        start, end = self.calendar.visible_range()
        now = self._clock()
        replica = self._replica

        def read() -> tuple[Schedule, Schedule]:
            return (load_schedule(replica, start, end),
                    load_schedule(replica, now - timedelta(days=1), now + ALERTS_AHEAD))

        run_in_background(read, self._show_schedules, self._load_error)

    def _show_schedules(self, schedules: tuple[Schedule, Schedule]) -> None:
        visible, upcoming = schedules
        if (visible.timezone != self.calendar_model.schedule.timezone
                and not self.calendar_model.schedule.school):
            # First load: the school's zone decides where "today" and the week begin.
            self.calendar_model.set_schedule(visible)
            self.alerts_model.set_schedule(upcoming)
            self._school = visible.school
            self._show_user()
            self.reload()
            return
        self.calendar_model.set_schedule(visible)
        self.alerts_model.set_schedule(upcoming)
        self._school = visible.school or self._school
        if self.weather_board is not None:
            self.weather_board.set_airports(upcoming.airports)
        self._show_user()
        self._update_title()
        self.loaded.emit()

    def _load_error(self, error: Exception) -> None:
        message = f"Could not read the local schedule: {error}"
        self.statusBar().showMessage(message)
        self.load_failed.emit(message)

    def _on_changed(self, changes: Changes) -> None:
        if changes.touches("flights") or changes.touches("weather_checks") or changes.outbox:
            self.reload()

    def _show_user(self) -> None:
        self.user_label.setText(f"{self._user_email}" + (f" · {self._school}" if self._school else ""))

    def _show_status(self, status: SyncStatus) -> None:
        states = {"idle": "Online", "syncing": "Syncing…", "offline": "Offline — showing the last "
                  "known schedule", "signed_out": "Signed out — sign in again",
                  "error": f"Sync error: {status.message}"}
        self.online_label.setText(states.get(status.state, status.state))
        if status.last_sync_at is not None:
            local = status.last_sync_at.astimezone()
            self.sync_label.setText(f"Last sync {local:%H:%M:%S}")
        else:
            self.sync_label.setText("Not synced yet")
        extra = ""
        if status.conflicts:
            extra += f", {status.conflicts} conflict(s)"
        if status.rejected:
            extra += f", {status.rejected} refused"
        self.pending_label.setText(f"{status.pending} pending edit(s){extra}")

    def _update_title(self) -> None:
        alerts = self.alerts_dock.count
        prefix = f"({alerts}) " if alerts else ""
        school = f" — {self._school}" if self._school else ""
        self.setWindowTitle(f"{prefix}Flight Schedule Pro Dispatcher{school} — {self.calendar.title()}")

    def closeEvent(self, event: QCloseEvent) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState())
        self._settings.setValue("calendar/view", self.calendar.mode)
        super().closeEvent(event)
