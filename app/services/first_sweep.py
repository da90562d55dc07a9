"""The demo's first weather sweep, run once the window shows its week (``fsp --demo``).

A fresh demo database has two weeks of lessons and no weather checks yet. Sweeping them before the
window opened held the whole start up (the weather engine's first use: its decoder and station
data, and a reschedule search per cancelled lesson). ``FirstSweep`` runs that sweep off the GUI
thread when asked — after the week is on screen — then asks the sync loop for a round, so the
verdicts, the cancellations and their alerts fill into the week already shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from app.services.background import run_in_background
from app.services.sync_loop import SyncLoop

__all__ = ["FirstSweep"]


class FirstSweep(QObject):
    """Signals:
        started(): the sweep began (off the GUI thread).
        finished(object): the sweep is done (its ``SweepRun``); a sync round brings its results.
        failed(str): the sweep failed; the message says what happened.
    """

    started = Signal()
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, *, sweep: Callable[[], object], sync_loop: SyncLoop,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sweep = sweep
        self._sync_loop = sync_loop
        self._begun = False

    @property
    def begun(self) -> bool:
        return self._begun

    def start(self) -> None:
        """Sweep now (once: later calls do nothing)."""
        if self._begun:
            return
        self._begun = True
        self.started.emit()
        run_in_background(self._sweep, self._swept, self._sweep_failed, owner=self)

    def _swept(self, run: object) -> None:
        self._sync_loop.sync_now()
        self.finished.emit(run)

    def _sweep_failed(self, error: Exception) -> None:
        self.failed.emit(f"The weather check of the demo's lessons failed: {error}")
