"""How long weather may take, and when not to ask at all: a deadline and a circuit breaker.

A silent upstream once made ``GET /weather/current`` take 87 s (a 10 s timeout, four attempts,
two products). Two small objects bound that, and ``AviationWeatherClient`` consults both before
every attempt:

- ``Deadline``: one time budget for everything a caller asks (both products, every batch and
  retry). An HTTP request gets a few seconds; the hourly sweep a longer one.
- ``CircuitBreaker``: shared by every caller in the process that talks to one upstream (see
  ``breaker_for``). After ``failure_threshold`` failed attempts in a row it *opens*: callers hear
  "unavailable" at once, without a connection, for ``cooldown_seconds``. Then it lets one trial
  attempt through (*half-open*): an answer closes it, another failure opens it again.

Both take a monotonic ``clock`` so tests can move time by hand.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from sync.weather.errors import WeatherUnavailable

Clock = Callable[[], float]

UNAVAILABLE = "the weather service is unavailable"


class Deadline:
    """A budget of ``seconds`` from the moment it is made, shared by every attempt it covers."""

    def __init__(self, seconds: float, *, clock: Clock = time.monotonic) -> None:
        if seconds <= 0:
            raise ValueError(f"a deadline must be positive, not {seconds}")
        self.seconds = seconds
        self._clock = clock
        self._ends = clock() + seconds

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self._ends - self._clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0


class BreakerState(StrEnum):
    CLOSED = "closed"  # every attempt goes through
    OPEN = "open"  # no attempt goes through until the cool-down is over
    HALF_OPEN = "half_open"  # one trial attempt is out; the others are refused meanwhile


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    failure_threshold: int = 3
    cooldown_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise ValueError(f"failure_threshold must be 1 or more, not {self.failure_threshold}")
        if self.cooldown_seconds <= 0:
            raise ValueError(f"cooldown_seconds must be positive, not {self.cooldown_seconds}")


class CircuitBreaker:
    """Closed, open or half-open, for one upstream; safe to share between threads.

    ``allow()`` before an attempt (raises ``WeatherUnavailable`` when refused), then
    ``record_success()`` when the upstream answered at all (even an error of ours, like a 400:
    it is there) or ``record_failure()`` when it timed out, could not be reached, or answered
    429/5xx.
    """

    def __init__(self, name: str, policy: BreakerPolicy = BreakerPolicy(), *,
                 clock: Clock = time.monotonic) -> None:
        self.name = name
        self.policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0  # consecutive
        self._opened_at = 0.0
        self._trial_started_at: float | None = None

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state

    def allow(self) -> None:
        """Let one attempt go, or raise ``WeatherUnavailable`` saying why not (no network used)."""
        with self._lock:
            now = self._clock()
            if self._state is BreakerState.CLOSED:
                return
            if self._state is BreakerState.OPEN:
                waited = now - self._opened_at
                if waited < self.policy.cooldown_seconds:
                    raise self._refusal(self.policy.cooldown_seconds - waited)
                self._state = BreakerState.HALF_OPEN
                self._trial_started_at = now
                return
            # Half-open: one trial at a time. A trial that never reported back (its caller died)
            # must not keep the breaker half-open forever, so it lapses after a cool-down.
            if (self._trial_started_at is not None
                    and now - self._trial_started_at < self.policy.cooldown_seconds):
                raise self._refusal(None)
            self._trial_started_at = now

    def record_success(self) -> None:
        with self._lock:
            self._state = BreakerState.CLOSED
            self._failures = 0
            self._trial_started_at = None

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if (self._state is BreakerState.HALF_OPEN
                    or self._failures >= self.policy.failure_threshold):
                self._state = BreakerState.OPEN
                self._opened_at = self._clock()
                self._trial_started_at = None

    def _refusal(self, wait: float | None) -> WeatherUnavailable:
        when = (f"it is asked again in {max(1, round(wait))} s" if wait is not None
                else "a trial request is checking whether it is back")
        return WeatherUnavailable(
            f"{UNAVAILABLE}: {self.name} failed {self._failures} times in a row, so it is not "
            f"being asked for now ({when}); the next sweep tries again"
        )


_breakers: dict[tuple[str, BreakerPolicy], CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(base_url: str, policy: BreakerPolicy) -> CircuitBreaker:
    """The process's breaker for ``base_url``: every request and sweep of this process that talks
    to the same upstream shares it, so one caller's timeouts spare the others the wait."""
    key = (base_url.rstrip("/"), policy)
    with _breakers_lock:
        breaker = _breakers.get(key)
        if breaker is None:
            name = urlsplit(key[0]).hostname or key[0]
            breaker = _breakers[key] = CircuitBreaker(name, policy)
        return breaker


def forget_breakers() -> None:
    """Drop every shared breaker (tests: one test's outage must not open the next one's)."""
    with _breakers_lock:
        _breakers.clear()
