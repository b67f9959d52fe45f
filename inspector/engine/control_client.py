"""The client side of the control API: an engine in another process, seen as an `Engine`.

The window holds one of these, never the receiver or emulator themselves: `ChildEngine`
(engine/child_engine.py) for the engine it starts as its own child over pipes, `RemoteEngine`
(engine/remote_engine.py) for `gui --attach` to a `serve` elsewhere. Both read the JSON lines
the engine writes (the `hello`, every event as `serve` prints it, the `result` of each
command) on a reader thread, turn them back into records (`core.event_read`) and put them on
the same thread-safe `EventQueue`s an in-process `Engine` fills. Commands are sent as JSON;
each returns a concurrent future completed with its result.

Imports nothing of the receiver, emulator or aiohttp: the window's process stays light.
"""

from __future__ import annotations

import base64
import concurrent.futures
import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from ..core.control import (
    CancelHandlerCheck,
    ClearAttempts,
    CloseWebSocket,
    Command,
    DropWebSocket,
    FetchExchange,
    FetchList,
    Replay,
    SendWebSocketText,
    SetEmulatorFaults,
    SetEmulatorSettings,
    SetReceiverSettings,
    SetRules,
    Submit,
    UpdateEmulatorFaults,
    answer_command,
    check_command,
    command_to_json,
    settings_from_json,
)
from ..core.emulator_faults import (
    NO_FAULTS,
    EmulatorFaults,
    FaultError,
    change_to_json,
    faults_from_json,
)
from ..core.event_read import (
    LineError,
    event_from_line,
    exchange_from_record,
    message_from_record,
)
from ..core.events import (
    EmulatorFaultsChanged,
    EngineProcessEvent,
    Event,
    ExchangeAdded,
    ExchangeUpdated,
    HoldStarted,
    StorageEvent,
)
from ..core.handler_checks import CheckRequest
from ..core.public_url import PublicUrlEvent
from ..core.records import Exchange, ExchangeKind, WsMessage
from ..core.replay_reply import ReplayReply, check_replayable
from ..core.rules import HoldAnswer, Respond, Rule
from ..core.rules_file import RuleError, rule_from_table
from ..core.settings import EmulatorSettings, EngineSettings, ReceiverSettings
from .api import Attachment
from .event_queue import EventQueue
from .public_url.client_side import PublicUrlClient

log = logging.getLogger(__name__)


class ControlError(RuntimeError):
    """A command the engine answered `ok: false`, or could not answer (the engine is gone);
    the message is the engine's reason."""


@dataclass
class Hello:
    """What the engine said about itself when the connection opened."""

    receiver: str = ""
    emulator: str | None = None
    session: Path | None = None
    receiver_settings: ReceiverSettings = field(default_factory=ReceiverSettings)
    emulator_settings: EmulatorSettings | None = None
    host: str = ""
    pid: int | None = None
    app_version: str = ""
    supports: tuple[str, ...] = ()
    storage: StorageEvent | None = None
    rules: tuple[Rule, ...] = ()
    emulator_faults: EmulatorFaults = NO_FAULTS
    last_id: int = 0  # the engine's newest exchange when it said hello

    @classmethod
    def from_json(cls, line: dict[str, Any]) -> Hello:
        emulator = line.get("emulator_settings")
        session = line.get("session")
        storage = event_from_line(line["storage"], {}) if line.get("storage") else None
        return cls(
            receiver=str(line.get("receiver", "")),
            emulator=line.get("emulator") if isinstance(line.get("emulator"), str) else None,
            session=Path(session) if isinstance(session, str) else None,
            receiver_settings=settings_from_json(
                ReceiverSettings, line.get("receiver_settings") or {}, "hello.receiver_settings"
            ),
            emulator_settings=None
            if emulator is None
            else settings_from_json(EmulatorSettings, emulator, "hello.emulator_settings"),
            host=str(line.get("host", "")),
            pid=line.get("pid") if isinstance(line.get("pid"), int) else None,
            app_version=str(line.get("app_version", "")),
            supports=tuple(str(s) for s in line.get("supports") or ()),
            storage=storage if isinstance(storage, StorageEvent) else None,
            rules=_rules(line.get("rules")),
            emulator_faults=_faults(line.get("emulator_faults")),
            last_id=line["last_id"] if isinstance(line.get("last_id"), int) else 0,
        )


