"""How one lesson block is painted on the calendar: colour by weather verdict and status; a hatched
corner marks a lesson the signed-in person may not change; a translucent ghost shows a drag."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen

from app.models.lessons import Lesson

__all__ = ["LessonPainter", "lesson_colour", "STATUS_COLOURS", "VERDICT_COLOURS"]

STATUS_COLOURS = {
    "SCHEDULED": QColor("#3b7dd8"),
    "AT_RISK": QColor("#f0a020"),          # amber
    "WEATHER_CANCELLED": QColor("#d64541"),  # red
    "RESCHEDULED": QColor("#9a9a9a"),      # grey
    "COMPLETED": QColor("#b8c4d0"),        # muted
    "CANCELLED": QColor("#d0d0d0"),
}
VERDICT_COLOURS = {
    "GO": QColor("#3a9d5d"),
    "MARGINAL": QColor("#f0a020"),
    "NO_GO": QColor("#d64541"),
    "UNKNOWN": QColor("#8e7cc3"),
}


def lesson_colour(lesson: Lesson) -> QColor:
    """Status first when it settles the lesson; else the latest weather verdict; else scheduled."""
    if lesson.status in ("AT_RISK", "WEATHER_CANCELLED", "RESCHEDULED", "COMPLETED", "CANCELLED"):
        return STATUS_COLOURS[lesson.status]
    if lesson.verdict in VERDICT_COLOURS:
        return VERDICT_COLOURS[lesson.verdict]
    return STATUS_COLOURS["SCHEDULED"]


def _text_colour(fill: QColor) -> QColor:
    return QColor("#1b1b1b") if fill.lightnessF() > 0.62 else QColor("#ffffff")


class LessonPainter:
    """Paints a lesson into a rectangle: student, instructor and type, as much as fits."""

    def __init__(self, *, font: QFont) -> None:
        self._font = QFont(font)
        self._bold = QFont(font)
        self._bold.setBold(True)
        self._outlines: dict[tuple[int, bool], QPen] = {}  # (fill rgb, pending): built once

    def _outline(self, fill: QColor, pending: bool) -> QPen:
        key = (fill.rgb(), pending)
        pen = self._outlines.get(key)
        if pen is None:
            pen = self._outlines[key] = QPen(
                fill.darker(140), 1, Qt.PenStyle.DashLine if pending else Qt.PenStyle.SolidLine)
        return pen

    def paint(self, painter: QPainter, rect: QRectF, lesson: Lesson, *,
              read_only: bool = False) -> None:
        fill = lesson_colour(lesson)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self._outline(fill, lesson.pending))
        painter.setBrush(fill)
        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        if read_only:
            self._paint_lock_marker(painter, rect, fill)
        if rect.width() < 28:  # too narrow for words: the tooltip tells
            painter.restore()
            return
        painter.setPen(_text_colour(fill))
        text_rect = rect.adjusted(3, 1, -2, -1)
        lines = [(self._bold, lesson.student),
                 (self._font, lesson.instructor or "solo"),
                 (self._font, lesson.flight_type.replace("_", " ").title())]
        y = text_rect.top()
        for font, text in lines:
            painter.setFont(font)
            height = painter.fontMetrics().height()
            if y + height > text_rect.bottom() + 1:
                break
            elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight,
                                                      int(text_rect.width()))
            painter.drawText(QRectF(text_rect.left(), y, text_rect.width(), height),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
            y += height
        painter.restore()

    def paint_ghost(self, painter: QPainter, rect: QRectF, lesson: Lesson) -> None:
        """Where a dragged lesson would go: the block, see-through, with a dashed outline."""
        painter.save()
        painter.setOpacity(0.55)
        self.paint(painter, rect, lesson)
        painter.setOpacity(1.0)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor("#1b1b1b"), 1.5, Qt.PenStyle.DashLine))
        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        painter.restore()

    @staticmethod
    def _paint_lock_marker(painter: QPainter, rect: QRectF, fill: QColor) -> None:
        """A hatched triangle in the top-right corner: "not yours to change"."""
        size = min(12.0, rect.width() / 2, rect.height() / 2)
        corner = QPainterPath()
        corner.moveTo(rect.right() - size, rect.top())
        corner.lineTo(rect.right(), rect.top())
        corner.lineTo(rect.right(), rect.top() + size)
        corner.closeSubpath()
        painter.fillPath(corner, QBrush(_text_colour(fill), Qt.BrushStyle.BDiagPattern))
