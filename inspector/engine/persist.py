"""Keep every capture on disk before its reply leaves.

`Persister` is the engine-side end of a `SessionWriter`: the receiver awaits
`persist(exchange)` before it answers, so a crash after the reply cannot lose the request
(issue 6). The await costs one group commit, shared by every request in flight: the writer
batches everything queued into one transaction with one future, and the Persister wraps each
such future once for the loop however many requests wait on it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures

from ..store.session import Item, SessionWriter


class Persister:
    """Use from one event loop (the engine's)."""

    def __init__(self, writer: SessionWriter) -> None:
        self.writer = writer
        self._waiting: dict[concurrent.futures.Future[None], asyncio.Future[None]] = {}

    async def persist(self, item: Item) -> None:
        """Return once `item` is committed to the session file (raises what the write raised)."""
        commit = self.writer.submit(item)
        waiter = self._waiting.get(commit)
        if waiter is None:
            waiter = asyncio.wrap_future(commit)
            self._waiting[commit] = waiter
            waiter.add_done_callback(lambda _: self._waiting.pop(commit, None))
        # Shielded: a cancelled request must not cancel the commit the others wait on.
        await asyncio.shield(waiter)

    def persist_later(self, item: Item) -> None:
        """Queue `item` without waiting (e.g. a WebSocket message nobody needs to hold for)."""
        self.writer.submit(item)
