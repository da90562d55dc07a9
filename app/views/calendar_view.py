"""The calendar: a week or a day, one row per aircraft, lessons as coloured blocks, a "now" line.

A custom-painted widget over ``CalendarModel``; each block is painted by ``LessonPainter``.
Times are shown in the school's time zone (from the model's schedule).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.models.calendar_model import CalendarModel
from app.models.lessons import Lesson
from app.views.lesson_delegate import LessonPainter

__all__ = ["CalendarView", "ViewMode"]

ViewMode = Literal["week", "day"]
FIRST_HOUR, LAST_HOUR = 6, 21  # the visible part of each day, school time
LABEL_WIDTH = 150
HEADER_HEIGHT = 44


class CalendarView(QWidget):
    """Signals:
        range_changed(object, object): the visible range changed (aware UTC start, end); the
            owner loads that range into the model.
        lesson_hovered(str): the id of the lesson under the mouse ("" when none).
    """

    range_changed = Signal(object, object)
    lesson_hovered = Signal(str)

    def __init__(self, *, model: CalendarModel, mode: ViewMode = "week", day: date | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self._mode: ViewMode = mode
        self._clock = clock
        self._day = day or clock().astimezone(model.schedule.timezone).date()
        self._painter = LessonPainter(font=self.font())
        self._blocks: list[tuple[QRectF, Lesson]] = []
        self.setMouseTracking(True)
        self.setMinimumSize(640, 300)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        for signal in (model.modelReset, model.dataChanged, model.rowsInserted, model.rowsRemoved):
            signal.connect(self.update)
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
        self.update()
        self.range_changed.emit(*self.visible_range())

    # -- geometry ------------------------------------------------------------------------------

    def _x_of(self, moment: datetime, days: list[date], width: float) -> float | None:
        zone = self._model.schedule.timezone
        local = moment.astimezone(zone)
        if local.date() not in days:
            return None
        column = days.index(local.date())
        span = (LAST_HOUR - FIRST_HOUR) * 3600
        seconds = (local.hour - FIRST_HOUR) * 3600 + local.minute * 60 + local.second
        seconds = min(max(seconds, 0), span)
        column_width = width / len(days)
        return LABEL_WIDTH + column * column_width + column_width * seconds / span

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), QColor("#ffffff"))
        schedule = self._model.schedule
        days = self.days()
        width = max(self.width() - LABEL_WIDTH - 4, 1)
        column_width = width / len(days)
        rows = list(schedule.aircraft) or [("", "no aircraft yet")]
        row_height = max((self.height() - HEADER_HEIGHT - 2) / len(rows), 24)
        metrics = painter.fontMetrics()
        today = self._clock().astimezone(schedule.timezone).date()

        # Day columns and their headers; today tinted.
        for column, day in enumerate(days):
            left = LABEL_WIDTH + column * column_width
            if day == today:
                painter.fillRect(QRectF(left, 0, column_width, self.height()), QColor("#f3f8ff"))
            painter.setPen(QColor("#222222"))
            label = f"{day:%a %d %b}" if self._mode == "week" else f"{day:%A %d %B}"
            painter.drawText(QRectF(left, 2, column_width, metrics.height()),
                             Qt.AlignmentFlag.AlignCenter, label)
            hours = range(FIRST_HOUR, LAST_HOUR + 1, 3 if self._mode == "week" else 1)
            for hour in hours:
                x = left + column_width * (hour - FIRST_HOUR) / (LAST_HOUR - FIRST_HOUR)
                painter.setPen(QColor("#e4e4e4"))
                painter.drawLine(QPointF(x, HEADER_HEIGHT - 6), QPointF(x, self.height()))
                if hour < LAST_HOUR:
                    painter.setPen(QColor("#777777"))
                    painter.drawText(QPointF(x + 2, HEADER_HEIGHT - 8), f"{hour:02d}")
            painter.setPen(QPen(QColor("#9a9a9a"), 1))
            painter.drawLine(QPointF(left, 0), QPointF(left, self.height()))

        # Aircraft rows.
        row_of = {}
        for index, (plane_id, label) in enumerate(rows):
            top = HEADER_HEIGHT + index * row_height
            row_of[plane_id] = top
            painter.setPen(QColor("#cccccc"))
            painter.drawLine(QPointF(0, top), QPointF(self.width(), top))
            painter.setPen(palette.color(palette.ColorRole.WindowText))
            painter.drawText(QRectF(6, top, LABEL_WIDTH - 10, row_height),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
                             | Qt.TextFlag.TextWordWrap, label)

        # Lessons.
        self._blocks = []
        for lesson in schedule.lessons:
            top = row_of.get(lesson.aircraft_id)
            left = self._x_of(lesson.start, days, width)
            right = self._x_of(lesson.end, days, width)
            if top is None or (left is None and right is None):
                continue
            if left is None:  # started the day before
                left = LABEL_WIDTH + days.index(lesson.end.astimezone(schedule.timezone).date()) * column_width
            if right is None or right < left:
                right = LABEL_WIDTH + (days.index(lesson.start.astimezone(
                    schedule.timezone).date()) + 1) * column_width
            block = QRectF(left, top + 3, max(right - left, 4), row_height - 6)
            self._painter.paint(painter, block, lesson)
            self._blocks.append((block, lesson))

        # Now.
        now_x = self._x_of(self._clock(), days, width)
        if now_x is not None:
            painter.setPen(QPen(QColor("#e0245e"), 2))
            painter.drawLine(QPointF(now_x, HEADER_HEIGHT - 4), QPointF(now_x, self.height()))
        painter.end()

    def lesson_at(self, point: QPointF) -> Lesson | None:
        for rect, lesson in reversed(self._blocks):
            if rect.contains(point):
                return lesson
        return None

    def mouseMoveEvent(self, event) -> None:  # noqa: ANN001
        lesson = self.lesson_at(event.position())
        self.setToolTip("" if lesson is None else "\n".join((
            f"{lesson.student} — {lesson.instructor or 'solo'}",
            f"{lesson.aircraft}, {lesson.flight_type.replace('_', ' ').lower()}, "
            f"{lesson.departure}{' → ' + lesson.destination if lesson.destination else ''}",
            f"{lesson.start.astimezone(self._model.schedule.timezone):%a %H:%M}–"
            f"{lesson.end.astimezone(self._model.schedule.timezone):%H:%M}",
            f"status {lesson.status}" + (f", weather {lesson.verdict}" if lesson.verdict else ""),
            *lesson.reasons)))
        self.lesson_hovered.emit("" if lesson is None else lesson.id)
        super().mouseMoveEvent(event)
