"""A sweep in its own process, slowed per lesson, for the kill test to SIGKILL at random points.

    python -m tests.sync.sweep.sweep_driver DATABASE_URL WEATHER_URL NOW PAUSE_SECONDS

Prints "ready" once imports and the engine are done (so the test's random delays fall inside
the sweep, not in Python's start-up), then "done" with the counts.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime

from sqlalchemy.orm import Session

from sync.database.session import create_engine_for, make_sessionmaker
from sync.sweep.service import run_sweep
from sync.weather.sources import AviationWeatherClient


def main(database_url: str, weather_url: str, now: str, pause: str) -> None:
    engine = create_engine_for(database_url)
    sessions = make_sessionmaker(engine)
    pause_seconds = float(pause)

    def slow_session() -> Session:
        # Every lesson is a session of its own: pausing here spreads the sweep out in time.
        time.sleep(pause_seconds)
        return sessions()

    with AviationWeatherClient(base_url=weather_url, max_retries=0, timeout=5) as source:
        print("ready", flush=True)
        run = run_sweep(session_factory=slow_session, source=source, now=datetime.fromisoformat(now))
    print("done", run.counts, flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
