"""One round of sync between the local replica and the service — pure Python, no Qt.

``SyncEngine.sync_once()``:

1. **Push** the outbox in the order the edits were made (``Replica.pushable``: per row one edit
   at a time, since a later edit of a row was made on top of the earlier one). Per answer:
   ``applied`` → the edit leaves the outbox and the answered row replaces the local one;
   ``conflict`` → the edit stays, with the server's row, until the person picks
   (``resolve_conflict(mutation_id, keep="mine"|"theirs")``); ``rejected`` → the edit stays with
   the service's reason (``Replica.amend_edit`` / ``discard_edit``).
2. **Pull** until ``has_more`` is false, each page and its cursor in one transaction.

Failures never lose an edit: an edit leaves the outbox only when the service said it was applied,
and a push is idempotent by mutation id (a retry after a lost answer gets the stored answer).
``Offline`` makes the status ``offline``; ``Unauthorized`` makes it ``signed_out``.

The engine blocks on the network and the disk: run it off the GUI thread (``sync_loop.SyncLoop``).
It is safe to call from several threads; rounds run one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from app.services.api_client import ApiClient, ApiError, Offline, Refused, Unauthorized
from app.services.replica import Changes, OutboxEntry, Replica, ReplicaError

__all__ = ["SyncEngine", "SyncResult", "SyncStatus"]

SyncState = Literal["idle", "syncing", "offline", "signed_out", "error"]


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows.

    ``state``: ``idle`` (in step with the service as of ``last_sync_at``), ``syncing``,
    ``offline`` (showing the last known state; edits queued), ``signed_out`` (sign in again),
    ``error`` (``message`` says what failed). ``pending``/``conflicts``/``rejected``: outbox counts.
    """

    state: SyncState = "idle"
    message: str = ""
    last_sync_at: datetime | None = None
    pending: int = 0
    conflicts: int = 0
    rejected: int = 0

    @property
    def online(self) -> bool:
        return self.state in ("idle", "syncing")


@dataclass(frozen=True)
class SyncResult:
    changes: Changes
    status: SyncStatus
    pushed: int = 0   # edits the service answered (applied, conflict or rejected)
    pulled: int = 0   # changes applied from pulls


