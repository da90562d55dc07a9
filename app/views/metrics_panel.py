"""The metrics dock: the school's last 30 days — bookings, weather conflicts, successful reschedules
and the average rescheduling time — as totals and a small chart, and the lessons cancelled by hand
by kind (the student cancelled, no-show, the school…), from the service's ``/metrics``.

Figures are fetched off the GUI thread through an injected ``fetch`` (``ApiClient.metrics``); when
the service cannot be reached the last figures stay, with a note saying so.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from PySide6.QtCharts import (QBarSeries, QBarSet, QCategoryAxis, QChart, QChartView, QLineSeries,
                              QValueAxis)
from PySide6.QtCore import QMargins, QPointF, Qt, Signal
from PySide6.QtCore import QEvent
from PySide6.QtGui import QPainter, QPalette, QPen, QShowEvent
from PySide6.QtWidgets import (QDockWidget, QFormLayout, QHBoxLayout, QLabel, QPushButton,
                               QVBoxLayout, QWidget)

from app.models.labels import CANCEL_KIND_LABELS
from app.models.lessons import parse_time
from app.services.api_client import Offline
from app.services.background import run_in_background
from app.views.plain_text import make_plain
from app.views.theme import CHART_COLOURS

__all__ = ["MetricsPanel", "format_duration", "describe_sweep"]

BOOKINGS_COLOUR = CHART_COLOURS["bookings"]
CONFLICTS_COLOUR = CHART_COLOURS["conflicts"]
RESCHEDULES_COLOUR = CHART_COLOURS["reschedules"]
SWEEP_STUCK_AFTER = timedelta(hours=1)  # sweeps take seconds; one "running" this long has died


def format_duration(minutes: float | None) -> str:
    """``85`` → ``"1 h 25 min"``; None (nothing rescheduled yet) → ``"—"``."""
    if minutes is None:
        return "—"
    if minutes < 1:
        return "under 1 min"
    hours, rest = divmod(round(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _moment(text: str | None) -> datetime | None:
    return parse_time(str(text)) if text else None


def describe_sweep(sweep: dict[str, Any] | None, *, zone: tzinfo, now: datetime) -> str:
    """The status-bar line for the service's last weather sweep ("" when there was none)."""
    if not sweep:
        return ""
    started = _moment(sweep.get("started_at"))
    finished = _moment(sweep.get("finished_at"))
    if started is None:
        return ""
    if finished is None:
        if now - started > SWEEP_STUCK_AFTER:
            return (f"Weather sweep started {started.astimezone(zone):%H:%M %Z} has not finished; "
                    "the next hourly sweep checks again")
        return f"Weather sweep running since {started.astimezone(zone):%H:%M %Z}"
    counts = sweep.get("counts") or {}
    cancelled = (counts.get("actions") or {}).get("cancelled", 0)
    return (f"Last sweep {finished.astimezone(zone):%H:%M %Z}: {counts.get('lessons', 0)} checked, "
            f"{cancelled} cancelled")


