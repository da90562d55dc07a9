"""The dispatcher's main window: calendar in the centre, alerts dock, menus and status bar.

Data comes from the local replica, read off the GUI thread (``run_in_background``); the sync loop
says when rows changed and how the connection stands.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Sequence
from typing import Any
from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel, QMainWindow, QMenu, QMessageBox, QProgressBar, QVBoxLayout, QWidget,
)

from app.models.alerts import Alert, build_alerts
from app.models.alerts_model import AlertsModel
from app.models.availability import Person
from app.models.calendar_model import CalendarModel
from app.models.lessons import Lesson, Schedule, load_school, load_schedule
from app.models.weather_board_model import WeatherBoardModel, WeatherRole
from app.services.api_client import Account, ApiClient
from app.services.background import run_in_background
from app.services.edit_history import RecordingLessonEdits
from app.services.replica import Changes, Replica
from app.services.sync_engine import SyncStatus
from app.services.sync_loop import SyncLoop
from app.views.accounts_dialog import AccountsDialog
from app.views.availability_dialog import AvailabilityDialog
from app.views.alert_actions import AlertActions
from app.views.alerts_dock import AlertsDock
from app.views.calendar_actions import CalendarActions
from app.views.calendar_view import CalendarView, MoveRequest, ViewMode
from app.views.conflict_dialog import ConflictDialog
from app.views.lesson_actions import LessonActions
from app.views.legend_dialog import LegendDialog
from app.views.lesson_editor import LessonEditor
from app.views.message_log import MessageLog
from app.views.metrics_panel import MetricsPanel
from app.views.policy_dialog import PolicyDialog
from app.views.shortcuts_dialog import ShortcutsDialog
from app.views.sign_in_again import SignInAgain
from app.views.sign_in_dialog import SignInDialog
from app.views.reschedule_review import RescheduleReview
from app.views.weather_board import WeatherBoard
from app.views.dispatch_sheet import DispatchSheet
from app.views.filter_bar import FilterBar
from app.views.find_bar import FindBar
from app.views.lesson_jump import LessonJump
from app.views.undo_history import UndoHistory
from app.views.plain_text import make_plain
from app.views.theme import message_style

__all__ = ["MainWindow"]

ALERTS_AHEAD = timedelta(days=14)
# Saved dock layouts of another version are not restored: a dock added since (the metrics, in
# version 1; the messages, in 2) would otherwise squeeze in beside the others instead of taking
# its tab.
STATE_VERSION = 2


class MainWindow(QMainWindow):
    """Signals:
        loaded(): the calendar and alerts show the replica's current rows (after each reload).
        load_failed(str): reading the replica failed; the message says what to do.
        lesson_saved(object): a lesson edit ended (``EditOutcome``: applied, queued, refused).
        edit_refused(str): the service refused a change made on the calendar (a move); the
            message says why (also shown in the status bar); the lesson stays as it was.
    """

    loaded = Signal()
    load_failed = Signal(str)
    lesson_saved = Signal(object)
    edit_refused = Signal(str)

    def __init__(self, *, sync_loop: SyncLoop, replica: Replica, user_email: str,
                 client: ApiClient | None = None,
                 fetch_weather: Callable[[Sequence[str]], list[dict[str, Any]]] | None = None,
                 mode: ViewMode | None = None, day: date | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 restore_layout: bool = True, role: str = "",
                 parent: QWidget | None = None) -> None:
        """``restore_layout``: the window's size and docks as the person left them (QSettings);
        False gives the default layout (screenshots for the docs look the same everywhere).
        ``role``: the one remembered from the last sign-in, used while the client is not signed
        in yet (an offline start); the account's own once it is."""
        super().__init__(parent)
        self._sync_loop = sync_loop
        self._replica = replica
        self._user_email = user_email
        self._remembered_role = role
        # The service, for what only it can do (reschedule decisions, weather checks, metrics);
        # None in widget tests that need only the replica. Calls go through run_in_background.
        self.client = client
        if fetch_weather is None and client is not None:
            fetch_weather = client.current_weather
        self._clock = clock
        self._school = ""
        self._settings = QSettings()
        mode = mode or ("day" if self._settings.value("calendar/view") == "day" else "week")

        self.calendar_model = CalendarModel(parent=self)
        self.alerts_model = AlertsModel(parent=self)
        self.calendar = CalendarView(model=self.calendar_model, mode=mode, day=day, clock=clock,
                                     parent=self)
        # Above the calendar while offline: what it shows is the last known schedule.
        self.offline_banner = QLabel(self)
        self.offline_banner.setObjectName("offline-banner")
        self.offline_banner.setStyleSheet(message_style("warning", self.palette())
                                          + " font-weight: bold;")
        self.offline_banner.setWordWrap(True)
        self.offline_banner.hide()
        central = QWidget(self)
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        # Find (Ctrl+F) and the filter of the lessons shown: bars above the calendar.
        self.find_bar = FindBar(replica=replica, clock=clock, parent=central)
        self.filter_bar = FilterBar(model=self.calendar_model, parent=central)
        central_layout.addWidget(self.offline_banner)
        central_layout.addWidget(self.find_bar)
        central_layout.addWidget(self.filter_bar)
        central_layout.addWidget(self.calendar, 1)
        self.setCentralWidget(central)
        self._instructor_id: str | None = None
        self.alerts_dock = AlertsDock(model=self.alerts_model, parent=self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.alerts_dock)
        self.reschedule_review = RescheduleReview(replica=replica, sync_loop=sync_loop, client=client,
                                                  clock=clock, parent=self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.reschedule_review)
        self.tabifyDockWidget(self.alerts_dock, self.reschedule_review)
        self.alerts_dock.raise_()
        self.weather_model = WeatherBoardModel(parent=self)
        self.weather_board: WeatherBoard | None = None
        if fetch_weather is not None:
            self.weather_board = WeatherBoard(model=self.weather_model, fetch=fetch_weather,
                                              parent=self)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.weather_board)
        self.metrics_panel: MetricsPanel | None = None
        if client is not None:
            # Its own (real) clock: "at most once a minute" is about wall time, not the calendar's now.
            self.metrics_panel = MetricsPanel(fetch=client.metrics, parent=self)
            self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.metrics_panel)
            if self.weather_board is not None:
                self.tabifyDockWidget(self.weather_board, self.metrics_panel)
                self.weather_board.raise_()
            self.metrics_panel.refreshed.connect(self._show_sweep)
        # Every status-bar message, whole (the bar cuts long ones): View › Messages, "Details…".
        self.message_log = MessageLog(parent=self)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.message_log)
        bottom = self.weather_board or self.metrics_panel
        if bottom is not None:
            # A tab beside the weather and the metrics, closed until asked for.
            self.tabifyDockWidget(bottom, self.message_log)
            bottom.raise_()
        self.message_log.hide()
        self.legend_dialog: LegendDialog | None = None
        # Every edit that took is recorded for Edit › Undo (which sends the opposite edit).
        self.lesson_edits = RecordingLessonEdits(sync_loop.engine, clock=clock)
        self.undo_history = UndoHistory(edits=self.lesson_edits, parent=self)
        self.dispatch_sheet = DispatchSheet(
            replica=replica, day=lambda: self.calendar.day, clock=clock, parent=self,
            weather_reports=lambda: [self.weather_model.index(row, 0).data(WeatherRole.REPORT)
                                     for row in range(self.weather_model.rowCount())])
        self.lesson_actions = LessonActions(
            calendar_model=self.calendar_model, edits=self.lesson_edits, replica=replica,
            sync_loop=sync_loop, client=client, clock=clock, can_edit=self.can_edit,
            is_instructor=lambda: self.is_instructor, parent=self)
        # Zoom, Move…/Cancel lesson… on the selection, and the calendar's context menus.
        self.calendar_actions = CalendarActions(
            calendar=self.calendar, lessons=self.lesson_actions, settings=self._settings,
            reschedules=lambda: self.reschedule_review.model.reschedules,
            open_request=self.show_reschedule_review, parent=self)
        self.alert_actions = AlertActions(alerts_model=self.alerts_model, replica=replica,
                                          sync_loop=sync_loop, client=client, parent=self)
        self.calendar.set_rows("instructor" if self._settings.value("calendar/rows") == "instructor"
                               else "aircraft")
        self._build_menus(mode)
        self._build_lesson_menu()
        self._build_reschedule_menu()
        self._build_status_bar()
        self._build_file_and_help_menus()
        self._build_edit_menu()
        self.sign_in_flow: SignInAgain | None = None
        if client is not None:
            self.sign_in_flow = SignInAgain(client=client, sync_loop=sync_loop, replica=replica,
                                            parent=self)
            self.sign_in_flow.signed_in.connect(self._signed_in_again)
        account = self.account
        # (instructor?, account id): what instructor mode was last set up for (``_apply_role``).
        self._applied_role = (self.is_instructor, account.id if account is not None else None)
        if self.is_instructor:
            self._enter_instructor_mode()
        self._show_admin_actions()

        self.calendar.range_changed.connect(lambda *_: self.reload())
        self._connect_actions()
        self._connect_find_and_undo()
        self.alerts_dock.count_changed.connect(lambda *_: self._update_title())
        self.alerts_dock.request_activated.connect(self.show_reschedule_review)
        sync_loop.changed.connect(self._on_changed)
        sync_loop.status_changed.connect(self._show_status)
        # A change that failed off the GUI thread ("book it anyway" refused again, a replica that
        # could not be written): said in the status bar and kept in the messages.
        sync_loop.edit_failed.connect(lambda text: self.show_message(text, 30_000))
        self._show_status(sync_loop.status)

        self.resize(1400, 800)
        self._default_dock_sizes()
        if restore_layout:
            geometry = self._settings.value("window/geometry")
            if geometry is not None:
                self.restoreGeometry(geometry)
            state = self._settings.value("window/state")
            if state is not None:
                self.restoreState(state, STATE_VERSION)
        self._update_title()

    def _default_dock_sizes(self) -> None:
        # The calendar is the dispatcher's main view: the docks get what their content needs.
        self.resizeDocks([self.alerts_dock], [400], Qt.Orientation.Horizontal)
        if self.weather_board is not None:
            self.resizeDocks([self.weather_board], [190], Qt.Orientation.Vertical)

    @property
    def account(self) -> Account | None:
        """Who is signed in (role decides what may be changed); None without a client."""
        return self.client.account if self.client is not None else None

    @property
    def is_admin(self) -> bool:
        """Admins manage the school's accounts (File › Accounts…)."""
        account = self.account
        return (account.role if account is not None else self._remembered_role) == "admin"

    @property
    def is_instructor(self) -> bool:
        """Instructors review and confirm their own lessons; they book nothing."""
        account = self.account
        return (account.role if account is not None else self._remembered_role) == "instructor"

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
        view.addActions(self.calendar_actions.zoom_actions())
        view.addSeparator()
        rows = QActionGroup(self)
        self.rows_aircraft_action = QAction("Rows by &aircraft", self, checkable=True,
                                            shortcut=QKeySequence("Ctrl+Shift+A"))
        self.rows_instructor_action = QAction("Rows by &instructor", self, checkable=True,
                                              shortcut=QKeySequence("Ctrl+Shift+I"))
        for action, kind in ((self.rows_aircraft_action, "aircraft"),
                             (self.rows_instructor_action, "instructor")):
            rows.addAction(action)
            action.setChecked(kind == self.calendar.rows_kind)
            action.triggered.connect(lambda _checked=False, kind=kind: self.set_rows(kind))
            view.addAction(action)
        view.addSeparator()
        view.addAction(self.alerts_dock.toggleViewAction())
        if self.weather_board is not None:
            view.addAction(self.weather_board.toggleViewAction())
            self.weather_action = QAction("Refresh &weather", self, shortcut=QKeySequence("Ctrl+R"))
            self.weather_action.triggered.connect(self.weather_board.refresh)
            view.addAction(self.weather_action)
        if self.metrics_panel is not None:
            self.metrics_action = QAction("&Metrics", self, checkable=True,
                                          shortcut=QKeySequence("Ctrl+4"))
            self.metrics_action.setChecked(not self.metrics_panel.isHidden())
            # The dock's own toggle says whether it is closed; tabs behind others count as open.
            self.metrics_panel.toggleViewAction().toggled.connect(self.metrics_action.setChecked)
            self.metrics_action.triggered.connect(self._toggle_metrics)
            view.addAction(self.metrics_action)
        view.addAction(self.message_log.toggleViewAction())
        self.legend_action = QAction("&Legend", self, shortcut=QKeySequence("Ctrl+L"))
        self.legend_action.setToolTip("What every colour and glyph means")
        self.legend_action.triggered.connect(lambda: self.show_legend())
        view.addAction(self.legend_action)
        view.addAction(self.sync_action)

    def _build_reschedule_menu(self) -> None:
        review = self.reschedule_review
        menu = self.menuBar().addMenu("&Reschedule")
        self.review_action = QAction("&Review requests", self, shortcut=QKeySequence("Ctrl+3"))
        self.review_action.triggered.connect(lambda: self.show_reschedule_review())
        self.confirm_reschedule_action = QAction("&Confirm", self, shortcut=QKeySequence("Ctrl+Return"))
        self.confirm_reschedule_action.triggered.connect(review.confirm)
        self.reject_reschedule_action = QAction("&Reject…", self, shortcut=QKeySequence("Ctrl+Backspace"))
        self.reject_reschedule_action.triggered.connect(lambda: review.reject())
        self.search_again_action = QAction("&Search again", self, shortcut=QKeySequence("Ctrl+Shift+R"))
        self.search_again_action.triggered.connect(review.search_again)
        menu.addAction(self.review_action)
        menu.addSeparator()
        menu.addActions([self.confirm_reschedule_action, self.reject_reschedule_action,
                         self.search_again_action])
        view = next(action.menu() for action in self.menuBar().actions()
                    if action.text().replace("&", "") == "View")
        view.insertAction(self.sync_action, review.toggleViewAction())

    def _build_file_and_help_menus(self) -> None:
        """File first and Help last, around whatever menus the window has by now."""
        bar = self.menuBar()
        file_menu = QMenu("&File", self)
        first = bar.actions()[0] if bar.actions() else None
        if first is not None:
            bar.insertMenu(first, file_menu)
        else:
            bar.addMenu(file_menu)
        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.sign_in_again_action = QAction("Sign &in again…", self)
        self.sign_in_again_action.setToolTip("Only when signed out: your queued changes are sent "
                                             "once you have signed in again")
        self.sign_in_again_action.setEnabled(False)
        self.sign_in_again_action.triggered.connect(lambda: self.sign_in_again())
        # Admins only (``_show_admin_actions``): the service refuses everyone else anyway.
        self.accounts_action = QAction("&Accounts…", self)
        self.accounts_action.setToolTip("Who may sign in to this school: create accounts, change "
                                        "roles, disable them, mail password links")
        self.accounts_action.triggered.connect(lambda: self.show_accounts())
        self.accounts_dialog: AccountsDialog | None = None
        # Everyone reads it (why a booking warns); admins change it (``show_policy``).
        self.policy_action = QAction("Booking &policy…", self)
        self.policy_action.setToolTip("What the school's rules do when a booking breaks them "
                                      "(block, warn, off) and the limits they use")
        self.policy_action.triggered.connect(lambda: self.show_policy())
        self.policy_action.setVisible(self.client is not None)
        self.policy_dialog: PolicyDialog | None = None
        file_menu.addActions([self.sign_in_again_action, self.accounts_action, self.policy_action])
        file_menu.addSeparator()
        file_menu.addActions(self.dispatch_sheet.actions())
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        help_menu = bar.addMenu("&Help")
        self.shortcuts_action = QAction("&Keyboard shortcuts", self, shortcut=QKeySequence("F1"))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.about_action = QAction("&About", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addActions([self.shortcuts_action, self.about_action])
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self.about_box: QMessageBox | None = None

    def _build_edit_menu(self) -> None:
        """Edit, after File: undo and redo of lesson edits, find, and the calendar's filter."""
        bar = self.menuBar()
        edit_menu = QMenu("&Edit", self)
        bar.insertMenu(bar.actions()[1], edit_menu)
        self.undo_action, self.redo_action = self.undo_history.actions()
        self.find_action = QAction("&Find…", self)
        self.find_action.setShortcuts(QKeySequence.StandardKey.Find)
        self.find_action.setToolTip("Find a student, instructor, aircraft or lesson")
        self.find_action.triggered.connect(self.find_bar.open)
        self.filter_action = QAction("F&ilter lessons…", self, shortcut=QKeySequence("Ctrl+Shift+F"))
        self.filter_action.setToolTip("Show only some instructors', aircraft's, statuses' or "
                                      "verdicts' lessons")
        self.filter_action.triggered.connect(self.filter_bar.open)
        self.show_all_action = QAction("Show &all lessons", self)
        self.show_all_action.setToolTip("Clear the filter")
        self.show_all_action.setEnabled(False)
        self.show_all_action.triggered.connect(self.filter_bar.clear)
        self.filter_bar.changed.connect(
            lambda applied: self.show_all_action.setEnabled(applied.active))
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.find_action, self.filter_action, self.show_all_action])
        # Admins and dispatchers (``_show_admin_actions``): the service decides anyway.
        self.availability_action = QAction("A&vailability…", self)
        self.availability_action.setToolTip("Instructors' and students' weekly hours and days off")
        self.availability_action.triggered.connect(lambda: self.show_availability())
        self.availability_dialog: AvailabilityDialog | None = None
        edit_menu.addSeparator()
        edit_menu.addAction(self.availability_action)

    def show_shortcuts(self) -> None:
        """Help › Keyboard shortcuts (F1): read from the menus as they are now."""
        if self.shortcuts_dialog is not None:
            self.shortcuts_dialog.close()
        dialog = ShortcutsDialog(menu_bar=self.menuBar(), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda *_: setattr(self, "shortcuts_dialog", None))
        self.shortcuts_dialog = dialog
        dialog.open()

    def show_about(self) -> None:
        try:
            version = importlib.metadata.version("fsp-dispatcher")
        except importlib.metadata.PackageNotFoundError:
            version = "(development copy)"
        box = QMessageBox(QMessageBox.Icon.Information, "About Flight Schedule Pro Dispatcher",
                          f"Flight Schedule Pro Dispatcher {version}",
                          QMessageBox.StandardButton.Ok, self)
        service = f" at {self.client.base_url}" if self.client is not None else ""
        box.setInformativeText(
            "Watches the weather for every scheduled lesson, cancels what must be cancelled and "
            f"proposes new slots.\n\nSigned in as {self._user_email} to the service{service}.")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda *_: setattr(self, "about_box", None))
        self.about_box = box
        box.open()

    def sign_in_again(self) -> SignInDialog | None:
        """File › Sign in again… (or the status bar's link) while signed out: the sign-in dialog
        for this server and e-mail; the sync client takes the new sign-in and syncs."""
        if self.sign_in_flow is None:
            return None
        return self.sign_in_flow.open(email=self._user_email,
                                      message=self._sync_loop.status.message)

    def show_accounts(self) -> AccountsDialog | None:
        """File › Accounts… (admins): the school's accounts; the one already open is raised."""
        if self.client is None or not self.is_admin:
            return None
        if self.accounts_dialog is not None:
            self.accounts_dialog.raise_()
            return self.accounts_dialog
        account = self.account
        dialog = AccountsDialog(client=self.client,
                                own_account_id=account.id if account is not None else "",
                                parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda *_: setattr(self, "accounts_dialog", None))
        self.accounts_dialog = dialog
        dialog.open()
        return dialog

    def show_policy(self) -> PolicyDialog | None:
        """File › Booking policy…: the school's booking policy, which admins change (anyone else
        reads it); the one already open is raised."""
        if self.client is None:
            return None
        if self.policy_dialog is not None:
            self.policy_dialog.raise_()
            self.policy_dialog.activateWindow()
            return self.policy_dialog
        client = self.client
        dialog = PolicyDialog(load=client.get_policy,
                              save=lambda changes, version: client.update_policy(changes,
                                                                                 version=version),
                              can_change=self.is_admin, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda *_: setattr(self, "policy_dialog", None))
        self.policy_dialog = dialog
        dialog.open()
        return dialog

    def _show_admin_actions(self) -> None:
        self.accounts_action.setVisible(self.client is not None and self.is_admin)
        editing = self.can_edit_availability
        self.availability_action.setVisible(editing)
        self.calendar_actions.set_availability_editor(self.show_availability if editing else None)
        if not editing and self.availability_dialog is not None:
            self.availability_dialog.close()

    @property
    def can_edit_availability(self) -> bool:
        """Admins and dispatchers edit people's availability (Edit › Availability…)."""
        account = self.account
        role = account.role if account is not None else self._remembered_role
        return self.client is not None and role in ("admin", "dispatcher")

    def show_availability(self, person_id: str = "") -> AvailabilityDialog | None:
        """Edit › Availability… (admins, dispatchers), on ``person_id`` when given (an
        instructor's row label); the one already open is raised and shows them."""
        if self.client is None or not self.can_edit_availability:
            return None
        if self.availability_dialog is not None:
            if person_id:
                self.availability_dialog.choose(person_id)
            self.availability_dialog.raise_()
            self.availability_dialog.activateWindow()
            return self.availability_dialog
        schedule = self.calendar_model.schedule
        people = [*(Person("instructor", person_id, name)
                    for person_id, name in schedule.instructors),
                  *(Person("student", person_id, name) for person_id, name in schedule.students)]
        dialog = AvailabilityDialog(client=self.client, people=people, zone=schedule.timezone,
                                    person_id=person_id, clock=self._clock, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda *_: setattr(self, "availability_dialog", None))
        # The replica (and the calendar's shading) follow at once.
        dialog.saved.connect(lambda _row: self._sync_loop.sync_now())
        self.availability_dialog = dialog
        dialog.open()
        return dialog

    def _signed_in_again(self, session: Any) -> None:
        if session.account.email != self._user_email:
            self.undo_history.clear()  # the steps were someone else's: not theirs to undo
        self._user_email = session.account.email
        self._show_user()
        self._apply_role()

    def show_legend(self) -> LegendDialog:
        """View › Legend: every status, verdict and flight category with its glyph and colour."""
        if self.legend_dialog is not None:
            self.legend_dialog.raise_()
            return self.legend_dialog
        dialog = LegendDialog(parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda *_: setattr(self, "legend_dialog", None))
        self.legend_dialog = dialog
        dialog.show()
        return dialog

    def show_message(self, text: str, timeout: int = 0) -> None:
        """A status-bar message, kept whole in the messages dock; one too long for the bar gets
        a "Details…" link beside it that opens the dock on it."""
        self.statusBar().showMessage(text, timeout)
        self.message_log.add(text)
        room = max(self.statusBar().width() - sum(
            widget.sizeHint().width() for widget in (
                self.sweep_label, self.user_label, self.online_label, self.sync_label,
                self.pending_label) if widget.isVisible()) - 60, 80)
        self.details_label.setVisible(self.statusBar().fontMetrics().horizontalAdvance(text) > room)

    def show_reschedule_review(self, request_id: str = "") -> None:
        """Show and raise the reschedule review (Ctrl+3), on ``request_id`` when given; a dock
        too narrow for its cards is widened (to most of the window, the calendar keeps a part)."""
        self.reschedule_review.show()
        self.reschedule_review.raise_()
        wanted = min(round(self.width() * 0.6), 1200)
        if self.reschedule_review.width() < wanted and not self.reschedule_review.isFloating():
            self.resizeDocks([self.reschedule_review], [wanted], Qt.Orientation.Horizontal)
        if request_id:
            self.reschedule_review.show_request(request_id)
        self.reschedule_review.list_view.setFocus()

    def _build_status_bar(self) -> None:
        self.user_label = QLabel(self)
        self.online_label = QLabel(self)
        self.online_label.linkActivated.connect(lambda _link: self.sign_in_again())
        self.sync_label = QLabel(self)
        self.pending_label = QLabel(self)
        # While a sync round runs; indeterminate: a round's length is not known in advance.
        self.sync_progress = QProgressBar(self)
        self.sync_progress.setRange(0, 0)
        self.sync_progress.setTextVisible(False)
        self.sync_progress.setMaximumSize(80, 12)
        self.sync_progress.hide()
        self._was_syncing = False
        self.sweep_label = QLabel(self)  # the service's weather sweep, from the metrics
        # Beside a message cut off by the bar's width: the whole text is in the messages dock.
        self.details_label = QLabel('<a href="messages">Details…</a>', self)
        self.details_label.setToolTip("The whole message, in the messages dock")
        self.details_label.linkActivated.connect(lambda _link: self.message_log.reveal_last())
        self.details_label.hide()
        self.statusBar().messageChanged.connect(
            lambda text: self.details_label.setVisible(self.details_label.isVisible() and bool(text)))
        self.statusBar().addWidget(self.details_label)
        # The e-mail, the service's words: shown as they are (the online label alone has a link).
        make_plain(self.user_label, self.sync_label, self.pending_label, self.sweep_label,
                   self.offline_banner)
        for widget in (self.sweep_label, self.user_label, self.online_label, self.sync_progress,
                       self.sync_label, self.pending_label):
            self.statusBar().addPermanentWidget(widget)
        self._show_user()

    # -- behaviour ------------------------------------------------------------------------

    def set_mode(self, mode: ViewMode) -> None:
        self._settings.setValue("calendar/view", mode)
        (self.week_action if mode == "week" else self.day_action).setChecked(True)
        self.calendar.set_mode(mode)

    def set_rows(self, kind: str) -> None:
        """Calendar rows per aircraft or per instructor; remembered for the next start."""
        self._settings.setValue("calendar/rows", kind)
        (self.rows_instructor_action if kind == "instructor"
         else self.rows_aircraft_action).setChecked(True)
        self.calendar.set_rows("instructor" if kind == "instructor" else "aircraft")

    def settings_view(self) -> str:
        """The view choice remembered for the next start."""
        return str(self._settings.value("calendar/view", "week"))

    def reload(self) -> None:
        """Read the visible range and the alerts from the replica, off the GUI thread."""
        start, end = self.calendar.visible_range()
        now = self._clock()
        replica = self._replica
        account = self.account
        shown = self.calendar_model.schedule
        first_zone = None if shown.school else shown.timezone
        # The coming days' lessons only give the weather board its airports: unread without one.
        wants_airports = self.weather_board is not None

        def read() -> tuple[Schedule, Schedule, list[Alert]]:
            if first_zone is not None:
                # First load: the school's zone places the week (see ``_show_schedules``); a
                # full read of the range in another zone would only be thrown away.
                school = load_school(replica)
                if school.timezone != first_zone:
                    return school, Schedule(), []
            return (load_schedule(replica, start, end),
                    (load_schedule(replica, now - timedelta(days=1), now + ALERTS_AHEAD)
                     if wants_airports else Schedule()),
                    build_alerts(replica, now=now, account=account))

        run_in_background(read, self._show_schedules, self._load_error, owner=self)
        self.reschedule_review.refresh()

    def _show_schedules(self, schedules: tuple[Schedule, Schedule, list[Alert]]) -> None:
        visible, upcoming, alerts = schedules
        self._allow_own_lessons(visible)
        if (visible.timezone != self.calendar_model.schedule.timezone
                and not self.calendar_model.schedule.school):
            # First load: the school's zone decides where "today" and the week begin.
            self.filter_bar.set_schedule(visible)  # the lessons the filter lets through
            self.alerts_model.set_alerts(alerts)
            self._school = visible.school
            self._show_user()
            self.reload()
            return
        self.filter_bar.set_schedule(visible)  # the lessons the filter lets through
        self.alerts_model.set_alerts(alerts)
        self.message_log.set_timezone(visible.timezone)
        self._show_sync_time(self._sync_loop.status)  # now in the school's zone
        self._school = visible.school or self._school
        if self.weather_board is not None:
            self.weather_board.set_airports(upcoming.airports)
            self.weather_board.set_timezone(visible.timezone)
        self._show_user()
        self._update_title()
        self.loaded.emit()

    def _load_error(self, error: Exception) -> None:
        message = f"Could not read the local schedule: {error}"
        self.show_message(message)
        self.load_failed.emit(message)

    def _on_changed(self, changes: Changes) -> None:
        if changes.outbox or any(changes.touches(table) for table in (
                "flights", "weather_checks", "reschedule_requests", "reschedule_options",
                "notifications", "students", "instructors", "aircraft")):
            self.reload()

    def _show_user(self) -> None:
        self.user_label.setText(f"{self._user_email}" + (f" · {self._school}" if self._school else ""))

    def _show_status(self, status: SyncStatus) -> None:
        states = {"idle": "Online", "syncing": "Syncing…", "offline": "Offline — showing the last "
                  "known schedule",
                  "signed_out": '<a href="sign-in">Signed out — sign in again</a>',
                  "error": f"Sync error: {status.message}"}
        self.online_label.setText(states.get(status.state, status.state))
        self._show_sync_time(status)
        extra = ""
        if status.conflicts:
            extra += f", {status.conflicts} conflict(s)"
        if status.rejected:
            extra += f", {status.rejected} refused"
        self.pending_label.setText(f"{status.pending} pending edit(s){extra}")
        syncing = status.state == "syncing"
        self.sync_progress.setVisible(syncing)
        if self._was_syncing and not syncing and self.metrics_panel is not None:
            self.metrics_panel.refresh_if_due()  # the sweep line and figures follow the rounds
        self._was_syncing = syncing
        self._show_offline_banner(status)
        self.sign_in_again_action.setEnabled(status.state == "signed_out"
                                             and self.sign_in_flow is not None)
        if status.state == "idle":
            self._apply_role()  # an offline start's silent sign-in has just happened, say

    def _show_sync_time(self, status: SyncStatus) -> None:
        if status.last_sync_at is not None:
            # The school's zone, named: the desk may sit in another zone than the school.
            local = status.last_sync_at.astimezone(self.calendar_model.schedule.timezone)
            self.sync_label.setText(f"Last sync {local:%H:%M:%S %Z}")
        else:
            self.sync_label.setText("Not synced yet")

    def _toggle_metrics(self) -> None:
        """Ctrl+4: bring the metrics to the front (opening them if closed, raising their tab if
        behind the weather); hide them only when they are what one sees already."""
        panel = self.metrics_panel
        if panel is None:
            return
        # A tab behind another one is "visible" to Qt but not on screen: raise it, don't hide it.
        in_front = panel.isVisible() and not panel.visibleRegion().isEmpty()
        if in_front:
            panel.hide()
        else:
            panel.show()
            panel.raise_()
            panel.refresh()  # (no second fetch when showing it started one)
        self.metrics_action.setChecked(not panel.isHidden())

    def _show_sweep(self) -> None:
        if self.metrics_panel is not None:
            self.sweep_label.setText(self.metrics_panel.sweep_text)

    def _show_offline_banner(self, status: SyncStatus) -> None:
        if status.state != "offline":
            self.offline_banner.hide()
            return
        if status.last_sync_at is not None:
            zone = self.calendar_model.schedule.timezone
            as_of = f"as of {status.last_sync_at.astimezone(zone):%H:%M %Z}"
        else:
            as_of = "(never synced with the service)"
        self.offline_banner.setText(
            f"Offline — last known schedule {as_of}. Changes you make are kept and sent when the "
            "service can be reached again; check the network connection.")
        self.offline_banner.show()

    def _update_title(self) -> None:
        alerts = self.alerts_dock.count
        prefix = f"({alerts}) " if alerts else ""
        school = f" — {self._school}" if self._school else ""
        role = " (instructor)" if self.is_instructor else ""
        self.setWindowTitle(f"{prefix}Flight Schedule Pro Dispatcher{role}{school}"
                            f" — {self.calendar.title()}")

    # -- instructor mode ------------------------------------------------------------------

    def _apply_role(self) -> None:
        """Instructor mode on or off as the account (or the remembered role) says, when that
        changed: at start, after a silent or a new sign-in."""
        account = self.account
        self._show_admin_actions()
        applied = (self.is_instructor, account.id if account is not None else None)
        if applied == self._applied_role:
            return
        was_instructor = self._applied_role[0]
        self._applied_role = applied
        self._instructor_id = None
        if applied[0]:
            self._enter_instructor_mode()
        elif was_instructor:
            self._leave_instructor_mode()
        if account is not None and (applied[0] or was_instructor):
            self.reload()  # which lessons are one's own: from the account and the next load
        self._update_title()

    def _leave_instructor_mode(self) -> None:
        self.calendar.set_can_book(True)
        self.calendar.set_can_edit(self.can_edit)
        for action in self.booking_actions():
            action.setEnabled(True)
            action.setToolTip("")

    def _enter_instructor_mode(self) -> None:
        """Instructors book nothing; which lessons they may change is known after the first load
        (``_allow_own_lessons``): until then, none."""
        self.calendar.set_can_book(False)
        self.calendar.set_can_edit(self.can_edit)
        for action in self.booking_actions():
            action.setEnabled(False)
            action.setToolTip("Instructors cannot book lessons: ask the front desk")

    def booking_actions(self) -> list[QAction]:
        """The actions that book or change lessons (disabled for instructors)."""
        return [action for action in self.findChildren(QAction)
                if action.property("books_lessons")]

    def _allow_own_lessons(self, schedule: Schedule) -> None:
        account = self.account
        if not self.is_instructor or account is None:
            return
        mine = dict(schedule.instructor_accounts).get(account.id)
        if mine is None or mine == self._instructor_id:
            return
        self._instructor_id = mine
        self.calendar.set_can_edit(self.can_edit)

    def can_edit(self, lesson: Any) -> bool:
        """Whether the signed-in person may change ``lesson`` here."""
        if not self.is_instructor:
            return True
        return self._instructor_id is not None and lesson.instructor_id == self._instructor_id

    # -- lessons and alerts: the actions live in LessonActions and AlertActions -------------

    def _build_lesson_menu(self) -> None:
        lessons = self.lesson_actions
        menu = QMenu("&Lesson", self)
        # Help stays the last menu, wherever it is built.
        help_menu = next((action for action in self.menuBar().actions()
                          if action.text().replace("&", "") == "Help"), None)
        if help_menu is not None:
            self.menuBar().insertMenu(help_menu, menu)
        else:
            self.menuBar().addMenu(menu)
        self.new_lesson_action = QAction("&New lesson…", self, shortcut=QKeySequence("Ctrl+N"))
        self.new_lesson_action.setProperty("books_lessons", True)
        self.new_lesson_action.triggered.connect(lessons.new_lesson)
        self.edit_lesson_action = QAction("&Edit lesson…", self, shortcut=QKeySequence("Return"))
        self.edit_lesson_action.setToolTip("Open the selected lesson")
        self.edit_lesson_action.triggered.connect(lessons.edit_current)
        # Return only while the calendar has the focus: elsewhere (the alerts list, a text field)
        # Return keeps its own meaning.
        self.edit_lesson_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.calendar.addAction(self.edit_lesson_action)
        self.lesson_weather_action = QAction("Check &weather for lesson", self,
                                             shortcut=QKeySequence("Ctrl+Shift+W"))
        self.lesson_weather_action.setToolTip("Judge the weather of the selected lesson now")
        self.lesson_weather_action.triggered.connect(lessons.check_current_weather)
        self.series_action = QAction("Book a weekly &series…", self,
                                     shortcut=QKeySequence("Ctrl+Shift+N"))
        self.series_action.setToolTip("The same lesson on chosen weekdays, for a number of weeks")
        self.series_action.setProperty("books_lessons", True)
        self.series_action.triggered.connect(lambda: lessons.book_series())
        menu.addActions([self.new_lesson_action, self.series_action, self.edit_lesson_action,
                         self.lesson_weather_action, *self.calendar_actions.lesson_actions()])

    def _connect_actions(self) -> None:
        lessons, alerts = self.lesson_actions, self.alert_actions
        self.calendar.lesson_hovered.connect(lessons.remember_hovered)
        self.calendar.book_requested.connect(lessons.book_slot)
        self.calendar.edit_requested.connect(lessons.edit_lesson)
        self.calendar.lesson_opened.connect(lessons.open_read_only)
        self.calendar.move_requested.connect(lessons.move_lesson)
        self.alerts_dock.edit_activated.connect(alerts.review_edit)
        self.alerts_dock.notification_activated.connect(alerts.show_failed_mail)
        self.alerts_dock.lesson_activated.connect(self.show_lesson)
        self.alerts_dock.check_in_activated.connect(lessons.ask_check_in)
        self.alerts_dock.weather_activated.connect(alerts.show_weather)
        alerts.open_lesson.connect(self.show_lesson)
        alerts.open_review.connect(self.show_reschedule_review)
        alerts.edit_again.connect(lessons.edit_again)
        lessons.lesson_saved.connect(self.lesson_saved)
        lessons.edit_refused.connect(self.edit_refused)
        for actions in (lessons, alerts):
            actions.message.connect(self.show_message)
            actions.outdated.connect(self.reload)
            actions.read_failed.connect(self._load_error)

    def _connect_find_and_undo(self) -> None:
        # A found lesson, and the lesson an undo changed, are shown and selected on the calendar.
        self.lesson_jump = LessonJump(calendar=self.calendar, filter_bar=self.filter_bar,
                                      loaded=self.loaded, reload=self.reload, parent=self)
        self.find_bar.lesson_chosen.connect(self.lesson_jump.go)
        self.undo_history.show_lesson.connect(self.lesson_jump.go)
        self.undo_history.outdated.connect(self.reload)
        self.undo_history.outdated.connect(self._sync_loop.refresh_status)
        for source in (self.lesson_jump, self.undo_history, self.dispatch_sheet):
            source.message.connect(self.show_message)

    @property
    def lesson_editor(self) -> LessonEditor | None:
        """The lesson editor while one is open."""
        return self.lesson_actions.editor

    @property
    def conflict_dialog(self) -> ConflictDialog | None:
        return self.alert_actions.conflict_dialog

    @property
    def mail_box(self) -> QMessageBox | None:
        """The failed mail's message box while it is open."""
        return self.alert_actions.mail_box

    def edit_lesson(self, lesson_id: str, read_only: bool = False) -> LessonEditor | None:
        """The editor for a lesson on the calendar (read-only when asked, or not one's own)."""
        return self.lesson_actions.edit_lesson(lesson_id, read_only=read_only)

    def move_lesson(self, request: MoveRequest) -> None:
        """A lesson dragged elsewhere (see ``LessonActions.move_lesson``)."""
        self.lesson_actions.move_lesson(request)

    def review_edit(self, mutation_id: str) -> None:
        """Open the conflict or refusal of a local edit (read off the GUI thread)."""
        self.alert_actions.review_edit(mutation_id)

    def show_lesson(self, lesson_id: str) -> None:
        """An alert's lesson: the calendar goes to its day, then the lesson opens."""
        self.filter_bar.reveal(lesson_id)  # a filter hiding it is cleared
        alert = next((item for item in self.alerts_model.alerts
                      if item.lesson_id == lesson_id and item.when is not None), None)
        if alert is None or self._lesson(lesson_id) is not None:
            self.edit_lesson(lesson_id)
            return
        day = alert.when.astimezone(self.calendar_model.schedule.timezone).date()
        if day in self.calendar.days():
            self.edit_lesson(lesson_id)
            return

        def open_when_loaded() -> None:
            self.loaded.disconnect(open_when_loaded)
            self.edit_lesson(lesson_id)

        self.loaded.connect(open_when_loaded)
        self.calendar.set_day(day)

    def _lesson(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.calendar_model.schedule.lessons
                     if lesson.id == lesson_id), None)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._settings.setValue("window/geometry", self.saveGeometry())
        self._settings.setValue("window/state", self.saveState(STATE_VERSION))
        self._settings.setValue("calendar/view", self.calendar.mode)
        super().closeEvent(event)
