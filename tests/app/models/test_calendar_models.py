"""The calendar and alerts models over a replica synced from the real embedded demo service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.models.alerts import build_alerts
from app.models.alerts_model import AlertRole, AlertsModel
from app.models.calendar_model import CalendarModel, CalendarRole
from app.models.lessons import load_schedule


def test_calendar_model_holds_the_weeks_lessons(qtmodeltester, demo) -> None:
    now = datetime.now(UTC)
    schedule = load_schedule(demo.replica, now - timedelta(days=3), now + timedelta(days=4))
    model = CalendarModel()
    model.set_schedule(schedule)
    qtmodeltester.check(model)
    assert schedule.school == "Hill Country Flight Academy"
    assert model.rowCount() == len(schedule.lessons) > 10
    first = model.index(0, 0)
    assert model.data(first, CalendarRole.STUDENT) == schedule.lessons[0].student
    statuses = {model.data(model.index(row, 0), CalendarRole.STATUS) for row in range(model.rowCount())}
    assert "SCHEDULED" in statuses
    verdicts = {lesson.verdict for lesson in schedule.lessons}
    assert {"GO", "MARGINAL", "NO_GO"} & verdicts


def test_alerts_model_lists_weather_cancelled_lessons(qtmodeltester, demo) -> None:
    now = datetime.now(UTC)
    model = AlertsModel()
    model.set_alerts(build_alerts(demo.replica, now=now, account=demo.client.account))
    qtmodeltester.check(model)
    assert model.rowCount() > 0
    for row in range(model.rowCount()):
        assert model.data(model.index(row, 0), AlertRole.KIND) in (
            "AT_RISK", "WEATHER_CANCELLED", "CONFIRM", "MAIL_FAILED")  # no local edits here
        assert model.data(model.index(row, 0), AlertRole.REASONS)
