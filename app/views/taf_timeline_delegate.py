"""Paints the weather board's "Next 24 h" column: the TAF as a coloured bar from now to 24 h ahead.

Prevailing periods (BASE, FM, BECMG) fill the bar in their flight category's colour; TEMPO and PROB
periods are a thinner band over them, so a TEMPO thunderstorm inside a VFR day shows. Ticks every
6 h carry the hour in the school's time zone; the tooltip lists every period in UTC, as TAFs do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QHelpEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import (QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem,
                               QToolTip, QWidget)

from app.models.weather_board_model import (CATEGORY_COLOURS, UNKNOWN_COLOUR, TafPeriod,
                                            WeatherRole)

__all__ = ["TafTimelineDelegate", "describe_periods", "WINDOW"]

WINDOW = timedelta(hours=24)
TICK_EVERY_HOURS = 6
MARGIN_X = 6
MARGIN_Y = 3
BAR_HEIGHT = 14
BAND_HEIGHT = 6  # the TEMPO/PROB overlay, centred in the bar
TICK_LENGTH = 3
LABEL_SCALE = 0.85  # hour labels a little smaller than the table's text: rows stay compact
MINIMUM_WIDTH = 264  # 11 px an hour: a one-hour TEMPO stays visible


def _hour(moment: datetime, *, end: bool = False) -> str:
    moment = moment.astimezone(UTC)
    hour = 24 if end and moment.hour == 0 and moment.minute == 0 else moment.hour
    return f"{hour:02d}{moment.minute:02d}" if moment.minute else f"{hour:02d}"


def describe_periods(periods: Sequence[TafPeriod]) -> str:
    """One line per period, as a dispatcher reads a TAF: ``18Z–24Z FM MVFR``."""
    if not periods:
        return "No TAF periods for the next 24 h."
    return "\n".join(f"{_hour(period.start)}Z–{_hour(period.end, end=True)}Z {period.kind} "
                     f"{period.category or 'unknown category'}" for period in periods)


class TafTimelineDelegate(QStyledItemDelegate):
    """The TAF timeline of a ``WeatherRole.TAF_PERIODS`` cell.

    ``clock`` gives "now" (UTC) where the bar begins; ``timezone`` is the school's zone, for the
    tick labels (the computer's own zone until ``set_timezone``).
    """

    def __init__(self, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 timezone: tzinfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._timezone = timezone

    @property
    def timezone(self) -> tzinfo | None:
        return self._timezone

    def set_timezone(self, zone: tzinfo | None) -> None:
        self._timezone = zone

    # -- geometry (public so that tests and callers can find where a moment is drawn) -------

    def bar_rect(self, cell: QRect) -> QRect:
        return QRect(cell.left() + MARGIN_X, cell.top() + MARGIN_Y,
                     max(cell.width() - 2 * MARGIN_X, 1), BAR_HEIGHT)

    def band_rect(self, bar: QRect) -> QRect:
        return QRect(bar.left(), bar.top() + (bar.height() - BAND_HEIGHT) // 2, bar.width(),
                     BAND_HEIGHT)

    def x_for(self, moment: datetime, bar: QRect, *, start: datetime) -> int:
        fraction = (moment - start) / WINDOW
        return bar.left() + round(min(max(fraction, 0.0), 1.0) * bar.width())

    # -- QStyledItemDelegate ------------------------------------------------------------------

    @staticmethod
    def label_font(font: QFont) -> QFont:
        """The hour labels' font: the table's, a little smaller."""
        small = QFont(font)
        if font.pointSizeF() > 0:
            small.setPointSizeF(font.pointSizeF() * LABEL_SCALE)
        else:
            small.setPixelSize(max(round(font.pixelSize() * LABEL_SCALE), 8))
        return small

    @classmethod
    def row_height(cls, font: QFont) -> int:
        """The height the bar, its ticks and their hour labels need with the table's ``font``."""
        labels = QFontMetrics(cls.label_font(font)).height()
        return MARGIN_Y + BAR_HEIGHT + TICK_LENGTH + labels + MARGIN_Y

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(MINIMUM_WIDTH, self.row_height(option.font))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        periods: Sequence[TafPeriod] = index.data(WeatherRole.TAF_PERIODS) or ()
        if not periods:
            super().paint(painter, option, index)  # the model's "no forecast"
            return
        self.initStyleOption(option, index)
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        start = self._clock().astimezone(UTC)
        end = start + WINDOW
        bar = self.bar_rect(option.rect)
        band = self.band_rect(bar)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        # Beyond the TAF (no forecast yet): the palette's own background, light or dark.
        painter.fillRect(bar, option.palette.color(QPalette.ColorRole.AlternateBase))
        for period in periods:
            if period.temporary or not (period.start < end and start < period.end):
                continue
            painter.fillRect(self._span(period, bar, start), self._colour(period))
        for period in periods:
            if not period.temporary or not (period.start < end and start < period.end):
                continue
            span = self._span(period, band, start)
            painter.fillRect(span, self._colour(period))
            # A light edge tells the overlay from a base period of the same colour.
            edge = QColor(option.palette.color(QPalette.ColorRole.Base))
            edge.setAlpha(200)
            painter.setPen(QPen(edge, 1))
            painter.drawLine(span.left(), span.top() - 1, span.right(), span.top() - 1)
            painter.drawLine(span.left(), span.bottom() + 1, span.right(), span.bottom() + 1)
        painter.setPen(QPen(option.palette.mid().color(), 1))
        painter.drawRect(bar.adjusted(0, 0, -1, -1))
        self._paint_ticks(painter, option, bar, start)
        painter.restore()

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView, option: QStyleOptionViewItem,
                  index: QModelIndex | QPersistentModelIndex) -> bool:
        if event is not None and event.type() == QEvent.Type.ToolTip and index.isValid():
            QToolTip.showText(event.globalPos(), self.tooltip(index), view)
            return True
        return super().helpEvent(event, view, option, index)

    def tooltip(self, index: QModelIndex | QPersistentModelIndex) -> str:
        station = index.siblingAtColumn(0).data() or ""
        text = describe_periods(index.data(WeatherRole.TAF_PERIODS) or ())
        return f"{station} TAF, next 24 h (UTC):\n{text}" if station else text

    # -- internals ------------------------------------------------------------------------

    def _span(self, period: TafPeriod, rect: QRect, start: datetime) -> QRect:
        left = self.x_for(period.start, rect, start=start)
        right = self.x_for(period.end, rect, start=start)
        return QRect(left, rect.top(), max(right - left, 1), rect.height())

    @staticmethod
    def _colour(period: TafPeriod) -> QColor:
        return CATEGORY_COLOURS.get(period.category or "", UNKNOWN_COLOUR)

    def _paint_ticks(self, painter: QPainter, option: QStyleOptionViewItem, bar: QRect,
                     start: datetime) -> None:
        zone = self._timezone or datetime.now().astimezone().tzinfo
        local = start.astimezone(zone)
        # The first whole local hour divisible by 6 after the start of the bar.
        tick = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        while tick.hour % TICK_EVERY_HOURS:
            tick += timedelta(hours=1)
        font = self.label_font(option.font)
        metrics = QFontMetrics(font)
        painter.setFont(font)
        text_colour = option.palette.color(
            QPalette.ColorRole.HighlightedText if option.state & QStyle.StateFlag.State_Selected
            else QPalette.ColorRole.Text)
        while tick.astimezone(UTC) < start + WINDOW:
            x = self.x_for(tick.astimezone(UTC), bar, start=start)
            painter.setPen(QPen(option.palette.mid().color(), 1))
            painter.drawLine(x, bar.bottom() + 1, x, bar.bottom() + TICK_LENGTH)
            label = tick.strftime("%a") if tick.hour == 0 else f"{tick.hour:02d}"
            width = metrics.horizontalAdvance(label)
            left = min(max(x - width // 2, bar.left()), bar.right() - width)
            painter.setPen(text_colour)
            painter.drawText(QRect(left, bar.bottom() + TICK_LENGTH + 1, width + 2, metrics.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, label)
            # Wall-clock arithmetic (aware datetimes in one zone): the ticks stay on 00/06/12/18
            # local even across a DST change, where one gap is 5 or 7 real hours.
            tick = tick + timedelta(hours=TICK_EVERY_HOURS)
