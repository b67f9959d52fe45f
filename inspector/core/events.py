"""What the engine tells its listeners (the window, `serve`'s printer, the store).

Plain frozen records, put on thread-safe queues by the engine thread and read elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .records import Exchange, WsMessage


@dataclass(frozen=True)
class ExchangeAdded:
    exchange: Exchange


@dataclass(frozen=True)
class ExchangeUpdated:
    exchange: Exchange


@dataclass(frozen=True)
class WsMessageAdded:
    message: WsMessage


@dataclass(frozen=True)
class EmulatorEvent:
    """Something the emulator did (`job`, `attempt`, `job_done`, `stream_open`,
    `stream_message`, `stream_close`, `error`); `fields` are JSON-ready values."""

    name: str
    time: float
    fields: dict[str, Any]


Event = ExchangeAdded | ExchangeUpdated | WsMessageAdded | EmulatorEvent
