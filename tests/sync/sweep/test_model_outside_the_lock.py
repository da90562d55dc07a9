"""A configured model is asked before the lesson's write transaction: it may think for seconds,
and meanwhile the lesson (on SQLite, the whole database) must stay open to other writers."""

from __future__ import annotations

import json
import time

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from sync.database.session import create_engine_for, make_sessionmaker
from sync.flights.models import Flight, FlightStatus
from sync.reschedule.models import RescheduleRequest
from sync.sweep.service import run_sweep
from tests.support.fake_openai import FakeOpenAI, candidates_in
from tests.sync.sweep.conftest import client_for
from tests.sync.sweep.storm import NOW


def test_the_model_answers_while_nothing_is_locked(seeded, storm_server, monkeypatch) -> None:
    seeded(copies=1)
    engine = create_engine_for(seeded.url)
    other_engine = create_engine_for(seeded.url)  # another writer: the API, a second desk
    waits: list[float] = []

    def answer(body):
        started = time.monotonic()
        try:
            with make_sessionmaker(other_engine)() as other, other.begin():
                # SQLite: BEGIN IMMEDIATE queues on the database lock; PostgreSQL: NOWAIT fails at
                # once on a lesson row the sweep holds.
                other.execute(select(Flight.id).where(Flight.status.in_(
                    [FlightStatus.SCHEDULED, FlightStatus.AT_RISK])).with_for_update(nowait=True))
            waits.append(time.monotonic() - started)
        except OperationalError:
            waits.append(float("inf"))
        shown = candidates_in(body)
        return json.dumps({"choices": [{"id": shown[i]["id"], "justification": f"Good ({i})."}
                                       for i in (0, 2, 4)]})

    try:
        with FakeOpenAI() as model:
            for _ in range(20):
                model.answer_with(answer)
            monkeypatch.setenv("OPENAI_API_KEY", "test-key")
            monkeypatch.setenv("OPENAI_BASE_URL", model.url)
            monkeypatch.setenv("FSP_AI_TIMEOUT_SECONDS", "3")
            with client_for(storm_server.url) as source:
                run_sweep(session_factory=make_sessionmaker(engine), source=source, now=NOW)
            asked = len(model.requests)
        assert asked >= 1 and len(waits) == asked
        assert max(waits) < 1.5, f"a writer waited {max(waits):.1f} s while the model was asked"
        with make_sessionmaker(engine)() as db:
            requests = db.scalars(select(RescheduleRequest)).all()
            assert len(requests) == asked
            for request in requests:
                assert request.produced_by.value == "ai"
                assert [o.justification for o in request.options] == ["Good (0).", "Good (2).",
                                                                       "Good (4)."]
    finally:
        engine.dispose()
        other_engine.dispose()
