"""One place for background work: ``run_in_background(fn, on_done, on_error)``.

``fn`` runs on a thread pool; its result (or exception) comes back on the GUI thread through a
queued signal, so ``on_done``/``on_error`` may touch widgets. Pass the widget that shows the answer
as ``owner``: when it has been closed and deleted by the time the answer comes, the answer is
dropped instead of reaching a callback that would touch a deleted widget.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from shiboken6 import isValid

__all__ = ["run_in_background", "BackgroundTask"]


class BackgroundTask(QObject):
    """One job. Signals:
        finished(object): the job's result, on the GUI thread.
        failed(object): the exception the job raised, on the GUI thread.
    """

    finished = Signal(object)
    failed = Signal(object)
    _result = Signal(object, object)  # (result, error) from the worker thread

    def __init__(self, *, fn: Callable[[], Any], owner: QObject | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._owner = owner
        self._result.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def runnable(self) -> QRunnable:
        task = self

        class _Run(QRunnable):
            def run(self) -> None:
                try:
                    result, error = task._fn(), None
                except Exception as exc:  # handed to the GUI thread, which reports it
                    result, error = None, exc
                task._result.emit(result, error)

        return _Run()

    @Slot(object, object)
    def _deliver(self, result: Any, error: Exception | None) -> None:
        _RUNNING.discard(self)
        if self._owner is not None and not isValid(self._owner):
            self.deleteLater()  # the widget that asked is gone: nobody left to show the answer
            return
        if error is not None:
            self.failed.emit(error)
        else:
            self.finished.emit(result)
        self.deleteLater()


_POOL: QThreadPool | None = None
# Tasks between start and delivery. Without this reference the task (no Qt parent) lives only in
# its runnable's closure: the pool deletes the runnable when ``run`` returns, which can destroy the
# task before the GUI thread handles its queued result — and the result is silently lost.
_RUNNING: set[BackgroundTask] = set()


def run_in_background(fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
                      on_error: Callable[[Exception], None] | None = None, *,
                      owner: QObject | None = None) -> BackgroundTask:
    """Run ``fn`` off the GUI thread; call ``on_done(result)`` or ``on_error(exc)`` on it after,
    unless ``owner`` was deleted meanwhile. Call from the GUI thread."""
    global _POOL
    if _POOL is None:
        _POOL = QThreadPool.globalInstance()
    task = BackgroundTask(fn=fn, owner=owner)
    _RUNNING.add(task)
    if on_done is not None:
        task.finished.connect(on_done)
    if on_error is not None:
        task.failed.connect(on_error)
    _POOL.start(task.runnable())
    return task
