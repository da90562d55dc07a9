"""The availability dialog against the real service on 127.0.0.1: what is typed reaches the
service and the booking rules honour it; what is wrong is said; someone else's change and an
unreachable service are said too."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QCoreApplication, QDate, QThreadPool
from PySide6.QtWidgets import QMessageBox

from app.models.availability import UNRESTRICTED_MEANING, Person
from app.services.api_client import Account as SignedInAccount
from app.services.api_client import ApiClient, Session, Tokens
from app.views.availability_dialog import AvailabilityDialog
from tests.support.tcp_proxy import TcpProxy
from tests.sync.api.booking import HOUR, iso, lesson, with_fleet

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")

ZONE = ZoneInfo("America/Chicago")


def _client(base_url: str, school, role: str) -> ApiClient:
    """A client signed in as ``role`` of ``school`` (its tokens, no argon2 round)."""
    tokens = school.tokens[role]
    client = ApiClient(base_url=base_url)
    client.adopt(Session(
        account=SignedInAccount(id=tokens.account_id, email=school.emails[role], role=role,
                                school_id=str(school.school_id)),
        tokens=Tokens(access_token=tokens.access_token, refresh_token=tokens.refresh_token,
                      expires_in=900),
    ))
    return client


def _day(days_ahead: int) -> date:
    return datetime.now(ZONE).date() + timedelta(days=days_ahead)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE).astimezone(UTC)


@pytest.fixture
def school(signed_in_school, api_server):
    return with_fleet(signed_in_school(), api_server)


def _people(school) -> list[Person]:
    return [Person("instructor", str(school.instructor_id), "The CFI"),
            Person("instructor", str(school.colleague_id), "Other CFI"),
            Person("student", str(school.student_id), "The student")]


@pytest.fixture
def open_dialog(qtbot, api_server, school) -> Iterator:
    clients: list[ApiClient] = []

    def make(person_id: str = "", *, base_url: str | None = None,
             loaded: bool = True) -> AvailabilityDialog:
        client = _client(base_url or api_server.url, school, "dispatcher")
        clients.append(client)
        dialog = AvailabilityDialog(client=client, people=_people(school), zone=ZONE,
                                    person_id=person_id)
        qtbot.add_widget(dialog)
        if loaded:
            with qtbot.wait_signal(dialog.loaded, timeout=10_000), \
                    qtbot.assert_not_emitted(dialog.failed):
                dialog.show()
        return dialog

    yield make
    QThreadPool.globalInstance().waitForDone(10_000)
    QCoreApplication.processEvents()
    for client in clients:
        client.close()


def _save(qtbot, dialog: AvailabilityDialog) -> dict:
    assert dialog.save_button.isEnabled(), dialog.message_label.text()
    with qtbot.wait_signal(dialog.saved, timeout=10_000) as saved, \
            qtbot.assert_not_emitted(dialog.failed):
        dialog.save_button.click()
    return saved.args[0]


def _add(dialog: AvailabilityDialog, day: date, hours: str = "") -> None:
    dialog.date_edit.setDate(QDate(day.year, day.month, day.day))
    dialog.what_box.setCurrentText("Extra hours" if hours else "Day off")
    dialog.hours_edit.setText(hours)
    dialog.add_button.click()


def test_an_instructors_hours_reach_the_service_and_the_booking_rules_honour_them(
        qtbot, open_dialog, school) -> None:
    dialog = open_dialog(str(school.instructor_id))
    assert dialog.person == Person("instructor", str(school.instructor_id), "The CFI")
    # Nobody has restricted their time yet: what the service makes of that is said.
    assert dialog.meaning_label.text() == UNRESTRICTED_MEANING
    assert not dialog.save_button.isEnabled()  # nothing changed yet
    lesson_day, day_off = _day(3), _day(10)
    weekday = lesson_day.isoweekday()

    dialog.day_edits[weekday].setText("08:00-12:00, 13:00-17:00")
    _add(dialog, day_off)
    assert "Only the hours typed are available" in dialog.meaning_label.text()
    assert [dialog.exceptions_table.item(0, column).text() for column in range(2)] == [
        f"{day_off:%a %d %b %Y}", "Day off"]
    row = _save(qtbot, dialog)

    assert row["kind"] == "instructor" and row["version"] == dialog.row["version"]
    stored = school.admin.get(f"/instructors/{school.instructor_id}").json()
    assert stored["availability"] == [
        {"weekday": weekday, "start": "08:00", "end": "12:00"},
        {"weekday": weekday, "start": "13:00", "end": "17:00"}]
    assert stored["availability_exceptions"] == [{"date": day_off.isoformat(), "available": False}]
    assert "Saved The CFI's availability" in dialog.message_label.text()
    assert not dialog.save_button.isEnabled() and not dialog.is_dirty()

    def warnings(start: datetime) -> list[str]:
        response = school.dispatcher.post("/flights", json=lesson(
            school, start_at=iso(start), end_at=iso(start + HOUR)))
        if response.status_code == 201:
            return []
        assert response.status_code == 409, response.text
        return [warning["code"] for warning in response.json()["warnings"]]

    assert warnings(_at(lesson_day, 12, 15)) == ["INSTRUCTOR_UNAVAILABLE"]  # the lunch gap
    assert warnings(_at(day_off, 9)) == ["INSTRUCTOR_UNAVAILABLE"]  # any hour of the day off
    assert warnings(_at(lesson_day, 9)) == []  # inside a window: booked


def test_a_students_hours_and_extra_hours_reach_the_service(qtbot, open_dialog, school) -> None:
    dialog = open_dialog(str(school.student_id))
    saturday = _day(14)
    dialog.day_edits[2].setText("16:00–19:00")
    dialog.day_edits[6].setText("8-14")
    _add(dialog, saturday, "15:00-17:00")

    _save(qtbot, dialog)

    stored = school.admin.get(f"/students/{school.student_id}").json()
    assert stored["availability"] == [{"weekday": 2, "start": "16:00", "end": "19:00"},
                                      {"weekday": 6, "start": "08:00", "end": "14:00"}]
    assert stored["availability_exceptions"] == [
        {"date": saturday.isoformat(), "available": True, "start": "15:00", "end": "17:00"}]
    # Read back as typed, in the service's words.
    assert dialog.day_edits[6].text() == "08:00–14:00"

    # An empty week again: unrestricted, and the dialog says what that means.
    dialog.clear_week()
    assert dialog.meaning_label.text() == UNRESTRICTED_MEANING
    _save(qtbot, dialog)
    assert school.admin.get(f"/students/{school.student_id}").json()["availability"] == []


def test_what_is_wrong_is_said_where_it_is_and_nothing_is_saved(qtbot, open_dialog,
                                                                 school) -> None:
    dialog = open_dialog(str(school.instructor_id))
    problem = dialog.day_problems[1]

    dialog.day_edits[1].setText("13:00-12:00")
    assert problem.isVisibleTo(dialog) and problem.text() == "13:00–12:00 ends before it starts"
    assert not dialog.save_button.isEnabled() and dialog.payload() is None

    dialog.day_edits[1].setText("08:00-12:00, 11:00-14:00")
    assert problem.text() == ("08:00–12:00 and 11:00–14:00 overlap: make them one window "
                              "(08:00–14:00) or move one")
    assert not dialog.save_button.isEnabled()

    dialog.day_edits[1].setText("mornings")
    assert problem.text().startswith('cannot read "mornings"')

    dialog.day_edits[1].setText("08:00-12:00, 12:00-14:00")  # touching: one window, allowed
    assert not problem.isVisibleTo(dialog) and dialog.save_button.isEnabled()

    dialog.day_edits[1].setText("08:00-12:00")
    assert not problem.isVisibleTo(dialog)

    # Extra hours that cannot be read are not added; a day both off and with extra hours is wrong.
    day = _day(5)
    _add(dialog, day, "late")
    assert dialog.exceptions == [] and dialog.exceptions_problem.text().startswith("Not added:")
    _add(dialog, day, "09:00-11:00")
    _add(dialog, day)
    assert dialog.exceptions_table.rowCount() == 2
    assert "both a day off and has extra hours" in dialog.exceptions_problem.text()
    assert not dialog.save_button.isEnabled()
    dialog.exceptions_table.selectRow(0)  # the day off (first on its date)
    dialog.remove_button.click()
    assert not dialog.exceptions_problem.isVisibleTo(dialog) and dialog.save_button.isEnabled()

    # Nothing reached the service meanwhile.
    stored = school.admin.get(f"/instructors/{school.instructor_id}").json()
    assert stored["availability"] == [] and stored["availability_exceptions"] == []
    dialog.day_edits[1].setText("")  # (leave nothing unsaved behind)
    dialog.exceptions_table.selectRow(0)
    dialog.remove_button.click()
    assert not dialog.is_dirty()


def test_someone_elses_change_is_said_and_their_version_shown(qtbot, open_dialog,
                                                             school) -> None:
    dialog = open_dialog(str(school.instructor_id))
    dialog.day_edits[3].setText("09:00-17:00")
    # Meanwhile, at another desk:
    version = school.admin.get(f"/instructors/{school.instructor_id}").json()["version"]
    other = school.admin.patch(f"/instructors/{school.instructor_id}", json={
        "version": version, "availability": [{"weekday": 5, "start": "07:00", "end": "11:00"}]})
    assert other.status_code == 200, other.text

    with qtbot.wait_signal(dialog.failed, timeout=10_000) as failed, \
            qtbot.wait_signal(dialog.loaded, timeout=10_000), \
            qtbot.assert_not_emitted(dialog.saved):
        dialog.save_button.click()

    assert "someone else changed The CFI's availability" in failed.args[0]
    assert "someone else changed" in dialog.message_label.text()
    assert dialog.day_edits[5].text() == "07:00–11:00" and dialog.day_edits[3].text() == ""
    assert dialog.row["version"] == other.json()["version"] and not dialog.is_dirty()
    stored = school.admin.get(f"/instructors/{school.instructor_id}").json()
    assert stored["availability"] == [{"weekday": 5, "start": "07:00", "end": "11:00"}]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_without_the_service_it_says_it_needs_it(qtbot, open_dialog, school) -> None:
    dialog = open_dialog(str(school.instructor_id), base_url=f"http://127.0.0.1:{_closed_port()}",
                         loaded=False)
    with qtbot.wait_signal(dialog.failed, timeout=10_000) as failed, \
            qtbot.assert_not_emitted(dialog.loaded):
        dialog.show()

    assert failed.args[0].startswith("Cannot reach the service: availability is kept by the "
                                     "service")
    assert "press Reload" in failed.args[0] and dialog.message_label.text() == failed.args[0]
    assert not dialog.day_edits[1].isEnabled() and not dialog.save_button.isEnabled()
    assert dialog.reload_button.isEnabled()


def test_choosing_someone_else_with_unsaved_changes_asks_first(qtbot, open_dialog,
                                                              school) -> None:
    dialog = open_dialog(str(school.instructor_id))
    dialog.day_edits[2].setText("10:00-12:00")

    dialog.choose(str(school.colleague_id))
    box = dialog.discard_box
    assert isinstance(box, QMessageBox) and "not saved" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert dialog.person.id == str(school.instructor_id)
    assert dialog.person_box.currentData() == str(school.instructor_id)
    assert dialog.day_edits[2].text() == "10:00-12:00"

    dialog.choose(str(school.colleague_id))
    with qtbot.wait_signal(dialog.loaded, timeout=10_000) as loaded:
        dialog.discard_box.button(QMessageBox.StandardButton.Discard).click()
    assert loaded.args[0]["id"] == str(school.colleague_id)
    assert dialog.person.name == "Other CFI" and dialog.day_edits[2].text() == ""


def test_a_save_without_the_service_keeps_what_was_typed(qtbot, open_dialog, school,
                                                         api_server) -> None:
    host, port = api_server.url.removeprefix("http://").split(":")
    with TcpProxy(host, int(port)) as proxy:
        dialog = open_dialog(str(school.instructor_id), base_url=f"http://127.0.0.1:{proxy.port}")
        dialog.day_edits[4].setText("09:00-13:00")
        proxy.refuse()  # the network goes away

        with qtbot.wait_signal(dialog.failed, timeout=15_000) as failed, \
                qtbot.assert_not_emitted(dialog.saved):
            dialog.save_button.click()

        assert failed.args[0].startswith("Cannot reach the service: availability is kept by "
                                         "the service, so it can be changed only while")
        assert "press Save again" in failed.args[0]
        assert dialog.day_edits[4].text() == "09:00-13:00" and dialog.is_dirty()
        assert dialog.save_button.isEnabled()  # to try again

        proxy.restore()
        with qtbot.wait_signal(dialog.saved, timeout=15_000):
            dialog.save_button.click()
    stored = school.admin.get(f"/instructors/{school.instructor_id}").json()
    assert stored["availability"] == [{"weekday": 4, "start": "09:00", "end": "13:00"}]
