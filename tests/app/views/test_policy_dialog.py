"""The booking-policy dialog against the real service on 127.0.0.1: it shows every rule and limit,
an admin's change is applied to the next booking, others read it only, someone else's change meanwhile
is shown and said, a value the service refuses is named, and without the service it says so."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from app.services.api_client import ApiClient
from app.views.policy_dialog import PolicyDialog
from tests.app.views.school_desk import at, client_for, iso, next_weekday, with_fleet

# Dialogs shown on the offscreen platform make it say so; harmless.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")


@pytest.fixture
def school(signed_in_school, api_server):
    return with_fleet(signed_in_school(), api_server)


def _dialog(qtbot, client: ApiClient, *, can_change: bool) -> PolicyDialog:
    dialog = PolicyDialog(load=client.get_policy,
                          save=lambda changes, version: client.update_policy(changes,
                                                                             version=version),
                          can_change=can_change)
    qtbot.add_widget(dialog)
    with qtbot.wait_signal(dialog.loaded, timeout=10_000), qtbot.assert_not_emitted(dialog.failed):
        dialog.show()
    return dialog


@pytest.fixture
def admin(api_server, school) -> Iterator[ApiClient]:
    client = client_for(api_server, school, "admin")
    yield client
    client.close()


def _evening_lesson(school) -> dict:
    """A lesson after the school's hours (07:00–19:00): the policy warns by default."""
    start = at(next_weekday(3), 19, 30)
    return {"student_id": str(school.student_id), "instructor_id": str(school.instructor_id),
            "aircraft_id": str(school.aircraft_id), "start_at": iso(start),
            "end_at": iso(start + timedelta(hours=1)), "departure": "KAUS",
            "flight_type": "DUAL"}


def test_an_admin_sees_every_rule_and_the_change_saved_is_applied_to_bookings(
        qtbot, school, admin) -> None:
    dialog = _dialog(qtbot, admin, can_change=True)

    assert len(dialog.rule_boxes) == 10
    hours = dialog.rule_boxes["OUTSIDE_SCHOOL_HOURS"]
    assert hours.currentData() == "warn" and hours.currentText() == "Warn (default)"
    assert [hours.itemData(i) for i in range(hours.count())] == ["block", "warn", "off"]
    assert hours.isEnabled() and not dialog.access_label.isVisible()
    # Each rule with its title and description, as the service words them (plain text).
    texts = {label.text() for label in dialog.content.findChildren(type(dialog.message_label))}
    assert "Outside school hours" in texts
    assert any(text.startswith("The lesson starts or ends outside") for text in texts)
    assert all(label.textFormat() == Qt.TextFormat.PlainText
               for label in dialog.content.findChildren(type(dialog.message_label)))
    weekly = dialog.setting_boxes["student_lessons_per_week"]
    assert weekly.text() == "No limit" and dialog.settings()["student_lessons_per_week"] is None
    assert not dialog.save_button.isEnabled()  # nothing changed yet

    warned = school.dispatcher.post("/flights", json=_evening_lesson(school))
    assert warned.status_code == 409 and warned.json()["rule"] == "NEEDS_ACKNOWLEDGEMENT"

    hours.setCurrentIndex(hours.findData("block"))
    dialog.setting_boxes["student_lessons_per_day"].setValue(1)
    assert dialog.changes() == {"rules": {"OUTSIDE_SCHOOL_HOURS": "block"},
                                "student_lessons_per_day": 1}
    assert dialog.save_button.isEnabled()
    with qtbot.wait_signal(dialog.saved, timeout=10_000) as saved, \
            qtbot.assert_not_emitted(dialog.failed):
        dialog.save_button.click()

    policy = school.admin.get("/policy").json()
    assert saved.args[0].version == policy["version"]
    assert {rule["code"]: rule["action"] for rule in policy["rules"]}["OUTSIDE_SCHOOL_HOURS"] == "block"
    assert policy["settings"]["student_lessons_per_day"] == 1
    assert dialog.message_label.text().startswith("Saved.")
    assert "Outside school hours: block" in dialog.message_label.text()
    assert dialog.rule_boxes["OUTSIDE_SCHOOL_HOURS"].currentData() == "block"
    assert not dialog.save_button.isEnabled()
    # The service applies it: the evening lesson is now refused outright, naming the rule.
    blocked = school.dispatcher.post("/flights", json=_evening_lesson(school))
    assert blocked.status_code == 422 and blocked.json()["rule"] == "OUTSIDE_SCHOOL_HOURS"


