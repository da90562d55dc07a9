"""The weather deadline and circuit breaker on their own, with a clock moved by hand."""

from __future__ import annotations

import pytest

from sync.weather.breaker import (
    UNAVAILABLE,
    BreakerPolicy,
    BreakerState,
    CircuitBreaker,
    Deadline,
    breaker_for,
    forget_breakers,
)
from sync.weather.errors import WeatherUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker("weather.example", BreakerPolicy(failure_threshold=3, cooldown_seconds=30),
                          clock=clock)


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.allow()
        breaker.record_failure()


def test_a_deadline_counts_down_from_when_it_is_made(clock: Clock) -> None:
    deadline = Deadline(4, clock=clock)
    clock.now += 1.5
    assert deadline.remaining() == pytest.approx(2.5) and not deadline.expired
    clock.now += 10
    assert deadline.remaining() == 0 and deadline.expired


def test_a_deadline_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Deadline(0)


def test_it_opens_after_the_threshold_of_failures_in_a_row(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    assert breaker.state is BreakerState.CLOSED
    fail(breaker, 1)
    assert breaker.state is BreakerState.OPEN
    with pytest.raises(WeatherUnavailable) as refused:
        breaker.allow()
    message = str(refused.value)
    assert message.startswith(f"{UNAVAILABLE}: weather.example failed 3 times in a row")
    assert "asked again in 30 s" in message


def test_an_answer_between_failures_starts_the_count_again(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    breaker.allow()
    breaker.record_success()
    fail(breaker, 2)
    assert breaker.state is BreakerState.CLOSED


def test_after_the_cool_down_one_trial_goes_and_the_others_are_refused(
        breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.now += 29
    with pytest.raises(WeatherUnavailable, match="asked again in 1 s"):
        breaker.allow()
    clock.now += 1
    breaker.allow()  # the trial
    assert breaker.state is BreakerState.HALF_OPEN
    with pytest.raises(WeatherUnavailable, match="trial request"):
        breaker.allow()


def test_a_trial_that_is_answered_closes_it(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.now += 30
    breaker.allow()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    breaker.allow()
    breaker.allow()


def test_a_trial_that_fails_opens_it_for_another_cool_down(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.now += 30
    breaker.allow()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    clock.now += 29
    with pytest.raises(WeatherUnavailable):
        breaker.allow()
    clock.now += 1
    breaker.allow()


def test_a_trial_that_never_reports_back_lapses_after_a_cool_down(
        breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.now += 30
    breaker.allow()  # and its caller died without a word
    clock.now += 30
    breaker.allow()  # another trial, not a breaker stuck half-open for good
    assert breaker.state is BreakerState.HALF_OPEN


def test_one_breaker_per_upstream_and_policy_in_the_process() -> None:
    policy = BreakerPolicy(failure_threshold=2, cooldown_seconds=5)
    try:
        first = breaker_for("http://127.0.0.1:9/", policy)
        assert breaker_for("http://127.0.0.1:9", policy) is first
        assert breaker_for("http://127.0.0.1:10", policy) is not first
        assert breaker_for("http://127.0.0.1:9", BreakerPolicy()) is not first
        assert first.name == "127.0.0.1"
    finally:
        forget_breakers()


@pytest.mark.parametrize("values", [{"failure_threshold": 0}, {"cooldown_seconds": 0}])
def test_a_policy_that_could_never_work_is_refused(values: dict) -> None:
    with pytest.raises(ValueError):
        BreakerPolicy(**values)
