"""One listener's view of an engine's events: a thread-safe FIFO.

Filled by the engine (in-process) or by a control-API client (engine in another process) on
their own threads, drained by the window's timer or `serve`'s printer on theirs.
"""

from __future__ import annotations

import queue

from ..core.events import Event


class EventQueue:
    """One listener's view of the engine's events: a thread-safe FIFO."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Event] = queue.SimpleQueue()

    def put(self, event: Event) -> None:
        self._queue.put(event)

    def drain(self, limit: int = 100_000) -> list[Event]:
        """Everything queued now (at most `limit`), without waiting."""
        items: list[Event] = []
        get = self._queue.get_nowait
        try:
            while len(items) < limit:
                items.append(get())
        except queue.Empty:
            pass
        return items

    def get(self, timeout: float | None = None) -> Event | None:
        """Wait up to `timeout` seconds for one event; None when none came."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
