"""A command's result back on the UI thread.

Every command of the engine (`engine/api.py`) returns a concurrent future, completed on
another thread (the engine's, or the reader of the child engine's pipe); its done-callback
emits a Qt signal, which Qt queues to the UI thread. The UI never waits, and no widget is
touched from another thread.
"""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..engine.api import EngineApi

log = logging.getLogger(__name__)

Done = Callable[[Any, BaseException | None], None]


class EngineCalls(QObject):
    """Keeps the callbacks of calls in flight; delivers results on the UI thread."""

    finished = Signal(int, object, object)  # call id, result, exception

    def __init__(self, engine: EngineApi, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._next = 0
        self._pending: dict[int, Done] = {}
        self.finished.connect(self._deliver)

    def send(
        self, command: Callable[[], concurrent.futures.Future[Any]], done: Done | None = None
    ) -> None:
        """Send `command()` (an engine method that returns a future); `done(result, error)`
        later on the UI thread, or at once when the engine cannot take it (not running)."""
        try:
            future = command()
        except RuntimeError as exc:  # the engine is not running
            if done is not None:
                done(None, exc)
            return
        self.watch(future, done)

    def watch(self, future: concurrent.futures.Future[Any], done: Done | None = None) -> None:
        """`done(result, error)` on the UI thread once `future` (a command sent to the
        engine, in this process or another) completes."""
        self._next += 1
        call_id = self._next
        if done is not None:
            self._pending[call_id] = done

        def on_done(f: concurrent.futures.Future[Any]) -> None:
            error = f.exception()
            self.finished.emit(call_id, None if error else f.result(), error)

        future.add_done_callback(on_done)

    def _deliver(self, call_id: int, result: Any, error: Any) -> None:
        done = self._pending.pop(call_id, None)
        if error is not None:
            log.info("engine call failed: %s", error)
        if done is not None:
            done(result, error)
