"""The week is readable at its default zoom: in the demo's week at 1280×720 (and 1920×1080)
every lesson's block shows at least its student's initials — judged with the blocks' own text
fitting (``LessonPainter.lines`` through ``CalendarView.block_texts``), not pixels. Zoomed by
hand, the zoom is remembered; "Readable zoom" goes back to the default, which follows the width."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from app.services.sync_loop import SyncLoop
from app.views.calendar_view import MAX_ZOOM
from app.views.lesson_delegate import initials
from app.views.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _names_student(line: str, student: str) -> bool:
    """The line writes the student: whole, by initials, or elided (its start, then "…")."""
    if student in line or initials(student) in line:
        return True
    if not line.endswith("…"):
        return False
    shown = line[:-1].rstrip()
    return any(len(shown) - start >= 3 and student.startswith(shown[start:])
               for start in range(len(shown)))


def _window(qtbot, demo, width: int, height: int) -> MainWindow:
    loop = SyncLoop(engine=demo.engine, interval_ms=600_000)
    window = MainWindow(sync_loop=loop, replica=demo.replica, user_email=demo.email, mode="week",
                        client=demo.client, restore_layout=False)
    qtbot.add_widget(window, before_close_func=lambda _window: loop.stop())
    window.resize(width, height)
    window.show()
    qtbot.wait_exposed(window)
    with qtbot.wait_signal(window.loaded, timeout=10_000):
        window.reload()
    return window


@pytest.fixture
def default_zoom():
    """No zoom remembered from an earlier test: the window starts at its default."""
    QSettings().remove("calendar/zoom")
    yield
    QSettings().remove("calendar/zoom")


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_every_lesson_of_the_demo_week_shows_its_student(qtbot, demo, default_zoom, width,
                                                         height) -> None:
    window = _window(qtbot, demo, width, height)
    calendar = window.calendar
    assert calendar.mode == "week" and calendar.zoom_is_readable
    blocks = calendar.block_texts()
    assert len({lesson.id for lesson, _rect, _lines in blocks}) >= 10  # the demo's week
    unnamed = [(lesson.student, lines) for lesson, _rect, lines in blocks
               if not any(_names_student(line, lesson.student) for line in lines)]
    assert unnamed == []
    assert calendar.zoom == pytest.approx(calendar.readable_zoom())

    # Not so at the fitted zoom at 1280×720: the default had to change for it.
    if width == 1280:
        assert calendar.zoom > 1.5
        calendar.reset_zoom()
        assert any(not any(_names_student(line, lesson.student) for line in lines)
                   for lesson, _rect, lines in calendar.block_texts())


def test_the_readable_zoom_follows_the_width_until_zoomed_by_hand(qtbot, demo,
                                                                  default_zoom) -> None:
    window = _window(qtbot, demo, 1280, 720)
    calendar = window.calendar
    narrow = calendar.zoom
    window.resize(1920, 1080)
    qtbot.wait_until(lambda: calendar.width() > 1000)
    wide = calendar.zoom
    assert 1.0 <= wide < narrow <= MAX_ZOOM
    assert wide == pytest.approx(calendar.readable_zoom())

    window.calendar_actions.zoom_in_action.trigger()  # by hand: kept at any width, remembered
    chosen = calendar.zoom
    assert chosen == pytest.approx(wide * 1.25) and not calendar.zoom_is_readable
    window.resize(1280, 720)
    qtbot.wait_until(lambda: calendar.width() < 1000)
    assert calendar.zoom == pytest.approx(chosen)
    assert _window(qtbot, demo, 1280, 720).calendar.zoom == pytest.approx(chosen)

    window.calendar_actions.readable_action.trigger()  # back to the default, nothing remembered
    assert calendar.zoom_is_readable
    assert calendar.zoom == pytest.approx(calendar.readable_zoom()) == pytest.approx(narrow)
    again = _window(qtbot, demo, 1280, 720).calendar
    assert again.zoom_is_readable and again.zoom == pytest.approx(narrow)
