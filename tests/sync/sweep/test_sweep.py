"""The sweep over a storm moving in, served by a local aviationweather.gov over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from sync.config import Settings
from sync.flights.models import Flight, FlightStatus, WeatherCheck
from sync.notify.models import Notification
from sync.reschedule.models import RescheduleRequest
from sync.sweep.models import SweepRun
from sync.sweep.service import run_sweep
from sync.weather.breaker import forget_breakers
from sync.weather.check import weather_source_from_settings
from sync.weather.minimums import TrainingLevel
from tests.support.fake_aviationweather import ScriptedResponse
from tests.support.silent_server import SilentServer
from tests.sync.factories import make_flight, make_school, make_student
from tests.sync.sweep.conftest import client_for
from tests.sync.sweep.storm import metar, taf

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
STATIONS = ("KAUS", "KSAT")


def serve(server, *, storms_at_kaus=((2, 6), (24, 28))) -> None:
    server.set_metars({code: [metar(code, NOW)] for code in STATIONS})
    server.set_tafs({"KAUS": [taf("KAUS", NOW, storms=storms_at_kaus)], "KSAT": [taf("KSAT", NOW)]})


@pytest.fixture
def lessons(db_session):
    """Lessons at KAUS (where the storms are) and one at KSAT (clear), hours after NOW."""
    school = make_school(db_session, decision_window_hours=24)

    def lesson(hours: int, departure: str = "KAUS", **fields) -> Flight:
        student = make_student(db_session, school, training_level=TrainingLevel.PRIVATE_PILOT,
                               night_trained=True)
        return make_flight(db_session, school, student_id=student.id, departure=departure,
                           start_at=NOW + timedelta(hours=hours),
                           end_at=NOW + timedelta(hours=hours + 2), **fields)

    made = {
        "storm_soon": lesson(3),  # inside the decision window, in the first storm
        "between": lesson(10),  # between the storms
        "storm_later": lesson(25),  # in the second storm, outside the 24 h window
        "beyond_taf": lesson(40),  # after the TAF ends
        "clear_elsewhere": lesson(3, "KSAT"),
        "past": lesson(-3),  # started already: not the sweep's business
        "outside_horizon": lesson(60),
        "closed": lesson(4, status=FlightStatus.CANCELLED),
    }
    db_session.commit()
    return made


def statuses(db_session, lessons) -> dict[str, FlightStatus]:
    db_session.expire_all()
    return {name: db_session.get(Flight, flight.id).status for name, flight in lessons.items()}


def test_the_storm_cancels_inside_the_window_and_marks_later_lessons_at_risk(
        db_session, session_factory, lessons, fake_weather_server):
    serve(fake_weather_server)
    with client_for(fake_weather_server.url) as source:
        run = run_sweep(session_factory=session_factory, source=source, now=NOW)

    assert statuses(db_session, lessons) == {
        "storm_soon": FlightStatus.WEATHER_CANCELLED,
        "between": FlightStatus.SCHEDULED,
        "storm_later": FlightStatus.AT_RISK,
        "beyond_taf": FlightStatus.SCHEDULED,
        "clear_elsewhere": FlightStatus.SCHEDULED,
        "past": FlightStatus.SCHEDULED,
        "outside_horizon": FlightStatus.SCHEDULED,
        "closed": FlightStatus.CANCELLED,
    }
    # Weather fetched once for both stations, one request per product.
    assert [r.ids for r in fake_weather_server.requests_for("metar")] == [STATIONS]
    assert [r.ids for r in fake_weather_server.requests_for("taf")] == [STATIONS]

    verdicts = {name: db_session.scalars(select(WeatherCheck.verdict)
                                         .where(WeatherCheck.flight_id == lessons[name].id)).all()
                for name in lessons}
    assert verdicts == {"storm_soon": ["NO_GO"], "between": ["GO"], "storm_later": ["NO_GO"],
                        "beyond_taf": ["UNKNOWN"], "clear_elsewhere": ["GO"], "past": [],
                        "outside_horizon": [], "closed": []}

    request = db_session.scalars(select(RescheduleRequest).where(
        RescheduleRequest.flight_id == lessons["storm_soon"].id)).one()
    check = db_session.scalars(select(WeatherCheck).where(
        WeatherCheck.flight_id == lessons["storm_soon"].id)).one()
    assert request.weather_check_id == check.id
    mails = db_session.scalars(select(Notification).where(
        Notification.flight_id == lessons["storm_soon"].id)).all()
    assert mails, "the cancellation mails are written with the decision"
    # Nobody else was mailed or offered anything.
    assert db_session.scalar(select(func.count()).select_from(RescheduleRequest)) == 1

    stored = db_session.get(SweepRun, run.id)
    assert stored.finished_at is not None and stored.errors == []
    assert stored.counts["lessons"] == 5 and stored.counts["stations"] == 2
    assert stored.counts["verdicts"] == {"GO": 2, "MARGINAL": 0, "NO_GO": 2, "UNKNOWN": 1}
    assert stored.counts["actions"] == {"cancelled": 1, "at_risk": 1, "cleared": 0,
                                        "unchanged": 3, "skipped": 0}


def test_better_weather_clears_an_at_risk_lesson_and_a_second_sweep_mails_no_one_again(
        db_session, session_factory, lessons, fake_weather_server):
    serve(fake_weather_server)
    with client_for(fake_weather_server.url) as source:
        run_sweep(session_factory=session_factory, source=source, now=NOW)
        mails_before = db_session.scalar(select(func.count()).select_from(Notification))
        serve(fake_weather_server, storms_at_kaus=())  # the storm passes
        run = run_sweep(session_factory=session_factory, source=source, now=NOW)

    found = statuses(db_session, lessons)
    assert found["storm_later"] is FlightStatus.SCHEDULED
    assert found["storm_soon"] is FlightStatus.WEATHER_CANCELLED  # decided: not swept again
    assert run.counts["actions"]["cleared"] == 1 and run.counts["actions"]["cancelled"] == 0
    assert run.counts["lessons"] == 4
    assert db_session.scalar(select(func.count()).select_from(Notification)) == mails_before
    assert db_session.scalar(select(func.count()).select_from(RescheduleRequest)) == 1


def test_a_weather_source_that_is_down_makes_every_lesson_unknown_and_the_sweep_finishes(
        db_session, session_factory, lessons, fake_weather_server):
    fake_weather_server.fail_next(503, times=10, body="Service Unavailable")
    with client_for(fake_weather_server.url) as source:
        run = run_sweep(session_factory=session_factory, source=source, now=NOW)

    assert set(statuses(db_session, lessons).values()) == {FlightStatus.SCHEDULED,
                                                           FlightStatus.CANCELLED}
    assert run.finished_at is not None
    assert run.counts["verdicts"]["UNKNOWN"] == 5 and run.counts["lessons"] == 5
    assert {error["message"].split(":")[0] for error in run.errors} == {"METAR source", "TAF source"}
    check = db_session.scalars(select(WeatherCheck).where(
        WeatherCheck.flight_id == lessons["storm_soon"].id)).one()
    assert check.verdict == "UNKNOWN"
    assert any("METAR source" in reason["text"] or "unavailable" in reason["text"].lower()
               for reason in check.reasons), check.reasons


def test_a_silent_weather_service_is_an_outage_the_lessons_give_as_their_reason(
        db_session, session_factory, lessons, monkeypatch):
    # The sweep's own deadline bounds the wait; its breaker then spares the next sweep the wait.
    settings = Settings.explicit(weather_sweep_deadline_seconds=0.5, weather_breaker_failures=1,
                                 weather_breaker_cooldown_seconds=600)
    monkeypatch.delenv("FSP_WEATHER_RECORDED", raising=False)
    try:
        with SilentServer() as upstream:
            monkeypatch.setenv("FSP_WEATHER_URL", upstream.url)
            runs = []
            for _ in range(2):
                with weather_source_from_settings(settings, for_sweep=True) as source:
                    runs.append(run_sweep(session_factory=session_factory, source=source, now=NOW))
            connections = upstream.connections
    finally:
        forget_breakers()

    assert connections == 1  # the first sweep's METAR attempt; then the breaker answered
    for run in runs:
        assert run.counts["verdicts"] == {"GO": 0, "MARGINAL": 0, "NO_GO": 0, "UNKNOWN": 5}
        assert all("the weather service is unavailable" in error["message"] for error in run.errors)
    assert set(statuses(db_session, lessons).values()) == {FlightStatus.SCHEDULED,
                                                           FlightStatus.CANCELLED}
    checks = db_session.scalars(select(WeatherCheck).where(
        WeatherCheck.flight_id == lessons["storm_soon"].id)).all()
    assert len(checks) == 2
    for check in checks:
        assert check.verdict == "UNKNOWN"
        outage = [reason["text"] for reason in check.reasons
                  if reason["text"].startswith(("METAR source:", "TAF source:"))]
        assert len(outage) == 2, check.reasons
        assert all("the weather service is unavailable" in text for text in outage), outage


def test_garbage_from_the_source_is_unknown_with_the_reason(
        db_session, session_factory, lessons, fake_weather_server):
    maintenance = ScriptedResponse(200, "<html>maintenance</html>", {"Content-Type": "text/html"})
    fake_weather_server.script(*[maintenance] * 4)
    with client_for(fake_weather_server.url) as source:
        run = run_sweep(session_factory=session_factory, source=source, now=NOW)
    assert run.counts["verdicts"]["UNKNOWN"] == 5
    assert run.counts["actions"]["cancelled"] == 0


def test_one_failing_lesson_is_recorded_and_the_others_are_decided(
        db_session, session_factory, lessons, fake_weather_server, monkeypatch):
    from sync.sweep import service

    real = service.judge_with_weather

    def judge(lesson, weather, *, now):
        if lesson.flight_id == lessons["between"].id:
            raise RuntimeError("boom")
        return real(lesson, weather, now=now)

    monkeypatch.setattr(service, "judge_with_weather", judge)
    serve(fake_weather_server)
    with client_for(fake_weather_server.url) as source:
        run = run_sweep(session_factory=session_factory, source=source, now=NOW)

    assert [error["flight_id"] for error in run.errors] == [str(lessons["between"].id)]
    assert "RuntimeError: boom" in run.errors[0]["message"]
    assert run.counts["errors"] == 1
    found = statuses(db_session, lessons)
    assert found["storm_soon"] is FlightStatus.WEATHER_CANCELLED
    assert found["storm_later"] is FlightStatus.AT_RISK


def test_a_lesson_whose_aircraft_is_checked_out_is_left_to_its_pilot(
        db_session, session_factory, lessons, fake_weather_server):
    # Taken out early, into the first storm: it is under way, the sweep does not cancel it.
    lessons["storm_soon"].checked_out_at = NOW
    lessons["storm_soon"].hobbs_out = lessons["storm_soon"].tach_out = 100.0
    db_session.commit()
    serve(fake_weather_server)
    with client_for(fake_weather_server.url) as source:
        run_sweep(session_factory=session_factory, source=source, now=NOW)

    after = statuses(db_session, lessons)
    assert after["storm_soon"] is FlightStatus.SCHEDULED
    assert after["storm_later"] is FlightStatus.AT_RISK  # the others as ever
