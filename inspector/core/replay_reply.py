"""The reply to a replayed request (engine/replay.py sends it; the window shows it), and the
URL a replay goes to."""

from __future__ import annotations

from typing import NamedTuple

from .headers import Header
from .records import Exchange


class ReplayReply(NamedTuple):
    status: int
    headers: tuple[Header, ...]
    body: bytes


def replay_url(base_url: str, exchange: Exchange) -> str:
    """`base_url` (scheme://host:port) with the exchange's own target."""
    return base_url.rstrip("/") + exchange.target
