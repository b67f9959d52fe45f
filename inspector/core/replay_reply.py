"""The reply to a replayed request (engine/replay.py sends it; the window shows it), the URL
a replay goes to, and what cannot be replayed."""

from __future__ import annotations

from typing import NamedTuple

from .headers import Header
from .records import Exchange, ExchangeKind


class ReplayReply(NamedTuple):
    status: int
    headers: tuple[Header, ...]
    body: bytes


def replay_url(base_url: str, exchange: Exchange) -> str:
    """`base_url` (scheme://host:port) with the exchange's own target."""
    return base_url.rstrip("/") + exchange.target


def check_replayable(exchange: Exchange, method: str | None) -> None:
    """Raise ValueError for a request no replay can send as it was: a WebSocket connection
    (a replay is an HTTP request; it goes only with a method given)."""
    if exchange.kind is ExchangeKind.WEBSOCKET and method is None:
        raise ValueError("a WebSocket connection cannot be replayed as an HTTP request")
