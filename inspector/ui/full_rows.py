"""The live rows the window shows in full, fetched from the engine when shown.

An engine in another process sends light rows (engine/api.py `light_rows`): the request's
body when it is small text, never the reply's body or a WebSocket's messages in full. The
list needs no more; the detail pane does, for the one row it shows. So the row selected is
fetched (`fetch_exchange`, read from the engine's session) and kept here, a few at a time,
until the engine says the row changed. An in-process engine's rows are whole: nothing is
fetched, but for an older row the list read back from the session file (`ui/live_rows.py`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..core.records import Exchange, WsMessage
from ..engine.api import EngineApi
from .engine_calls import EngineCalls

KEPT = 32  # whole rows kept: the ones a user moves between
MAX_TRIES = 3  # a row the engine cannot give after this many tries stays light


class FullRows:
    def __init__(
        self, engine: EngineApi, calls: EngineCalls, arrived: Callable[[int], None]
    ) -> None:
        self.engine = engine
        self.calls = calls
        self.arrived = arrived  # arrived(exchange_id), on the UI thread
        self._rows: OrderedDict[int, tuple[Exchange, list[WsMessage]]] = OrderedDict()
        self._asked: set[int] = set()
        self._stale: set[int] = set()  # asked, then changed before the answer came
        self._failures: dict[int, int] = {}  # tries that failed (shown light after MAX_TRIES)

    def get(self, exchange_id: int) -> tuple[Exchange, list[WsMessage]] | None:
        row = self._rows.get(exchange_id)
        if row is not None:
            self._rows.move_to_end(exchange_id)
        return row

    def fetch(self, exchange_id: int, read_back: bool = False) -> None:
        """Ask the engine for the row (once, while asked), when its rows are light or the
        list's copy was read back from the session file (`read_back`: no bodies)."""
        if not (self.engine.light_rows or read_back) or exchange_id in self._asked:
            return
        if self._failures.get(exchange_id, 0) >= MAX_TRIES:
            return
        self._asked.add(exchange_id)

        def done(result: Any, error: BaseException | None) -> None:
            self._asked.discard(exchange_id)
            if error is not None:
                self._failures[exchange_id] = self._failures.get(exchange_id, 0) + 1
                self.arrived(exchange_id)  # shown light; asked again while tries are left
                return
            if exchange_id in self._stale:
                self._stale.discard(exchange_id)
                self.arrived(exchange_id)  # changed meanwhile: this copy is stale, ask again
                return
            self._rows[exchange_id] = result
            while len(self._rows) > KEPT:
                self._rows.popitem(last=False)
            self.arrived(exchange_id)

        self.calls.send(lambda: self.engine.fetch_exchange(exchange_id), done)

    def forget(self, exchange_id: int) -> None:
        """The engine changed the row: fetched again when next shown."""
        self._rows.pop(exchange_id, None)
        self._failures.pop(exchange_id, None)
        if exchange_id in self._asked:
            self._stale.add(exchange_id)

    def clear(self) -> None:
        self._rows.clear()
        self._failures.clear()
