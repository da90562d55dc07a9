"""The dispatch board's panels against the real embedded demo service, offscreen: from a weather
alert to a decision in one dialog, the review at 1280×720, the legend, Ctrl+4, the human labels,
"remember me" without a keyring, messages read whole, and the screenshot flags."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends import chainer, fail
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractScrollArea

from app.main import build_parser
from app.models.alerts import AlertKind
from app.models.labels import (FLIGHT_TYPE_LABELS, REQUEST_STATE_LABELS, ROLE_LABELS, STATUS_LABELS,
                               VERDICT_LABELS, enum_words, field_value_label, flight_type_label)
from app.views.legend_dialog import LegendDialog
from app.views.sign_in_dialog import SignInDialog
from app.views.theme import STATUS_STYLES, VERDICT_STYLES, status_style, verdict_style
from app.views.weather_alert_dialog import REASON_COLUMNS
from tests.app.services.conftest import memory_keyring  # noqa: F401  (the fixture)

# Showing a window with docks says so on the offscreen platform (its limitation, not ours).
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _cancelled_alert(window):
    alert = next((alert for alert in window.alerts_model.alerts
                  if alert.kind is AlertKind.WEATHER_CANCELLED and alert.request_id), None)
    if alert is None:
        pytest.skip("the demo has no weather-cancelled lesson with a request")
    return alert


def test_a_weather_alert_opens_its_reasons_reports_and_options(qtbot, window) -> None:
    alert = _cancelled_alert(window)
    # The cause is in the alert's own line, not only in its tooltip.
    assert alert.line.startswith("Cancelled — ") and "\n" not in alert.line
    row = window.alerts_model.alerts.index(alert)
    with qtbot.wait_signal(window.alerts_dock.weather_activated, timeout=5_000,
                           check_params_cb=lambda found: found == alert.lesson_id):
        window.alerts_dock.activate_row(row)
    dialog = window.alert_actions.weather_dialog
    assert dialog is not None and dialog.lesson_id == alert.lesson_id
    qtbot.wait_until(lambda: dialog.detail is not None
                     and dialog.request_panel.current is not None, timeout=15_000)
    detail = dialog.detail
    assert detail.verdict == "NO_GO" and detail.reasons
    # The alert's line names the first findings of the dialog's cause and counts the rest.
    line_cause = alert.line.removeprefix("Cancelled — ").split(" · ")[0]
    assert detail.cause
    assert line_cause == detail.cause or (
        line_cause.endswith(" more)") and detail.cause.startswith(line_cause.split(",")[0]))
    # Every reason: the airport, the report or TAF period, the finding, value, limit, effect.
    table = dialog.reasons_table
    assert table.rowCount() == len(detail.reasons)
    assert [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())] == list(
        REASON_COLUMNS)
    for row_number, reason in enumerate(detail.reasons):
        cells = [table.item(row_number, column).text() for column in range(table.columnCount())]
        assert cells[0] == reason.station and reason.station
        assert cells[2] == reason.finding
        assert cells[5] == verdict_style(reason.effect).tag
        if reason.code in ("CEILING", "VISIBILITY", "WIND", "CROSSWIND"):
            assert cells[3] == reason.value and cells[4] == reason.limit and reason.limit
        if reason.source.startswith("TAF"):
            assert cells[1].startswith(reason.source) and "–" in cells[1]
    # The METAR and TAF text the verdict came from.
    reports = dialog.reports_text.toPlainText()
    assert detail.reports and all(report.raw in reports for report in detail.reports)
    assert "TAF" in reports
    assert dialog.verdict_badge.text() == f"Weather: {verdict_style('NO_GO').tag}"
    assert dialog.status_badge.text() == status_style("WEATHER_CANCELLED").tag
    # The reschedule request with its options and the review's decisions.
    panel = dialog.request_panel
    assert panel.current.id == alert.request_id
    options = panel.current.options
    assert options and all(card.isVisibleTo(dialog) for card in panel.cards[:len(options)])
    assert panel.confirm_button.isVisibleTo(dialog) and panel.reject_button.isVisibleTo(dialog)
    assert panel.search_button.isEnabled()  # the demo dispatcher may search again
    # "Open in the review" goes to the same request there.
    with qtbot.wait_signal(window.reschedule_review.request_shown, timeout=15_000,
                           check_params_cb=lambda shown: shown == alert.request_id):
        dialog.review_button.click()
    dialog.close()
    window.alerts_dock.raise_()  # the layout as it was: the window saves it on closing


def test_the_review_fits_1280_by_720(qtbot, window) -> None:
    window.resize(1280, 720)
    window.show()
    qtbot.wait_exposed(window)
    review = window.reschedule_review
    request_id = _cancelled_alert(window).request_id
    with qtbot.wait_signal(review.request_shown, timeout=15_000,
                           check_params_cb=lambda shown: shown == request_id):
        window.show_reschedule_review(request_id)
    qtbot.wait_until(lambda: review.cards[0].isVisible(), timeout=5_000)
    scroll_areas = review.findChildren(QAbstractScrollArea)
    assert scroll_areas
    for area in scroll_areas:
        if area.isVisible():
            assert not area.horizontalScrollBar().isVisible(), area.objectName() or area
    for button in (review.confirm_button, review.reject_button, review.search_button):
        assert button.isVisible() and not button.visibleRegion().isEmpty(), button.text()
    # The cards share the width or stack; none sticks out of the panel.
    panel = review.panel.scroll.viewport()
    for card in review.cards:
        if card.isVisible():
            right = card.mapTo(panel, card.rect().topRight()).x()
            assert right <= panel.width(), right
    # And wide (1920×1080): the list beside the request, the three cards in a row.
    window.resize(1920, 1080)
    window.show_reschedule_review(request_id)
    qtbot.wait_until(lambda: review.panel.cards_grid.columns == 3, timeout=5_000)
    assert not review.panel.scroll.horizontalScrollBar().isVisible()
    window.alerts_dock.raise_()


def test_the_legend_lists_every_status_verdict_and_category_with_a_glyph(qtbot, window) -> None:
    window.legend_action.trigger()
    legend = window.legend_dialog
    assert isinstance(legend, LegendDialog) and legend.isVisible()
    for kind, table, labels in (("status", STATUS_STYLES, STATUS_LABELS),
                                ("verdict", VERDICT_STYLES, VERDICT_LABELS)):
        assert set(table) == set(labels)  # every value of the service has a look
        for key, style in table.items():
            badge = legend.badges[f"{kind}:{key}"]
            assert style.glyph and badge.text().startswith(style.glyph)  # never colour alone
            assert labels[key] in badge.text()
    for category in ("VFR", "MVFR", "IFR", "LIFR"):
        assert category in legend.badges[f"category:{category}"].text()
    # The flag of a lesson booked over a booking-policy warning.
    assert legend.badges["status:ACKNOWLEDGED"].text() == "⚑ Booked over a policy warning"
    # No colour means two things: statuses, verdicts and categories each their own fills.
    fills = [style.fill.name() for style in (*STATUS_STYLES.values(), *VERDICT_STYLES.values())]
    assert len(fills) == len(set(fills))
    assert not {style.fill.name() for style in STATUS_STYLES.values()} & {
        "#1565c0", "#c62828", "#2e7d32", "#ad1457"}  # MVFR, NO_GO/IFR, GO/VFR, LIFR
    legend.close()


def test_ctrl_4_raises_the_metrics_first(qtbot, window) -> None:
    window.show()
    qtbot.wait_exposed(window)
    metrics, weather = window.metrics_panel, window.weather_board
    weather.raise_()
    qtbot.wait_until(lambda: not weather.visibleRegion().isEmpty(), timeout=2_000)
    assert metrics.visibleRegion().isEmpty()  # a tab behind the weather
    window.metrics_action.trigger()  # Ctrl+4
    qtbot.wait_until(lambda: not metrics.visibleRegion().isEmpty(), timeout=2_000)
    assert not metrics.isHidden() and window.metrics_action.isChecked()
    window.metrics_action.trigger()  # now in front: Ctrl+4 closes it
    assert metrics.isHidden() and not window.metrics_action.isChecked()
    window.metrics_action.trigger()  # and opens it again, in front
    assert not metrics.isHidden() and not metrics.visibleRegion().isEmpty()
    weather.raise_()  # the layout as it was: the window saves it on closing


def test_every_enum_has_human_words() -> None:
    assert flight_type_label("CROSS_COUNTRY") == "Cross-country"
    assert field_value_label("flight_type", "CROSS_COUNTRY") == "Cross-country"
    assert field_value_label("status", "WEATHER_CANCELLED") == "Cancelled for weather"
    assert field_value_label("state", "PENDING_STUDENT") == REQUEST_STATE_LABELS["PENDING_STUDENT"]
    assert field_value_label("notes", "CROSS_COUNTRY") is None  # free text stays as typed
    assert ROLE_LABELS["dispatcher"] == "Dispatcher"
    assert enum_words("NEW_KIND_OF_THING") == "New kind of thing"  # never a raw enum name
    for table in (FLIGHT_TYPE_LABELS, STATUS_LABELS, VERDICT_LABELS, REQUEST_STATE_LABELS):
        assert all("_" not in words for words in table.values())


def test_the_conflict_dialog_shows_words_not_enum_names(qtbot, demo) -> None:
    from app.models.edit_review import load_edit_review

    row = next(row for row in demo.replica.rows("flights") if row.data["status"] == "SCHEDULED")
    entry = demo.replica.record_edit("flights", "update", row_id=row.id,
                                     data={"flight_type": "CROSS_COUNTRY", "destination": "KSAT"})
    try:
        review = load_edit_review(demo.replica, entry.mutation_id)
        kind = next(field for field in review.fields if field.label == "Type")
        assert kind.mine == "Cross-country" and "_" not in kind.theirs
        status = next(field for field in review.fields if field.label == "Status")
        assert status.theirs == "Scheduled"
    finally:
        demo.replica.discard_edit(entry.mutation_id)


@pytest.mark.parametrize("backend", [fail.Keyring, chainer.ChainerBackend])
def test_remember_me_is_off_without_a_keyring(qtbot, backend, monkeypatch) -> None:
    previous = keyring.get_keyring()
    if backend is chainer.ChainerBackend:
        monkeypatch.setattr(chainer.ChainerBackend, "backends", [])  # nothing to chain
    keyring.set_keyring(backend())
    try:
        dialog = SignInDialog(sign_in=lambda *args: None, url="https://x.example", email="a@b.c",
                              remember=True)
        qtbot.add_widget(dialog)
        assert not dialog.remember_box.isChecked() and not dialog.remember_box.isEnabled()
        assert dialog.keyring_note.isVisibleTo(dialog)
        assert "cannot be remembered" in dialog.keyring_note.text()
    finally:
        keyring.set_keyring(previous)


def test_remember_me_stays_on_with_a_keyring(qtbot, memory_keyring) -> None:  # noqa: F811
    dialog = SignInDialog(sign_in=lambda *args: None, remember=True)
    qtbot.add_widget(dialog)
    assert dialog.remember_box.isChecked() and dialog.remember_box.isEnabled()
    assert not dialog.keyring_note.isVisibleTo(dialog)


def test_a_long_message_can_be_read_whole(qtbot, window) -> None:
    window.resize(1280, 720)
    window.show()
    qtbot.wait_exposed(window)
    long = "The service refused the move: " + "the aircraft is booked then, " * 30 + "pick another."
    window.show_message(long)
    assert window.message_log.messages[-1] == long
    assert window.details_label.isVisible()
    window.details_label.linkActivated.emit("messages")
    assert not window.message_log.isHidden()
    window.show_message("Saved.")
    assert not window.details_label.isVisible()
    window.message_log.hide()


def test_status_bar_times_are_the_schools_and_say_so(window) -> None:
    zone = window.calendar_model.schedule.timezone
    label = window.sync_label.text()
    moment = window._sync_loop.status.last_sync_at.astimezone(zone)
    assert label == f"Last sync {moment:%H:%M:%S %Z}"


def test_the_size_flag_is_checked() -> None:
    parser = build_parser()
    assert parser.parse_args(["--size", "1920x1080"]).size == (1920, 1080)
    assert parser.parse_args([]).size == (1400, 800)
    with pytest.raises(SystemExit):
        parser.parse_args(["--size", "big"])


@pytest.mark.parametrize(("panel", "size", "theme"), [("legend", "1280x720", "dark"),
                                                      ("alerts", "1920x1080", "light")])
def test_screenshot_flags_give_a_png_of_that_size(tmp_path: Path, panel, size, theme) -> None:
    target = tmp_path / f"{panel}.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    finished = subprocess.run(
        [sys.executable, "-m", "app.main", "--screenshot", str(target), "--panel", panel,
         "--size", size, "--theme", theme, "--data-dir", str(tmp_path / "data")],
        env=env, capture_output=True, text=True, timeout=180, check=False)
    assert finished.returncode == 0, finished.stderr
    image = QImage(str(target))
    width, height = (int(part) for part in size.split("x"))
    assert (image.width(), image.height()) == (width, height)
    # Dark is dark: the window's corner (the menu bar) is darker than mid-grey.
    corner = image.pixelColor(width - 5, 5)
    assert (corner.lightnessF() < 0.5) == (theme == "dark")
