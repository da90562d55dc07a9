"""The in-memory sign-in limiter, on a clock the test moves."""

from __future__ import annotations

from sync.auth.rate_limit import LoginRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_blocks_after_max_failures_until_the_window_passes():
    clock = Clock()
    limiter = LoginRateLimiter(max_failures=3, window_seconds=300, clock=clock)
    for _ in range(3):
        assert limiter.retry_after("A@x.example", "10.0.0.1") is None
        limiter.record_failure("a@x.example", "10.0.0.1")
    assert limiter.retry_after("a@x.example", "10.0.0.1") == 300
    assert limiter.retry_after("a@x.example", "10.0.0.2") is None  # another address
    clock.now += 200
    assert limiter.retry_after("a@x.example", "10.0.0.1") == 100
    clock.now += 100
    assert limiter.retry_after("a@x.example", "10.0.0.1") is None


def test_success_resets_and_checks_do_not_grow_the_table():
    limiter = LoginRateLimiter(max_failures=2, clock=Clock())
    limiter.record_failure("a@x.example", "ip")
    limiter.reset("a@x.example", "ip")
    for n in range(100):
        limiter.retry_after(f"user{n}@x.example", "ip")
    assert limiter._failures == {}