def _faults(value: Any) -> EmulatorFaults:
    """The emulator's injected faults from the hello (none when it does not say)."""
    if not isinstance(value, dict):
        return NO_FAULTS
    try:
        return faults_from_json(value)
    except (FaultError, KeyError, TypeError, ValueError) as exc:
        log.warning("cannot read the engine's emulator faults: %s", exc)
        return NO_FAULTS


def _rules(tables: Any) -> tuple[Rule, ...]:
    """The engine's rules from its hello, in their rules-file table form (a newer engine's
    rule kinds: none, said once)."""
    if not isinstance(tables, list):
        return ()
    try:
        return tuple(rule_from_table(t) for t in tables if isinstance(t, dict))
    except RuleError as exc:
        log.warning("cannot read the engine's reply rules: %s", exc)
        return ()


class EngineClient(PublicUrlClient):
    """An engine reached through the control API. Subclasses provide the transport:
    `_send(text)` writes one JSON object; they call `_on_line(line)` for each one read and
    `_on_closed(reason)` when the connection ends."""

    def __init__(self) -> None:
        self._listeners: list[EventQueue] = []
        self._listeners_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending: dict[int, concurrent.futures.Future[Any]] = {}
        self._pending_lock = threading.Lock()
        self._open_sockets: dict[int, Exchange] = {}
        self._held: set[int] = set()  # requests listed as held: their answer updates the row
        self.hello: Hello | None = None
        self._hello_seen = threading.Event()
        self.running = False
        self.storage_problem: StorageEvent | None = None
        self._session_gaps = False  # the session file missed some of the capture
        self._rules: tuple[Rule, ...] = ()
        # What the settings are until the engine says (its hello): a child's are its own.
        self._before_hello = EngineSettings()

    # -- the surface the window uses (the same names as Engine's) ----------------------------
    def subscribe(self) -> EventQueue:
        listener = EventQueue()
        with self._listeners_lock:
            self._listeners = [*self._listeners, listener]
        return listener

    def unsubscribe(self, listener: EventQueue) -> None:
        with self._listeners_lock:
            self._listeners = [q for q in self._listeners if q is not listener]

    def publish(self, event: Event) -> None:
        if isinstance(event, StorageEvent):
            self.storage_problem = None if event.state == "recovered" else event
            self._session_gaps = event.state != "recovered" or event.unsaved > 0
        elif isinstance(event, PublicUrlEvent):
            self.public_url_state = event
        elif isinstance(event, EmulatorFaultsChanged) and self.hello is not None:
            self.hello.emulator_faults = event.faults  # what is left, as the engine says
        for listener in self._listeners:
            listener.put(event)

    @property
    def receiver_url(self) -> str:
        if self.hello is None:
            raise RuntimeError("the engine is not running")
        return self.hello.receiver

    @property
    def emulator_url(self) -> str | None:
        return self.hello.emulator if self.hello is not None else None

    @property
    def session_path(self) -> Path | None:
        return self.hello.session if self.hello is not None else None

    @property
    def data_dir(self) -> Path | None:
        return None

    shares_files = True
    light_rows = True  # rows from JSON lines: bodies over 64 KiB, replies, messages left out

    @property
    def attached_to(self) -> Attachment | None:
        return None

    def session_complete(self) -> bool:
        """The engine writes each exchange before it replies: the file is whole unless the
        engine said, once, that it was not taking the capture (a StorageEvent)."""
        return self.session_path is not None and not self._session_gaps

    def receiver_settings(self) -> ReceiverSettings:
        return self.hello.receiver_settings if self.hello else self._before_hello.receiver

    def emulator_settings(self) -> EmulatorSettings | None:
        return self.hello.emulator_settings if self.hello else self._before_hello.emulator

    def set_rules(self, rules: Sequence[Rule]) -> None:
        self._rules = tuple(rules)
        self.send(SetRules(self._rules))

    def rules(self) -> tuple[Rule, ...]:
        """The rules this client last set (or the engine started with, from its hello)."""
        return self._rules

    def set_receiver_settings(self, settings: ReceiverSettings) -> None:
        if self.hello is not None:
            self.hello.receiver_settings = settings
        self.send(SetReceiverSettings(settings))

    def set_emulator_settings(self, settings: EmulatorSettings) -> None:
        if self.hello is None or self.hello.emulator_settings is None:
            raise RuntimeError("the emulator is not running")
        self.hello.emulator_settings = settings
        self.send(SetEmulatorSettings(settings))

    def set_emulator_faults(self, faults: EmulatorFaults) -> concurrent.futures.Future[Any]:
        """Replace the emulator's injected faults (Engine.set_emulator_faults); the future is
        done once the engine has them."""
        if self.emulator_settings() is None:
            raise RuntimeError("this engine runs no emulator (--no-emulator)")
        return self.send(SetEmulatorFaults(faults))

    def update_emulator_faults(self, **change: Any) -> concurrent.futures.Future[Any]:
        """Change one part of the faults in the engine (Engine.update_emulator_faults); the
        future's value is the faults after it (JSON form); the events say it too."""
        if self.emulator_settings() is None:
            raise RuntimeError("this engine runs no emulator (--no-emulator)")
        return self.send(UpdateEmulatorFaults(change_to_json(**change)))

    def emulator_faults(self) -> EmulatorFaults:
        """The faults still to come, as the engine last said."""
        return self.hello.emulator_faults if self.hello is not None else NO_FAULTS

    def answer_held(
        self, exchange_id: int, answer: Respond | HoldAnswer
    ) -> concurrent.futures.Future[bool]:
        return self.send(answer_command(exchange_id, answer))

    def close_websocket(
        self, exchange_id: int, code: int = 1000, reason: str = ""
    ) -> concurrent.futures.Future[Any]:
        return self.send(CloseWebSocket(exchange_id, code, reason))

    def drop_websocket(self, exchange_id: int) -> concurrent.futures.Future[Any]:
        return self.send(DropWebSocket(exchange_id))

    def send_websocket_text(self, exchange_id: int, text: str) -> concurrent.futures.Future[Any]:
        return self.send(SendWebSocketText(exchange_id, text))

    def clear_attempts(self) -> concurrent.futures.Future[Any]:
        return self.send(ClearAttempts())

    def fetch_exchange(
        self, exchange_id: int
    ) -> concurrent.futures.Future[tuple[Exchange, list[WsMessage]]]:
        """The exchange in full (bodies, messages), from the engine."""
        out: concurrent.futures.Future[tuple[Exchange, list[WsMessage]]] = (
            concurrent.futures.Future()
        )

        def done(f: concurrent.futures.Future[Any]) -> None:
            try:
                value = f.result()
                out.set_result(
                    (
                        exchange_from_record(value["exchange"]),
                        [message_from_record(m) for m in value["messages"]],
                    )
                )
            except (ControlError, LineError, KeyError, TypeError) as exc:
                out.set_exception(exc if isinstance(exc, ControlError) else ControlError(str(exc)))

        self.send(FetchExchange(exchange_id)).add_done_callback(done)
        return out

    def submit(self, command: Submit) -> concurrent.futures.Future[Any]:
        """Send audio as the submit panel does; the future gives the reply or the stream."""
        return self.send(command)

    def replay(
        self,
        exchange: Exchange,
        url: str,
        *,
        method: str | None = None,
        headers: tuple[tuple[str, str], ...] | None = None,
        body: bytes | None = None,
    ) -> concurrent.futures.Future[ReplayReply]:
        """Send an exchange's request again from the engine; the future gives the reply. A
        request known here in full (a stored session's row, any body the line carried) goes
        as it is; else the engine sends the one it has under that id (a live row whose body
        the line left out)."""
        out: concurrent.futures.Future[ReplayReply] = concurrent.futures.Future()
        if len(exchange.body) == exchange.body_size or body is not None:
            try:  # sent in full, it is not looked up in the engine, which checks the rest
                check_replayable(exchange, method)
            except ValueError as exc:
                out.set_exception(exc)
                return out
            method = method or exchange.method
            headers = exchange.headers if headers is None else headers
            body = exchange.body if body is None else body
        command = Replay(
            exchange.id,
            url,
            method,
            headers,
            None if body is None else base64.b64encode(body).decode("ascii"),
        )

        def done(f: concurrent.futures.Future[Any]) -> None:
            try:
                value = f.result()
                out.set_result(
                    ReplayReply(
                        int(value["status"]),
                        tuple((str(n), str(v)) for n, v in value["headers"]),
                        base64.b64decode(value["body"]),
                    )
                )
            except (ControlError, KeyError, TypeError, ValueError) as exc:
                out.set_exception(exc if isinstance(exc, ControlError) else ControlError(str(exc)))

        self.send(command).add_done_callback(done)
        return out

    def start_handler_check(self, request: CheckRequest) -> concurrent.futures.Future[int]:
        """Run the handler check in the engine; the future gives the run id its events
        carry."""
        out: concurrent.futures.Future[int] = concurrent.futures.Future()

        def done(f: concurrent.futures.Future[Any]) -> None:
            try:
                out.set_result(int(f.result()["run"]))
            except (ControlError, KeyError, TypeError, ValueError) as exc:
                out.set_exception(exc if isinstance(exc, ControlError) else ControlError(str(exc)))

        self.send(check_command(request)).add_done_callback(done)
        return out

    def cancel_handler_check(self, run_id: int) -> None:
        self.send(CancelHandlerCheck(run_id))

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until the engine has taken every command sent so far: it starts them in the
        order sent, and a setting (rules, settings, faults, guards) is in force before its
        command first waits, so the answer to a harmless one sent after them says so.
        Commands that take long (a submission, a replay) may still be running."""
        self.send(FetchList(after=2**62, limit=1)).result(timeout)

    # -- commands ------------------------------------------------------------------------
    def send(self, command: Command) -> concurrent.futures.Future[Any]:
        """Send `command`; the future completes with its result's value, or fails with a
        ControlError carrying the engine's reason."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        command_id = next(self._ids)
        with self._pending_lock:
            self._pending[command_id] = future
        try:
            self._send(orjson.dumps(command_to_json(command, command_id)).decode("utf-8"))
        except (OSError, RuntimeError, ValueError) as exc:
            with self._pending_lock:
                self._pending.pop(command_id, None)
            future.set_exception(ControlError(f"the engine cannot be reached: {exc}"))
        return future

    def _send(self, text: str) -> None:
        raise NotImplementedError

    # -- what the transport reads ----------------------------------------------------------
    def _on_line(self, line: dict[str, Any]) -> None:
        name = line.get("event")
        if name == "hello":
            self.hello = Hello.from_json(line)
            self._rules = self.hello.rules  # the engine's, until this client sets others
            public = line.get("public_url")
            self._hello_public(line, event_from_line(public, {}) if public else None)
            self.storage_problem = self.hello.storage
            if self.hello.storage is not None:
                self.publish(self.hello.storage)
            self._hello_seen.set()
            return
        if name == "result":
            self._settle(line)
            return
        try:
            event = event_from_line(line, self._open_sockets)
        except LineError as exc:
            log.warning("cannot read a line from the engine: %s", exc)
            return
        if event is None:
            return
        if isinstance(event, HoldStarted):
            # The engine lists a held request before its `held` line; its lines carry it once
            # answered: here the held line lists it, and the answer updates that row.
            if event.exchange_id not in self._held:
                self._held.add(event.exchange_id)
                self.publish(ExchangeAdded(event.exchange))
            else:
                self.publish(ExchangeUpdated(event.exchange))
        elif isinstance(event, ExchangeAdded) and event.exchange.id in self._held:
            self._held.discard(event.exchange.id)
            event = ExchangeUpdated(event.exchange)
        if isinstance(event, ExchangeAdded | ExchangeUpdated):
            x = event.exchange
            if x.kind is ExchangeKind.WEBSOCKET and x.status == 101 and x.ws_end is None:
                self._open_sockets[x.id] = x
            else:
                self._open_sockets.pop(x.id, None)
        self.publish(event)

    def _settle(self, line: dict[str, Any]) -> None:
        command_id = line.get("id")
        with self._pending_lock:
            future = self._pending.pop(command_id, None) if isinstance(command_id, int) else None
        if future is None:
            if not line.get("ok", True):
                log.warning("the engine refused a command: %s", line.get("error"))
            return
        if line.get("ok"):
            future.set_result(line.get("value"))
        else:
            future.set_exception(ControlError(str(line.get("error") or "refused")))

    def _on_closed(self, reason: str) -> None:
        """The connection ended: every command still waiting fails with `reason`."""
        with self._pending_lock:
            pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(ControlError(reason))
        self._open_sockets.clear()
        self._held.clear()

    def _say(self, state: str, message: str) -> None:
        self.publish(EngineProcessEvent(state, time.time(), message))

    def wait_for_hello(self, timeout: float, alive: Callable[[], bool]) -> bool:
        """True once the hello arrived; False when `alive()` turned false or time ran out."""
        end = time.monotonic() + timeout
        while not self._hello_seen.wait(0.05):
            if not alive() or time.monotonic() > end:
                return False
        return True
