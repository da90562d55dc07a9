"""Failed sign-ins per (e-mail, client address), counted in memory.

Why memory is acceptable: embedded and own-server deployments run one process, so one counter
sees every attempt, and losing the counts on a restart only gives an attacker one fresh window
after waiting for a restart they cannot cause. On Lambda every concurrent instance has its own
memory and instances come and go, so there the limit must move to shared state (a DynamoDB item
with a TTL, or API Gateway/WAF rate rules per source address); ``LoginRateLimiter`` is the one
place that changes.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_SECONDS = 300.0


class LoginRateLimiter:
    def __init__(
        self, *, max_failures: int = MAX_FAILURES, window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, email: str, client: str) -> int | None:
        """Seconds until another attempt is allowed, or None when one is allowed now."""
        with self._lock:
            key = self._key(email, client)
            recent = self._recent(key)
            if not recent:
                del self._failures[key]  # checks alone must not grow the table
                return None
            if len(recent) < self.max_failures:
                return None
            return max(1, math.ceil(recent[0] + self.window_seconds - self._clock()))

    def record_failure(self, email: str, client: str) -> None:
        with self._lock:
            key = self._key(email, client)
            self._recent(key).append(self._clock())

    def reset(self, email: str, client: str) -> None:
        with self._lock:
            self._failures.pop(self._key(email, client), None)

    def _key(self, email: str, client: str) -> tuple[str, str]:
        return email.strip().lower(), client

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        cutoff = self._clock() - self.window_seconds
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures
