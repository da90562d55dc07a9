"""``fsp --screenshot PATH --panel sheet``: the day's dispatch sheet, as its print preview shows
it, in a PNG of the size and theme asked for — and the sheet's text stays black on its white
paper whatever the theme."""

from __future__ import annotations

import os
import subprocess
import sys
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from PySide6.QtGui import QColor, QImage, QPainter

from app.main import build_parser
from app.models.dispatch_day import AircraftDay, DispatchDay
from app.models.lessons import Lesson
from app.views.dispatch_sheet import sheet_document
from app.views.theme import dark_palette


def _white(colour: QColor) -> bool:
    return min(colour.red(), colour.green(), colour.blue()) >= 245


def test_the_sheet_is_a_screenshot_panel() -> None:
    assert build_parser().parse_args(["--panel", "sheet"]).panel == "sheet"


def test_the_sheet_panel_gives_a_png_of_the_days_sheet(tmp_path: Path) -> None:
    target = tmp_path / "sheet.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"))
    finished = subprocess.run(
        [sys.executable, "-m", "app.main", "--screenshot", str(target), "--panel", "sheet",
         "--size", "1280x720", "--theme", "dark", "--data-dir", str(tmp_path / "data")],
        env=env, capture_output=True, text=True, timeout=180, check=False)
    assert finished.returncode == 0, finished.stderr
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1280, 720)
    assert image.pixelColor(1275, 5).lightnessF() < 0.5  # the dark window around it
    # The sheet's white paper fills the middle of the picture (the dark window has no white);
    # it shows text (not a blank page): dark pixels on it.
    band = [image.pixelColor(x, y) for y in range(200, 520, 4) for x in range(100, 1180, 4)]
    assert sum(map(_white, band)) > len(band) * 0.4
    assert sum(colour.lightnessF() < 0.25 for colour in band) > len(band) * 0.005


def test_the_sheets_text_is_black_on_its_paper_under_a_dark_theme(qapp) -> None:
    zone = zoneinfo.ZoneInfo("America/Chicago")
    start = datetime(2026, 3, 3, 15, tzinfo=UTC)
    lesson = Lesson(id="l1", start=start, end=start + timedelta(hours=1), aircraft_id="a1",
                    aircraft="N1", student="Ann Lee", instructor="Sam Ode", flight_type="DUAL",
                    status="SCHEDULED", departure="KAUS", destination="", verdict="GO",
                    reasons=())
    sheet = DispatchDay(school="Hill Country", day=date(2026, 3, 3), timezone=zone,
                        aircraft=(AircraftDay("a1", "N1 · C172", (lesson,)),), idle_aircraft=(),
                        weather=(), printed_at=start.astimezone(zone))
    palette = qapp.palette()
    try:
        qapp.setPalette(dark_palette())  # what --theme dark gives the application
        document = sheet_document(sheet)
        image = QImage(900, 400, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        document.drawContents(painter)
        painter.end()
    finally:
        qapp.setPalette(palette)
    # The title (the first block): its darkest pixel is black, not the dark theme's light text.
    title = document.documentLayout().blockBoundingRect(document.firstBlock()).toRect()
    darkest = min(image.pixelColor(x, y).lightnessF()
                  for x in range(max(title.left(), 0), min(title.right(), 899))
                  for y in range(max(title.top(), 0), min(title.bottom(), 399)))
    assert darkest < 0.2
