"""The AI path against a local OpenAI-compatible server: its pick is used only when valid."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from sync.audit.models import AuditEvent
from sync.flights.models import FlightStatus
from sync.reschedule import ai, search
from sync.reschedule import service as reschedule_service
from sync.reschedule.models import ProducedBy
from tests.support.fake_openai import FakeOpenAI, candidates_in
from tests.sync.factories import make_flight, make_school

# No reports at all: every slot is judged UNKNOWN ("weather unknown"), never GO.
NO_WEATHER: dict = {}

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
THURSDAY_9AM = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.fixture
def fake_openai():
    with FakeOpenAI() as server:
        yield server


def _config(server: FakeOpenAI, timeout: float = 5.0) -> ai.AiConfig:
    return ai.AiConfig(api_key="test-key", base_url=server.url, model="fake-model", timeout_seconds=timeout)


def _cancelled(db: Session):
    flight = make_flight(db, make_school(db), start_at=THURSDAY_9AM)
    flight.status = FlightStatus.WEATHER_CANCELLED
    db.flush()
    return flight


def _pick(indexes, sentence="A good choice for the student.", key=None):
    def answer(body):
        shown = candidates_in(body)
        return json.dumps({"choices": [
            {"id": key if (key and n == 0) else shown[i]["id"], "justification": f"{sentence} ({i})"}
            for n, i in enumerate(indexes)]})
    return answer


def _audit_note(db: Session, request) -> dict:
    event = db.query(AuditEvent).filter_by(row_id=request.id, action="reschedule_open").one()
    return event.after


def test_a_good_answer_is_used_with_its_sentences(db_session: Session, fake_openai: FakeOpenAI) -> None:
    flight = _cancelled(db_session)
    fake_openai.answer_with(_pick([5, 1, 7]))
    request = reschedule_service.open_request(db=db_session, flight=flight, now=NOW, weather=NO_WEATHER,
                                              ai_config=_config(fake_openai))
    assert request.produced_by is ProducedBy.AI
    shown = candidates_in(fake_openai.requests[0]["body"])
    assert len(shown) == ai.SHOWN_TO_MODEL
    chosen = {shown[i]["start_at"] for i in (5, 1, 7)}
    assert {o.start_at.isoformat().replace("+00:00", "Z") for o in request.options} == chosen
    assert [o.justification for o in request.options] == [
        "A good choice for the student. (1)", "A good choice for the student. (5)",
        "A good choice for the student. (7)"]  # offered in the school's own order
    sent = fake_openai.requests[0]
    assert sent["authorization"] == "Bearer test-key"
    assert sent["body"]["model"] == "fake-model"
    assert sent["body"]["response_format"]["type"] == "json_schema"
    assert sent["body"]["response_format"]["json_schema"]["strict"] is True


@pytest.mark.parametrize("answer, why", [
    (_pick([0, 1, 2], key="20261126T1700Z-deadbeef"), "not a candidate"),
    ("{this is not json", "not JSON"),
    (_pick([0, 0, 1]), "twice"),
    (_pick([0, 1]), "exactly 3"),
    (_pick([0, 1, 2], sentence="x" * 400), "too long"),
], ids=["unknown-slot", "invalid-json", "duplicate", "two-only", "long-sentence"])
def test_an_invalid_answer_falls_back_to_the_deterministic_three(
        db_session: Session, fake_openai: FakeOpenAI, answer, why: str) -> None:
    flight = _cancelled(db_session)
    expected = search.find_candidates(db=db_session, flight=flight, now=NOW, weather=NO_WEATHER).candidates[:3]
    fake_openai.answer_with(answer)
    request = reschedule_service.open_request(db=db_session, flight=flight, now=NOW, weather=NO_WEATHER,
                                              ai_config=_config(fake_openai))
    assert request.produced_by is ProducedBy.DETERMINISTIC
    assert [(o.start_at, o.justification) for o in request.options] == \
        [(c.start, c.justification) for c in expected]
    assert why in _audit_note(db_session, request)["ai_note"]


def test_a_timeout_falls_back(db_session: Session, fake_openai: FakeOpenAI) -> None:
    flight = _cancelled(db_session)
    fake_openai.answer_with(_pick([0, 1, 2]), delay_seconds=3)
    request = reschedule_service.open_request(db=db_session, flight=flight, now=NOW, weather=NO_WEATHER,
                                              ai_config=_config(fake_openai, timeout=0.5))
    assert request.produced_by is ProducedBy.DETERMINISTIC and len(request.options) == 3
    assert "Timeout" in _audit_note(db_session, request)["ai_note"]


def test_a_server_error_falls_back(db_session: Session, fake_openai: FakeOpenAI) -> None:
    flight = _cancelled(db_session)
    fake_openai.fail_with(500)
    request = reschedule_service.open_request(db=db_session, flight=flight, now=NOW, weather=NO_WEATHER,
                                              ai_config=_config(fake_openai))
    assert request.produced_by is ProducedBy.DETERMINISTIC and len(request.options) == 3
    assert len(fake_openai.requests) == 1  # no retries: the deterministic three are ready


def test_the_environment_configures_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ai.AiConfig.from_environment({}) is None
    config = ai.AiConfig.from_environment({"OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "http://x/v1",
                                           "FSP_AI_MODEL": "m", "FSP_AI_TIMEOUT_SECONDS": "3"})
    assert config == ai.AiConfig(api_key="k", base_url="http://x/v1", model="m", timeout_seconds=3.0)
    assert ai.AiConfig.from_environment({"OPENAI_API_KEY": "k"}).model == ai.DEFAULT_MODEL


def test_open_request_reads_the_environment(db_session: Session, fake_openai: FakeOpenAI,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "env-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.url)
    fake_openai.answer_with(_pick([2, 3, 4]))
    request = reschedule_service.open_request(db=db_session, flight=_cancelled(db_session), now=NOW,
                                              weather=NO_WEATHER)
    assert request.produced_by is ProducedBy.AI
    assert fake_openai.requests[0]["authorization"] == "Bearer env-key"