def test_a_dispatcher_reads_the_policy_but_cannot_change_it(qtbot, api_server, school) -> None:
    client = client_for(api_server, school, "dispatcher")
    dialog = _dialog(qtbot, client, can_change=False)

    assert dialog.rule_boxes and dialog.setting_boxes
    assert not any(box.isEnabled() for box in dialog.rule_boxes.values())
    assert not any(box.isEnabled() for box in dialog.setting_boxes.values())
    assert not dialog.save_button.isVisible()
    assert dialog.access_label.isVisible()
    assert "Only an administrator can change the booking policy" in dialog.access_label.text()
    client.close()


def test_someone_elses_change_meanwhile_is_shown_and_said(qtbot, school, admin) -> None:
    dialog = _dialog(qtbot, admin, can_change=True)
    read_at = dialog.policy.version
    elsewhere = school.admin.put("/policy", json={"version": read_at, "turnaround_minutes": 15})
    assert elsewhere.status_code == 200, elsewhere.text

    box = dialog.rule_boxes["OUTSIDE_SCHOOL_HOURS"]
    box.setCurrentIndex(box.findData("off"))
    with qtbot.wait_signal(dialog.failed, timeout=10_000) as failed:
        dialog.save_button.click()

    assert "Someone else changed the booking policy" in failed.args[0]
    assert dialog.message_label.text() == failed.args[0]
    # The policy as it now is: their turnaround, not my unsaved choice.
    assert dialog.policy.version == elsewhere.json()["version"] > read_at
    assert dialog.setting_boxes["turnaround_minutes"].value() == 15
    assert dialog.rule_boxes["OUTSIDE_SCHOOL_HOURS"].currentData() == "warn"
    assert school.admin.get("/policy").json()["settings"]["turnaround_minutes"] == 15

    # Made again on the current version, it is saved.
    box = dialog.rule_boxes["OUTSIDE_SCHOOL_HOURS"]
    box.setCurrentIndex(box.findData("off"))
    with qtbot.wait_signal(dialog.saved, timeout=10_000):
        dialog.save_button.click()
    rules = {rule["code"]: rule["action"] for rule in school.admin.get("/policy").json()["rules"]}
    assert rules["OUTSIDE_SCHOOL_HOURS"] == "off"


def test_a_value_the_service_refuses_is_named_with_why(qtbot, school, admin) -> None:
    dialog = _dialog(qtbot, admin, can_change=True)
    box = dialog.setting_boxes["turnaround_minutes"]
    box.setMaximum(999)  # as a desktop older than the service's limit would offer
    box.setValue(500)

    with qtbot.wait_signal(dialog.failed, timeout=10_000) as failed:
        dialog.save_button.click()

    message = failed.args[0]
    assert message.startswith("Not saved — Turnaround between lessons:")
    assert "240" in message and message.endswith("Fix it and save again.")
    assert "border" in box.styleSheet()  # the field at fault is marked
    assert school.admin.get("/policy").json()["settings"]["turnaround_minutes"] == 0
    box.setValue(20)  # fixed: the mark goes
    assert box.styleSheet() == ""


def test_without_the_service_it_says_it_needs_it(qtbot, api_server, school) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens once the probe is closed
    client = client_for(api_server, school, "admin", base_url=f"http://127.0.0.1:{closed}")
    dialog = PolicyDialog(load=client.get_policy, save=None, can_change=False)
    qtbot.add_widget(dialog)

    with qtbot.wait_signal(dialog.failed, timeout=10_000) as failed:
        dialog.show()

    assert "kept by the service, which cannot be reached" in failed.args[0]
    assert dialog.message_label.isVisible() and dialog.reload_button.isEnabled()
    assert dialog.rule_boxes == {}
    client.close()


def test_the_services_words_are_shown_as_text(qtbot) -> None:
    markup = '<b>Eve</b><img src="https://attacker.example/x.png">'
    answer = {"version": 1, "settings": {"turnaround_minutes": 0},
              "rules": [{"code": "OUTSIDE_SCHOOL_HOURS", "action": "warn", "default": "warn",
                         "title": f"Hours {markup}", "description": f"Why {markup}"}]}
    dialog = PolicyDialog(load=lambda: answer, save=None, can_change=False)
    qtbot.add_widget(dialog)
    with qtbot.wait_signal(dialog.loaded, timeout=10_000):
        dialog.show()

    shown = [label for label in dialog.content.findChildren(type(dialog.message_label))
             if markup in label.text()]
    assert len(shown) == 2
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in shown)
    tip = dialog.rule_boxes["OUTSIDE_SCHOOL_HOURS"].toolTip()
    assert markup not in tip and "&lt;img" in tip
