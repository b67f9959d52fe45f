"""What the engine tells its listeners (the window, `serve`'s printer, the store).

Plain frozen records, put on thread-safe queues by the engine thread and read elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from .emulator_events import EmulatorEvent
from .emulator_faults import EmulatorFaults
from .handler_checks import CheckCaseDone, CheckFinished, CheckStarted
from .public_url import PublicUrlEvent
from .records import Exchange, WsMessage
from .rules import Forward, Hold, Respond


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
class StorageEvent:
    """The session file stopped (or started again) taking what is captured.

    `state` is "unavailable" (no session file could be opened at start), "failed" (writes
    fail: disk full, file locked, data dir gone) or "recovered" (writes succeed again).
    Capture goes on in memory either way; `unsaved` counts the records not written so far."""

    state: str
    time: float
    message: str
    path: str | None = None
    unsaved: int = 0


@dataclass(frozen=True)
class HoldStarted:
    """A request matched a breakpoint ("hold") rule and waits for the user's answer
    (`Engine.answer_held`) until `deadline` (epoch seconds); then `proposal`, what the rules
    after the hold give, answers. `exchange` is the request as listed meanwhile: no reply yet,
    `held_until` = `deadline` (published as an ExchangeAdded too)."""

    exchange: Exchange
    rule: str
    time: float
    deadline: float
    proposal: Respond | Forward | Hold  # Hold: a second breakpoint holds it next

    @property
    def exchange_id(self) -> int:
        return self.exchange.id


@dataclass(frozen=True)
class EngineProcessEvent:
    """What a control-API client saw of the engine process itself: `state` is "lost" (the
    process ended or the connection dropped), "restarted" (a new process took over, on the
    same ports and session file) or "gone" (it could not be brought back). Made by the
    client, never sent by an engine."""

    state: str
    time: float
    message: str


@dataclass(frozen=True)
class EmulatorFaultsChanged:
    """The emulator's injected faults now (set by the user, or one used up by a request)."""

    time: float
    faults: EmulatorFaults


@dataclass(frozen=True)
class ListenOptionWarning:
    """The emulator answered a `/v1/listen` parameter without applying it (a language it
    cannot recognise, `keywords`, a parameter Deepgram does not have...). Published the
    first time each parameter appears in a run; every reply still says so in
    `metadata.warnings`. `type` and `message` are that entry's (`core.listen_parameters`)."""

    parameter: str
    type: str
    message: str
    request_id: str
    time: float


Event = (
    ExchangeAdded
    | ExchangeUpdated
    | WsMessageAdded
    | EmulatorEvent
    | StorageEvent
    | EngineProcessEvent
    | EmulatorFaultsChanged
    | CheckStarted
    | CheckCaseDone
    | CheckFinished
    | HoldStarted
    | ListenOptionWarning
    | PublicUrlEvent
)
