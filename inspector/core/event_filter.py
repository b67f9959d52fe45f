"""Which engine events a filter expression keeps, for `serve --filter` (which lines print).

An exchange's line (`request`, `ws_open`, `ws_close`) is kept when the exchange matches at
that moment; a WebSocket kept when it opened keeps its `ws_message` lines and its close.
Lines that are not about an exchange (`listening`, the emulator's, `storage`) always print:
the filter speaks of exchanges, and those lines say what the tool itself is doing.
"""

from __future__ import annotations

from collections.abc import Callable

from .events import Event, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from .records import Exchange, ExchangeKind
from .row_expr import Pred
from .row_python import compile_python


class EventFilter:
    """`keep(event)`: whether `condition` keeps the event's line. Remembers only the
    WebSockets it kept that are still open."""

    def __init__(self, condition: Pred) -> None:
        self._matches: Callable[[Exchange], bool] = compile_python(condition)
        self._open_kept: set[int] = set()

    def keep(self, event: Event) -> bool:
        if isinstance(event, (ExchangeAdded, ExchangeUpdated)):
            x = event.exchange
            hit = self._matches(x)
            if x.kind is not ExchangeKind.WEBSOCKET:
                return hit
            kept = hit or x.id in self._open_kept
            if x.ws_end is None and x.status == 101 and kept:
                self._open_kept.add(x.id)
            elif x.ws_end is not None or x.status != 101:
                self._open_kept.discard(x.id)
            return kept
        if isinstance(event, WsMessageAdded):
            return event.message.exchange_id in self._open_kept
        return True
