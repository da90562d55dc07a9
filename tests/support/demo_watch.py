"""Run ``fsp`` (``app.main.main``) watched: when the week, its verdicts and the weather appear.

A script, run in a fresh process by tests/app/test_demo_start.py and
tests/bench/bench_demo_start.py::

    python tests/support/demo_watch.py STARTED OUT.json FSP-ARGS…

``STARTED``: ``time.monotonic()`` of the parent just before it started this process (one clock
for both on Linux). An event filter notes, as seconds since then:

- ``week``: the first paint of the calendar that shows lessons;
- ``verdicts``: the first paint of the calendar that shows a weather verdict;
- ``board``: the weather board's first answer (or failure);
- ``exit``: ``fsp`` returned.

Its watch begins as ``fsp`` loads its window's module (``fsp`` has made its application by then,
and no window yet): nothing of Qt is loaded before ``fsp`` loads it, so ``fsp`` starts as it would
on its own (a first demo starts its preparation before Qt loads).

Once the verdicts and the weather are shown, 2 s later (what the demo holds while idle) it notes
the memory (``VmRSS``; ``VmHWM``, the peak) and closes the window as a person would; ``fsp`` then
exits. Also noted: the CPU time of the process at ``week`` (and of the processes it started and
waited for by then: a first demo is prepared in one), and ``fsp``'s exit status. It gives
up after two minutes. Imports nothing from the tests: it runs against any copy of the project
(``PYTHONPATH``).
"""

from __future__ import annotations

import importlib.abc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

SETTLE_MS = 2_000
GIVE_UP_S = 120


def _status_mb() -> dict[str, float]:
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024
    return found


def _cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def _children_cpu_s() -> float:
    """CPU time of the processes it started and waited for (a first demo's preparation)."""
    times = os.times()
    return times.children_user + times.children_system


def watch(started: float, out: Path, fsp_args: list[str]) -> int:
    marks: dict[str, float] = {}
    figures: dict[str, Any] = {}

    def mark(name: str) -> None:
        if name not in marks:
            marks[name] = time.monotonic() - started
            if name == "week":
                figures["cpu_at_week_s"] = _cpu_s()
                figures["children_cpu_at_week_s"] = _children_cpu_s()

    watched: dict[str, Any] = {}

    def begin() -> None:
        """Watch ``fsp``'s application (made by ``fsp`` itself by now) for paints."""
        from PySide6.QtCore import QEvent, QObject, QTimer
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()

        def settle_then_close() -> None:
            if "closing" in watched:
                return
            watched["closing"] = True

            def close() -> None:
                figures.update({f"{name}_mb": value for name, value in _status_mb().items()})
                watched["window"].close()  # quits: the last window closed

            QTimer.singleShot(SETTLE_MS, close)

        def check_done() -> None:
            if "verdicts" in marks and "board" in marks:
                settle_then_close()

        def watch_window(window: Any) -> None:
            watched["window"] = window
            board = getattr(window, "weather_board", None)
            if board is None:
                mark("board")
                return
            board.refreshed.connect(lambda: (mark("board"), check_done()))
            board.refresh_failed.connect(lambda _message: (mark("board"), check_done()))

        class PaintWatcher(QObject):
            def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's)
                if event.type() == QEvent.Type.Paint and type(obj).__name__ == "CalendarView":
                    window = obj.window()
                    if "window" not in watched:
                        watch_window(window)
                    lessons = window.calendar_model.schedule.lessons
                    if lessons:
                        mark("week")
                        if any(lesson.verdict for lesson in lessons):
                            mark("verdicts")
                            check_done()
                return False

        watched["watcher"] = watcher = PaintWatcher()
        app.installEventFilter(watcher)
        QTimer.singleShot(GIVE_UP_S * 1000, app.quit)

    class WhenTheWindowLoads(importlib.abc.MetaPathFinder):
        """Begins the watch as ``fsp`` loads its window's module: after it has made its
        application, before any window exists (finds nothing itself)."""

        def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
            if fullname == "app.views.main_window" and "watcher" not in watched:
                sys.meta_path.remove(self)
                begin()
            return None

    # Nothing of Qt is imported before `fsp` imports it: `fsp` starts as it would on its own.
    sys.meta_path.insert(0, WhenTheWindowLoads())

    from app.main import main

    status = main(fsp_args)
    marks["exit"] = time.monotonic() - started
    figures.setdefault("VmHWM_mb", _status_mb()["VmHWM"])
    out.write_text(json.dumps({"status": status, "marks": marks, **figures}))
    return status


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} STARTED OUT.json FSP-ARGS…")
    sys.exit(watch(float(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]))