class MetricsPanel(QDockWidget):
    """Signals:
        refreshed(): new figures are shown.
        refresh_failed(str): the figures could not be fetched (offline…); the last ones stay and
            the message says what happened.
    """

    refreshed = Signal()
    refresh_failed = Signal(str)

    def __init__(self, *, fetch: Callable[[], dict[str, Any]],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 min_interval: timedelta = timedelta(minutes=1),
                 parent: QWidget | None = None) -> None:
        super().__init__("Metrics", parent)
        self.setObjectName("metrics-dock")
        self._fetch = fetch
        self._clock = clock
        self._min_interval = min_interval
        self._busy = False
        self._metrics: dict[str, Any] | None = None
        self._fetched_at: datetime | None = None
        self._asked_at: datetime | None = None

        body = QWidget(self)
        totals = QWidget(body)
        form = QFormLayout(totals)
        form.setContentsMargins(8, 4, 8, 4)
        heading = QLabel("<b>Last 30 days</b>", totals)
        form.addRow(heading)
        self.bookings_label = QLabel("—", totals)
        self.conflicts_label = QLabel("—", totals)
        self.reschedules_label = QLabel("—", totals)
        self.average_label = QLabel("—", totals)
        form.addRow("Bookings:", self.bookings_label)
        form.addRow("Weather conflicts:", self.conflicts_label)
        form.addRow("Successful reschedules:", self.reschedules_label)
        form.addRow("Average rescheduling time:", self.average_label)
        self.note_label = QLabel(totals)
        self.note_label.setWordWrap(True)
        make_plain(self.note_label)
        self.note_label.hide()
        form.addRow(self.note_label)
        self.refresh_button = QPushButton("&Refresh", totals)
        self.refresh_button.clicked.connect(self.refresh)
        form.addRow(self.refresh_button)

        # Cancelled at the desk, by kind (the sweep's weather cancellations are the conflicts).
        cancelled = QWidget(body)
        cancelled_form = QFormLayout(cancelled)
        cancelled_form.setContentsMargins(8, 4, 8, 4)
        cancelled_heading = QLabel("<b>Cancelled by hand</b>", cancelled)
        cancelled_heading.setToolTip("Lessons cancelled at the desk in the last 30 days, by what "
                                     "happened; the sweep's weather cancellations are counted in "
                                     "the weather conflicts")
        cancelled_form.addRow(cancelled_heading)
        self.cancellation_labels: dict[str, QLabel] = {}
        for kind, words in CANCEL_KIND_LABELS.items():
            label = QLabel("—", cancelled)
            label.setObjectName(f"cancelled-{kind}")
            self.cancellation_labels[kind] = label
            cancelled_form.addRow(f"{words.split(' (')[0]}:", label)

        self.chart = QChart()
        self.chart.setMargins(QMargins(2, 2, 2, 2))
        self.chart.setBackgroundRoundness(0)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.chart_view = QChartView(self.chart, body)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumSize(420, 180)
        self._build_chart()
        self._follow_palette()

        layout = QHBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        left = QVBoxLayout()
        left.addWidget(totals)
        left.addStretch(1)
        layout.addLayout(left)
        middle = QVBoxLayout()
        middle.addWidget(cancelled)
        middle.addStretch(1)
        layout.addLayout(middle)
        layout.addWidget(self.chart_view, 1)
        self.setWidget(body)

    # -- what the panel shows ----------------------------------------------------------------

    @property
    def metrics(self) -> dict[str, Any] | None:
        """The last figures fetched (``GET /metrics``), or None before the first answer."""
        return self._metrics

    @property
    def last_sweep(self) -> dict[str, Any] | None:
        return (self._metrics or {}).get("last_sweep")

    @property
    def timezone(self) -> tzinfo:
        """The school's zone (the metrics' days are its days)."""
        try:
            return zoneinfo.ZoneInfo((self._metrics or {}).get("timezone") or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return UTC

    @property
    def sweep_text(self) -> str:
        """"Weather sweep running since 14:05" or "Last sweep 14:05: 13 checked, 2 cancelled"."""
        return describe_sweep(self.last_sweep, zone=self.timezone, now=self._clock())

    # -- fetching ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Fetch the figures now (off the GUI thread), unless a fetch is running."""
        if self._busy:
            return
        self._busy = True
        self._asked_at = self._clock()
        run_in_background(self._fetch, self._show, self._failed, owner=self)

    def refresh_if_due(self) -> None:
        """Refresh unless the last one was asked for less than ``min_interval`` ago (after sync
        rounds, which may come every few seconds)."""
        if self._asked_at is None or self._clock() - self._asked_at >= self._min_interval:
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()

    def _show(self, metrics: dict[str, Any]) -> None:
        self._busy = False
        self._metrics = metrics
        self._fetched_at = self._clock()
        totals = metrics.get("totals") or {}
        self.bookings_label.setText(str(totals.get("bookings_created", 0)))
        self.conflicts_label.setText(str(totals.get("weather_conflicts", 0)))
        self.reschedules_label.setText(str(totals.get("reschedules_accepted", 0)))
        self.average_label.setText(format_duration(totals.get("average_reschedule_minutes")))
        # A service that does not count them yet answers none: "—", not a false 0.
        counts = totals.get("cancellations")
        for kind, label in self.cancellation_labels.items():
            label.setText(str(counts.get(kind, 0)) if isinstance(counts, dict) else "—")
        self.note_label.clear()
        self.note_label.hide()
        self._draw(metrics.get("days") or [])
        self.setWindowTitle("Metrics")
        self.refreshed.emit()

    def _failed(self, error: Exception) -> None:
        self._busy = False
        if self._metrics is None:
            message = (f"No metrics yet: {error}. They appear once the service can be reached; "
                       "press Refresh to try again.")
        elif isinstance(error, Offline):
            shown = self._fetched_at.astimezone(self.timezone) if self._fetched_at else None
            since = f" from {shown:%H:%M %Z}" if shown else ""
            message = (f"Offline — showing the figures{since}. They update when the service can "
                       "be reached again.")
        else:
            message = (f"The figures could not be updated: {error}. Showing the last ones; "
                       "press Refresh to try again.")
        self.note_label.setText(message)
        self.note_label.show()
        self.setWindowTitle("Metrics (last known)" if self._metrics is not None else "Metrics")
        self.refresh_failed.emit(message)

    # -- the chart ---------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self._follow_palette()
        super().changeEvent(event)

    def _follow_palette(self) -> None:
        """The chart draws its own background and labels: the window's palette, light or dark."""
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        self.chart.setBackgroundBrush(palette.color(QPalette.ColorRole.Base))
        self.chart.legend().setLabelColor(text)
        for axis in (self.dates_axis, self.counts_axis):
            axis.setLabelsColor(text)
            axis.setLinePenColor(palette.color(QPalette.ColorRole.Mid))
            axis.setGridLineColor(palette.color(QPalette.ColorRole.Midlight))

    def _build_chart(self) -> None:
        """Series and axes are made once and kept (the chart owns them); ``_draw`` changes values."""
        chart = self.chart
        self.bookings_set = QBarSet("Bookings")
        self.conflicts_set = QBarSet("Weather conflicts")
        for bar_set, colour in ((self.bookings_set, BOOKINGS_COLOUR),
                                (self.conflicts_set, CONFLICTS_COLOUR)):
            bar_set.setColor(colour)
            bar_set.setBorderColor(colour)
        self.bar_series = QBarSeries()
        self.bar_series.setBarWidth(0.8)
        self.bar_series.append([self.bookings_set, self.conflicts_set])
        self.reschedules_series = QLineSeries()
        self.reschedules_series.setName("Reschedules accepted")
        self.reschedules_series.setPen(QPen(RESCHEDULES_COLOUR, 2))
        chart.addSeries(self.bar_series)
        chart.addSeries(self.reschedules_series)
        # Day positions 0…29 on a value axis labelled once a week (30 day labels do not fit).
        self.dates_axis = QCategoryAxis()
        self.dates_axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        self.dates_axis.setGridLineVisible(False)
        self.counts_axis = QValueAxis()
        self.counts_axis.setLabelFormat("%d")
        chart.addAxis(self.dates_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.counts_axis, Qt.AlignmentFlag.AlignLeft)
        for series in (self.bar_series, self.reschedules_series):
            series.attachAxis(self.dates_axis)
            series.attachAxis(self.counts_axis)
        self._draw([])

    def _draw(self, days: list[dict[str, Any]]) -> None:
        def values(key: str) -> list[int]:
            return [int(day.get(key) or 0) for day in days]

        bookings, conflicts = values("bookings_created"), values("weather_conflicts")
        reschedules = values("reschedules_accepted")
        for bar_set, numbers in ((self.bookings_set, bookings), (self.conflicts_set, conflicts)):
            bar_set.remove(0, bar_set.count())
            bar_set.append([float(number) for number in numbers])
        self.reschedules_series.replace([QPointF(position, number)
                                         for position, number in enumerate(reschedules)])
        for label in self.dates_axis.categoriesLabels():
            self.dates_axis.remove(label)
        self.dates_axis.setRange(-0.5, max(len(days), 1) - 0.5)
        # Weekly labels ending on today, the last day.
        for position in range(max(len(days) - 1, 0) % 7, len(days), 7):
            self.dates_axis.append(_day_label(days[position].get("date")), position)
        highest = max([1, *bookings, *conflicts, *reschedules])
        step = _tick_step(highest)
        top = -(-highest // step) * step
        self.counts_axis.setRange(0, top)
        self.counts_axis.setTickCount(top // step + 1)


def _tick_step(highest: int) -> int:
    """A round step giving at most about four whole-number intervals up to ``highest``."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if highest / step <= 4:
            return step
    return -(-highest // 4000) * 1000


def _day_label(value: Any) -> str:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{day.day} {day:%b}"
