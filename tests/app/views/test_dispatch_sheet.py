"""File › Print dispatch sheet…, Print preview… and Export dispatch sheet as PDF… over the demo."""

from __future__ import annotations

import shutil
import subprocess
import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtPrintSupport import QPrintPreviewWidget

from app.models.dispatch_day import AircraftDay, AirportWeather, DispatchDay, load_dispatch_day
from app.models.lessons import Lesson
from app.views.dispatch_sheet import sheet_document, sheet_html

OFFSCREEN_TOP_LEVEL = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


def _file_menu(window):
    return next(menu.menu() for menu in window.menuBar().actions() if menu.text() == "&File")


def test_the_file_menu_prints_previews_and_exports_the_sheet(window) -> None:
    sheet = window.dispatch_sheet
    assert [sheet.print_action, sheet.preview_action, sheet.export_action] == [
        action for action in _file_menu(window).actions() if action in sheet.actions()]
    assert sheet.print_action.shortcut().toString() == "Ctrl+P"


def test_exporting_the_day_writes_a_pdf_with_its_lessons_and_weather(qtbot, window, demo,
                                                                     tmp_path) -> None:
    day = window.calendar.day
    target = tmp_path / "sheet"  # ".pdf" is added
    window.dispatch_sheet.choose_path = lambda suggested: (
        str(target) if suggested.endswith(f"dispatch-sheet-{day:%Y-%m-%d}.pdf") else "")
    with qtbot.wait_signal(window.dispatch_sheet.exported, timeout=20_000) as exported, \
            qtbot.wait_signal(window.dispatch_sheet.ready, timeout=20_000) as ready, \
            qtbot.assert_not_emitted(window.dispatch_sheet.failed):
        window.dispatch_sheet.export_action.trigger()
    path = tmp_path / "sheet.pdf"
    assert exported.args == [str(path)]
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")

    sheet = ready.args[0]
    assert sheet.day == day and sheet.lessons
    students = {lesson.student for lesson in sheet.lessons}
    assert students == {lesson.student for lesson in window.calendar_model.schedule.lessons
                        if lesson.start.astimezone(sheet.timezone).date() <= day
                        <= lesson.end.astimezone(sheet.timezone).date()}
    text = sheet_document(sheet).toPlainText()
    assert "all times in America/Chicago (CST)" in text
    for lesson in sheet.lessons:
        assert lesson.student in text
        assert f"{lesson.start.astimezone(sheet.timezone):%H:%M}–" in text
    # Every airport of the day, with the weather board's current METAR where it has one.
    kaus = next(airport for airport in sheet.weather if airport.station == "KAUS")
    assert kaus.metar.startswith("KAUS ") and kaus.taf.startswith("TAF KAUS")
    assert kaus.source.startswith("current report") and kaus.metar in text
    assert "Weather at the airports of the day" in text
    if shutil.which("pdftotext"):  # the PDF's own text layer, where poppler is installed
        layer = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                               text=True, check=True).stdout
        assert all(student in layer for student in students)


def test_a_sheet_that_cannot_be_written_says_so_and_leaves_nothing(qtbot, window, tmp_path) -> None:
    missing = tmp_path / "no-such-folder" / "sheet.pdf"
    with qtbot.wait_signal(window.dispatch_sheet.failed, timeout=20_000) as failed, \
            qtbot.assert_not_emitted(window.dispatch_sheet.exported):
        window.dispatch_sheet.export_pdf(missing)
    assert failed.args[0].startswith(f"Could not save the dispatch sheet as {missing}")
    assert "export again" in failed.args[0]
    assert not missing.parent.exists()


@OFFSCREEN_TOP_LEVEL
def test_print_preview_shows_the_sheet(qtbot, window) -> None:
    with qtbot.wait_signal(window.dispatch_sheet.ready, timeout=20_000):
        window.dispatch_sheet.preview_action.trigger()
    dialog = window.dispatch_sheet.preview_dialog
    assert dialog is not None and dialog.windowTitle().startswith("Dispatch sheet of ")
    preview = dialog.findChild(QPrintPreviewWidget)
    preview.updatePreview()
    assert preview.pageCount() >= 1
    dialog.reject()


def test_the_sheet_shows_text_from_the_replica_as_text_never_markup(demo) -> None:
    zone = zoneinfo.ZoneInfo("America/Chicago")
    start = datetime(2026, 3, 3, 15, tzinfo=UTC)
    lesson = Lesson(id="l1", start=start, end=start + timedelta(hours=1), aircraft_id="a1",
                    aircraft="N1", student="<b>Ann</b> & Co", instructor="<i>Sam</i>",
                    flight_type="DUAL", status="AT_RISK", departure="KAUS", destination="",
                    verdict="NO_GO", reasons=("ceiling <500 ft",))
    sheet = DispatchDay(school="<script>x</script>", day=date(2026, 3, 3), timezone=zone,
                        aircraft=(AircraftDay("a1", "N1 · <C172>", (lesson,)),), idle_aircraft=(),
                        weather=(AirportWeather("KAUS", metar="KAUS <METAR>", summary="a & b"),),
                        printed_at=start.astimezone(zone))
    html = sheet_html(sheet)
    assert "<b>Ann</b>" not in html and "&lt;b&gt;Ann&lt;/b&gt; &amp; Co" in html
    assert "<script>" not in html and "<C172>" not in html
    text = sheet_document(sheet).toPlainText()
    for shown in ("<b>Ann</b> & Co", "<i>Sam</i>", "ceiling <500 ft", "KAUS <METAR>",
                  "N1 · <C172>", "At risk", "No-go", "09:00–10:00", "Tuesday 3 March 2026"):
        assert shown in text
    # A day without lessons still prints, and says so.
    empty = load_dispatch_day(demo.replica, date(2020, 1, 1), now=datetime.now(UTC))
    assert "No lessons this day." in sheet_document(empty).toPlainText()
