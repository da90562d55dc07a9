"""The workflow's service functions in one transaction: idempotency, races, expiry, mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.config import get_settings
from sync.errors import Conflict
from sync.flights.models import Flight, FlightStatus
from sync.notify.models import Notification
from sync.reschedule import links
from sync.reschedule import service as reschedule_service
from sync.reschedule.models import RescheduleRequest, RescheduleState
from sync.schools.models import School
from tests.sync.factories import make_flight, make_school, make_student

# No reports at all: every slot is judged UNKNOWN ("weather unknown"), never GO.
NO_WEATHER: dict = {}

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
THURSDAY_9AM = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def _cancelled(db: Session, **fields) -> Flight:
    flight = make_flight(db, fields.pop("school", None) or make_school(db), start_at=THURSDAY_9AM, **fields)
    flight.status = FlightStatus.WEATHER_CANCELLED
    db.flush()
    return flight


def _kinds(db: Session, flight: Flight) -> list[str]:
    return sorted(db.scalars(select(Notification.kind).where(Notification.flight_id == flight.id)))


def test_opening_is_idempotent_per_lesson(db_session: Session) -> None:
    flight = _cancelled(db_session)
    first = reschedule_service.open_request(db=db_session, flight=flight, now=NOW, ai_config=None, weather=NO_WEATHER)
    again = reschedule_service.open_request(db=db_session, flight=flight, now=NOW + timedelta(hours=1), weather=NO_WEATHER,
                                            ai_config=None)
    assert again.id == first.id
    assert [o.rank for o in first.options] == [1, 2, 3]
    # Expires after the school's reply time (48 h by default), or when the first option starts if sooner.
    assert first.expires_at == min(NOW + timedelta(hours=48), min(o.start_at for o in first.options))
    assert _kinds(db_session, flight).count("weather_cancellation") == 1


def test_losing_the_race_returns_the_winner(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    flight = _cancelled(db_session)
    winner = reschedule_service.open_request(db=db_session, flight=flight, now=NOW, ai_config=None, weather=NO_WEATHER)
    # The second sweep looked before the first committed: it saw no open request.
    real = reschedule_service.open_request_for
    calls = []

    def not_yet(*, db, flight_id):
        calls.append(flight_id)
        return None if len(calls) == 1 else real(db=db, flight_id=flight_id)

    monkeypatch.setattr(reschedule_service, "open_request_for", not_yet)
    loser = reschedule_service.open_request(db=db_session, flight=flight, now=NOW, ai_config=None, weather=NO_WEATHER)
    assert loser.id == winner.id
    assert db_session.scalar(select(RescheduleRequest.id).where(
        RescheduleRequest.flight_id == flight.id, RescheduleRequest.id != winner.id)) is None
    assert _kinds(db_session, flight).count("weather_cancellation") == 1


def test_expiry_closes_open_requests_and_mails_both(db_session: Session) -> None:
    flight = _cancelled(db_session)
    request = reschedule_service.open_request(db=db_session, flight=flight, now=NOW, ai_config=None, weather=NO_WEATHER)
    assert reschedule_service.expire_due(db=db_session, now=request.expires_at - timedelta(seconds=1)) == 0
    assert reschedule_service.expire_due(db=db_session, now=request.expires_at) == 1
    assert request.state is RescheduleState.EXPIRED and request.open_key is None
    assert _kinds(db_session, flight).count("expired") == 2  # student and instructor
    assert reschedule_service.expire_due(db=db_session, now=request.expires_at) == 0
    with pytest.raises(links.LinkExpired):
        links.read_student_token(
            links.student_token(request=request, settings=get_settings(), now=NOW),
            settings=get_settings(), now=request.expires_at)


def test_confirm_rechecks_the_slot(db_session: Session) -> None:
    flight = _cancelled(db_session)
    request = reschedule_service.open_request(db=db_session, flight=flight, now=NOW, ai_config=None, weather=NO_WEATHER)
    reschedule_service.select_option(db=db_session, request_id=request.id, rank=1, now=NOW, actor="test", weather=NO_WEATHER)
    option = request.options[0]
    school = db_session.get(School, flight.school_id)
    intruder = make_flight(db_session, school, aircraft_id=option.aircraft_id,
                           student_id=make_student(db_session, school).id,
                           start_at=option.start_at, end_at=option.end_at)
    with pytest.raises(Conflict) as refused:
        reschedule_service.confirm(db=db_session, request_id=request.id, now=NOW, actor="test", weather=NO_WEATHER)
    assert refused.value.rule == "SLOT_TAKEN" and refused.value.conflict["options"]
    assert flight.status is FlightStatus.WEATHER_CANCELLED and request.state is RescheduleState.PENDING_INSTRUCTOR

    intruder.status = FlightStatus.CANCELLED
    db_session.flush()
    accepted = reschedule_service.confirm(db=db_session, request_id=request.id, now=NOW, actor="test", weather=NO_WEATHER)
    assert accepted.state is RescheduleState.ACCEPTED and flight.status is FlightStatus.RESCHEDULED
    new = db_session.get(Flight, accepted.new_flight_id)
    assert (new.start_at, new.aircraft_id, new.rescheduled_from_id) == (option.start_at, option.aircraft_id, flight.id)


def test_an_at_risk_lesson_may_be_rescheduled_and_a_scheduled_one_not(db_session: Session) -> None:
    flight = _cancelled(db_session)
    flight.status = FlightStatus.SCHEDULED
    db_session.flush()
    with pytest.raises(Conflict):
        reschedule_service.open_request(db=db_session, flight=flight, now=NOW, ai_config=None, weather=NO_WEATHER)
    flight.status = FlightStatus.AT_RISK
    db_session.flush()
    request = reschedule_service.open_request(db=db_session, flight=flight, now=NOW, ai_config=None, weather=NO_WEATHER)
    reschedule_service.select_option(db=db_session, request_id=request.id, rank=2, now=NOW, actor="test", weather=NO_WEATHER)
    accepted = reschedule_service.confirm(db=db_session, request_id=request.id, now=NOW, actor="test", weather=NO_WEATHER)
    assert accepted.state is RescheduleState.ACCEPTED and flight.status is FlightStatus.RESCHEDULED


def test_a_plan_made_before_the_transaction_is_kept_only_while_its_slots_are_free(
        db_session: Session) -> None:
    from sync.reschedule import ai

    flight = _cancelled(db_session)
    found = reschedule_service.search.find_candidates(db=db_session, flight=flight, now=NOW, weather=NO_WEATHER)
    # The model (as if) chose the 2nd, 3rd and 4th candidates before the write transaction.
    chosen = ai.Choice(list(found.candidates[1:4]), reschedule_service.ProducedBy.AI)
    plan = reschedule_service.OptionPlan(flight_id=flight.id, choice=chosen, weather=NO_WEATHER)
    request = reschedule_service.open_request(db=db_session, flight=flight, now=NOW, plan=plan,
                                              ai_config=None, weather=NO_WEATHER)
    assert request.produced_by is reschedule_service.ProducedBy.AI
    assert [o.start_at for o in request.options] == [c.start for c in found.candidates[1:4]]

    # A planned slot that is no longer a candidate: the fresh deterministic three instead.
    other = _cancelled(db_session, school=db_session.get(School, flight.school_id))
    fresh = reschedule_service.search.find_candidates(db=db_session, flight=other, now=NOW, weather=NO_WEATHER)
    mixed = [*fresh.candidates[:2]]
    mixed.append(type(mixed[0])(mixed[0].start.replace(year=2030), mixed[0].end.replace(year=2030),
                                mixed[0].instructor_id, mixed[0].aircraft_id, {}, 0.0, "", True, True,
                                False))
    stale = reschedule_service.OptionPlan(flight_id=other.id,
                                          choice=ai.Choice(mixed, reschedule_service.ProducedBy.AI),
                                          weather=NO_WEATHER)
    second = reschedule_service.open_request(db=db_session, flight=other, now=NOW, plan=stale,
                                             ai_config=None, weather=NO_WEATHER)
    assert second.produced_by is reschedule_service.ProducedBy.DETERMINISTIC
    assert all(o.start_at.year != 2030 for o in second.options)


def test_no_plan_without_a_model(db_session: Session) -> None:
    flight = _cancelled(db_session)
    released = []
    assert reschedule_service.plan_options(db=db_session, flight=flight, now=NOW, ai_config=None, weather=NO_WEATHER,
                                           release=lambda: released.append(1)) is None
    assert released == []
