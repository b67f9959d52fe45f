"""The reply to a replayed request (engine/replay.py sends it; the window shows it)."""

from __future__ import annotations

from typing import NamedTuple

from .headers import Header


class ReplayReply(NamedTuple):
    status: int
    headers: tuple[Header, ...]
    body: bytes
