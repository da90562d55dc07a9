"""The calendar: a week or a day, one row per aircraft or per instructor, lessons as coloured
blocks, night (before civil dawn, after civil dusk) shaded, a "now" line.

A custom-painted widget over ``CalendarModel``; each block is painted by ``LessonPainter``.
Times are shown in the school's time zone (from the model's schedule). Double-click books a free
slot or opens a lesson; dragging a lesson asks for it to be moved. The view never changes a
lesson itself: it says what was asked (``SlotRequest``, ``MoveRequest``) and the owner acts.

Block geometry is computed once per schedule, size, range and row choice (``_Layout``) and
reused for painting and hit-testing, so a week of a thousand lessons paints quickly.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal

from astral import Observer
from astral.sun import dawn, dusk, elevation
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

from app.models.calendar_model import CalendarModel
from app.models.lessons import Lesson, Schedule
from app.views.lesson_delegate import LessonPainter

__all__ = ["CalendarView", "MoveRequest", "RowKind", "SlotRequest", "ViewMode"]

ViewMode = Literal["week", "day"]
RowKind = Literal["aircraft", "instructor"]
FIRST_HOUR, LAST_HOUR = 6, 21  # the visible part of each day, school time
LABEL_WIDTH = 150
HEADER_HEIGHT = 44
SNAP_MINUTES = 15
SOLO_ROW_LABEL = "Solo (no instructor)"
# Before dawn and after dusk: opaque (blending a translucent tint over the whole height is slow).
DAY_BACKGROUND, TODAY_BACKGROUND = QColor("#ffffff"), QColor("#f3f8ff")
NIGHT_BACKGROUND, TODAY_NIGHT_BACKGROUND = QColor("#c0c3cf"), QColor("#b7becf")
CIVIL_DEPRESSION = 6.0


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
class _Column:
    day: date
    left: float
    width: float
    first: float  # UTC timestamps of FIRST_HOUR and LAST_HOUR that day, school time
    last: float
    dawn: float  # civil dawn and dusk (UTC timestamps; ±inf: no dawn/dusk that day)
    dusk: float

    def x_of(self, timestamp: float) -> float:
        fraction = (timestamp - self.first) / (self.last - self.first)
        return self.left + self.width * min(max(fraction, 0.0), 1.0)


@dataclass
class _Layout:
    width: int
    height: int
    columns: list[_Column]
    midnights: list[float]  # UTC timestamps of each column's start of day, then the end
    rows: list[tuple[str | None, str]]
    row_height: float
    blocks: list[tuple[QRectF, Lesson, bool]]  # (rect, lesson, read-only)

    def column_of(self, timestamp: float) -> int | None:
        index = bisect.bisect_right(self.midnights, timestamp) - 1
        return index if 0 <= index < len(self.columns) else None

    def row_top(self, index: int) -> float:
        return HEADER_HEIGHT + index * self.row_height

    def block_rect(self, start: float, end: float, row: int) -> QRectF | None:
        first = self.column_of(start)
        final = self.column_of(end - 1e-3)  # a lesson ending at midnight belongs to its day
        if first is None and final is None:
            return None
        if first is None:  # started before the visible range
            left = self.columns[final].left
            right = self.columns[final].x_of(end)
        else:
            left = self.columns[first].x_of(start)
            right = (self.columns[first].x_of(end) if final == first
                     else self.columns[first].left + self.columns[first].width)
        top = self.row_top(row)
        return QRectF(left, top + 3, max(right - left, 4), self.row_height - 6)


@dataclass(frozen=True)
class _Press:
    lesson: Lesson
    position: QPointF
    row: int


class CalendarView(QWidget):
    """Signals:
        range_changed(object, object): the visible range changed (aware UTC start, end); the
            owner loads that range into the model.
        lesson_hovered(str): the id of the lesson under the mouse ("" when none).
        book_requested(object): a free slot double-clicked (``SlotRequest``), when booking is
            allowed (``set_can_book``).
        edit_requested(str): a lesson the user may change double-clicked (its id).
        lesson_opened(str): a lesson the user may not change double-clicked (its id): show it
            read-only.
        move_requested(object): a lesson dragged and dropped elsewhere (``MoveRequest``).
    """

    range_changed = Signal(object, object)
    lesson_hovered = Signal(str)
    book_requested = Signal(object)
    edit_requested = Signal(str)
    lesson_opened = Signal(str)
    move_requested = Signal(object)

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
        self._can_edit: Callable[[Lesson], bool] = lambda _lesson: True
        self._can_book = True
        self._layout: _Layout | None = None
        # (day, location, zone) -> (dawn, dusk) as UTC timestamps: astral is not free.
        self._twilight: dict[tuple[date, tuple[float, float], str], tuple[float, float]] = {}
        self._press: _Press | None = None
        self._drag: tuple[MoveRequest, QRectF] | None = None  # target and its ghost rect
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Escape cancels a drag
        self.setMinimumSize(640, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        for signal in (model.modelReset, model.dataChanged, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._relayout)
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

    def set_can_book(self, allowed: bool) -> None:
        """Whether double-clicking a free slot asks to book there (``book_requested``)."""
        self._can_book = allowed

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

    def _changed(self) -> None:
        self._cancel_drag()
        self._relayout()
        self.range_changed.emit(*self.visible_range())

    def _relayout(self) -> None:
        self._layout = None
        self.update()

    # -- geometry ------------------------------------------------------------------------------

    def _rows(self, schedule: Schedule) -> list[tuple[str | None, str]]:
        if self._rows_kind == "instructor":
            return [*schedule.instructors, (None, SOLO_ROW_LABEL)]
        return list(schedule.aircraft) or [(None, "no aircraft yet")]

    def _row_key(self, lesson: Lesson) -> str | None:
        return lesson.instructor_id if self._rows_kind == "instructor" else lesson.aircraft_id

    def _ensure_layout(self) -> _Layout:
        layout = self._layout
        if layout is not None and (layout.width, layout.height) == (self.width(), self.height()):
            return layout
        schedule = self._model.schedule
        zone = schedule.timezone
        days = self.days()
        width = max(self.width() - LABEL_WIDTH - 4, 1)
        column_width = width / len(days)
        columns, midnights = [], []
        for index, day in enumerate(days):
            dawn, dusk = self._dawn_dusk(day, schedule)
            columns.append(_Column(
                day=day, left=LABEL_WIDTH + index * column_width, width=column_width,
                first=datetime.combine(day, time(FIRST_HOUR), zone).timestamp(),
                last=datetime.combine(day, time(LAST_HOUR), zone).timestamp(),
                dawn=dawn, dusk=dusk))
            midnights.append(datetime.combine(day, time(0), zone).timestamp())
        midnights.append(datetime.combine(days[-1] + timedelta(days=1), time(0), zone).timestamp())
        rows = self._rows(schedule)
        row_height = max((self.height() - HEADER_HEIGHT - 2) / len(rows), 24)
        layout = _Layout(width=self.width(), height=self.height(), columns=columns,
                         midnights=midnights, rows=rows, row_height=row_height, blocks=[])
        row_of = {row_id: index for index, (row_id, _label) in enumerate(rows)}
        placeholder = self._rows_kind == "aircraft" and not schedule.aircraft
        can_edit = self._can_edit
        for lesson in schedule.lessons:
            row = None if placeholder else row_of.get(self._row_key(lesson))
            if row is None:
                continue
            rect = layout.block_rect(lesson.start.timestamp(), lesson.end.timestamp(), row)
            if rect is not None:
                layout.blocks.append((rect, lesson, not can_edit(lesson)))
        self._layout = layout
        return layout

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

    def _time_at(self, layout: _Layout, x: float) -> tuple[int, datetime]:
        """The column under ``x`` (clamped into the days) and the moment there, aware UTC."""
        index = int((x - LABEL_WIDTH) // layout.columns[0].width)
        index = min(max(index, 0), len(layout.columns) - 1)
        column = layout.columns[index]
        fraction = min(max((x - column.left) / column.width, 0.0), 1.0)
        moment = column.first + fraction * (column.last - column.first)
        return index, datetime.fromtimestamp(moment, UTC)

    def _snap(self, moment: datetime, *, down: bool) -> datetime:
        """To a 15-minute step of school time (down, or to the nearest)."""
        local = moment.astimezone(self._model.schedule.timezone)
        minutes = local.minute + local.second / 60 + local.microsecond / 60e6
        steps = math.floor(minutes / SNAP_MINUTES) if down else round(minutes / SNAP_MINUTES)
        snapped = local.replace(minute=0, second=0, microsecond=0) + timedelta(
            minutes=steps * SNAP_MINUTES)
        return snapped.astimezone(UTC)

    def _row_at(self, layout: _Layout, y: float, *, clamp: bool = False) -> int | None:
        index = math.floor((y - HEADER_HEIGHT) / layout.row_height)
        if clamp:
            return min(max(index, 0), len(layout.rows) - 1)
        return index if 0 <= index < len(layout.rows) else None

    def lesson_at(self, point: QPointF) -> Lesson | None:
        found = self._block_at(point)
        return None if found is None else found[1]

    def _block_at(self, point: QPointF) -> tuple[QRectF, Lesson, bool] | None:
        for block in reversed(self._ensure_layout().blocks):
            if block[0].contains(point):
                return block
        return None

    def slot_at(self, point: QPointF) -> SlotRequest | None:
        """The free-slot request a double-click at ``point`` would make (None off the grid)."""
        layout = self._ensure_layout()
        row = self._row_at(layout, point.y())
        if row is None or point.x() < LABEL_WIDTH or point.x() > LABEL_WIDTH + sum(
                column.width for column in layout.columns):
            return None
        _column, moment = self._time_at(layout, point.x())
        return SlotRequest(start=self._snap(moment, down=True), row_kind=self._rows_kind,
                           row_id=layout.rows[row][0])

    # -- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        layout = self._ensure_layout()
        painter = QPainter(self)
        palette = self.palette()
        height = self.height()
        painter.fillRect(self.rect(), DAY_BACKGROUND)
        metrics = painter.fontMetrics()
        today = self._clock().astimezone(self._model.schedule.timezone).date()
        span = LAST_HOUR - FIRST_HOUR

        # Day columns and their headers; today tinted, night shaded.
        for column in layout.columns:
            left, width = column.left, column.width
            night = NIGHT_BACKGROUND
            if column.day == today:
                painter.fillRect(QRectF(left, 0, width, height), TODAY_BACKGROUND)
                night = TODAY_NIGHT_BACKGROUND
            dawn_x, dusk_x = column.x_of(column.dawn), column.x_of(column.dusk)
            if column.dawn > column.dusk:  # dark all day
                dawn_x = dusk_x = left + width
            if dawn_x > left:
                painter.fillRect(QRectF(left, HEADER_HEIGHT, dawn_x - left, height), night)
            if dusk_x < left + width:
                painter.fillRect(QRectF(dusk_x, HEADER_HEIGHT, left + width - dusk_x, height),
                                 night)
            painter.setPen(QColor("#222222"))
            label = f"{column.day:%a %d %b}" if self._mode == "week" else f"{column.day:%A %d %B}"
            painter.drawText(QRectF(left, 2, width, metrics.height()),
                             Qt.AlignmentFlag.AlignCenter, label)
            for hour in range(FIRST_HOUR, LAST_HOUR + 1, 3 if self._mode == "week" else 1):
                x = left + width * (hour - FIRST_HOUR) / span
                painter.setPen(QColor("#e4e4e4"))
                painter.drawLine(QPointF(x, HEADER_HEIGHT - 6), QPointF(x, height))
                if hour < LAST_HOUR:
                    painter.setPen(QColor("#777777"))
                    painter.drawText(QPointF(x + 2, HEADER_HEIGHT - 8), f"{hour:02d}")
            painter.setPen(QPen(QColor("#9a9a9a"), 1))
            painter.drawLine(QPointF(left, 0), QPointF(left, height))

        # Rows: aircraft, or instructors and solo.
        text_colour = palette.color(palette.ColorRole.WindowText)
        for index, (_row_id, label) in enumerate(layout.rows):
            top = layout.row_top(index)
            painter.setPen(QColor("#cccccc"))
            painter.drawLine(QPointF(0, top), QPointF(self.width(), top))
            painter.setPen(text_colour)
            painter.drawText(QRectF(6, top, LABEL_WIDTH - 10, layout.row_height),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
                             | Qt.TextFlag.TextWordWrap, label)

        # Lessons (only those in the part being repainted).
        exposed = QRectF(event.rect())
        dragged = self._drag[0].lesson_id if self._drag is not None else None
        for rect, lesson, read_only in layout.blocks:
            if not rect.intersects(exposed):
                continue
            if lesson.id == dragged:
                painter.setOpacity(0.35)
                self._painter.paint(painter, rect, lesson, read_only=read_only)
                painter.setOpacity(1.0)
            else:
                self._painter.paint(painter, rect, lesson, read_only=read_only)
        if self._drag is not None and self._press is not None:
            self._painter.paint_ghost(painter, self._drag[1], self._press.lesson)

        # Now.
        now = self._clock().timestamp()
        index = layout.column_of(now)
        if index is not None:
            now_x = layout.columns[index].x_of(now)
            painter.setPen(QPen(QColor("#e0245e"), 2))
            painter.drawLine(QPointF(now_x, HEADER_HEIGHT - 4), QPointF(now_x, height))
        painter.end()

    # -- mouse and keys ------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            block = self._block_at(event.position())
            self._press = None
            if block is not None and not block[2]:
                layout = self._ensure_layout()
                row = self._row_at(layout, event.position().y(), clamp=True)
                self._press = _Press(lesson=block[1], position=event.position(), row=row)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        press = self._press
        if press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            if self._drag is None and ((event.position() - press.position).manhattanLength()
                                       < QApplication.startDragDistance()):
                return
            self._drag_to(press, event.position())
            return
        lesson = self.lesson_at(event.position())
        zone = self._model.schedule.timezone
        self.setToolTip("" if lesson is None else "\n".join((
            f"{lesson.student} — {lesson.instructor or 'solo'}",
            f"{lesson.aircraft}, {lesson.flight_type.replace('_', ' ').lower()}, "
            f"{lesson.departure}{' → ' + lesson.destination if lesson.destination else ''}",
            f"{lesson.start.astimezone(zone):%a %H:%M}–{lesson.end.astimezone(zone):%H:%M}",
            f"status {lesson.status}" + (f", weather {lesson.verdict}" if lesson.verdict else ""),
            *lesson.reasons)))
        self.lesson_hovered.emit("" if lesson is None else lesson.id)
        super().mouseMoveEvent(event)

    def _drag_to(self, press: _Press, position: QPointF) -> None:
        """Follow the mouse: the ghost snapped to 15 minutes and to a row."""
        layout = self._ensure_layout()
        _column, pressed_at = self._time_at(layout, press.position.x())
        _column, now_at = self._time_at(layout, position.x())
        lesson = press.lesson
        start = self._snap(lesson.start + (now_at - pressed_at), down=False)
        end = start + (lesson.end - lesson.start)
        row = self._row_at(layout, position.y(), clamp=True)
        target = MoveRequest(lesson_id=lesson.id, start=start, end=end,
                             row_kind=self._rows_kind, row_id=layout.rows[row][0])
        ghost = layout.block_rect(start.timestamp(), end.timestamp(), row)
        if ghost is None:  # dragged beyond the visible days: keep the last good place
            return
        if self._drag is None:
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            self.setToolTip("")
        self._drag = (target, ghost)
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
            _rect, lesson, read_only = block
            (self.lesson_opened if read_only else self.edit_requested).emit(lesson.id)
            return
        if self._can_book:
            slot = self.slot_at(event.position())
            if slot is not None:
                self.book_requested.emit(slot)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and (self._drag is not None or self._press is not None):
            self._cancel_drag()
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
