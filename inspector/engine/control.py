"""Carrying out control-API commands on the engine, and what the engine says first (`hello`).

Both transports use this: the window's child engine over pipes (`serve --control-stdio`) and a
remote client over the authenticated WebSocket (`serve --control-port`). A command arrives as
JSON, is read by `core.control`, applied here on the engine loop, and answered with a `result`
object; a command that cannot be read or carried out is answered `ok: false` with the reason.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..core.control import (
    API_VERSION,
    AnswerHeld,
    CancelHandlerCheck,
    ClearAttempts,
    CloseWebSocket,
    Command,
    CommandError,
    CommandIdError,
    DropWebSocket,
    FetchExchange,
    FetchList,
    Replay,
    SendWebSocketText,
    SetEmulatorFaults,
    SetEmulatorSettings,
    SetForwarding,
    SetGuards,
    SetReceiverSettings,
    SetRules,
    StartHandlerCheck,
    StartPublicUrl,
    Stop,
    StopPublicUrl,
    Submit,
    UpdateEmulatorFaults,
    check_request,
    command_from_json,
    held_answer,
    result_json,
    settings_to_json,
    supported_commands,
)
from ..core.emulator_faults import change_from_json, faults_to_json
from ..core.event_json import event_to_json
from ..core.event_read import exchange_to_record, message_to_record
from ..core.rules_file import rule_to_table
from .client import SubmitError
from .replay import replay, replay_request
from .submission import submit

if TYPE_CHECKING:
    from .engine import Engine

log = logging.getLogger(__name__)


def hello(engine: Engine) -> dict[str, Any]:
    """The first object a client gets: who this engine is, where it listens, what it takes."""
    emulator = engine.emulator_settings()
    problem = engine.storage_problem
    return {
        "event": "hello",
        "v": API_VERSION,
        "api": API_VERSION,
        "app_version": __version__,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "receiver": engine.receiver_url,
        "emulator": engine.emulator_url,
        "session": str(engine.session_path) if engine.session_path else None,
        "receiver_settings": settings_to_json(engine.receiver_settings()),
        "emulator_settings": settings_to_json(emulator) if emulator is not None else None,
        "storage": None if problem is None else event_to_json(problem),
        "rules": [rule_to_table(r) for r in engine.rules()],  # as set_rules takes them
        "last_id": engine.recall.last_id(),  # what an attaching client catches up to
        "emulator_faults": faults_to_json(engine.emulator_faults()),
        "supports": supported_commands(),
        # Issue 13 (guards are not repeated here: they hold a password).
        "forwarding": settings_to_json(engine.forwarding),
        "public_url": event_to_json(engine.public_url),
    }


class ControlHandler:
    """Applies commands to one engine. `on_stop` is what the `stop` command does (serve ends
    its process)."""

    def __init__(self, engine: Engine, on_stop: Callable[[], None]) -> None:
        self.engine = engine
        self._on_stop = on_stop

    async def handle(self, raw: Any) -> dict[str, Any]:
        """The `result` object for one JSON command (already parsed), whatever it holds."""
        try:
            command_id, command = command_from_json(raw)
        except CommandIdError as exc:
            return result_json(exc.command_id, error=str(exc))
        except CommandError as exc:
            return result_json(None, error=str(exc))
        try:
            value = await self.apply(command)
        except (CommandError, LookupError, RuntimeError, ValueError, OSError, SubmitError) as exc:
            message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            return result_json(command_id, error=str(message))
        except Exception as exc:  # a bug of ours: said to the client, logged, never fatal
            log.exception("the %s command failed", command.name)
            return result_json(command_id, error=f"{type(exc).__name__}: {exc}")
        return result_json(command_id, value)

    async def apply(self, command: Command) -> Any:
        engine = self.engine
        receiver = engine.receiver
        if isinstance(command, SetRules):
            engine.set_rules(command.rules)
            return None
        if isinstance(command, SetReceiverSettings):
            engine.set_receiver_settings(command.settings)
            return None
        if isinstance(command, SetEmulatorSettings):
            engine.set_emulator_settings(command.settings)
            return None
        if isinstance(command, SetEmulatorFaults):
            engine.set_emulator_faults(command.faults)
            return None
        if isinstance(command, UpdateEmulatorFaults):
            faults = engine.update_emulator_faults(**change_from_json(command.change))
            return faults_to_json(faults)
        if isinstance(command, CloseWebSocket):
            return await receiver.close_websocket(command.exchange, command.code, command.reason)
        if isinstance(command, DropWebSocket):
            return await receiver.drop_websocket(command.exchange)
        if isinstance(command, SendWebSocketText):
            await receiver.send_websocket_text(command.exchange, command.text)
            return None
        if isinstance(command, ClearAttempts):
            receiver.reset_attempts()
            return None
        if isinstance(command, FetchExchange):
            loop = asyncio.get_running_loop()
            found = await loop.run_in_executor(None, engine.recall.exchange, command.exchange)
            if found is None:
                raise LookupError(f"no exchange #{command.exchange} in this engine's session")
            x, messages = found
            return {
                "exchange": exchange_to_record(x),
                "messages": [message_to_record(m) for m in messages],
            }
        if isinstance(command, FetchList):
            limit = max(0, min(command.limit, 10_000))
            rows = await asyncio.get_running_loop().run_in_executor(
                None, engine.recall.after, command.after, limit
            )
            return [exchange_to_record(x, light=True) for x in rows]
        if isinstance(command, Submit):
            return await submit(command)
        if isinstance(command, Replay):
            body = None if command.body is None else base64.b64decode(command.body)
            if command.method is not None and command.headers is not None and body is not None:
                # The request in full (a stored session's row): nothing to look up.
                reply = await replay_request(command.method, command.url, command.headers, body)
            else:
                loop = asyncio.get_running_loop()
                found = await loop.run_in_executor(None, engine.recall.exchange, command.exchange)
                if found is None:
                    raise LookupError(f"no exchange #{command.exchange} in this engine's session")
                reply = await replay(
                    found[0],
                    command.url,
                    method=command.method,
                    headers=command.headers,
                    body=body,
                )
            return {
                "status": reply.status,
                "headers": [list(h) for h in reply.headers],
                "body": base64.b64encode(reply.body).decode("ascii"),
            }
        if isinstance(command, StartHandlerCheck):
            run = await asyncio.wrap_future(engine.start_handler_check(check_request(command)))
            return {"run": run}
        if isinstance(command, CancelHandlerCheck):
            engine.cancel_handler_check(command.run)
            return None
        if isinstance(command, AnswerHeld):
            return receiver.answer_held(command.exchange, held_answer(command))  # on this loop
        if isinstance(command, SetForwarding):
            engine.set_forwarding(command.settings)
            return None
        if isinstance(command, SetGuards):
            engine.set_guards(command.settings)
            return None
        if isinstance(command, StartPublicUrl):
            engine.start_public_url(command.settings)  # states follow as public_url events
            return None
        if isinstance(command, StopPublicUrl):
            engine.stop_public_url()
            return None
        if isinstance(command, Stop):
            self._on_stop()
            return None
        raise CommandError(f"the engine cannot carry out {command.name!r}")
