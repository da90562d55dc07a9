"""Alerts: every kind that needs action, in words, sorted — over a replica holding the real demo
school's rows (pulled from the embedded service, then copied through ``Replica.apply_pull``, the
code path a pull takes) with the cases the demo does not have on a given day added the same way."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.models.alerts import AlertKind, build_alerts
from app.models.alerts_model import AlertRole, AlertsModel
from app.models.edit_review import load_edit_review
from app.services.api_client import Account
from app.services.replica import Replica

TABLES = ("schools", "students", "instructors", "aircraft", "flights", "weather_checks",
          "reschedule_requests", "reschedule_options")


class School:
    """A copy of the demo replica that a test may change freely."""

    def __init__(self, demo: Any, path: Any) -> None:
        self.replica = Replica(path)
        self.seq = 0
        changes = []
        for table in TABLES:
            for row in demo.replica.rows(table):
                self.seq = max(self.seq, row.data.get("server_seq", 0))
                changes.append(self._change(table, row.id, row.data, row.version or 1,
                                            row.data.get("server_seq", 1)))
        self.replica.apply_pull(changes, cursor=self.seq)

    @staticmethod
    def _change(table: str, row_id: str, data: dict[str, Any], version: int,
                seq: int) -> dict[str, Any]:
        return {"table": table, "id": row_id, "version": version, "server_seq": seq,
                "deleted": False, "data": data | {"version": version, "server_seq": seq}}

    def put(self, table: str, data: dict[str, Any]) -> dict[str, Any]:
        """Pull ``data`` as the row's next version (a new row when it has no id)."""
        self.seq += 1
        data = {"id": str(uuid.uuid4())} | data
        stored = self.replica.get(table, data["id"])
        version = (stored.version or 0) + 1 if stored is not None else 1
        self.replica.apply_pull([self._change(table, data["id"], data, version, self.seq)],
                                cursor=self.seq)
        return data

    def rows(self, table: str, **match: Any) -> list[dict[str, Any]]:
        return [row.data for row in self.replica.rows(table)
                if all(row.data.get(key) == value for key, value in match.items())]


@pytest.fixture
def school(demo, tmp_path):
    copied = School(demo, tmp_path / "copy.sqlite3")
    yield copied
    copied.replica.close()


NOW = datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def account(school: School, role: str, instructor: dict[str, Any] | None = None) -> Account:
    school_id = school.rows("schools")[0]["id"]
    if instructor is not None:
        return Account(id=instructor["account_id"], email=instructor["email"], role=role,
                       school_id=school_id)
    return Account(id=str(uuid.uuid4()), email="desk@example.com", role=role, school_id=school_id)


def upcoming(school: School, count: int) -> list[dict[str, Any]]:
    lessons = sorted((flight for flight in school.rows("flights", status="SCHEDULED")
                      if flight["start_at"] > (NOW + timedelta(hours=2)).isoformat()
                      and flight.get("instructor_id")), key=lambda flight: flight["start_at"])
    assert len(lessons) >= count
    return lessons[:count]


def waiting_for(school: School, instructor: dict[str, Any], lesson: dict[str, Any]) -> dict[str, Any]:
    """A weather-cancelled lesson of ``instructor`` whose student picked the first option."""
    cancelled = school.put("flights", lesson | {"status": "WEATHER_CANCELLED",
                                                "instructor_id": instructor["id"]})
    request = school.put("reschedule_requests", {
        "flight_id": cancelled["id"], "state": "PENDING_INSTRUCTOR", "selected_rank": 1,
        "detected_at": NOW.isoformat(), "expires_at": (NOW + timedelta(days=2)).isoformat(),
        "produced_by": "deterministic"})
    school.put("reschedule_options", {
        "request_id": request["id"], "rank": 1, "instructor_id": instructor["id"],
        "aircraft_id": lesson["aircraft_id"],
        "start_at": (datetime.fromisoformat(lesson["start_at"].replace("Z", "+00:00"))
                     + timedelta(days=1)).isoformat(),
        "end_at": (datetime.fromisoformat(lesson["end_at"].replace("Z", "+00:00"))
                   + timedelta(days=1)).isoformat(),
        "expected_weather": {"verdict": "GO", "summary": "VFR, light wind"},
        "justification": "Same instructor and aircraft, the next morning."})
    return request


