"""Keep every capture on disk before its reply leaves, and say so when the disk refuses.

`Persister` is the engine-side end of a `SessionWriter`: the receiver awaits
`persist(exchange)` before it answers, so a crash after the reply cannot lose the request
(issue 6). The await costs one group commit, shared by every request in flight: the writer
batches everything queued into one transaction with one future, and the Persister wraps each
such future once for the loop however many requests wait on it.

When a commit fails (disk full, the file locked by another program, the data dir gone), the
capture goes on in memory (the window's list, `serve`'s lines) and the Persister:
- publishes a `StorageEvent` ("failed") once, not once per request, and logs it once;
- stops holding replies for the disk: later items are still handed to the writer, but
  nobody waits for their commit, so a locked file cannot slow every reply by its busy
  timeout;
- publishes "recovered", with how many records were not saved, when a commit succeeds again.
What was committed before the fault stays in the file: a failed transaction is rolled back,
never half-written (SQLite), and nothing here deletes or rewrites committed rows.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable

from ..core.events import StorageEvent
from ..store.session import Item, SessionWriter

log = logging.getLogger(__name__)


class Persister:
    """Use from one event loop (the engine's)."""

    def __init__(
        self, writer: SessionWriter, report: Callable[[StorageEvent], None] | None = None
    ) -> None:
        self.writer = writer
        self._report = report
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: dict[concurrent.futures.Future[None], asyncio.Future[None]] = {}
        # Records handed to the writer per commit future, settled when the commit is.
        self._counts: dict[concurrent.futures.Future[None], int] = {}
        self.failing = False
        self.unsaved = 0  # records whose commit failed, in total

    async def persist(self, item: Item) -> None:
        """Return once `item` is committed, or at once while the session file is failing.

        A write that fails is reported (`StorageEvent`), not raised: the capture goes on
        without it. Only a programming error raises (TypeError: not a record)."""
        try:
            commit = self._submit(item)
        except RuntimeError as exc:  # the writer is closed
            self._settle_failure(exc, 1)
            return
        if self.failing:
            return  # not held for a disk that refuses; settled by the commit's callback
        waiter = self._waiting.get(commit)
        if waiter is None:
            waiter = asyncio.wrap_future(commit)
            self._waiting[commit] = waiter
            waiter.add_done_callback(lambda _: self._waiting.pop(commit, None))
        try:
            # Shielded: a cancelled request must not cancel the commit the others wait on.
            await asyncio.shield(waiter)
        except Exception:
            pass  # reported once by _settled, for the whole commit

    def persist_later(self, item: Item) -> None:
        """Queue `item` without waiting (e.g. an emulator event nobody needs to hold for)."""
        try:
            self._submit(item)
        except RuntimeError as exc:  # the writer is closed
            self._settle_failure(exc, 1)

    def _submit(self, item: Item) -> concurrent.futures.Future[None]:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        commit = self.writer.submit(item)
        count = self._counts.get(commit)
        if count is None:
            self._counts[commit] = 1
            loop = self._loop
            commit.add_done_callback(lambda f: loop.call_soon_threadsafe(self._settled, f))
        else:
            self._counts[commit] = count + 1
        return commit

    def _settled(self, commit: concurrent.futures.Future[None]) -> None:
        """On the loop: one commit finished; track whether the file takes writes."""
        count = self._counts.pop(commit, 0)
        error = commit.exception()
        if error is not None:
            self._settle_failure(error, count)
        elif self.failing:
            self.failing = False
            message = (
                f"the session file takes writes again; {self.unsaved} record(s) captured "
                "meanwhile are only in memory"
            )
            log.warning("%s (%s)", message, self.writer.path)
            self._publish("recovered", message)

    def _settle_failure(self, error: BaseException, count: int) -> None:
        self.unsaved += count
        if self.failing:
            return
        self.failing = True
        message = (
            f"the session file {_reason(error)}. Capture goes on in memory; what was saved "
            "before is kept"
        )
        log.error("%s (%s)", message, self.writer.path)
        self._publish("failed", message)

    def _publish(self, state: str, message: str) -> None:
        if self._report is not None:
            event = StorageEvent(
                state, time.time(), message, str(self.writer.path), unsaved=self.unsaved
            )
            self._report(event)


def _reason(error: BaseException) -> str:
    """Why, without the file's path (the event carries it): "cannot be written (database or
    disk is full)"."""
    reason = getattr(error, "reason", None)  # a SessionFileError
    return reason if isinstance(reason, str) else f"cannot be written ({error})"
