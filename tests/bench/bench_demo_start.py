"""``fsp --demo`` from process start to the first painted week, and the demo process's memory.

Each start is ``fsp --demo --data-dir FOLDER --date TOMORROW`` in a **fresh process**, offscreen
(``QT_QPA_PLATFORM=offscreen``), QSettings in a folder of its own, watched by
``tests/support/demo_watch.py`` (it calls ``app.main.main`` as the ``fsp`` entry point does).
Tomorrow's week (at the school): it has lessons the weather sweep judges, whatever the weekday.
Two starts per run, on one data folder:

- **first start**: an empty folder — the demo database made, the demo school seeded and this
  desktop's replica filled (in a process of its own), then the service and its first weather
  sweep;
- **repeat start**: the same folder again — the demo database and the replica reused.

Per start, from just before the process is started:

- ``week``: the first paint of the calendar that shows lessons (goal ≤ 2.5 s);
- ``verdicts``: the first paint of the calendar that shows a weather verdict;
- ``board``: the weather board's first answer (the airports' current weather);
- the CPU time (user + system, all threads) of the process at ``week``: less sensitive than the
  wall clock to a busy machine; and of the processes it started (a first start prepares the demo
  in one of its own, ``embedded_server.PreparingDemo``);
- memory: ``VmHWM`` (peak resident) and ``VmRSS`` of the demo process — desktop and embedded
  service in one — once the verdicts and the weather board are shown and 2 s more (goal
  ≤ 350 MB).

Then the window is closed as a person would close it (``fsp`` exits).

Compiled bytecode as an installed copy has it: the children write and read their ``.pyc`` files
under a cache folder of their own (``PYTHONPYCACHEPREFIX``, in the system's temporary folder,
kept between benchmark runs; the working tree is left alone even where
``PYTHONDONTWRITEBYTECODE`` is set), and one start that is not counted fills it and the system's
file cache first. A pure-Python loop is timed before each run, to tell a slow machine from a
slow start.

Run on purpose (not part of the test suite)::

    .venv/bin/python -m pytest tests/bench/bench_demo_start.py -o python_files='bench_*.py' -s -p no:randomly

``FSP_BENCH_DEMO_RUNS`` (default 5) sets the number of runs; ``FSP_BENCH_DEMO_ROOT`` measures
another copy of the project with this venv (e.g. the tree before a change, copied aside).
docs/benchmarks.md ("Desktop") records a run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zoneinfo
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WATCH = ROOT / "tests" / "support" / "demo_watch.py"
RUNS = int(os.environ.get("FSP_BENCH_DEMO_RUNS", "5"))
WEEK_GOAL_S = 2.5
MEMORY_GOAL_MB = 350.0
GIVE_UP_S = 180
BYTECODE = Path(tempfile.gettempdir()) / "fsp-bench-demo-pycache"
SCHOOL_ZONE = zoneinfo.ZoneInfo("America/Chicago")  # the demo school's (sync.schools.demo)


def start_watched(root: Path, data: Path, scratch: Path, name: str) -> dict[str, Any]:
    """One ``fsp --demo`` in a fresh process (see the module docstring); its figures."""
    out = scratch / f"{name}.json"
    tomorrow = datetime.now(SCHOOL_ZONE).date() + timedelta(days=1)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(root),
               XDG_CONFIG_HOME=str(scratch / f"{name}-config"),  # no layout from another run
               PYTHONPYCACHEPREFIX=str(BYTECODE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, str(WATCH), repr(started), str(out),
         "--demo", "--data-dir", str(data), "--date", tomorrow.isoformat()],
        cwd=root, env=env, capture_output=True, text=True, timeout=GIVE_UP_S)
    if process.returncode != 0 or not out.is_file():
        raise AssertionError(f"fsp --demo failed (status {process.returncode}):\n"
                             f"{process.stdout}\n{process.stderr}")
    result = json.loads(out.read_text())
    missing = {"week", "verdicts", "board"} - set(result["marks"])
    assert not missing, f"never seen: {missing}\n{process.stderr}"
    return result


def _machine_loop_s() -> float:
    """A fixed pure-Python loop: how fast the machine is right now (slower: a busier one)."""
    started, total = time.perf_counter(), 0
    for number in range(1_000_000):
        total += number
    return time.perf_counter() - started


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _summary(label: str, results: list[dict[str, Any]]) -> list[str]:
    def line(name: str, values: list[float], unit: str = "s") -> str:
        shown = ", ".join(f"{value:.2f}" for value in values)
        return (f"  {name}: median {statistics.median(values):.2f} {unit}, worst "
                f"{max(values):.2f} {unit}  ({shown})")

    return [
        f"{label} ({len(results)} runs):",
        line("start -> first painted week", [r["marks"]["week"] for r in results])
        + f"  (goal ≤ {WEEK_GOAL_S} s)",
        line("  CPU of the process by then", [r["cpu_at_week_s"] for r in results]),
        line("  CPU of the processes it started (the demo prepared aside)",
             [r.get("children_cpu_at_week_s", 0.0) for r in results]),
        line("start -> verdicts painted", [r["marks"]["verdicts"] for r in results]),
        line("start -> weather board filled", [r["marks"]["board"] for r in results]),
        line("peak RSS (VmHWM)", [r["VmHWM_mb"] for r in results], "MB")
        + f"  (goal ≤ {MEMORY_GOAL_MB:.0f} MB)",
        line("RSS when idle after the start (VmRSS)", [r["VmRSS_mb"] for r in results], "MB"),
    ]


def test_demo_start_to_first_painted_week(tmp_path: Path, benchmark: Any, capsys: Any) -> None:
    root = Path(os.environ.get("FSP_BENCH_DEMO_ROOT") or ROOT).resolve()
    first: list[dict[str, Any]] = []
    repeat: list[dict[str, Any]] = []
    machine: list[str] = []
    start_watched(root, tmp_path / "warm-up", tmp_path, "warm-up")  # bytecode and file caches

    def run_all() -> None:
        for run in range(RUNS):
            machine.append(f"load {_load()}, loop {_machine_loop_s():.2f} s")
            data = tmp_path / f"data-{run}"
            first.append(start_watched(root, data, tmp_path, f"first-{run}"))
            repeat.append(start_watched(root, data, tmp_path, f"repeat-{run}"))
        machine.append(f"load {_load()}")

    benchmark.group = "desktop: fsp --demo start"
    benchmark.pedantic(run_all, rounds=1, iterations=1)
    with capsys.disabled():
        print("\n" + "\n".join([
            f"fsp --demo, offscreen, {root}",
            "machine before each run (load average 1/5/15 min; 1M-step Python loop): "
            + " | ".join(machine),
            *_summary("first start (empty data folder)", first),
            *_summary("repeat start (the same data folder)", repeat),
        ]))
    assert all(result["status"] == 0 for result in first + repeat)
    missed = []
    for label, results in (("first start", first), ("repeat start", repeat)):
        week = statistics.median(result["marks"]["week"] for result in results)
        peak = max(result["VmHWM_mb"] for result in results)
        if week > WEEK_GOAL_S:
            missed.append(f"{label}: first painted week after {week:.2f} s (median) > "
                          f"{WEEK_GOAL_S} s")
        if peak > MEMORY_GOAL_MB:
            missed.append(f"{label}: peak RSS {peak:.0f} MB > {MEMORY_GOAL_MB:.0f} MB")
    assert not missed, "goals missed: " + "; ".join(missed)
