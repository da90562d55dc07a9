"""The calendar's own commands: zoom (remembered per view once chosen by hand; until then the
readable zoom, where a one-hour lesson shows at least its student's initials), Move…, Cancel lesson…, Check out…
and Check in… for the selected lesson, and the context menus of a lesson, of a free slot and of
an instructor row's label (its availability, for those who may edit it).

The window puts the actions in its menus; what they do is ``LessonActions``' (the same paths as
the lesson editor and a drag) or the window's (the reschedule review).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from app.models.reschedule_model import Reschedules
from app.views.calendar_view import CalendarView, ContextRequest
from app.views.lesson_actions import LessonActions

__all__ = ["CalendarActions", "request_for"]


def request_for(reschedules: Reschedules, lesson_id: str) -> str | None:
    """The reschedule request of a lesson — the one it was cancelled into, or the one that booked
    it — preferring an open one (the review lists those first), else the latest."""
    return next((request.id for request in reschedules.requests
                 if lesson_id in (request.flight_id, request.new_flight_id)), None)


class CalendarActions(QObject):
    """Zoom, Move… and Cancel lesson… actions (for the window's menus) and the calendar's context
    menus; ``context_menu`` is the one open, if any."""

    def __init__(self, *, calendar: CalendarView, lessons: LessonActions, settings: QSettings,
                 reschedules: Callable[[], Reschedules], open_request: Callable[[str], None],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self._calendar = calendar
        self._lessons = lessons
        self._settings = settings
        self._reschedules = reschedules
        self._open_request = open_request
        self.context_menu: QMenu | None = None
        # Opens an instructor's availability (their id); None: not for this person to edit.
        self._open_availability: Callable[[str], None] | None = None

        self.zoom_in_action = QAction("Zoom &in", parent)
        self.zoom_in_action.setShortcuts([QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")])
        self.zoom_in_action.setToolTip("Stretch the hours (also Ctrl+mouse wheel)")
        self.zoom_in_action.triggered.connect(lambda: calendar.zoom_in())
        self.zoom_out_action = QAction("Zoom &out", parent, shortcut=QKeySequence("Ctrl+-"))
        self.zoom_out_action.triggered.connect(lambda: calendar.zoom_out())
        self.fit_action = QAction("&Fit the days", parent, shortcut=QKeySequence("Ctrl+0"))
        self.fit_action.setToolTip("Zoom out until the days fit the width")
        self.fit_action.triggered.connect(calendar.reset_zoom)
        self.readable_action = QAction("&Readable zoom", parent, shortcut=QKeySequence("Ctrl+9"))
        self.readable_action.setToolTip("Zoom until every lesson of an hour or more shows at least "
                                        "its student's initials (the default)")
        self.readable_action.triggered.connect(self._zoom_readable)

        self.move_action = QAction("&Move lesson…", parent, shortcut=QKeySequence("Ctrl+M"))
        self.move_action.setToolTip("A new start or aircraft for the selected lesson")
        self.move_action.triggered.connect(lambda: lessons.ask_move())
        self.cancel_action = QAction("&Cancel lesson…", parent, shortcut=QKeySequence("Delete"))
        self.cancel_action.setToolTip("Cancel the selected lesson (asks why first)")
        self.cancel_action.triggered.connect(lambda: lessons.ask_cancel())
        # Delete only while the calendar has the focus: elsewhere it keeps its own meaning.
        self.cancel_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        calendar.addAction(self.cancel_action)
        # Enabled only for a lesson where they make sense (``_follow_selection``).
        self.check_out_action = QAction("Check &out…", parent,
                                        shortcut=QKeySequence("Ctrl+Shift+O"))
        self.check_out_action.setToolTip("The aircraft taken out for the selected lesson: Hobbs "
                                         "and tach out")
        self.check_out_action.triggered.connect(lambda: lessons.ask_check_out())
        self.check_in_action = QAction("Check &in…", parent, shortcut=QKeySequence("Ctrl+Shift+K"))
        self.check_in_action.setToolTip("The selected lesson flown: Hobbs and tach in, the times "
                                        "flown, remarks")
        self.check_in_action.triggered.connect(lambda: lessons.ask_check_in())
        self._follow_selection()

        # A zoom chosen by hand is remembered; until then, the readable one (it follows the
        # window's width: a one-hour lesson shows at least its student's initials).
        for mode in ("week", "day"):
            try:
                stored = settings.value(f"calendar/zoom/{mode}")
                zoom = None if stored is None else float(stored)
            except (TypeError, ValueError):
                zoom = None  # a hand-edited setting: the default
            if zoom is None:
                calendar.set_readable_zoom(mode=mode)
            else:
                calendar.set_zoom(zoom, mode=mode)
        calendar.zoom_changed.connect(
            lambda mode, zoom: settings.setValue(f"calendar/zoom/{mode}", zoom))
        calendar.selection_changed.connect(lessons.remember_selected)
        calendar.selection_changed.connect(lambda *_: self._follow_selection())
        lessons.calendar_model.modelReset.connect(self._follow_selection)  # (after each load)
        calendar.cancel_requested.connect(lessons.ask_cancel)
        # A lesson that cannot move (not one's own, closed, in the air) is not dragged: the
        # status bar says why.
        calendar.set_can_move(lambda lesson: not lessons.why_not_drag(lesson))
        calendar.drag_refused.connect(lessons.refuse_drag)
        calendar.context_menu_requested.connect(self.show_context_menu)

    def set_availability_editor(self, open_availability: Callable[[str], None] | None) -> None:
        """What an instructor row label's "Availability…" opens (with the instructor's id);
        None hides the entry (the signed-in person may not edit availability)."""
        self._open_availability = open_availability

    def zoom_actions(self) -> list[QAction]:
        return [self.zoom_in_action, self.zoom_out_action, self.fit_action, self.readable_action]

    def _zoom_readable(self) -> None:
        """Back to the readable zoom, which follows the width again (nothing to remember)."""
        self._settings.remove(f"calendar/zoom/{self._calendar.mode}")
        self._calendar.set_readable_zoom()

    def lesson_actions(self) -> list[QAction]:
        return [self.check_out_action, self.check_in_action, self.move_action, self.cancel_action]

    def _follow_selection(self) -> None:
        """Check out… and Check in… enabled for the selected lesson when they make sense."""
        lesson = self._lessons.lesson(self._lessons.selected_lesson_id)
        self.check_out_action.setEnabled(lesson is not None
                                         and self._lessons.can_check_out(lesson))
        self.check_in_action.setEnabled(lesson is not None and self._lessons.can_check_in(lesson))

    # -- context menus ----------------------------------------------------------------------

    def build_menu(self, request: ContextRequest) -> QMenu:
        """The menu for ``request`` (not shown): a lesson's commands, or booking a free slot."""
        menu = QMenu(self._calendar)
        lessons = self._lessons
        lesson = lessons.lesson(request.lesson_id)
        if lesson is not None:
            lesson_id = lesson.id
            editable = self._calendar.can_edit(lesson)
            opening = menu.addAction("&Open" if editable else "&Open (read-only)")
            opening.triggered.connect(
                lambda: lessons.edit_lesson(lesson_id, read_only=not editable))
            menu.setDefaultAction(opening)
            weather = menu.addAction("Check &weather now")
            weather.setEnabled(lesson.version is not None)
            weather.triggered.connect(lambda: lessons.check_lesson_weather(lesson_id))
            menu.addSeparator()
            checking_out = menu.addAction("Check &out…")
            checking_out.setEnabled(lessons.can_check_out(lesson))
            checking_out.triggered.connect(lambda: lessons.ask_check_out(lesson_id))
            checking_in = menu.addAction("Check &in…")
            checking_in.setEnabled(lessons.can_check_in(lesson))
            checking_in.triggered.connect(lambda: lessons.ask_check_in(lesson_id))
            menu.addSeparator()
            changeable = lessons.can_change(lesson)
            moving = menu.addAction("&Move…")
            moving.setEnabled(changeable)
            moving.triggered.connect(lambda: lessons.ask_move(lesson_id))
            cancelling = menu.addAction("&Cancel lesson…")
            cancelling.setEnabled(changeable)
            cancelling.triggered.connect(lambda: lessons.ask_cancel(lesson_id))
            request_id = request_for(self._reschedules(), lesson_id)
            if request_id is not None:
                menu.addSeparator()
                review = menu.addAction("Open &reschedule request")
                review.triggered.connect(lambda: self._open_request(request_id))
        elif request.slot is not None:
            slot = request.slot
            booking = menu.addAction("&Book a lesson here")
            booking.setEnabled(self._calendar.can_book)
            if not self._calendar.can_book:
                booking.setToolTip("Instructors cannot book lessons: ask the front desk")
            booking.triggered.connect(lambda: lessons.book_slot(slot))
        elif request.row is not None:
            row, opener = request.row, self._open_availability
            if row.row_kind == "instructor" and row.row_id and opener is not None:
                instructor_id = row.row_id
                editing = menu.addAction(f"&Availability of {row.label.replace('&', '&&')}…")
                editing.setToolTip("Weekly hours and days off; the shaded times are outside them")
                editing.triggered.connect(lambda: opener(instructor_id))
        return menu

    def show_context_menu(self, request: ContextRequest) -> None:
        if self.context_menu is not None:
            self.context_menu.close()
        menu = self.build_menu(request)
        if menu.isEmpty():
            menu.deleteLater()
            return
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.destroyed.connect(lambda *_: self._forget_menu(menu))
        self.context_menu = menu
        menu.popup(request.position)

    def _forget_menu(self, menu: QMenu) -> None:
        if self.context_menu is menu:
            self.context_menu = None
