"""A sweep covers every school, but each school's figures are kept apart (``GET /metrics``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync.sweep.service import run_sweep
from sync.weather.minimums import TrainingLevel
from tests.support.fake_aviationweather import fake_weather_server  # noqa: F401 (a fixture)
from tests.sync.factories import make_flight, make_school, make_student
from tests.sync.sweep.conftest import client_for
from tests.sync.sweep.storm import metar, taf

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def _lesson(db, school, hours: int):
    student = make_student(db, school, training_level=TrainingLevel.PRIVATE_PILOT, night_trained=True)
    return make_flight(db, school, student_id=student.id, start_at=NOW + timedelta(hours=hours),
                       end_at=NOW + timedelta(hours=hours + 2))


def test_each_school_gets_only_its_own_figures(db_session, session_factory,
                                               fake_weather_server) -> None:  # noqa: F811
    fake_weather_server.set_metars({"KAUS": [metar("KAUS", NOW)]})
    fake_weather_server.set_tafs({"KAUS": [taf("KAUS", NOW, storms=((2, 6),))]})
    stormy = make_school(db_session, decision_window_hours=24)
    quiet = make_school(db_session, decision_window_hours=24)
    _lesson(db_session, stormy, 3)   # in the storm, inside the decision window: cancelled
    _lesson(db_session, stormy, 10)  # clear
    _lesson(db_session, quiet, 12)   # clear
    db_session.commit()

    with client_for(fake_weather_server.url) as source:
        run = run_sweep(session_factory=session_factory, source=source, now=NOW)

    figures = run.school_counts
    assert set(figures) == {str(stormy.id), str(quiet.id)}
    assert figures[str(stormy.id)]["lessons"] == 2
    assert figures[str(stormy.id)]["actions"]["cancelled"] == 1
    assert figures[str(quiet.id)]["lessons"] == 1
    assert figures[str(quiet.id)]["actions"]["cancelled"] == 0
    assert figures[str(quiet.id)]["verdicts"]["GO"] == 1
    # The run's own figures stay whole, for the operator; a school's have no run-wide numbers.
    assert run.counts["lessons"] == 3 and "stations" not in figures[str(quiet.id)]
