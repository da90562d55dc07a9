"""The in-process periodic sweep of ``fsp-sync serve``: a daemon thread, one sweep per interval.

The first sweep runs one interval after start, not at once: a service restarted in a loop (or an
API test) must not hammer the weather source. In AWS an EventBridge rule calls ``run_sweep``
instead and this runner stays off (``FSP_SWEEP_INTERVAL_SECONDS=0``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sync.config import Settings
from sync.database.core import utcnow
from sync.sweep.mail import deliver_all_due
from sync.sweep.models import SweepRun
from sync.sweep.service import SessionFactory, run_sweep
from sync.weather.check import weather_source_from_settings
from sync.weather.sources import WeatherSource

logger = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 30.0


class SweepScheduler:
    """Runs ``run_sweep`` every ``interval_seconds`` until ``stop()``.

    ``source_factory`` builds a weather source per sweep (read from the environment at that
    moment); a source with ``close()`` is closed after its sweep.
    """

    def __init__(
        self,
        *,
        session_factory: SessionFactory,
        source_factory: Callable[[], WeatherSource],
        interval_seconds: float,
        clock: Callable[[], datetime] = utcnow,
        on_sweep: Callable[[SweepRun], None] | None = None,
    ) -> None:
        if interval_seconds <= 0:
            raise ValueError(f"interval_seconds must be positive, not {interval_seconds}")
        self._session_factory = session_factory
        self._source_factory = source_factory
        self._interval = interval_seconds
        self._clock = clock
        self._on_sweep = on_sweep
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="fsp-sweep", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """End the loop and wait for it. A sweep under way stops after the batch of lessons it is
        deciding (every transaction is whole, so nothing is left half-done); the rest of its
        lessons wait for the next sweep."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self) -> SweepRun:
        source = self._source_factory()
        try:
            return run_sweep(session_factory=self._session_factory, source=source, now=self._clock(),
                             should_stop=self._stopping.is_set)
        finally:
            close = getattr(source, "close", None)
            if callable(close):
                close()

    def _loop(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                run = self.run_once()
            except Exception:  # the next interval tries again; the SweepRun row says what failed
                logger.exception("sweep failed")
                continue
            logger.info("sweep finished: %s", run.counts)
            if self._on_sweep is not None:
                try:
                    self._on_sweep(run)
                except Exception:  # e.g. the mail server is down: the next round retries
                    logger.exception("after the sweep")


def start_for(settings: Settings, session_factory: SessionFactory) -> SweepScheduler | None:
    """The running scheduler ``fsp-sync serve`` asked for, or None when the interval is 0."""
    if settings.sweep_interval_seconds <= 0:
        return None
    def deliver_mail(run: SweepRun) -> None:
        report = deliver_all_due(session_factory=session_factory, settings=settings)
        logger.info("mail after the sweep: %d sent, %d to retry, %d failed",
                    report.sent, report.retried, report.failed)

    scheduler = SweepScheduler(session_factory=session_factory,
                               source_factory=lambda: weather_source_from_settings(
                                   settings, for_sweep=True),
                               interval_seconds=settings.sweep_interval_seconds,
                               on_sweep=deliver_mail)
    scheduler.start()
    return scheduler
