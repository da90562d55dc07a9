"""The lesson editor against the real embedded demo service, offscreen.

Lessons are booked inside everyone's weekly availability (``tests.app.booking_support``), so the
school's booking policy has nothing to say unless a test is about it.
"""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog

from app.models.lessons import load_schedule
from app.services.api_client import ApiClient
from app.services.lesson_edits import EditOutcome, LessonEdits
from app.services.sync_engine import SyncEngine
from app.views.lesson_editor import SOLO_TEXT, LessonEditor
from app.views.theme import verdict_style
from tests.app.booking_support import (
    bookable, student_without_night_training, unavailable_instructor, weekday_at, weeks_later,
)

FAR = (datetime.now(UTC) + timedelta(days=50)).replace(hour=15, minute=0, second=0, microsecond=0)


@pytest.fixture
def schedule(demo):
    now = datetime.now(UTC)
    return load_schedule(demo.replica, now - timedelta(days=1), now + timedelta(days=60))


@pytest.fixture
def make_editor(qtbot, demo, schedule):
    def make(**kwargs) -> LessonEditor:
        kwargs.setdefault("edits", LessonEdits(demo.engine))
        kwargs.setdefault("check_weather", demo.client.check_weather)
        editor = LessonEditor(schedule=kwargs.pop("schedule", schedule), **kwargs)
        qtbot.add_widget(editor)  # never shown: the offscreen platform warns about shown dialogs
        return editor
    return make


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def _book_in(editor, fields: dict) -> None:
    """The people and aircraft of ``fields`` (``bookable``'s) chosen in the editor."""
    for combo, key in ((editor.student, "student_id"), (editor.instructor, "instructor_id"),
                       (editor.aircraft, "aircraft_id")):
        _choose(combo, fields[key])


def _bookable_editor(make_editor, demo, start: datetime, **fields) -> LessonEditor:
    editor = make_editor(start=start)
    _book_in(editor, bookable(demo.replica, start, **fields))
    assert editor.problem() is None, editor.problem()
    return editor


def _set_start(editor, moment: datetime) -> None:
    local = moment.astimezone(editor._zone)
    editor.date.setDate(QDate(local.year, local.month, local.day))
    editor.start_time.setTime(editor.start_time.time().fromString(f"{local:%H:%M}", "HH:mm"))


def test_local_rules_are_checked_before_anything_is_sent(qtbot, make_editor) -> None:
    editor = make_editor(start=FAR)
    assert editor.problem() is None and editor.save_button.isEnabled()
    assert editor.departure.text() == "KAUS"  # the school's home airport

    _choose(editor.flight_type, "SOLO")  # an instructor is still chosen
    assert editor.error_label.text().startswith("A solo lesson has no instructor")
    assert not editor.save_button.isEnabled()
    assert editor.instructor.property("invalid") is True
    editor.instructor.setCurrentIndex(editor.instructor.findText(SOLO_TEXT))
    assert editor.problem() is None and editor.save_button.isEnabled()
    assert editor.error_label.isHidden()

    _choose(editor.flight_type, "DUAL")
    assert editor.error_label.text().startswith("A dual lesson needs an instructor")
    editor.instructor.setCurrentIndex(1)

    _choose(editor.flight_type, "CROSS_COUNTRY")
    assert editor.error_label.text() == "A cross-country lesson needs a destination airport."
    assert editor.destination.property("invalid") is True

    qtbot.keyClicks(editor.destination, "kgtu")  # lower case typed is upper-cased
    assert editor.destination.text() == "KGTU"
    assert editor.problem() is None

    editor.departure.setText("KA-S")
    assert "“KA-S” is not an ICAO code" in editor.error_label.text()
    assert not editor.save_button.isEnabled()
    editor.departure.setText("KAUS")
    _set_start(editor, datetime.now(UTC) - timedelta(days=1))
    assert editor.error_label.text().startswith("The lesson would start in the past")


def _clash(demo, schedule):
    """A booked demo lesson, and people free and available at its time to book its aircraft."""
    for taken in schedule.lessons:
        if taken.status != "SCHEDULED" or not taken.instructor_id \
                or taken.start <= datetime.now(UTC) + timedelta(hours=1):
            continue
        try:
            return taken, bookable(demo.replica, taken.start, aircraft_id=taken.aircraft_id,
                                   hours=(taken.end - taken.start).total_seconds() / 3600)
        except AssertionError:  # nobody else free and available then: the next lesson
            continue
    raise AssertionError("no demo lesson to clash with")


def test_a_clash_is_shown_inline_then_a_free_time_books_it(qtbot, demo, make_editor,
                                                           schedule) -> None:
    taken, fields = _clash(demo, schedule)
    editor = make_editor(start=taken.start, aircraft_id=taken.aircraft_id)
    _book_in(editor, fields)
    editor.length.setValue(int((taken.end - taken.start).total_seconds() // 60))
    assert editor.problem() is None

    with qtbot.wait_signal(editor.saved, timeout=10_000) as refused, \
            qtbot.assert_not_emitted(editor.finished):
        editor.save_button.click()
    outcome = refused.args[0]
    assert outcome.state == "rejected"
    assert editor.result() == 0  # still open
    assert editor.error_label.text().startswith(f"{taken.aircraft.split(' ')[0]} is already booked")
    assert editor.aircraft.property("invalid") is True
    assert editor.save_button.isEnabled() and editor.status_label.text() == ""

    _set_start(editor, weeks_later(demo.replica, taken.start, 9))  # the same hour, still free
    assert "already booked" in editor.error_label.text()  # still shown until the next save
    with qtbot.wait_signal(editor.saved, timeout=10_000) as saved:
        editor.save_button.click()
    assert saved.args[0].state == "applied"
    assert saved.args[0].lesson_id == outcome.lesson_id
    assert editor.result() == QDialog.DialogCode.Accepted
    assert demo.replica.outbox() == []
    assert demo.replica.get("flights", outcome.lesson_id).state == "synced"


def test_giving_up_after_a_refusal_drops_the_refused_edit(qtbot, demo, make_editor) -> None:
    editor = _bookable_editor(make_editor, demo, weekday_at(demo.replica, 51))
    editor.departure.setText("ZZZZ")  # well formed, but no airport the service knows
    with qtbot.wait_signal(editor.saved, timeout=10_000) as refused:
        editor.save_button.click()
    assert refused.args[0].state == "rejected"
    assert "ZZZZ is not an airport" in editor.error_label.text()
    assert editor.departure.property("invalid") is True
    assert len(demo.replica.outbox("rejected")) == 1

    with qtbot.wait_signal(editor.discarded, timeout=10_000):
        editor.close_button.click()
    assert editor.result() == QDialog.DialogCode.Rejected
    assert demo.replica.outbox() == []
    assert demo.replica.get("flights", refused.args[0].lesson_id) is None


def test_offline_the_booking_is_queued_and_the_dialog_closes(qtbot, demo, make_editor) -> None:
    offline_client = ApiClient(base_url=f"http://127.0.0.1:{_closed_port()}", timeout=2)
    offline_client.adopt(demo.client.session)
    start = weekday_at(demo.replica, 55)
    editor = make_editor(start=start,
                         edits=LessonEdits(SyncEngine(client=offline_client, replica=demo.replica)))
    _book_in(editor, bookable(demo.replica, start))
    with qtbot.wait_signal(editor.saved, timeout=10_000) as saved:
        editor.save_button.click()
    assert saved.args[0].state == "queued"
    assert "status bar" in saved.args[0].message
    assert editor.result() == QDialog.DialogCode.Accepted
    assert [entry.state for entry in demo.replica.outbox()] == ["pending"]
    offline_client.close()
    demo.engine.push_pending()  # back online
    assert demo.replica.outbox() == []


def test_check_weather_shows_the_verdict(qtbot, demo, make_editor, schedule) -> None:
    lesson = next(lesson for lesson in schedule.lessons
                  if lesson.status in ("SCHEDULED", "AT_RISK") and lesson.version is not None)
    editor = make_editor(lesson=lesson)
    assert editor.weather_button.isEnabled()
    with qtbot.wait_signal(editor.weather_checked, timeout=20_000) as checked:
        editor.weather_button.click()
    verdict = checked.args[0]["verdict"]
    assert editor.weather_label.text().startswith(f"Weather: {verdict_style(verdict).tag}")

    offline_client = ApiClient(base_url=f"http://127.0.0.1:{_closed_port()}", timeout=2)
    offline_client.adopt(demo.client.session)
    offline = make_editor(lesson=lesson, check_weather=offline_client.check_weather)
    with qtbot.wait_signal(offline.weather_failed, timeout=10_000):
        offline.weather_button.click()
    assert "cannot be reached" in offline.weather_label.text()
    offline_client.close()

    new = make_editor()
    assert not new.weather_button.isEnabled()
    assert "Save the lesson first" in new.weather_button.toolTip()


def test_read_only_mode_disables_the_fields(qtbot, make_editor, schedule) -> None:
    lesson = next(lesson for lesson in schedule.lessons
                  if lesson.status in ("SCHEDULED", "AT_RISK") and lesson.version is not None)
    editor = make_editor(lesson=lesson, read_only=True)
    for widget in (editor.student, editor.instructor, editor.aircraft, editor.date,
                   editor.start_time, editor.length, editor.departure, editor.destination,
                   editor.flight_type, editor.notes):
        assert not widget.isEnabled()
    assert editor.save_button.isHidden()
    assert editor.cancel_lesson_button.isHidden()
    assert editor.close_button.text() == "Close"
    assert editor.weather_button.isEnabled()
    assert editor.student.currentData() == lesson.student_id
    with qtbot.assert_not_emitted(editor.discarded):
        editor.close_button.click()
    assert editor.result() == QDialog.DialogCode.Rejected


def test_editing_an_existing_lesson_and_asking_to_cancel_it(qtbot, demo, make_editor) -> None:
    booker = _bookable_editor(make_editor, demo, weekday_at(demo.replica, 45))
    with qtbot.wait_signal(booker.saved, timeout=10_000) as booked:
        booker.save_button.click()
    lesson_id = booked.args[0].lesson_id
    now = datetime.now(UTC)
    schedule = load_schedule(demo.replica, now, now + timedelta(days=60))
    lesson = next(lesson for lesson in schedule.lessons if lesson.id == lesson_id)

    # Cancelling is the calendar's (the cancel dialog, by kind: tests/app/views/
    # test_lesson_in_flight.py): without it handed in, there is no such button.
    editor = make_editor(lesson=lesson, schedule=schedule)
    assert editor.cancel_lesson_button.isHidden()
    editor.notes.setPlainText("bring the headset")
    with qtbot.wait_signal(editor.saved, timeout=10_000) as saved:
        editor.save_button.click()
    assert saved.args[0].state == "applied"
    assert demo.client.get_flight(lesson_id)["notes"] == "bring the headset"

    schedule = load_schedule(demo.replica, now, now + timedelta(days=60))
    lesson = next(lesson for lesson in schedule.lessons if lesson.id == lesson_id)
    asked: list[LessonEditor] = []
    canceller = make_editor(lesson=lesson, schedule=schedule, ask_cancel=asked.append)
    assert not canceller.cancel_lesson_button.isHidden()
    assert canceller.check_in_button.isHidden()  # not in the air
    canceller.cancel_lesson_button.click()
    assert asked == [canceller]
    # While the cancellation travels, the editor waits; a refusal stays open and says why.
    assert canceller.start_cancel() is None  # no refused change to replace
    assert not canceller.save_button.isEnabled() and not canceller.close_button.isEnabled()
    canceller.finish_cancel(EditOutcome("rejected", "", lesson_id,
                                        "The lesson was not cancelled: it is closed."))
    assert canceller.result() == 0 and canceller.error_label.text().endswith("it is closed.")
    assert canceller.close_button.isEnabled()
    canceller.finish_cancel(EditOutcome("applied", "m1", lesson_id, "The lesson was cancelled."))
    assert canceller.result() == QDialog.DialogCode.Accepted


def _warned_editor(make_editor, demo, start: datetime) -> tuple[LessonEditor, str]:
    """An editor on a lesson at ``start`` with an instructor outside their hours then."""
    instructor_id = unavailable_instructor(demo.replica, start, start + timedelta(hours=1))
    editor = _bookable_editor(make_editor, demo, start, instructor_id=instructor_id)
    return editor, demo.replica.get("instructors", instructor_id).data["name"]


def test_warnings_are_shown_and_book_anyway_books_it(qtbot, demo, make_editor) -> None:
    editor, instructor = _warned_editor(make_editor, demo, weekday_at(demo.replica, 66, hour=16))
    assert not editor.book_anyway_button.isVisibleTo(editor)  # nothing warned about yet
    with qtbot.wait_signal(editor.saved, timeout=10_000) as warned, \
            qtbot.assert_not_emitted(editor.finished):
        editor.save_button.click()
    outcome = warned.args[0]
    assert outcome.state == "needs_acknowledgement"
    assert editor.result() == 0  # still open, asking
    assert not editor.warnings_panel.isHidden() and editor.book_anyway_button.isVisibleTo(editor)
    text = editor.warnings_label.text()
    assert text.startswith("The school's booking policy warns about this lesson:")
    assert f"outside {instructor}'s availability" in text
    assert editor.warnings_label.textFormat() == Qt.TextFormat.PlainText  # names as typed
    assert editor.error_label.isHidden()  # a warning is not an error
    assert not editor.save_button.isEnabled()  # book it anyway, or change it
    assert [entry.state for entry in demo.replica.outbox()] == ["rejected"]

    with qtbot.wait_signal(editor.saved, timeout=10_000) as booked:
        editor.book_anyway_button.click()
    assert booked.args[0].state == "applied", booked.args[0].message
    assert booked.args[0].lesson_id == outcome.lesson_id
    assert editor.result() == QDialog.DialogCode.Accepted
    assert demo.replica.outbox() == []
    row = demo.replica.get("flights", outcome.lesson_id)
    assert row.state == "synced"
    assert [warning["code"] for warning in row.data["acknowledged_warnings"]] == \
        ["INSTRUCTOR_UNAVAILABLE"]
    # The calendar's lesson says which warning was accepted, and by whom.
    start = datetime.fromisoformat(row.data["start_at"].replace("Z", "+00:00"))
    [lesson] = [lesson for lesson in load_schedule(demo.replica, start, start + timedelta(hours=1)).lessons
                if lesson.id == outcome.lesson_id]
    assert len(lesson.acknowledged) == 1 and instructor in lesson.acknowledged[0]
    assert lesson.acknowledged[0].endswith(f"(accepted by {demo.email}).")


def test_change_it_leaves_the_dialog_open_to_edit(qtbot, demo, make_editor) -> None:
    start = weekday_at(demo.replica, 70, hour=16)
    editor, _ = _warned_editor(make_editor, demo, start)
    with qtbot.wait_signal(editor.saved, timeout=10_000) as warned:
        editor.save_button.click()
    assert warned.args[0].state == "needs_acknowledgement"

    editor.change_button.click()
    assert editor.warnings_panel.isHidden() and editor.result() == 0
    assert editor.save_button.isEnabled()
    # Another instructor, inside their hours: the same edit amended, booked without a warning.
    _choose(editor.instructor, bookable(demo.replica, start)["instructor_id"])
    with qtbot.wait_signal(editor.saved, timeout=10_000) as saved:
        editor.save_button.click()
    assert saved.args[0].state == "applied", saved.args[0].message
    assert saved.args[0].lesson_id == warned.args[0].lesson_id
    assert demo.replica.outbox() == []
    assert demo.replica.get("flights", saved.args[0].lesson_id).data["acknowledged_warnings"] == []


def test_changing_the_form_takes_the_warnings_away(qtbot, demo, make_editor) -> None:
    editor, _ = _warned_editor(make_editor, demo, weekday_at(demo.replica, 74, hour=16))
    with qtbot.wait_signal(editor.saved, timeout=10_000):
        editor.save_button.click()
    assert not editor.warnings_panel.isHidden()
    editor.length.setValue(editor.length.value() + 15)  # no longer what was warned about
    assert editor.warnings_panel.isHidden() and editor.warnings == ()
    with qtbot.wait_signal(editor.discarded, timeout=10_000):
        editor.close_button.click()  # Cancel drops the refused edit
    assert demo.replica.outbox() == []


def test_a_blocked_booking_offers_no_book_anyway(qtbot, demo, make_editor) -> None:
    night = weekday_at(demo.replica, 78, hour=22)  # dark all year round
    editor = make_editor(start=night)
    _book_in(editor, bookable(demo.replica, weekday_at(demo.replica, 78)))
    _choose(editor.student, student_without_night_training(demo.replica, night,
                                                           night + timedelta(hours=1)))
    with qtbot.wait_signal(editor.saved, timeout=10_000) as refused:
        editor.save_button.click()
    assert refused.args[0].state == "rejected" and refused.args[0].warnings == ()
    assert "night training" in editor.error_label.text()
    assert editor.warnings_panel.isHidden() and editor.warnings == ()
    assert not editor.book_anyway_button.isVisibleTo(editor)
    with qtbot.wait_signal(editor.discarded, timeout=10_000):
        editor.close_button.click()
    assert demo.replica.outbox() == []