def test_every_kind_of_alert_is_listed_in_words(school, qtmodeltester) -> None:
    maria = school.rows("instructors", name="Maria Delgado")[0]
    at_risk, to_confirm, refused, clashing, overdue, flying = upcoming(school, 6)
    school.put("flights", at_risk | {"status": "AT_RISK"})
    # Checked out and past its booked end: a reminder to check it in.
    school.put("flights", overdue | {"start_at": iso(NOW - timedelta(hours=2)),
                                     "end_at": iso(NOW - timedelta(minutes=10)),
                                     "checked_out_at": iso(NOW - timedelta(hours=2)),
                                     "hobbs_out": 100.0, "tach_out": 80.0})
    # Checked out (in the air), at risk: not an at-risk alert any more, the sweep leaves it be.
    school.put("flights", flying | {"status": "AT_RISK",
                                    "checked_out_at": iso(NOW - timedelta(minutes=5))})
    school.put("weather_checks", {
        "flight_id": at_risk["id"], "checked_at": iso(datetime.now(UTC) + timedelta(minutes=5)),
        "verdict": "NO_GO",
        "reasons": [{"code": "TS", "text": "TEMPO thunderstorm over KAUS in the lesson's window"},
                    {"code": "WIND", "text": "Gusts 28 kt above the 15 kt limit"}]})
    request = waiting_for(school, maria, to_confirm)
    mail = school.put("notifications", {
        "flight_id": at_risk["id"], "kind": "weather_alert", "recipient": "jane@example.com",
        "subject": "Your lesson is at risk", "status": "FAILED", "attempts": 5,
        "last_error": "550 mailbox unavailable", "created_at": NOW.isoformat()})
    school.put("notifications", {"kind": "options", "recipient": "ok@example.com",
                                 "subject": "sent fine", "status": "SENT", "attempts": 1})
    replica = school.replica
    rejected = replica.record_edit("flights", "update", row_id=refused["id"],
                                   data={"notes": "move to the afternoon"})
    replica.mark_rejected(rejected.mutation_id, {"detail": "the aircraft is already booked then",
                                                 "status_code": 409})
    conflict = replica.record_edit("flights", "update", row_id=clashing["id"],
                                   data={"notes": "mine"})
    replica.mark_conflict(conflict.mutation_id,
                          clashing | {"notes": "theirs", "version": 9, "server_seq": school.seq + 50},
                          {"detail": "the lesson was changed by someone else"})

    alerts = build_alerts(replica, now=NOW, account=account(school, "dispatcher"))

    kinds = {alert.kind for alert in alerts}
    assert kinds == set(AlertKind)
    by_kind = {kind: [alert for alert in alerts if alert.kind is kind] for kind in AlertKind}
    risk = next(alert for alert in by_kind[AlertKind.AT_RISK] if alert.lesson_id == at_risk["id"])
    assert risk.reasons == ("TEMPO thunderstorm over KAUS in the lesson's window",
                            "Gusts 28 kt above the 15 kt limit")
    confirm = by_kind[AlertKind.CONFIRM][0]
    student = school.rows("students", id=to_confirm["student_id"])[0]["name"]
    assert confirm.request_id == request["id"]
    assert confirm.title.startswith(f"{student} picked ") and confirm.title.endswith("— confirm")
    assert any("Same instructor and aircraft" in reason for reason in confirm.reasons)
    # A lesson waiting for its instructor is not listed a second time as cancelled.
    assert to_confirm["id"] not in {alert.lesson_id for alert in by_kind[AlertKind.WEATHER_CANCELLED]}
    for cancelled in by_kind[AlertKind.WEATHER_CANCELLED]:
        assert cancelled.reasons[0].startswith(("Options sent — waiting for the student's choice",
                                                "No reschedule request yet — open one"))
    assert flying["id"] not in {alert.lesson_id for alert in alerts}
    [not_in] = by_kind[AlertKind.NOT_CHECKED_IN]
    assert not_in.lesson_id == overdue["id"] and not_in.line.startswith("Not checked in — due back ")
    assert not_in.title.startswith("Not checked in: ")
    [failed] = by_kind[AlertKind.MAIL_FAILED]
    assert failed.notification_id == mail["id"]
    assert "jane@example.com" in failed.title
    assert "Last error: 550 mailbox unavailable" in failed.reasons
    [refusal] = by_kind[AlertKind.EDIT_REJECTED]
    refused_student = school.rows("students", id=refused["student_id"])[0]["name"]
    assert refusal.title.startswith(f"Your change to {refused_student}'s lesson of ")
    assert refusal.title.endswith("was refused: the aircraft is already booked then")
    assert refusal.mutation_id == rejected.mutation_id
    [clash] = by_kind[AlertKind.EDIT_CONFLICT]
    assert clash.mutation_id == conflict.mutation_id
    # The desk's own edits in limbo come first, the lessons merely at risk last.
    assert alerts[0].kind in (AlertKind.EDIT_CONFLICT, AlertKind.EDIT_REJECTED)
    assert alerts[-1].kind is AlertKind.AT_RISK
    assert [alert.priority for alert in alerts] == sorted(alert.priority for alert in alerts)

    model = AlertsModel()
    model.set_alerts(alerts)
    qtmodeltester.check(model)
    assert model.rowCount() == len(alerts)
    row = alerts.index(risk)
    index = model.index(row, 0)
    assert model.data(index, AlertRole.KIND) == "AT_RISK"
    assert model.data(index, AlertRole.LESSON_ID) == at_risk["id"]
    # One line with the cause, then the lesson in a few words; the title stays in the tooltip.
    shown = model.data(index, Qt.ItemDataRole.DisplayRole)
    assert shown == risk.line and shown.startswith("At risk — TEMPO thunderstorm") and "\n" not in shown
    assert risk.title in model.data(index, Qt.ItemDataRole.ToolTipRole)
    tip = model.data(index, Qt.ItemDataRole.ToolTipRole)  # every reason
    assert "Gusts 28 kt" in tip and "TEMPO thunderstorm" in tip
    assert model.data(index, Qt.ItemDataRole.DecorationRole) is not None  # a colour per kind

    review = load_edit_review(replica, conflict.mutation_id)
    notes = next(field for field in review.fields if field.label == "Notes")
    assert (notes.mine, notes.theirs, notes.differs) == ("mine", "theirs", True)
    student_field = next(field for field in review.fields if field.label == "Student")
    assert student_field.mine == student_field.theirs != clashing["student_id"]  # a name, not an id


