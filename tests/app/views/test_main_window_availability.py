"""Availability in the main window, against the real demo service: Edit › Availability… and an
instructor row label's menu open the dialog (for admins and dispatchers only), and a day off saved
there comes back through the sync and is shaded on the instructor's row."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QPoint, QThreadPool

from app.services.api_client import ApiClient
from app.services.sync_loop import SyncLoop
from app.views.calendar_view import ContextRequest, RowRequest
from app.views.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)",
    r"This plugin does not support grabbing the keyboard")


def _settle(window) -> None:
    if window.availability_dialog is not None:
        window.availability_dialog.done(0)
    window._sync_loop.stop()
    for _ in range(3):
        QThreadPool.globalInstance().waitForDone(10_000)
        QCoreApplication.processEvents()


def _open_window(qtbot, demo, **kwargs) -> MainWindow:
    loop = SyncLoop(engine=demo.engine, interval_ms=600_000)
    window = MainWindow(sync_loop=loop, replica=demo.replica, user_email=demo.email, mode="week",
                        **kwargs)
    qtbot.add_widget(window, before_close_func=_settle)
    window.set_rows("instructor")
    with qtbot.wait_signal(window.loaded, timeout=10_000):
        window.reload()
    window.calendar.reset_zoom()  # the days fit the width: places are easy to compute
    return window


def _row(window, name: str) -> tuple[int, str]:
    layout_rows = [window.calendar.row_label_at(window.calendar.row_label_rect(index).center())
                   for index in range(window.calendar.row_count())]
    index = next(index for index, row in enumerate(layout_rows) if row.label == name)
    return index, layout_rows[index].row_id


def _menu_texts(menu) -> list[str]:
    return [action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
            for action in menu.actions() if not action.isSeparator()]


def test_a_day_off_saved_in_the_dialog_is_shaded_on_the_instructors_row(qtbot, demo) -> None:
    window = _open_window(qtbot, demo, client=demo.client)
    calendar = window.calendar
    index, maria = _row(window, "Maria Delgado")  # weekdays 07:00–15:00 in the demo
    weekdays = [day for day in calendar.days() if day.isoweekday() <= 5]
    day: date = weekdays[-1]
    column = calendar.days().index(day)
    before = calendar.unavailable_rects(index)
    assert before and all(why == "outside_windows" for _rect, why in before)  # evenings

    assert window.availability_action.isVisible()
    menu = window.calendar_actions.build_menu(ContextRequest(
        QPoint(), row=RowRequest(row_kind="instructor", row_id=maria, label="Maria Delgado")))
    assert _menu_texts(menu) == ["Availability of Maria Delgado…"]
    menu.actions()[0].trigger()
    dialog = window.availability_dialog
    assert dialog is not None and dialog.person.id == maria
    with qtbot.wait_signal(dialog.loaded, timeout=10_000):
        pass
    assert dialog.day_edits[1].text() == "07:00–15:00"
    dialog.date_edit.setDate(QDate(day.year, day.month, day.day))
    dialog.what_box.setCurrentText("Day off")
    dialog.add_button.click()
    with qtbot.wait_signal(dialog.saved, timeout=10_000):
        dialog.save_button.click()

    # Saved, synced, read again: the whole of that day is shaded, as a day off.
    def shaded_as(why: str) -> bool:
        return any(found == why for _rect, found in calendar.unavailable_rects(index))

    qtbot.waitUntil(lambda: shaded_as("day_off"), timeout=10_000)
    after = calendar.unavailable_rects(index)
    left = calendar.row_rect(index).left() + calendar.row_rect(index).width() * column / len(
        calendar.days())
    day_off = [rect for rect, why in after if why == "day_off"]
    assert len(day_off) == 1 and abs(day_off[0].left() - left) < 1.5
    assert window.calendar.unavailable_at(day_off[0].center()) == "day_off"

    # Taken back: the day is only shaded outside her hours again.
    dialog.exceptions_table.selectRow(0)
    dialog.remove_button.click()
    with qtbot.wait_signal(dialog.saved, timeout=10_000):
        dialog.save_button.click()
    qtbot.waitUntil(lambda: not shaded_as("day_off"), timeout=10_000)
    assert [why for _rect, why in calendar.unavailable_rects(index)] == [why for _rect, why in before]


def test_edit_availability_opens_the_dialog_on_the_first_instructor(qtbot, demo) -> None:
    window = _open_window(qtbot, demo, client=demo.client)
    edit = next(action.menu() for action in window.menuBar().actions()
                if action.text().replace("&", "") == "Edit")
    assert window.availability_action in edit.actions()
    window.availability_action.trigger()
    dialog = window.availability_dialog
    assert dialog is not None
    first_id, first_name = window.calendar_model.schedule.instructors[0]
    assert dialog.person.id == first_id and dialog.person.name == first_name
    # Everyone of the school can be chosen: instructors, then students.
    choices = [dialog.person_box.itemText(row) for row in range(dialog.person_box.count())
               if dialog.person_box.itemData(row)]
    assert len(choices) == len(window.calendar_model.schedule.instructors) + len(
        window.calendar_model.schedule.students)
    assert choices[0] == f"{first_name} (instructor)" and choices[-1].endswith("(student)")
    with qtbot.wait_signal(dialog.loaded, timeout=10_000):
        pass
    # Asked for again from a row label: the same dialog, on that instructor.
    _index, other = _row(window, window.calendar_model.schedule.instructors[1][1])
    assert window.show_availability(other) is dialog and dialog.person.id == other


def test_instructors_are_not_offered_the_availability_editor(qtbot, demo) -> None:
    client = ApiClient(base_url=demo.client.base_url)  # not signed in: the remembered role counts
    try:
        window = _open_window(qtbot, demo, client=client, role="instructor")
        assert not window.can_edit_availability
        assert not window.availability_action.isVisible()
        assert window.show_availability() is None and window.availability_dialog is None
        index, maria = _row(window, "Maria Delgado")
        menu = window.calendar_actions.build_menu(ContextRequest(
            QPoint(), row=RowRequest(row_kind="instructor", row_id=maria, label="Maria Delgado")))
        assert menu.isEmpty()
        # The shading is shown to everyone.
        assert window.calendar.unavailable_rects(index)
    finally:
        client.close()
