"""``fsp --demo`` end to end, in fresh processes: the week, its weather verdicts and the weather
board appear on a first start (the demo and its replica prepared aside, then as a repeat start,
the sweep after the service) and on a repeat start (the last replica at once, the service after
it). No timing is checked here: see
tests/bench/bench_demo_start.py for how long it takes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zoneinfo
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WATCH = ROOT / "tests" / "support" / "demo_watch.py"


def _demo(data: Path, scratch: Path, name: str, *, aside: bool = True) -> dict:
    # Tomorrow at the school: a week with lessons the first sweep judges, whatever the weekday.
    tomorrow = datetime.now(zoneinfo.ZoneInfo("America/Chicago")).date() + timedelta(days=1)
    out = scratch / f"{name}.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(scratch / "config"))
    finished = subprocess.run(
        [sys.executable, str(WATCH), repr(time.monotonic()), str(out), "--demo",
         "--data-dir", str(data), "--date", tomorrow.isoformat()],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)
    assert finished.returncode == 0 and out.is_file(), finished.stderr
    result = json.loads(out.read_text())
    assert "Traceback" not in finished.stderr, finished.stderr
    # A first start prepares the demo aside (embedded_server.PreparingDemo) and falls back to
    # starting the service first only when that fails (``aside=False``: it must, and says why).
    fell_back = "starting the demo service first instead" in finished.stderr
    assert fell_back is not aside, finished.stderr
    return result


def test_the_demo_shows_its_week_verdicts_and_weather_on_every_start(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    first = _demo(data, tmp_path, "first")
    assert first["status"] == 0
    assert {"week", "verdicts", "board"} <= first["marks"].keys()
    replicas = list(data.glob("replica-*.sqlite3"))
    assert len(replicas) == 1

    again = _demo(data, tmp_path, "again")
    assert again["status"] == 0
    assert {"week", "verdicts", "board"} <= again["marks"].keys()
    # The same school, the same replica: nothing seeded again, nothing left behind.
    assert list(data.glob("replica-*.sqlite3")) == replicas


def test_a_demo_that_cannot_be_prepared_aside_starts_the_service_first(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    (data / "demo.sqlite3.new").mkdir(parents=True)  # where the preparation would make it
    first = _demo(data, tmp_path, "first", aside=False)
    assert first["status"] == 0
    assert {"week", "verdicts", "board"} <= first["marks"].keys()
    assert len(list(data.glob("replica-*.sqlite3"))) == 1
