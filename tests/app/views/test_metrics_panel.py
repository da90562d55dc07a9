"""The metrics dock against the real demo service's ``/metrics``; offline keeps the last figures."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

from PySide6.QtCharts import QBarSeries, QLineSeries

from app.services.api_client import Offline
from app.views.metrics_panel import MetricsPanel, describe_sweep, format_duration


def test_panel_shows_the_last_30_days(qtbot, demo) -> None:
    expected = demo.client.metrics()
    panel = MetricsPanel(fetch=demo.client.metrics)
    qtbot.add_widget(panel)
    with qtbot.wait_signal(panel.refreshed, timeout=10_000), \
            qtbot.assert_not_emitted(panel.refresh_failed):
        panel.refresh()
    totals = expected["totals"]
    assert panel.bookings_label.text() == str(totals["bookings_created"])
    assert int(panel.bookings_label.text()) > 0
    assert panel.conflicts_label.text() == str(totals["weather_conflicts"])
    assert panel.reschedules_label.text() == str(totals["reschedules_accepted"])
    assert panel.average_label.text() == format_duration(totals["average_reschedule_minutes"])
    assert panel.windowTitle() == "Metrics" and panel.objectName() == "metrics-dock"
    assert not panel.note_label.isVisibleTo(panel)
    bars, line = panel.chart.series()
    assert isinstance(bars, QBarSeries) and isinstance(line, QLineSeries)
    assert [bar_set.count() for bar_set in bars.barSets()] == [30, 30]
    assert sum(bars.barSets()[0].at(day) for day in range(30)) == totals["bookings_created"]
    assert line.count() == 30
    labels = panel.chart.axes()[0].categoriesLabels()
    assert len(labels) == 5 and all(" " in label for label in labels)  # "30 Nov", once a week
    # The demo's service has swept once at start.
    assert panel.sweep_text.startswith("Last sweep ")
    assert panel.sweep_text.endswith("cancelled")
    panel.grab()  # renders without Qt warnings


def test_panel_keeps_the_last_figures_when_offline(qtbot, demo) -> None:
    answers = [demo.client.metrics()]

    def fetch():
        if answers:
            return answers.pop()
        raise Offline("the service cannot be reached")

    panel = MetricsPanel(fetch=fetch)
    qtbot.add_widget(panel)
    with qtbot.wait_signal(panel.refreshed, timeout=10_000):
        panel.refresh()
    shown = panel.bookings_label.text()
    with qtbot.wait_signal(panel.refresh_failed, timeout=10_000) as failed, \
            qtbot.assert_not_emitted(panel.refreshed):
        panel.refresh()
    assert failed.args[0].startswith("Offline — showing the figures from ")
    assert panel.bookings_label.text() == shown
    assert panel.note_label.isVisibleTo(panel) and panel.note_label.text() == failed.args[0]
    assert panel.windowTitle() == "Metrics (last known)"


def test_panel_says_when_there_is_nothing_yet(qtbot) -> None:
    def fetch():
        raise Offline("the service at http://127.0.0.1:9 cannot be reached")

    panel = MetricsPanel(fetch=fetch)
    qtbot.add_widget(panel)
    with qtbot.wait_signal(panel.refresh_failed, timeout=10_000) as failed:
        panel.refresh()
    assert failed.args[0].startswith("No metrics yet: the service at")
    assert "press Refresh" in failed.args[0]
    assert panel.bookings_label.text() == "—" and panel.sweep_text == ""


def test_refresh_if_due_asks_at_most_once_a_minute(qtbot, demo) -> None:
    now = [datetime(2026, 11, 25, 12, 0, tzinfo=UTC)]
    calls = []

    def fetch():
        calls.append(now[0])
        return demo.client.metrics()

    panel = MetricsPanel(fetch=fetch, clock=lambda: now[0])
    qtbot.add_widget(panel)
    with qtbot.wait_signal(panel.refreshed, timeout=10_000):
        panel.refresh_if_due()
    panel.refresh_if_due()  # 0 s later: nothing
    now[0] += timedelta(seconds=59)
    panel.refresh_if_due()
    assert len(calls) == 1
    now[0] += timedelta(seconds=1)
    with qtbot.wait_signal(panel.refreshed, timeout=10_000):
        panel.refresh_if_due()
    assert len(calls) == 2


def test_format_duration() -> None:
    assert format_duration(None) == "—"
    assert format_duration(0.2) == "under 1 min"
    assert format_duration(25) == "25 min"
    assert format_duration(85) == "1 h 25 min"
    assert format_duration(120.2) == "2 h"


def test_describe_sweep() -> None:
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    now = datetime(2026, 11, 25, 20, 30, tzinfo=UTC)
    running = {"started_at": "2026-11-25T20:05:00Z", "finished_at": None, "counts": {}}
    assert describe_sweep(running, zone=chicago, now=now) == "Weather sweep running since 14:05 CST"
    assert "has not finished" in describe_sweep(running, zone=chicago, now=now + timedelta(hours=2))
    finished = {"started_at": "2026-11-25T20:05:00Z", "finished_at": "2026-11-25T20:06:10Z",
                "counts": {"lessons": 13, "actions": {"cancelled": 2, "at_risk": 1}}}
    assert describe_sweep(finished, zone=chicago, now=now) == "Last sweep 14:06 CST: 13 checked, 2 cancelled"
    assert describe_sweep(None, zone=chicago, now=now) == ""
