"""The calendar: a week or a day, one row per aircraft or per instructor, lessons as blocks, night
(before civil dawn, after civil dusk) shaded, a "now" line.

A custom-painted widget over ``CalendarModel``; blocks are placed by ``calendar_layout`` and
painted by ``LessonPainter``. Times are shown in the school's time zone (from the model's
schedule). The view never changes a lesson itself: it says what was asked (``SlotRequest``,
``MoveRequest``, ``ContextRequest``, a lesson to open or cancel) and the owner acts.

Nothing is hidden: overlapping lessons of a row share it in lanes; the day stretches to the
earliest and latest lesson shown (06:00–21:00 otherwise); rows scroll when there are more than
fit, under a header of days and beside row labels that stay put; the time axis zooms (Ctrl+wheel,
Ctrl++ / Ctrl+-, Ctrl+0 fits the days again) and then scrolls sideways.

Like any desktop list, it has a selected lesson (framed): a click selects; the arrow keys move
along the row (left/right) or to the nearest lesson of the row above or below; Tab and Shift+Tab
go through the lessons in time order (and leave the calendar after the last; Ctrl+Tab at once);
Return opens the selected lesson, Delete asks to cancel it, the menu key or Shift+F10 asks for
its context menu.

Block geometry is computed once per schedule, size and row choice and reused for painting,
hit-testing and keys; scrolling moves the pixels already painted and paints only what comes into
view, so a week of a thousand lessons on forty rows stays smooth.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from astral import Observer
from astral.sun import dawn, dusk, elevation
from PySide6.QtCore import QEvent, QLineF, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAccessible,
    QAccessibleEvent,
    QColor,
    QContextMenuEvent,
    QFocusEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QStaticText,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QScrollBar, QSizePolicy, QWidget

from app.models.calendar_model import CalendarModel
from app.models.labels import flight_type_label, status_label, verdict_label
from app.models.logbook import status_notes
from app.models.lessons import Lesson, Schedule
from app.views.calendar_layout import (
    FIRST_HOUR,
    HEADER_HEIGHT,
    LABEL_WIDTH,
    LAST_HOUR,
    ROW_PADDING,
    Block,
    Layout,
    build_layout,
)
from app.views.lesson_delegate import LessonPainter
from app.views.plain_text import plain_tooltip
from app.views.theme import (ACKNOWLEDGED_STYLE, UNAVAILABLE_LABEL, paint_unavailable,
                             status_style, verdict_style)

__all__ = ["CalendarView", "ContextRequest", "MoveRequest", "RowKind", "RowRequest", "SlotRequest",
           "ViewMode",
           "FIRST_HOUR", "LAST_HOUR", "LABEL_WIDTH", "HEADER_HEIGHT", "MAX_ZOOM", "ZOOM_STEP"]

ViewMode = Literal["week", "day"]
RowKind = Literal["aircraft", "instructor"]
SNAP_MINUTES = 15
SOLO_ROW_LABEL = "Solo (no instructor)"
CIVIL_DEPRESSION = 6.0
MAX_ZOOM = 12.0
ZOOM_STEP = 1.25
SCROLL_STEP = 20  # pixels per scroll-bar step; a wheel notch is three
NOW_LINE = QColor("#e0245e")


@dataclass(frozen=True)
class SlotRequest:
    """A free slot double-clicked: book a lesson starting there (``start`` aware UTC, on a
    15-minute step of school time) in that row (``row_id`` None: the solo row, or no row)."""

    start: datetime
    row_kind: str
    row_id: str | None


@dataclass(frozen=True)
class MoveRequest:
    """A lesson dragged elsewhere: same length, new ``start``/``end`` (aware UTC) and the row it
    was dropped on (rows by aircraft: the new aircraft; by instructor: the new instructor, None
    for the solo row)."""

    lesson_id: str
    start: datetime
    end: datetime
    row_kind: str
    row_id: str | None


@dataclass(frozen=True)
class RowRequest:
    """A row's label: what the rows are ("aircraft", "instructor"), the row's id (None: the solo
    row, or no row) and its label."""

    row_kind: str
    row_id: str | None
    label: str


@dataclass(frozen=True)
class ContextRequest:
    """A context menu asked for (right click, the menu key, Shift+F10), to show at ``position``
    (global): on a lesson (``lesson_id``, then selected), on a free slot (``slot``) or on a row's
    label (``row``)."""

    position: QPoint
    lesson_id: str = ""
    slot: SlotRequest | None = None
    row: RowRequest | None = None


@dataclass(frozen=True)
class _Press:
    lesson: Lesson
    position: QPointF
    movable: bool = True  # False: a drag says why not (``drag_refused``) instead of starting


@dataclass(frozen=True)
class _Colours:
    """The calendar's surface, from the widget's palette (light or dark alike)."""

    base: QColor
    text: QColor
    today: QColor
    night: QColor
    today_night: QColor
    grid: QColor
    frame: QColor
    muted: QColor
    highlight: QColor
    highlighted_text: QColor


def _blend(base: QColor, other: QColor, amount: float) -> QColor:
    return QColor.fromRgbF(base.redF() + (other.redF() - base.redF()) * amount,
                           base.greenF() + (other.greenF() - base.greenF()) * amount,
                           base.blueF() + (other.blueF() - base.blueF()) * amount)


def _colours(palette: QPalette) -> _Colours:
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    highlight = palette.color(QPalette.ColorRole.Highlight)
    today = _blend(base, highlight, 0.07)
    # Night is darker than day on a light palette and on a dark one alike.
    dark = base.lightnessF() < 0.5
    shade, amount = (QColor(0, 0, 0), 0.45) if dark else (text, 0.16)
    return _Colours(base=base, text=text, today=today, night=_blend(base, shade, amount),
                    today_night=_blend(today, shade, amount), grid=_blend(base, text, 0.10),
                    frame=_blend(base, text, 0.40), muted=_blend(base, text, 0.60),
                    highlight=highlight,
                    highlighted_text=palette.color(QPalette.ColorRole.HighlightedText))


class CalendarView(QWidget):
    """Signals:
        range_changed(object, object): the visible range changed (aware UTC start, end); the
            owner loads that range into the model.
        lesson_hovered(str): the id of the lesson under the mouse ("" when none).
        selection_changed(str): the id of the selected lesson ("" when none).
        book_requested(object): a free slot double-clicked (``SlotRequest``), when booking is
            allowed (``set_can_book``).
        edit_requested(str): a lesson the user may change double-clicked, or Return on it (its
            id).
        lesson_opened(str): the same for a lesson the user may not change: show it read-only.
        move_requested(object): a lesson dragged and dropped elsewhere (``MoveRequest``).
        drag_refused(str): a lesson that may not move (read-only, or ``set_can_move``) was
            dragged: its id; no drag starts, the owner says why.
        cancel_requested(str): Delete on the selected lesson (its id): ask, then cancel it.
        context_menu_requested(object): a context menu asked for (``ContextRequest``).
        zoom_changed(str, float): the time axis of the view mode ("week", "day") zoomed (1:
            the days fit the width).
    """

    range_changed = Signal(object, object)
    lesson_hovered = Signal(str)
    selection_changed = Signal(str)
    book_requested = Signal(object)
    edit_requested = Signal(str)
    lesson_opened = Signal(str)
    move_requested = Signal(object)
    drag_refused = Signal(str)
    cancel_requested = Signal(str)
    context_menu_requested = Signal(object)
    zoom_changed = Signal(str, float)

    def __init__(self, *, model: CalendarModel, mode: ViewMode = "week", day: date | None = None,
                 rows: RowKind = "aircraft",
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._mode: ViewMode = mode
        self._rows_kind: RowKind = rows
        self._clock = clock
        self._day = day or clock().astimezone(model.schedule.timezone).date()
        self._painter = LessonPainter(font=self.font())
        # "00"…"23", laid out once: the header writes dozens of them at every paint.
        self._hour_labels = [QStaticText(f"{hour:02d}") for hour in range(24)]
        self._zone = model.schedule.timezone
        self._can_edit: Callable[[Lesson], bool] = lambda _lesson: True
        self._can_move: Callable[[Lesson], bool] = lambda _lesson: True
        self._can_book = True
        self._layout: Layout | None = None
        self._layout_key: tuple[int, int, bool] | None = None
        self._colour_cache: tuple[int, _Colours] | None = None
        # (day, location, zone) -> (dawn, dusk) as UTC timestamps: astral is not free.
        self._twilight: dict[tuple[date, tuple[float, float], str], tuple[float, float]] = {}
        self._press: _Press | None = None
        # The drag's target, and its ghost (fit left, fit right, row).
        self._drag: tuple[MoveRequest, tuple[float, float, int]] | None = None
        self._selected = ""
        self._hovered = ""
        self._unavailable_shown = ""  # the shade whose meaning the tooltip says ("": none)
        self._zooms: dict[str, float] = {"week": 1.0, "day": 1.0}
        # Whether a mode's zoom is the readable one (``set_readable_zoom``): it then follows the
        # width, until zoomed by hand.
        self._readable: dict[str, bool] = {"week": False, "day": False}
        self._kept_moment: float | None = None  # (see ``_relayout``)
        self._sx = 0  # scrolled (pixels): sideways when zoomed, down when the rows do not fit
        self._sy = 0
        self._show_now = True  # at the next layout: scrolled to "now" when zoomed
        self._vbar = QScrollBar(Qt.Orientation.Vertical, self)
        self._hbar = QScrollBar(Qt.Orientation.Horizontal, self)
        for bar, slot in ((self._vbar, self._scrolled_vertically),
                          (self._hbar, self._scrolled_sideways)):
            bar.hide()
            bar.setSingleStep(SCROLL_STEP)
            bar.valueChanged.connect(slot)
            bar.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # keys select lessons; Escape ends a drag
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # every pixel is painted
        self.setAccessibleName("Lesson calendar")
        self.setMinimumSize(640, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        for signal in (model.modelReset, model.dataChanged, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._schedule_changed)
        self._tick = QTimer(self)  # keeps the "now" line moving
        self._tick.setInterval(60_000)
        self._tick.timeout.connect(self.update)
        self._tick.start()

    # -- navigation --------------------------------------------------------------------------

    @property
    def mode(self) -> ViewMode:
        return self._mode

    @property
    def day(self) -> date:
        return self._day

    @property
    def rows_kind(self) -> RowKind:
        """What the rows are: "aircraft" (one per aircraft) or "instructor" (one per
        instructor, and one for solo lessons)."""
        return self._rows_kind

    def days(self) -> list[date]:
        if self._mode == "day":
            return [self._day]
        monday = self._day - timedelta(days=self._day.weekday())
        return [monday + timedelta(days=offset) for offset in range(7)]

    def visible_range(self) -> tuple[datetime, datetime]:
        zone = self._model.schedule.timezone
        days = self.days()
        start = datetime.combine(days[0], time(0), zone).astimezone(UTC)
        end = datetime.combine(days[-1] + timedelta(days=1), time(0), zone).astimezone(UTC)
        return start, end

    def set_mode(self, mode: ViewMode) -> None:
        if mode != self._mode:
            self._mode = mode
            self._changed()

    def set_day(self, day: date) -> None:
        if day != self._day:
            self._day = day
            self._changed()

    def set_rows(self, kind: RowKind) -> None:
        """One row per aircraft ("aircraft") or per instructor plus solo ("instructor")."""
        if kind not in ("aircraft", "instructor"):
            raise ValueError(f"rows are by 'aircraft' or 'instructor', not {kind!r}")
        if kind != self._rows_kind:
            self._rows_kind = kind
            self._cancel_drag()
            self._relayout()

    def set_can_edit(self, predicate: Callable[[Lesson], bool]) -> None:
        """Which lessons may be dragged or opened for editing; the others are marked and open
        read-only (``lesson_opened``)."""
        self._can_edit = predicate
        self._relayout()

    def set_can_move(self, predicate: Callable[[Lesson], bool]) -> None:
        """Which of the lessons one may edit may also be dragged elsewhere (not one in the air,
        say); dragging another emits ``drag_refused``."""
        self._can_move = predicate

    def set_can_book(self, allowed: bool) -> None:
        """Whether double-clicking a free slot asks to book there (``book_requested``)."""
        self._can_book = allowed

    @property
    def can_book(self) -> bool:
        return self._can_book

    def can_edit(self, lesson: Lesson) -> bool:
        """Whether ``lesson`` may be changed here (``set_can_edit``)."""
        return self._can_edit(lesson)

    def go_today(self) -> None:
        self.set_day(self._clock().astimezone(self._model.schedule.timezone).date())

    def go_previous(self) -> None:
        self.set_day(self._day - timedelta(days=7 if self._mode == "week" else 1))

    def go_next(self) -> None:
        self.set_day(self._day + timedelta(days=7 if self._mode == "week" else 1))

    def title(self) -> str:
        days = self.days()
        if self._mode == "day":
            return f"{days[0]:%A %d %B %Y}"
        return f"Week of {days[0]:%d %b} – {days[-1]:%d %b %Y}"

    def hours(self) -> tuple[int, int]:
        """The hours of the day shown (school time; 24: midnight at the end)."""
        layout = self._ensure_layout()
        return layout.first_hour, layout.last_hour

    def _changed(self) -> None:
        self._cancel_drag()
        self._relayout()
        self._show_now = True
        self.range_changed.emit(*self.visible_range())

    def _relayout(self) -> None:
        layout = self._layout
        if layout is not None and self._readable[self._mode] and not self._show_now:
            # The moment a third of the way in stays there when the new layout's readable zoom
            # differs (rows that now need the vertical scroll bar leave the days less width).
            self._kept_moment = self._moment_at(layout, LABEL_WIDTH + layout.grid_width / 3
                                                ).timestamp()
        self._layout = None
        self.update()

    def _schedule_changed(self, *_args: object) -> None:
        self._relayout()
        self._hovered = ""  # the tooltip is written again at the next move
        self._unavailable_shown = ""
        if self._selected and not any(lesson.id == self._selected
                                      for lesson in self._model.schedule.lessons):
            self.select_lesson("")

    # -- zoom and scrolling --------------------------------------------------------------------

    @property
    def zoom(self) -> float:
        """How far the time axis is zoomed in the current view mode (1: the days fit); the
        readable zoom (``set_readable_zoom``) as it is for the current size."""
        if self._readable[self._mode]:
            self._ensure_layout()
        return self._zooms[self._mode]

    @property
    def _zoom_now(self) -> float:
        """The current mode's zoom as it stands, no layout made for it (the layout's own use)."""
        return self._zooms[self._mode]

    def set_zoom(self, zoom: float, *, anchor: float | None = None, mode: ViewMode | None = None
                 ) -> None:
        """Zoom the time axis (1 … ``MAX_ZOOM``), keeping the moment under ``anchor`` (an x in
        the widget; the middle of the days by default) where it is. ``mode``: the zoom of that
        view mode (remembered for when it is shown)."""
        zoom = min(max(float(zoom), 1.0), MAX_ZOOM)
        mode = mode or self._mode
        self._readable[mode] = False  # zoomed by hand: no longer follows the width
        if abs(zoom - self._zooms[mode]) < 1e-6:
            return
        if mode != self._mode:
            self._zooms[mode] = zoom
            self.zoom_changed.emit(mode, zoom)
            return
        layout = self._ensure_layout()
        grid = self._grid_rect(layout)
        anchor = grid.center().x() if anchor is None else min(max(anchor, grid.left()),
                                                                grid.right())
        moment = self._fit_x(anchor)
        scrolled_before = self.zoom > 1.0
        self._zooms[mode] = zoom
        if (zoom > 1.0) != scrolled_before:  # the sideways bar comes or goes: rows get less room
            layout = self._ensure_layout()
        else:
            self._update_scroll_bars(layout)
        self._set_scroll(x=LABEL_WIDTH + (moment - LABEL_WIDTH) * zoom - anchor)
        self.update()
        self.zoom_changed.emit(mode, zoom)

    def zoom_in(self, *, anchor: float | None = None) -> None:
        self.set_zoom(self.zoom * ZOOM_STEP, anchor=anchor)

    def zoom_out(self, *, anchor: float | None = None) -> None:
        self.set_zoom(self.zoom / ZOOM_STEP, anchor=anchor)

    def reset_zoom(self) -> None:
        """The days fit the width again."""
        self.set_zoom(1.0)

    def set_readable_zoom(self, *, mode: ViewMode | None = None) -> None:
        """The view mode's zoom (default: the current one's) becomes the readable one and
        follows the width from now on: the least zoom at which a one-hour lesson's block shows
        at least its student's initials (``readable_zoom``) — 1 where the days fit that well
        already. Zooming by hand (``set_zoom``) ends it."""
        mode = mode or self._mode
        self._readable[mode] = True
        if mode == self._mode:
            self._layout = None  # (laid out again, at that zoom, at the next paint or question)
            self._show_now = True
            self.update()

    @property
    def zoom_is_readable(self) -> bool:
        """Whether the current mode's zoom is the readable one (``set_readable_zoom``)."""
        return self._readable[self._mode]

    def readable_zoom(self) -> float:
        """The least zoom (1 … ``MAX_ZOOM``) at which a block of a one-hour lesson, in the
        current mode at the current size, is wide enough for its student's initials (a block
        of two lines or more: ``LessonPainter.initials_width``)."""
        return self._readable_zoom_of(self._ensure_layout())

    def _readable_zoom_of(self, layout: Layout) -> float:
        column = layout.columns[0]
        per_hour = column.width / max(layout.last_hour - layout.first_hour, 1)
        # A block ends one fit pixel before the next may start (``calendar_layout``), which the
        # zoom widens too: an hour's block is (per_hour - 1) × zoom wide.
        needed = self._painter.initials_width() + 0.5  # (text is fitted to whole pixels)
        return min(max(needed / max(per_hour - 1.0, 1e-3), 1.0), MAX_ZOOM)

    def vertical_scroll_bar(self) -> QScrollBar:
        return self._vbar

    def horizontal_scroll_bar(self) -> QScrollBar:
        return self._hbar

    def scroll_rows_by(self, pixels: int) -> None:
        self._vbar.setValue(self._vbar.value() + pixels)

    def _set_scroll(self, *, x: float | None = None, y: float | None = None) -> None:
        """Scroll without moving pixels (the caller repaints everything)."""
        for bar, value in ((self._hbar, x), (self._vbar, y)):
            if value is None:
                continue
            bar.blockSignals(True)
            bar.setValue(round(value))
            bar.blockSignals(False)
        self._sx, self._sy = self._hbar.value(), self._vbar.value()

    def _scrolled_vertically(self, value: int) -> None:
        moved, self._sy = self._sy - value, value
        layout = self._layout
        if layout is None:
            self.update()
            return
        grid = self._grid_rect(layout)
        if abs(moved) >= grid.height():
            self.update()
        else:  # the row labels and the days move together; only the strip uncovered is painted
            self.scroll(0, moved, QRect(0, HEADER_HEIGHT, math.ceil(grid.right()),
                                        math.ceil(grid.height())))

    def _scrolled_sideways(self, value: int) -> None:
        moved, self._sx = self._sx - value, value
        layout = self._layout
        if layout is None:
            self.update()
            return
        grid = self._grid_rect(layout)
        if abs(moved) >= grid.width():
            self.update()
        else:  # the header and the days move together
            self.scroll(moved, 0, QRect(LABEL_WIDTH, 0, math.ceil(grid.width()),
                                        math.ceil(grid.bottom())))

    def _update_scroll_bars(self, layout: Layout) -> None:
        zoomed = self._zoom_now > 1.0
        bar_height = self._hbar.sizeHint().height() if zoomed else 0
        grid_height = max(self.height() - HEADER_HEIGHT - bar_height, 1)
        rows_scroll = layout.content_height > grid_height + 0.5
        bar_width = self._vbar.sizeHint().width()
        for bar, shown, top_left, size, maximum, page in (
                (self._vbar, rows_scroll, (self.width() - bar_width, HEADER_HEIGHT),
                 (bar_width, grid_height), layout.content_height - grid_height, grid_height),
                (self._hbar, zoomed, (LABEL_WIDTH, self.height() - bar_height),
                 (math.floor(layout.grid_width), bar_height),
                 layout.grid_width * (self._zoom_now - 1.0), layout.grid_width)):
            bar.blockSignals(True)
            bar.setRange(0, max(math.ceil(maximum), 0) if shown else 0)
            bar.setPageStep(max(round(page), 1))
            bar.setGeometry(QRect(QPoint(*top_left), QPoint(top_left[0] + size[0] - 1,
                                                            top_left[1] + size[1] - 1)))
            bar.setVisible(shown)
            bar.blockSignals(False)
        self._sx, self._sy = self._hbar.value(), self._vbar.value()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        modifiers = event.modifiers()
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            notches = delta.y() / 120
            if notches:
                self.set_zoom(self.zoom * ZOOM_STEP ** notches, anchor=event.position().x())
            event.accept()
            return
        sideways = delta.x() or (delta.y() if modifiers & Qt.KeyboardModifier.ShiftModifier else 0)
        bar, amount = (self._hbar, sideways) if sideways else (self._vbar, delta.y())
        if bar.maximum() <= 0 or not amount:  # nothing to scroll that way: the parent's wheel
            event.ignore()
            return
        bar.setValue(bar.value() - round(amount / 120 * 3 * SCROLL_STEP))
        event.accept()

    # -- geometry ------------------------------------------------------------------------------

    def _rows(self, schedule: Schedule) -> list[tuple[str | None, str]]:
        if self._rows_kind == "instructor":
            return [*schedule.instructors, (None, SOLO_ROW_LABEL)]
        return list(schedule.aircraft) or [(None, "no aircraft yet")]

    def _row_key(self, lesson: Lesson) -> str | None:
        return lesson.instructor_id if self._rows_kind == "instructor" else lesson.aircraft_id

    def _ensure_layout(self) -> Layout:
        zoomed = self._zoom_now > 1.0
        key = (self.width(), self.height(), zoomed)
        layout = self._layout
        if layout is not None and self._layout_key == key:
            return layout
        previous = layout  # (the one of the size before, on a resize)
        layout = self._build_layout(zoomed)
        kept = None
        remembered, self._kept_moment = self._kept_moment, None  # (from ``_relayout``)
        if self._readable[self._mode]:
            wanted = self._readable_zoom_of(layout)
            if (wanted > 1.0) != zoomed:  # the sideways bar comes or goes: rows get less room
                zoomed = wanted > 1.0
                layout = self._build_layout(zoomed)
                wanted = max(self._readable_zoom_of(layout), 1.0 + 1e-6) if zoomed else 1.0
            if abs(wanted - self._zoom_now) > 1e-6:
                if previous is not None and not self._show_now:
                    # A resize, not a new week: the moment a third of the way into the days
                    # (where "now" is shown) stays a third of the way in.
                    kept = self._moment_at(
                        previous, LABEL_WIDTH + previous.grid_width / 3).timestamp()
                elif not self._show_now:
                    kept = remembered
                self._zooms[self._mode] = wanted
        schedule = self._model.schedule
        if schedule.timezone != self._zone:  # (block texts show times in it)
            self._zone = schedule.timezone
            self._painter.forget()
        self._layout, self._layout_key = layout, (self.width(), self.height(), zoomed)
        self._update_scroll_bars(layout)
        if kept is not None:
            index = layout.column_of(kept)
            if index is not None:
                x = layout.columns[index].x_of(kept)
                self._set_scroll(x=(x - LABEL_WIDTH) * self._zoom_now - layout.grid_width / 3)
        if self._show_now:
            self._show_now = False
            self._scroll_to_now(layout)
        return layout

    def _build_layout(self, zoomed: bool) -> Layout:
        """The layout for this size, with the sideways scroll bar's room when ``zoomed``."""
        schedule = self._model.schedule
        rows = self._rows(schedule)
        row_of = {row_id: index for index, (row_id, _label) in enumerate(rows)}
        placeholder = self._rows_kind == "aircraft" and not schedule.aircraft
        row_key = self._row_key
        can_edit = self._can_edit
        bar_height = self._hbar.sizeHint().height() if zoomed else 0
        unavailable = None
        if self._rows_kind == "instructor" and schedule.unavailable:
            bands = dict(schedule.unavailable)
            unavailable = lambda row_id: bands.get(row_id or "", ())  # noqa: E731
        layout = build_layout(
            lessons=schedule.lessons, days=self.days(), zone=schedule.timezone, rows=rows,
            row_of=(lambda _lesson: None) if placeholder else (
                lambda lesson: row_of.get(row_key(lesson))),
            read_only=lambda lesson: not can_edit(lesson),
            dawn_dusk=lambda day: self._dawn_dusk(day, schedule),
            width=self.width(), height=self.height(),
            grid_height=max(self.height() - HEADER_HEIGHT - bar_height, 1),
            scrollbar_width=self._vbar.sizeHint().width(), mode=self._mode,
            unavailable=unavailable)
        return layout

    def _scroll_to_now(self, layout: Layout) -> None:
        """Zoomed in on a range that holds "now": the days scrolled to show it (a third of the
        way in), rather than the first morning of the range."""
        now = self._clock().timestamp()
        index = layout.column_of(now)
        if index is None or self._zoom_now <= 1.0:
            return
        x = LABEL_WIDTH + (layout.columns[index].x_of(now) - LABEL_WIDTH) * self._zoom_now
        self._set_scroll(x=x - LABEL_WIDTH - layout.grid_width / 3)

    def _dawn_dusk(self, day: date, schedule: Schedule) -> tuple[float, float]:
        """Civil dawn and dusk at the home airport (UTC timestamps); no location: light all day."""
        location = schedule.home_location
        if location is None:
            return -math.inf, math.inf
        key = (day, location, str(schedule.timezone))
        cached = self._twilight.get(key)
        if cached is None:
            cached = self._twilight[key] = _civil_twilight(day, location, schedule.timezone)
        return cached

    def _grid_rect(self, layout: Layout) -> QRectF:
        """Where the days are drawn (widget coordinates): right of the labels, below the header,
        clear of the scroll bars."""
        bottom = self.height() - (self._hbar.sizeHint().height() if self._zoom_now > 1.0 else 0)
        return QRectF(LABEL_WIDTH, HEADER_HEIGHT, layout.grid_width,
                      max(bottom - HEADER_HEIGHT, 1))

    def _view_x(self, x: float) -> float:
        return LABEL_WIDTH + (x - LABEL_WIDTH) * self._zooms[self._mode] - self._sx

    def _fit_x(self, x: float) -> float:
        return LABEL_WIDTH + (x - LABEL_WIDTH + self._sx) / self._zooms[self._mode]

    def _block_rect(self, block: Block) -> QRectF:
        return QRectF(QPointF(self._view_x(block.left), block.top - self._sy),
                      QPointF(self._view_x(block.right), block.bottom - self._sy))

    def _moment_at(self, layout: Layout, x: float) -> datetime:
        """The moment at widget ``x`` (clamped into the days), aware UTC."""
        fit = self._fit_x(x)
        return datetime.fromtimestamp(layout.columns[layout.column_at(fit)].time_at(fit), UTC)

    def _snap(self, moment: datetime, *, down: bool) -> datetime:
        """To a 15-minute step of school time (down, or to the nearest)."""
        local = moment.astimezone(self._model.schedule.timezone)
        minutes = local.minute + local.second / 60 + local.microsecond / 60e6
        steps = math.floor(minutes / SNAP_MINUTES) if down else round(minutes / SNAP_MINUTES)
        snapped = local.replace(minute=0, second=0, microsecond=0) + timedelta(
            minutes=steps * SNAP_MINUTES)
        return snapped.astimezone(UTC)

    def _row_at(self, layout: Layout, y: float, *, clamp: bool = False) -> int | None:
        """The row at widget ``y``."""
        if clamp:
            y = min(max(y, HEADER_HEIGHT), self._grid_rect(layout).bottom() - 1)
        elif y < HEADER_HEIGHT:
            return None
        row = layout.row_at(y + self._sy)
        if row is None and clamp:
            return 0 if y + self._sy < HEADER_HEIGHT else len(layout.rows) - 1
        return row

    def lesson_at(self, point: QPointF) -> Lesson | None:
        found = self._block_at(point)
        return None if found is None else found.lesson

    def _block_at(self, point: QPointF) -> Block | None:
        layout = self._ensure_layout()
        if not self._grid_rect(layout).contains(point):
            return None
        row = self._row_at(layout, point.y())
        if row is None:
            return None
        for block in layout.by_row[row]:
            if self._block_rect(block).contains(point):
                return block
        return None

    def slot_at(self, point: QPointF) -> SlotRequest | None:
        """The free-slot request a double-click at ``point`` would make (None off the grid)."""
        layout = self._ensure_layout()
        if not self._grid_rect(layout).contains(point):
            return None
        row = self._row_at(layout, point.y())
        if row is None:
            return None
        return SlotRequest(start=self._snap(self._moment_at(layout, point.x()), down=True),
                           row_kind=self._rows_kind, row_id=layout.rows[row][0])

    def row_label_at(self, point: QPointF) -> RowRequest | None:
        """The row whose label is at ``point`` (None elsewhere)."""
        layout = self._ensure_layout()
        if not 0 <= point.x() < LABEL_WIDTH or point.y() > self._grid_rect(layout).bottom():
            return None
        row = self._row_at(layout, point.y())
        if row is None:
            return None
        row_id, label = layout.rows[row]
        return RowRequest(row_kind=self._rows_kind, row_id=row_id, label=label)

    def row_label_rect(self, index: int) -> QRectF:
        """Row ``index``'s label (widget coordinates; possibly scrolled out of view)."""
        layout = self._ensure_layout()
        return QRectF(0, layout.row_top(index) - self._sy, LABEL_WIDTH, layout.row_height(index))

    def lesson_rects(self, lesson_id: str) -> list[QRectF]:
        """Where ``lesson_id``'s blocks are (widget coordinates; possibly scrolled out of view;
        two when it runs past midnight)."""
        layout = self._ensure_layout()
        return [self._block_rect(block) for block in layout.by_lesson.get(lesson_id, [])]

    def block_texts(self) -> list[tuple[Lesson, QRectF, list[str]]]:
        """Every block with the lines of text it shows, as painted (``LessonPainter.lines``
        for its size; "" where a line has no room): lesson, rectangle, lines."""
        layout = self._ensure_layout()
        zone = self._model.schedule.timezone
        found = []
        for block in layout.blocks:
            rect = self._block_rect(block)
            lines = self._painter.lines(block.lesson, rect.width(), rect.height(),
                                        mode=self._mode, zone=zone)
            found.append((block.lesson, rect, [text for _font, text in lines]))
        return found

    def block_rects(self) -> list[tuple[str, int, QRectF]]:
        """Every block: (lesson id, row, rectangle in widget coordinates)."""
        layout = self._ensure_layout()
        return [(block.lesson.id, block.row, self._block_rect(block)) for block in layout.blocks]

    def row_rect(self, index: int) -> QRectF:
        """Row ``index`` across the days (widget coordinates; possibly scrolled out of view)."""
        layout = self._ensure_layout()
        grid = self._grid_rect(layout)
        return QRectF(grid.left(), layout.row_top(index) - self._sy, grid.width(),
                      layout.row_height(index))

    def row_count(self) -> int:
        return len(self._ensure_layout().rows)

    def visible_rows(self) -> list[int]:
        """The rows wholly in view."""
        layout = self._ensure_layout()
        grid = self._grid_rect(layout)
        return [index for index in range(len(layout.rows))
                if layout.row_top(index) - self._sy >= grid.top() - 0.5
                and layout.row_tops[index + 1] - self._sy <= grid.bottom() + 0.5]

    def ensure_visible(self, lesson_id: str) -> None:
        """Scroll so that the lesson's (first) block is in view."""
        layout = self._ensure_layout()
        blocks = layout.by_lesson.get(lesson_id)
        if not blocks:
            return
        block, grid = blocks[0], self._grid_rect(layout)
        rect = self._block_rect(block)
        row_top = layout.row_top(block.row) - self._sy
        row_bottom = layout.row_tops[block.row + 1] - self._sy
        if row_top < grid.top():
            self._vbar.setValue(self._vbar.value() - math.ceil(grid.top() - row_top))
        elif row_bottom > grid.bottom():
            self._vbar.setValue(self._vbar.value() + math.ceil(
                min(row_bottom - grid.bottom(), row_top - grid.top())))
        if rect.left() < grid.left():
            self._hbar.setValue(self._hbar.value() - math.ceil(grid.left() - rect.left() + 8))
        elif rect.right() > grid.right():
            self._hbar.setValue(self._hbar.value() + math.ceil(
                min(rect.right() - grid.right() + 8, rect.left() - grid.left() - 8)))

    # -- selection -------------------------------------------------------------------------------

    @property
    def selected_lesson_id(self) -> str:
        """The selected lesson ("" when none)."""
        return self._selected

    def selected_lesson(self) -> Lesson | None:
        if not self._selected:
            return None
        blocks = self._ensure_layout().by_lesson.get(self._selected)
        return blocks[0].lesson if blocks else None

    def select_lesson(self, lesson_id: str, *, scroll: bool = True) -> None:
        """Select a lesson ("" for none), scrolling it into view when asked."""
        if lesson_id == self._selected:
            if lesson_id and scroll:
                self.ensure_visible(lesson_id)
            return
        self._selected = lesson_id
        if lesson_id and scroll:
            self.ensure_visible(lesson_id)
        self.update()
        lesson = self.selected_lesson()
        self.setAccessibleDescription(self.describe(lesson) if lesson is not None else
                                      "No lesson selected")
        if QAccessible.isActive():
            QAccessible.updateAccessibility(
                QAccessibleEvent(self, QAccessible.Event.DescriptionChanged))
        self.selection_changed.emit(lesson_id)

    def describe(self, lesson: Lesson) -> str:
        """The lesson in words (tooltip, screen readers)."""
        zone = self._model.schedule.timezone
        state, weather = status_style(lesson.shown_status), verdict_style(lesson.verdict)
        lines = [
            f"{lesson.student} — {lesson.instructor or 'solo'}",
            f"{lesson.aircraft}, {flight_type_label(lesson.flight_type).lower()}, "
            f"{lesson.departure}{' → ' + lesson.destination if lesson.destination else ''}",
            f"{lesson.start.astimezone(zone):%a %d %b %H:%M}–{lesson.end.astimezone(zone):%H:%M}",
            f"{state.glyph} {status_label(lesson.shown_status)} · weather {weather.glyph} "
            f"{verdict_label(lesson.verdict)}",
            *status_notes(lesson, zone), *lesson.reasons]
        if lesson.pending:
            lines.append("Changed here, not yet accepted by the service")
        if lesson.acknowledged:
            lines += [f"{ACKNOWLEDGED_STYLE.glyph} Booked over the school's booking policy:",
                      *(f"• {warning}" for warning in lesson.acknowledged)]
        if not self._can_edit(lesson):
            lines.append("Read-only: not yours to change")
        return "\n".join(lines)

    def open_selected(self) -> bool:
        """Open the selected lesson (``edit_requested``, or ``lesson_opened`` when read-only);
        False when none is selected."""
        lesson = self.selected_lesson()
        if lesson is None:
            return False
        (self.edit_requested if self._can_edit(lesson) else self.lesson_opened).emit(lesson.id)
        return True

    def _lessons_in_time(self, layout: Layout) -> list[str]:
        seen: dict[str, None] = {}
        for block in layout.blocks:
            seen.setdefault(block.lesson.id, None)
        return list(seen)

    def _neighbour(self, key: int) -> str:
        """The lesson an arrow key goes to from the selected one ("" when none)."""
        layout = self._ensure_layout()
        current = layout.by_lesson.get(self._selected)
        if not current:
            order = self._lessons_in_time(layout)
            return order[0] if order else ""
        block = current[0]
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            lessons = layout.lessons_in_row(block.row)
            index = [lesson.id for lesson in lessons].index(self._selected)
            index += 1 if key == Qt.Key.Key_Right else -1
            return lessons[index].id if 0 <= index < len(lessons) else ""
        middle = (block.lesson.start.timestamp() + block.lesson.end.timestamp()) / 2
        step = -1 if key == Qt.Key.Key_Up else 1
        row = block.row + step
        while 0 <= row < len(layout.rows):
            lessons = layout.lessons_in_row(row)
            if lessons:
                return min(lessons, key=lambda lesson: (
                    abs((lesson.start.timestamp() + lesson.end.timestamp()) / 2 - middle),
                    lesson.start)).id
            row += step
        return ""

    def event(self, event: QEvent) -> bool:
        # Ctrl+Tab and Ctrl+Shift+Tab leave the calendar at once (Tab goes through its lessons).
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) \
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            forward = event.key() == Qt.Key.Key_Tab and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            super().focusNextPrevChild(forward)
            return True
        return super().event(event)

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 (Qt's name)
        """Tab and Shift+Tab: the next or previous lesson in time; past the last (first), the
        focus moves on as usual (Ctrl+Tab: at once)."""
        order = self._lessons_in_time(self._ensure_layout())
        if order:
            if self._selected in order:
                index = order.index(self._selected) + (1 if next else -1)
            else:
                index = 0 if next else len(order) - 1
            if 0 <= index < len(order):
                self.select_lesson(order[index])
                return True
        return super().focusNextPrevChild(next)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.update()
        super().focusOutEvent(event)

    # -- painting ------------------------------------------------------------------------------

    def _palette_colours(self) -> _Colours:
        palette = self.palette()
        key = palette.cacheKey()
        cached = self._colour_cache
        if cached is None or cached[0] != key:
            cached = self._colour_cache = (key, _colours(palette))
        return cached[1]

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._painter.set_font(self.font())
            self._relayout()
        elif event.type() == QEvent.Type.PaletteChange:
            self.update()
        super().changeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        layout = self._ensure_layout()
        colours = self._palette_colours()
        painter = QPainter(self)
        exposed = QRectF(event.rect())
        painter.fillRect(exposed, colours.base)
        grid = self._grid_rect(layout)
        days = grid.intersected(exposed)
        if not days.isEmpty():
            painter.setClipRect(days)
            self._paint_days(painter, layout, days, colours)
        header = QRectF(grid.left(), 0, grid.width(), HEADER_HEIGHT).intersected(exposed)
        if not header.isEmpty():
            painter.setClipRect(header)
            self._paint_header(painter, layout, header, colours)
        labels = QRectF(0, HEADER_HEIGHT, LABEL_WIDTH, grid.height()).intersected(exposed)
        if not labels.isEmpty():
            painter.setClipRect(labels)
            self._paint_row_labels(painter, layout, labels, colours)
        painter.setClipping(False)
        if exposed.top() < HEADER_HEIGHT and exposed.left() < LABEL_WIDTH:
            self._paint_corner(painter, layout, colours)
        painter.setPen(colours.frame)
        painter.drawLine(QPointF(0, HEADER_HEIGHT - 0.5),
                         QPointF(grid.right(), HEADER_HEIGHT - 0.5))
        painter.drawLine(QPointF(LABEL_WIDTH - 0.5, 0), QPointF(LABEL_WIDTH - 0.5, grid.bottom()))
        painter.end()

    def _visible_columns(self, layout: Layout, area: QRectF):
        for column in layout.columns:
            left, right = self._view_x(column.left), self._view_x(column.left + column.width)
            if right >= area.left() and left <= area.right():
                yield column, left, right

    def _hour_step(self, layout: Layout) -> int:
        """Hours between two labelled lines: what leaves room for the label."""
        column = layout.columns[0]
        per_hour = column.width * self.zoom / max(layout.last_hour - layout.first_hour, 1)
        return next((step for step in (1, 2, 3, 4, 6, 12) if step * per_hour >= 26), 24)

    @staticmethod
    def _hour_ticks(layout: Layout, step: int) -> range:
        """Offsets from the first hour shown of the hours labelled: those on a multiple of
        ``step`` (06, 09, 12… every three hours)."""
        first = layout.first_hour
        return range((-first) % step, layout.last_hour - first, step)

    def _paint_days(self, painter: QPainter, layout: Layout, area: QRectF,
                    colours: _Colours) -> None:
        today = self._clock().astimezone(self._model.schedule.timezone).date()
        top, bottom = area.top(), area.bottom()
        step = self._hour_step(layout)
        hours = layout.last_hour - layout.first_hour
        hour_lines, day_lines = [], []
        for column, left, right in self._visible_columns(layout, area):
            night = colours.night
            if column.day == today:
                painter.fillRect(QRectF(left, top, right - left, bottom - top), colours.today)
                night = colours.today_night
            dawn_x = self._view_x(column.x_of(column.dawn))
            dusk_x = self._view_x(column.x_of(column.dusk))
            if column.dawn > column.dusk:  # dark all day
                dawn_x = dusk_x = right
            if dawn_x > left:
                painter.fillRect(QRectF(left, top, dawn_x - left, bottom - top), night)
            if dusk_x < right:
                painter.fillRect(QRectF(dusk_x, top, right - dusk_x, bottom - top), night)
            for offset in self._hour_ticks(layout, step):
                if offset:
                    x = left + (right - left) * offset / hours
                    hour_lines.append(QLineF(x, top, x, bottom))
            day_lines.append(QLineF(left + 0.5, top, left + 0.5, bottom))
        first = layout.row_at(top + self._sy)
        last = layout.row_at(bottom + self._sy)
        first = 0 if first is None else first
        last = len(layout.rows) - 1 if last is None else last
        self._paint_unavailable(painter, layout, area, first, last)
        for index in range(first, last + 2):
            if index < len(layout.row_tops):
                y = layout.row_tops[index] - self._sy - 0.5
                hour_lines.append(QLineF(area.left(), y, area.right(), y))
        painter.setPen(QPen(colours.grid, 1))
        painter.drawLines(hour_lines)
        painter.setPen(QPen(colours.frame, 1))
        painter.drawLines(day_lines)

        # Lessons, row by row, only those in the part being painted.
        dragged = self._drag[0].lesson_id if self._drag is not None else None
        items, faded = [], []
        left_edge, right_edge = area.left(), area.right()
        # (_block_rect, inlined: this runs for every block in view at every paint)
        zoom, shift, down = self.zoom, LABEL_WIDTH - self._sx, self._sy
        for index in range(first, last + 1):
            for block in layout.by_row[index]:
                left = shift + (block.left - LABEL_WIDTH) * zoom
                right = shift + (block.right - LABEL_WIDTH) * zoom
                if right < left_edge or left > right_edge:
                    continue
                (faded if block.lesson.id == dragged else items).append(
                    (left, block.top - down, right - left, block.bottom - block.top,
                     block.lesson, block.read_only))
        zone = self._model.schedule.timezone
        self._painter.paint_blocks(painter, items, mode=self._mode, zone=zone)
        if faded:
            painter.setOpacity(0.35)
            self._painter.paint_blocks(painter, faded, mode=self._mode, zone=zone)
            painter.setOpacity(1.0)
        for block in layout.by_lesson.get(self._selected, ()):
            rect = self._block_rect(block)
            painter.setPen(QPen(colours.highlight, 2))
            painter.drawRect(rect.adjusted(-1, -1, 1, 1))
            if self.hasFocus() and rect.width() > 16:
                painter.setPen(QPen(colours.highlighted_text, 1, Qt.PenStyle.DotLine))
                painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        painter.setFont(self.font())  # (the blocks leave theirs)
        if self._drag is not None and self._press is not None:
            left, right, row = self._drag[1]
            ghost_top = layout.row_top(row) + ROW_PADDING - self._sy
            ghost = QRectF(QPointF(self._view_x(left), ghost_top),
                           QPointF(self._view_x(right),
                                   layout.row_tops[row + 1] - ROW_PADDING - self._sy))
            self._painter.paint_ghost(painter, ghost, self._press.lesson, outline=colours.text,
                                      mode=self._mode, zone=zone)

        now = self._clock().timestamp()
        index = layout.column_of(now)
        if index is not None:
            now_x = self._view_x(layout.columns[index].x_of(now))
            painter.setPen(QPen(NOW_LINE, 2))
            painter.drawLine(QPointF(now_x, top), QPointF(now_x, bottom))

    def _paint_unavailable(self, painter: QPainter, layout: Layout, area: QRectF, first: int,
                           last: int) -> None:
        """The times the rows' instructors are not available, behind the lessons; the hatch
        starts at the content's origin, so scrolled pixels and fresh ones line up."""
        if not any(layout.shading):
            return
        palette = self.palette()
        origin = QPointF(LABEL_WIDTH - self._sx, HEADER_HEIGHT - self._sy)
        zoom, shift = self.zoom, LABEL_WIDTH - self._sx
        left_edge, right_edge = area.left(), area.right()
        rects = []
        for index in range(first, min(last, len(layout.shading) - 1) + 1):
            bands = layout.shading[index]
            if not bands:
                continue
            top = layout.row_tops[index] - self._sy
            height = layout.row_tops[index + 1] - layout.row_tops[index]
            for left, right, _why in bands:
                left = shift + (left - LABEL_WIDTH) * zoom
                right = shift + (right - LABEL_WIDTH) * zoom
                if right >= left_edge and left <= right_edge:
                    rects.append(QRectF(left, top, right - left, height))
        paint_unavailable(painter, rects, palette, origin=origin)

    def unavailable_rects(self, index: int) -> list[tuple[QRectF, str]]:
        """Where row ``index`` is shaded as not available (widget coordinates; possibly scrolled
        out of view), and why ("day_off", "outside_windows")."""
        layout = self._ensure_layout()
        if index >= len(layout.shading):
            return []
        top = layout.row_top(index) - self._sy
        height = layout.row_height(index)
        return [(QRectF(QPointF(self._view_x(left), top),
                        QPointF(self._view_x(right), top + height)), why)
                for left, right, why in layout.shading[index]]

    def unavailable_at(self, point: QPointF) -> str:
        """Why the row's instructor is not available at ``point`` ("" when they are, or off
        the days)."""
        layout = self._ensure_layout()
        if not self._grid_rect(layout).contains(point):
            return ""
        row = self._row_at(layout, point.y())
        if row is None or row >= len(layout.shading):
            return ""
        fit = self._fit_x(point.x())
        return next((why for left, right, why in layout.shading[row] if left <= fit < right), "")

    def _paint_header(self, painter: QPainter, layout: Layout, area: QRectF,
                      colours: _Colours) -> None:
        metrics = painter.fontMetrics()
        step = self._hour_step(layout)
        hours = layout.last_hour - layout.first_hour
        now = self._clock().timestamp()
        for column, left, right in self._visible_columns(layout, area):
            # The day's name over the part of its column in view.
            shown_left, shown_right = max(left, area.left()), min(right, area.right())
            label = f"{column.day:%a %d %b}" if self._mode == "week" else f"{column.day:%A %d %B}"
            label = metrics.elidedText(label, Qt.TextElideMode.ElideRight,
                                       max(int(shown_right - shown_left) - 4, 0))
            painter.setPen(colours.text)
            painter.drawText(QRectF(shown_left, 2, shown_right - shown_left, metrics.height()),
                             Qt.AlignmentFlag.AlignCenter, label)
            painter.setPen(colours.muted)
            top = HEADER_HEIGHT - 8 - metrics.ascent()
            for offset in self._hour_ticks(layout, step):
                x = left + (right - left) * offset / hours
                painter.drawStaticText(QPointF(x + 2, top),
                                       self._hour_labels[(layout.first_hour + offset) % 24])
            painter.setPen(colours.frame)
            painter.drawLine(QPointF(left + 0.5, 0), QPointF(left + 0.5, HEADER_HEIGHT))
        index = layout.column_of(now)
        if index is not None:
            now_x = self._view_x(layout.columns[index].x_of(now))
            painter.setPen(QPen(NOW_LINE, 2))
            painter.drawLine(QPointF(now_x, HEADER_HEIGHT - 4), QPointF(now_x, HEADER_HEIGHT))

    def _paint_row_labels(self, painter: QPainter, layout: Layout, area: QRectF,
                          colours: _Colours) -> None:
        first = layout.row_at(area.top() + self._sy)
        last = layout.row_at(area.bottom() + self._sy)
        first = 0 if first is None else first
        last = len(layout.rows) - 1 if last is None else last
        for index in range(first, last + 1):
            top = layout.row_top(index) - self._sy
            height = layout.row_height(index)
            painter.setPen(colours.grid)
            painter.drawLine(QPointF(0, top - 0.5), QPointF(LABEL_WIDTH, top - 0.5))
            painter.setPen(colours.text)
            painter.drawText(QRectF(6, top, LABEL_WIDTH - 10, height),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
                             | Qt.TextFlag.TextWordWrap, layout.rows[index][1])

    def _paint_corner(self, painter: QPainter, layout: Layout, colours: _Colours) -> None:
        """The hours shown (they stretch to early and late lessons) and the zoom."""
        painter.setPen(colours.muted)
        text = f"{layout.first_hour:02d}:00–{layout.last_hour:02d}:00"
        if self.zoom > 1.0:
            text += f"  ×{self.zoom:.1f}"
        painter.drawText(QRectF(6, 2, LABEL_WIDTH - 10, HEADER_HEIGHT - 4),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, text)

    # -- mouse and keys ------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            block = self._block_at(event.position())
            self._press = None
            if block is not None:
                self.select_lesson(block.lesson.id, scroll=False)
                if event.button() == Qt.MouseButton.LeftButton:
                    self._press = _Press(lesson=block.lesson, position=event.position(),
                                         movable=not block.read_only
                                         and self._can_move(block.lesson))
            elif self._grid_rect(self._ensure_layout()).contains(event.position()):
                self.select_lesson("")
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        press = self._press
        if press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            if self._drag is None and ((event.position() - press.position).manhattanLength()
                                       < QApplication.startDragDistance()):
                return
            if not press.movable:  # said once; the rest of this press is a plain hover
                self._press = None
                self.drag_refused.emit(press.lesson.id)
                return
            self._drag_to(press, event.position())
            return
        lesson = self.lesson_at(event.position())
        hovered = "" if lesson is None else lesson.id
        if hovered != self._hovered:
            self._hovered = hovered
            self._unavailable_shown = ""
            self.setToolTip("" if lesson is None else plain_tooltip(self.describe(lesson)))
            self.lesson_hovered.emit(hovered)
        if lesson is None:
            self._explain_unavailable(event.position())
        super().mouseMoveEvent(event)

    def _explain_unavailable(self, point: QPointF) -> None:
        """Over a shaded free time: the tooltip says what the shade means."""
        why = self.unavailable_at(point)
        if why == self._unavailable_shown:
            return
        self._unavailable_shown = why
        row = self._row_at(self._ensure_layout(), point.y()) if why else None
        if row is None:
            self.setToolTip("")
            return
        name = self._ensure_layout().rows[row][1]
        text = (f"{UNAVAILABLE_LABEL}: {name} is off that day" if why == "day_off" else
                f"{UNAVAILABLE_LABEL}: outside {name}'s weekly availability")
        self.setToolTip(plain_tooltip(text))

    def leaveEvent(self, event: QEvent) -> None:
        if self._hovered or self._unavailable_shown:
            self._unavailable_shown = ""
            self.setToolTip("")
        if self._hovered:
            self._hovered = ""
            self.lesson_hovered.emit("")
        super().leaveEvent(event)

    def _drag_to(self, press: _Press, position: QPointF) -> None:
        """Follow the mouse: the ghost snapped to 15 minutes and to a row."""
        layout = self._ensure_layout()
        lesson = press.lesson
        moved = self._moment_at(layout, position.x()) - self._moment_at(layout, press.position.x())
        start = self._snap(lesson.start + moved, down=False)
        end = start + (lesson.end - lesson.start)
        row = self._row_at(layout, position.y(), clamp=True)
        assert row is not None
        span = layout.span(start.timestamp(), end.timestamp())
        if span is None:  # dragged beyond the visible days: keep the last good place
            return
        target = MoveRequest(lesson_id=lesson.id, start=start, end=end,
                             row_kind=self._rows_kind, row_id=layout.rows[row][0])
        if self._drag is None:
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            self.setToolTip("")
        self._drag = (target, (span[0], max(span[1], span[0] + 6), row))
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drag is not None:
            target = self._drag[0]
            lesson = self._press.lesson if self._press is not None else None
            self._cancel_drag()
            if lesson is not None and (target.start != lesson.start
                                       or target.row_id != self._row_key(lesson)):
                self.move_requested.emit(target)
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = None
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseDoubleClickEvent(event)
            return
        self._cancel_drag()
        block = self._block_at(event.position())
        if block is not None:
            self.select_lesson(block.lesson.id, scroll=False)
            (self.lesson_opened if block.read_only else self.edit_requested).emit(block.lesson.id)
            return
        if self._can_book:
            slot = self.slot_at(event.position())
            if slot is not None:
                self.book_requested.emit(slot)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            block = self._block_at(QPointF(event.pos()))
            if block is not None:
                self.select_lesson(block.lesson.id, scroll=False)
                self.context_menu_requested.emit(ContextRequest(
                    position=event.globalPos(), lesson_id=block.lesson.id))
            else:
                slot = self.slot_at(QPointF(event.pos()))
                row = self.row_label_at(QPointF(event.pos()))
                if slot is not None:
                    self.context_menu_requested.emit(ContextRequest(position=event.globalPos(),
                                                                    slot=slot))
                elif row is not None:
                    self.context_menu_requested.emit(ContextRequest(position=event.globalPos(),
                                                                    row=row))
            event.accept()
            return
        # The menu key or Shift+F10: the selected lesson's menu, beside it.
        lesson = self.selected_lesson()
        if lesson is not None:
            self.ensure_visible(lesson.id)
            rect = self.lesson_rects(lesson.id)[0]
            grid = self._grid_rect(self._ensure_layout())
            corner = QPointF(min(max(rect.left() + 4, grid.left()), grid.right() - 4),
                             min(max(rect.bottom() - 2, grid.top()), grid.bottom() - 4))
            self.context_menu_requested.emit(ContextRequest(
                position=self.mapToGlobal(corner.toPoint()), lesson_id=lesson.id))
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Escape and (self._drag is not None or self._press is not None):
            self._cancel_drag()
            event.accept()
            return
        plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        if plain and key in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            target = self._neighbour(key)
            if target:
                self.select_lesson(target)
            event.accept()
            return
        if plain and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.open_selected():
            event.accept()
            return
        if plain and key == Qt.Key.Key_Delete and self._selected:
            self.cancel_requested.emit(self._selected)
            event.accept()
            return
        if plain and key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            sign = -1 if key == Qt.Key.Key_PageUp else 1
            self._vbar.setValue(self._vbar.value() + sign * self._vbar.pageStep())
            event.accept()
            return
        if event.matches(QKeySequence.StandardKey.ZoomIn) or (
                key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.zoom_in()
            event.accept()
            return
        if event.matches(QKeySequence.StandardKey.ZoomOut):
            self.zoom_out()
            event.accept()
            return
        if key == Qt.Key.Key_0 and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.reset_zoom()
            event.accept()
            return
        super().keyPressEvent(event)

    def is_dragging(self) -> bool:
        """Whether a lesson is being dragged (its ghost shown)."""
        return self._drag is not None

    def _cancel_drag(self) -> None:
        if self._drag is not None:
            self.unsetCursor()
            self.update()
        self._drag = None
        self._press = None


def _civil_twilight(day: date, location: tuple[float, float],
                    zone: tzinfo) -> tuple[float, float]:
    """(dawn, dusk) as UTC timestamps; where the sun never crosses 6° below the horizon that day,
    (-inf, inf) when it stays above (light all day) and (inf, -inf) when below (dark all day)."""
    observer = Observer(latitude=location[0], longitude=location[1])
    try:
        # dawn and dusk alone: sun() would also refuse days with twilight but no sunrise.
        return (dawn(observer, day, CIVIL_DEPRESSION, tzinfo=zone).timestamp(),
                dusk(observer, day, CIVIL_DEPRESSION, tzinfo=zone).timestamp())
    except ValueError:
        noon = datetime.combine(day, time(12), zone)
        if elevation(observer, noon) > -CIVIL_DEPRESSION:
            return -math.inf, math.inf
        return math.inf, -math.inf
