"""The sync engine on a timer, off the GUI thread: the Qt face of ``sync_engine.SyncEngine``.

``SyncLoop`` runs ``engine.sync_once()`` on its own single-thread ``QThreadPool`` at start, every
``interval_ms`` and on demand (``sync_now``); a local edit (``record_edit``) is written to the
replica off the GUI thread and pushed at once when the service was reachable last time (when
offline, the next timer round sends it). Results come back on the GUI thread as signals.
Rounds never overlap: a request during a round runs one more round after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot

from app.services.lesson_edits import LessonEdits
from app.services.replica import Changes, OutboxEntry
from app.services.sync_engine import SyncEngine, SyncStatus

__all__ = ["SyncLoop"]


class _Task(QRunnable):
    def __init__(self, work: Callable[[], Any], done: Callable[[object, object], None]) -> None:
        super().__init__()
        self._work = work
        self._done = done

    def run(self) -> None:
        try:
            result, error = self._work(), None
        except Exception as exc:  # delivered to the GUI thread, which reports it
            result, error = None, exc
        self._done(result, error)


class SyncLoop(QObject):
    """Keeps the replica in step with the service.

    Signals:
        changed(Changes): rows or the outbox changed (after a round, an edit, a resolution).
        status_changed(SyncStatus): online/offline, syncing, last sync time, outbox counts.
        edit_failed(str): a local edit could not be made — not stored (disk full…), or, for
            "book it anyway" (``acknowledge_edit``), refused by the service again or no longer
            waiting; the message is a sentence saying what failed and why.
    """

    changed = Signal(object)
    status_changed = Signal(object)
    edit_failed = Signal(str)

    _finished = Signal(object, object, object)  # (kind, result, error), from a worker thread

    def __init__(self, *, engine: SyncEngine, interval_ms: int = 30_000,
                 pool: QThreadPool | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._pool = pool or QThreadPool(self)
        if pool is None:
            self._pool.setMaxThreadCount(1)  # replica writes and rounds one at a time
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.sync_now)
        self._running = False
        self._again = False
        self._status = engine.status
        # Queued: the worker emits, the GUI thread (this object's thread) handles.
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    @property
    def status(self) -> SyncStatus:
        return self._status

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Sync now, then every ``interval_ms``."""
        self._timer.start()
        self.sync_now()

    def stop(self, wait_ms: int = 10_000) -> None:
        """Stop the timer and wait for a running round (call before closing the replica)."""
        self._timer.stop()
        self._again = False
        self._pool.waitForDone(wait_ms)

    @Slot()
    def sync_now(self) -> None:
        """Run a round now, or right after the running one."""
        if self._running:
            self._again = True
            return
        self._running = True
        self._set_status(self._replace_state("syncing"))
        self._submit("sync", self.engine.sync_once)

    def record_edit(self, table: str, op: str, **fields: Any) -> None:
        """``Replica.record_edit(table, op, **fields)`` off the GUI thread; ``changed`` follows,
        then a push when online."""
        def work() -> OutboxEntry:
            entry = self.engine.replica.record_edit(table, op, **fields)
            self.engine.refresh_counts()
            return entry

        self._submit("edit", work)

    def resolve_conflict(self, mutation_id: str, keep: str) -> None:
        """The person's choice for a conflict (``"mine"`` or ``"theirs"``); a round follows."""
        self._submit("resolve", lambda: self.engine.resolve_conflict(mutation_id, keep))

    def discard_edit(self, mutation_id: str) -> None:
        """Drop a refused (or conflicting, or unsent) edit off the GUI thread; ``changed`` follows
        and the row shows the server's version again."""
        self._submit("discard", lambda: LessonEdits(self.engine).discard(mutation_id))

    def acknowledge_edit(self, mutation_id: str, codes: list[str]) -> None:
        """Book a refused edit over the school's warnings (``LessonEdits.acknowledge``) off the
        GUI thread; ``changed`` follows (a new refusal shows in the outbox, as any), and
        ``edit_failed`` when the service refused it again or the edit no longer waits for it."""
        def work() -> tuple[Changes, str]:
            outcome = LessonEdits(self.engine).acknowledge(mutation_id, codes)
            refusal = (f"The change was not booked: {outcome.message}" if outcome.refused
                       else "")
            return Changes(frozenset({("flights", outcome.lesson_id)}), outbox=True), refusal

        self._submit("acknowledge", work)

    def refresh_status(self) -> None:
        """Re-read the engine's status (outbox counts after an edit made outside the loop, e.g.
        ``LessonEdits``); ``status_changed`` follows when it differs. A running round stays
        "syncing"."""
        status = self.engine.status
        if self._running:
            status = replace(status, state="syncing")
        self._set_status(status)

    # -- internals -------------------------------------------------------------------------

    def _submit(self, kind: str, work: Callable[[], Any]) -> None:
        self._pool.start(_Task(work, lambda result, error: self._finished.emit(kind, result, error)))

    def _replace_state(self, state: str) -> SyncStatus:
        return replace(self._status, state=state)

    def _set_status(self, status: SyncStatus) -> None:
        if status != self._status:
            self._status = status
            self.status_changed.emit(status)

    @Slot(object, object, object)
    def _on_finished(self, kind: str, result: Any, error: Exception | None) -> None:
        if kind == "sync":
            self._running = False
            if error is not None:
                self._set_status(self.engine.status)
            else:
                if result.changes:
                    self.changed.emit(result.changes)
                self._set_status(result.status)
            if self._again:
                self._again = False
                self.sync_now()
            return
        if error is not None:
            self.edit_failed.emit(_failure(kind, error))
            return
        if kind == "acknowledge":
            result, refusal = result
            if refusal:
                self.edit_failed.emit(refusal)
        if kind == "edit":
            entry: OutboxEntry = result
            self.changed.emit(Changes(frozenset({(entry.table, entry.row_id)}), outbox=True))
        else:
            self.changed.emit(result)
        self._set_status(self.engine.status)
        if kind == "resolve" or self._status.state != "offline":
            self.sync_now()


# What each kind of work was, for the sentence saying it failed.
_WORK = {"edit": "Your change could not be saved on this computer",
         "resolve": "Your choice for the clashing change could not be applied",
         "discard": "The change could not be dropped",
         "acknowledge": "The change could not be booked anyway"}


def _failure(kind: str, error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return f"{_WORK.get(kind, 'The change failed')}: {text}"