TOO_LARGE = 413  # the service's answer to a body over its size limit


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SyncEngine:
    """Pushes the replica's outbox and pulls the school's changes through ``client``."""

    # Pages of 2,000 changes: a first pull of 20,000 lessons in 11 round trips instead of 44
    # (2.9 s instead of 3.2–4.0 s, docs/benchmarks.md "Desktop"); 5,000 is no faster and decoding
    # such a page holds the GIL long enough to stall the window for up to 90 ms.
    def __init__(self, *, client: ApiClient, replica: Replica,
                 clock: Callable[[], datetime] = _utc_now, pull_limit: int = 2000,
                 push_batch: int = 200) -> None:
        self.client = client
        self.replica = replica
        self._clock = clock
        self._pull_limit = pull_limit
        self._push_batch = push_batch
        self._round = threading.Lock()
        self._status = self._counted(SyncStatus(last_sync_at=replica.last_sync_at))

    @property
    def status(self) -> SyncStatus:
        return self._status

    def sync_once(self) -> SyncResult:
        """Push, then pull to the end. Never raises ``ApiError``; the status says what happened
        (``ReplicaError`` — a disk fault or a bug — does propagate after setting ``error``)."""
        with self._round:
            changes, pushed, pulled = Changes(), 0, 0
            try:
                push_changes, pushed = self._push_all()
                changes |= push_changes
                pull_changes, pulled = self._pull_all()
                changes |= pull_changes
                self.replica.mark_synced(self._clock())
                status = SyncStatus(state="idle", last_sync_at=self.replica.last_sync_at)
            except Offline as exc:
                status = SyncStatus(state="offline", message=str(exc),
                                    last_sync_at=self.replica.last_sync_at)
            except Unauthorized as exc:
                status = SyncStatus(state="signed_out", message=str(exc),
                                    last_sync_at=self.replica.last_sync_at)
            except ApiError as exc:
                status = SyncStatus(state="error", message=str(exc),
                                    last_sync_at=self.replica.last_sync_at)
            except ReplicaError as exc:
                self._status = replace(self._status, state="error", message=str(exc))
                raise
            self._status = self._counted(status)
            return SyncResult(changes=changes, status=self._status, pushed=pushed, pulled=pulled)

    def push_pending(self) -> Changes:
        """Only the push half (raises ``ApiError``); for "send my edit now"."""
        with self._round:
            changes, _ = self._push_all()
            self._status = self._counted(self._status)
            return changes

    def resolve_conflict(self, mutation_id: str, keep: Literal["mine", "theirs"]) -> Changes:
        """The person chose: ``theirs`` drops the local edit; ``mine`` queues it again on top of the
        server's version (sent by the next round)."""
        entry = self.replica.entry(mutation_id)
        self.replica.resolve_conflict(mutation_id, keep)
        self._status = self._counted(self._status)
        rows = frozenset({(entry.table, entry.row_id)}) if entry else frozenset()
        return Changes(rows, outbox=True)

    def refresh_counts(self) -> SyncStatus:
        """Re-read the outbox counts into the status (after a local edit)."""
        self._status = self._counted(self._status)
        return self._status

    # -- internals -------------------------------------------------------------------------

    def _counted(self, status: SyncStatus) -> SyncStatus:
        counts = self.replica.counts()
        return replace(status, pending=counts.pending, conflicts=counts.conflict,
                       rejected=counts.rejected)

    def _push_all(self) -> tuple[Changes, int]:
        changes, answered = Changes(), 0
        size = self._push_batch
        while True:
            batch = self.replica.pushable(size)
            if not batch:
                return changes, answered
            try:
                outcomes = self.client.push(client_id=self.replica.client_id,
                                            mutations=[entry.mutation() for entry in batch])
            except Refused as exc:
                if exc.status != TOO_LARGE:
                    raise
                if len(batch) > 1:
                    size = len(batch) // 2  # the service takes bodies up to a size: send fewer
                    continue
                # One edit alone is over the limit: kept, refused with the reason, for the person.
                changes |= self.replica.mark_rejected(batch[0].mutation_id, {
                    "detail": f"this change is too large to send ({exc.detail}): shorten it",
                    "rule": exc.rule or "REQUEST_TOO_LARGE"})
                answered += 1
                continue
            by_id = {outcome.mutation_id: outcome for outcome in outcomes}
            progress = 0
            for entry in batch:
                outcome = by_id.get(entry.mutation_id)
                if outcome is None:  # not answered: stays pending, sent again next round
                    continue
                changes |= self._settle(entry, outcome.status, outcome.row, outcome.error)
                progress += 1
            answered += progress
            if progress == 0:
                return changes, answered

    def _settle(self, entry: OutboxEntry, status: str, row: dict | None,
                error: dict | None) -> Changes:
        if status == "applied":
            return self.replica.mark_applied(entry.mutation_id, row)
        if status == "conflict":
            return self.replica.mark_conflict(entry.mutation_id, row, error)
        return self.replica.mark_rejected(entry.mutation_id, error)

    def _pull_all(self) -> tuple[Changes, int]:
        changes, pulled = Changes(), 0
        first = self.replica.cursor == 0
        # The next page downloads while this one is written: the service's time and the disk's
        # overlap (a first pull of 20,000 lessons is 40-odd pages). A page is still applied only
        # after the one before it, each with its cursor in one transaction.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-pull") as fetcher:
            page = self.client.pull(cursor=self.replica.cursor, limit=self._pull_limit)
            while True:
                ahead = (fetcher.submit(self.client.pull, cursor=page.cursor,
                                        limit=self._pull_limit) if page.has_more else None)
                if page.changes:
                    changes |= self.replica.apply_pull(page.changes, page.cursor)
                    pulled += len(page.changes)
                if ahead is None:
                    break
                page = ahead.result()
        if first and pulled:
            changes |= Changes(full_reload=True)
        return changes, pulled