def test_an_instructor_sees_their_own_confirmations_first(school) -> None:
    maria, james = (school.rows("instructors", name=name)[0]
                    for name in ("Maria Delgado", "James Whitaker"))
    first, second, third = upcoming(school, 3)
    for_james = waiting_for(school, james, first)
    for_maria = waiting_for(school, maria, second)
    refused = school.replica.record_edit("flights", "update", row_id=third["id"],
                                         data={"notes": "x"})
    school.replica.mark_rejected(refused.mutation_id, {"detail": "no"})

    as_maria = build_alerts(school.replica, now=NOW, account=account(school, "instructor", maria))
    assert as_maria[0].request_id == for_maria["id"] and as_maria[0].mine
    assert [alert.mine for alert in as_maria].count(True) == 1
    assert as_maria[1].kind is AlertKind.EDIT_REJECTED
    assert {alert.request_id for alert in as_maria if alert.kind is AlertKind.CONFIRM} == {
        for_james["id"], for_maria["id"]}

    as_james = build_alerts(school.replica, now=NOW, account=account(school, "instructor", james))
    assert as_james[0].request_id == for_james["id"]

    as_desk = build_alerts(school.replica, now=NOW, account=account(school, "dispatcher"))
    assert as_desk[0].kind is AlertKind.EDIT_REJECTED
    assert not any(alert.mine for alert in as_desk)


def test_no_notifications_table_and_no_account(tmp_path) -> None:
    replica = Replica(tmp_path / "empty.sqlite3")
    try:
        assert build_alerts(replica, now=NOW, account=None) == []
    finally:
        replica.close()


def test_activating_an_alert_says_what_to_open(qtbot, school) -> None:
    from app.views.alerts_dock import AlertsDock

    maria = school.rows("instructors", name="Maria Delgado")[0]
    lesson, refused_lesson = upcoming(school, 2)
    request = waiting_for(school, maria, lesson)
    refused = school.replica.record_edit("flights", "update", row_id=refused_lesson["id"],
                                         data={"notes": "x"})
    school.replica.mark_rejected(refused.mutation_id, {"detail": "no"})
    school.put("notifications", {"kind": "options", "recipient": "a@example.com", "subject": "s",
                                 "status": "FAILED", "attempts": 3, "last_error": "timeout"})
    model = AlertsModel()
    dock = AlertsDock(model=model)
    qtbot.add_widget(dock)
    with qtbot.wait_signal(dock.count_changed):
        model.set_alerts(build_alerts(school.replica, now=NOW, account=None))
    assert dock.windowTitle() == f"Alerts ({model.rowCount()})"
    # The weather alerts open onto the weather and the request (``WeatherAlertDialog``).
    expected = {AlertKind.CONFIRM: (dock.weather_activated, "lesson_id"),
                AlertKind.EDIT_REJECTED: (dock.edit_activated, "mutation_id"),
                AlertKind.MAIL_FAILED: (dock.notification_activated, "notification_id"),
                AlertKind.EDIT_CONFLICT: (dock.edit_activated, "mutation_id"),
                AlertKind.WEATHER_CANCELLED: (dock.weather_activated, "lesson_id"),
                AlertKind.AT_RISK: (dock.weather_activated, "lesson_id")}
    for row, alert in enumerate(model.alerts):
        signal, field = expected[alert.kind]
        with qtbot.wait_signal(signal, timeout=1_000,
                               check_params_cb=lambda found: found == getattr(alert, field)):
            dock.activate_row(row)
    assert request["id"] in {alert.request_id for alert in model.alerts}
