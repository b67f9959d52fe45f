"""What the engine can still tell about an exchange after it published it.

A client of the control API holds light rows and asks for an exchange in full (bodies,
WebSocket messages) when the user opens it. The engine answers from memory for the newest
exchanges and from its session file for the rest; without a session file (`--no-session`,
or a data dir that cannot hold one) memory is all there is, so it keeps everything, as the
window did before it had its own process.
"""

from __future__ import annotations

import itertools
import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from ..core.events import Event, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from ..core.records import Exchange, WsMessage
from ..store.schema import SessionFileError
from ..store.session_reader import SessionReader

log = logging.getLogger(__name__)

# The newest exchanges kept in memory while a session file holds them all: enough for what a
# user opens while it is still on screen, bounded so a flood cannot grow the engine.
RECENT_EXCHANGES = 2_000


class Recall:
    """Fed every event on the engine thread (`observe`); read on the engine loop too."""

    def __init__(self, session_path: Callable[[], Path | None]) -> None:
        self._session_path = session_path  # the engine's current session file, if any
        self._exchanges: OrderedDict[int, Exchange] = OrderedDict()
        self._messages: dict[int, list[WsMessage]] = {}
        self._reader: SessionReader | None = None
        self._reader_path: Path | None = None

    def observe(self, event: Event) -> None:
        if isinstance(event, ExchangeAdded | ExchangeUpdated):
            x = event.exchange
            self._exchanges[x.id] = x
            self._exchanges.move_to_end(x.id)
            self._trim()
        elif isinstance(event, WsMessageAdded):
            m = event.message
            if m.exchange_id in self._exchanges:
                self._messages.setdefault(m.exchange_id, []).append(m)

    def _trim(self) -> None:
        if self._session_path() is None:
            return  # memory is the only copy
        while len(self._exchanges) > RECENT_EXCHANGES:
            old, _ = self._exchanges.popitem(last=False)
            self._messages.pop(old, None)

    def exchange(self, exchange_id: int) -> tuple[Exchange, list[WsMessage]] | None:
        """The exchange in full and its messages, or None when neither memory nor the session
        file has it. Blocking (SQLite): call it off the loop."""
        x = self._exchanges.get(exchange_id)
        if x is not None:
            return x, list(self._messages.get(exchange_id, ()))
        reader = self._open_reader()
        if reader is None:
            return None
        try:
            stored = reader.exchange(exchange_id)
            return (stored, reader.messages(exchange_id)) if stored is not None else None
        except SessionFileError as exc:
            log.warning("cannot read exchange #%d from the session file: %s", exchange_id, exc)
            return None

    def last_id(self) -> int:
        """The newest exchange's id (0 when none): what an attaching client catches up to.
        Blocking (SQLite) when nothing was seen since the engine started."""
        if self._exchanges:
            return next(reversed(self._exchanges))
        reader = self._open_reader()
        if reader is not None:
            try:
                return reader.last_id()
            except SessionFileError:
                return 0
        return 0

    def after(self, exchange_id: int, limit: int) -> list[Exchange]:
        """Exchanges with an id above `exchange_id`, oldest first, at most `limit` (light:
        the caller drops bodies). Blocking (SQLite): call it off the loop."""
        reader = self._open_reader()
        if reader is not None:
            try:
                return list(itertools.islice(reader.exchanges(after=exchange_id), limit))
            except SessionFileError as exc:
                log.warning("cannot list the session file: %s", exc)
        return [x for i, x in self._exchanges.items() if i > exchange_id][:limit]

    def _open_reader(self) -> SessionReader | None:
        path = self._session_path()
        if path != self._reader_path:
            self.close()
            self._reader_path = path
            if path is not None:
                try:
                    self._reader = SessionReader(path, read_only=True)
                except SessionFileError as exc:
                    log.warning("cannot open the session file %s: %s", path, exc)
        return self._reader

    def clear(self) -> None:
        self._exchanges.clear()
        self._messages.clear()

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
