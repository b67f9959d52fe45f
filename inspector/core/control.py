"""The control API's vocabulary: commands in, results and events out, one JSON form each.

A client (the window, locally over pipes; `gui --attach`, remotely over an authenticated
WebSocket) steers an engine only with these commands and learns what happens only from its
events, in the same JSON objects `serve` prints. Plain data, no I/O: the engine applies a
command (`engine/control.py`), the transports move the JSON (`engine/control_server.py`).

Every object carries `"v": API_VERSION`. A command is `{"command": NAME, "id": N, ...}` (`id`
is the client's number for it; an exchange is named by `"exchange": ID`); its
answer is the event `{"event": "result", "id": N, "ok": true, "value": ...}` or
`{"event": "result", "id": N, "ok": false, "error": "..."}`. A command that cannot be read
(unknown name, missing or wrong field) is answered with `ok: false` and a message naming
the field, never by dropping the connection.

Why this module is long: one frozen dataclass per command of the control API and the one generic
reader and writer of their JSON form; the commands are a vocabulary read together (a client's
author reads this file as the API's reference), and splitting them would scatter that reference.
"""

from __future__ import annotations

import base64
import dataclasses
import types
import typing
from dataclasses import dataclass, replace
from typing import Any

from .emulator_faults import (
    EmulatorFaults,
    change_from_json,
    faults_from_json,
    faults_to_json,
)
from .handler_checks import CheckRequest, HandlerCheckSettings, case_named
from .rules import HoldAnswer, Respond, Rule
from .rules_file import RuleError, reply_from_table, rule_from_table, rule_to_table
from .settings import (
    EmulatorSettings,
    ForwardSettings,
    GuardSettings,
    PublicUrlSettings,
    ReceiverSettings,
)

API_VERSION = 1


class CommandError(ValueError):
    """A command the engine cannot read or carry out; the message says what to change."""


# -- the commands -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SetReceiverSettings:
    """New receiver limits (host and port stay as bound until a restart)."""

    settings: ReceiverSettings
    name = "set_receiver_settings"


@dataclass(frozen=True)
class SetEmulatorSettings:
    """New emulator settings for the next job (its port stays as bound)."""

    settings: EmulatorSettings
    name = "set_emulator_settings"


@dataclass(frozen=True)
class SetRules:
    """Replace the reply rules (in order; each in its rules-file table form, as JSON)."""

    rules: tuple[Rule, ...]
    name = "set_rules"


@dataclass(frozen=True)
class SetEmulatorFaults:
    """Replace the emulator's injected faults (Deepgram's failures on demand,
    core/emulator_faults.py); replies and callbacks held by a delay go."""

    faults: EmulatorFaults
    name = "set_emulator_faults"


@dataclass(frozen=True)
class UpdateEmulatorFaults:
    """Change one part of the faults against what is left in the engine (`change_faults`):
    `add_fail`, `remove_fail`, `delay`, `drop`, `callback_delay`; only the parts given."""

    change: dict[str, Any]  # change_to_json's form, checked on reading
    name = "update_emulator_faults"


@dataclass(frozen=True)
class CloseWebSocket:
    """Close a live receiver socket with a close frame."""

    exchange: int
    code: int = 1000
    reason: str = ""
    name = "close_websocket"


@dataclass(frozen=True)
class DropWebSocket:
    """Abort a live receiver socket's TCP connection, no close frame."""

    exchange: int
    name = "drop_websocket"


@dataclass(frozen=True)
class SendWebSocketText:
    """Send a text message to the client of a live receiver socket."""

    exchange: int
    text: str
    name = "send_websocket_text"


@dataclass(frozen=True)
class ClearAttempts:
    """Forget the attempt counts (the window's Clear): the next request is attempt 1."""

    name = "clear"


@dataclass(frozen=True)
class FetchExchange:
    """One exchange in full (bodies, WebSocket messages): the list holds light rows."""

    exchange: int
    name = "fetch_exchange"


@dataclass(frozen=True)
class FetchList:
    """Light rows of the exchanges with an id above `after` (at most `limit`): what an
    attaching client missed before it connected."""

    after: int = 0
    limit: int = 1000
    name = "fetch_list"


@dataclass(frozen=True)
class Submit:
    """Send audio to Deepgram's API (`base_url`: the emulator's or https://api.deepgram.com)
    as the submit panel does; the result is the reply (`status`, `body`, `request_id`), or
    for a stream how it closed and every message (`code`, `reason`, `messages`). The audio is
    a file on the engine's machine (`path`), a URL (`url`), or its bytes (`audio`, base64,
    with `filename` for its type: how a window attached from elsewhere sends a file)."""

    base_url: str
    key: str
    path: str | None = None
    url: str | None = None
    audio: str | None = None
    filename: str = "audio"
    params: tuple[tuple[str, str], ...] = ()
    stream: bool = False
    speed: float = 1.0
    name = "submit"


@dataclass(frozen=True)
class Replay:
    """Send exchange `exchange`'s request again to `url`, with any of method, headers and body
    (base64) replaced; the result is the reply (`status`, `headers`, `body` base64)."""

    exchange: int
    url: str
    method: str | None = None
    headers: tuple[tuple[str, str], ...] | None = None
    body: str | None = None
    name = "replay"


@dataclass(frozen=True)
class StartHandlerCheck:
    """Act as Deepgram against the user's handler at `url` (issue 19); the result is
    `{"run": N}`, progress the `check_start`, `check_case` and `check_summary` events of run
    N. `only` and `skip` are comma-separated case names; `user` and `password` the basic
    auth the handler expects."""

    url: str
    user: str | None = None
    password: str | None = None
    dg_token: str | None = None
    only: str | None = None
    skip: str = ""
    settings: HandlerCheckSettings = dataclasses.field(default_factory=HandlerCheckSettings)
    name = "start_handler_check"


@dataclass(frozen=True)
class CancelHandlerCheck:
    """Stop handler-check run `run` (it ends with a cancelled `check_summary`)."""

    run: int
    name = "cancel_handler_check"


@dataclass(frozen=True)
class AnswerHeld:
    """Answer a request a breakpoint rule holds: `answer` is "reply" (with `status`,
    `headers`, `body` base64), "next rule" (as the rules after the hold would) or "drop" (close
    its connection). The result is true, or false when it was no longer held."""

    exchange: int
    answer: str = "reply"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    name = "answer_held"


@dataclass(frozen=True)
class Stop:
    """Stop the engine process (serve exits 0, as on SIGTERM)."""

    name = "stop"


@dataclass(frozen=True)
class SetForwarding:
    """Forward requests to the user's app (issue 13): `serve --forward-to`'s setting."""

    settings: ForwardSettings
    name = "set_forwarding"


@dataclass(frozen=True)
class SetGuards:
    """The receiver's guards: basic auth, a dg-token, a pinned secret path (never argv)."""

    settings: GuardSettings
    name = "set_guards"


@dataclass(frozen=True)
class StartPublicUrl:
    """Start (or restart) a public URL; its states come as `public_url` events."""

    settings: PublicUrlSettings
    name = "start_public_url"


@dataclass(frozen=True)
class StopPublicUrl:
    """Stop the public URL (the secret callback path is no longer demanded)."""

    name = "stop_public_url"


Command = (
    SetRules
    | SetReceiverSettings
    | SetEmulatorSettings
    | SetEmulatorFaults
    | UpdateEmulatorFaults
    | CloseWebSocket
    | DropWebSocket
    | SendWebSocketText
    | ClearAttempts
    | FetchExchange
    | FetchList
    | Submit
    | Replay
    | StartHandlerCheck
    | CancelHandlerCheck
    | AnswerHeld
    | SetForwarding
    | SetGuards
    | StartPublicUrl
    | StopPublicUrl
    | Stop
)

COMMANDS: dict[str, type[Command]] = {
    cls.name: cls
    for cls in (
        SetRules,
        SetReceiverSettings,
        SetEmulatorSettings,
        SetEmulatorFaults,
        UpdateEmulatorFaults,
        CloseWebSocket,
        DropWebSocket,
        SendWebSocketText,
        ClearAttempts,
        FetchExchange,
        FetchList,
        Submit,
        Replay,
        StartHandlerCheck,
        CancelHandlerCheck,
        AnswerHeld,
        SetForwarding,
        SetGuards,
        StartPublicUrl,
        StopPublicUrl,
        Stop,
    )
}


# -- JSON -------------------------------------------------------------------------------------
def settings_to_json(settings: Any) -> dict[str, Any]:
    """A settings dataclass as a JSON object of its fields."""
    return dataclasses.asdict(settings)


def settings_from_json(cls: type, value: Any, where: str) -> Any:
    """A settings dataclass from a JSON object: unknown keys and wrong types are errors that
    name the key; missing keys keep their defaults."""
    if not isinstance(value, dict):
        raise CommandError(f"{where} must be an object of settings, not {_kind(value)}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise CommandError(f"{where}: unknown setting {unknown[0]!r} (known: {', '.join(fields)})")
    hints = typing.get_type_hints(cls)
    values = {k: _checked(v, hints[k], f"{where}.{k}") for k, v in value.items()}
    return cls(**values)


def command_to_json(command: Command, command_id: int) -> dict[str, Any]:
    """The JSON object that carries `command` with the client's `command_id`."""
    body: dict[str, Any] = {"command": command.name, "v": API_VERSION, "id": command_id}
    for f in dataclasses.fields(command):
        value = getattr(command, f.name)
        if isinstance(command, SetRules) and f.name == "rules":
            body[f.name] = [rule_to_table(r) for r in command.rules]
        elif isinstance(value, EmulatorFaults):
            body[f.name] = faults_to_json(value)
        elif isinstance(command, UpdateEmulatorFaults):
            body[f.name] = value
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            body[f.name] = settings_to_json(value)
        elif isinstance(value, tuple):
            body[f.name] = [list(p) for p in value]
        else:
            body[f.name] = value
    return body


def command_from_json(value: Any) -> tuple[int | None, Command]:
    """`(id, command)` from a JSON object; CommandError (with the id when one was readable)
    says what is wrong."""
    if not isinstance(value, dict):
        raise CommandError(f"a command is a JSON object, not {_kind(value)}")
    command_id = value.get("id")
    if command_id is not None and (isinstance(command_id, bool) or not isinstance(command_id, int)):
        raise CommandError(f"'id' must be a whole number, not {_kind(command_id)}")
    name = value.get("command")
    cls = COMMANDS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise CommandIdError(
            command_id,
            f"unknown command {name!r}; known: {', '.join(sorted(COMMANDS))}",
        )
    try:
        return command_id, _build(cls, value)
    except CommandError as exc:
        raise CommandIdError(command_id, str(exc)) from None


class CommandIdError(CommandError):
    """A CommandError for a command whose id could be read: its answer can name it."""

    def __init__(self, command_id: int | None, message: str) -> None:
        super().__init__(message)
        self.command_id = command_id


def result_json(command_id: int | None, value: Any = None, error: str | None = None) -> dict:
    """The `result` event answering command `command_id`."""
    body: dict[str, Any] = {"event": "result", "v": API_VERSION, "id": command_id}
    if error is None:
        body.update(ok=True, value=value)
    else:
        body.update(ok=False, error=error)
    return body


def _build(cls: type[Command], value: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - set(known) - {"command", "v", "id"})
    if unknown:
        raise CommandError(f"{cls.name}: unknown field {unknown[0]!r}")
    args: dict[str, Any] = {}
    for name, f in known.items():
        if name not in value:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise CommandError(f"{cls.name} needs {name!r}")
            continue
        hint = hints[name]
        if cls is SetRules and name == "rules":
            args[name] = _rules(value[name])
        elif hint is EmulatorFaults or cls is UpdateEmulatorFaults:
            try:  # read now: a wrong fault is the command's error, not the engine's
                if cls is UpdateEmulatorFaults:
                    change_from_json(value[name])
                    args[name] = value[name]
                else:
                    args[name] = faults_from_json(value[name])
            except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
                raise CommandError(f"{cls.name}.{name}: {exc}") from None
        elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
            args[name] = settings_from_json(hint, value[name], f"{cls.name}.{name}")
        else:
            args[name] = _checked(value[name], hint, f"{cls.name}.{name}")
    return cls(**args)


def _checked(value: Any, hint: Any, where: str) -> Any:
    """`value` if it is of type `hint` (int, float, str, bool, a tuple of text pairs,
    Optional of those); floats accept whole numbers."""
    options = typing.get_args(hint) if _is_union(hint) else (hint,)
    for option in options:
        if option is type(None) and value is None:
            return None
        if typing.get_origin(option) is tuple and isinstance(value, list | tuple):
            return _pairs(value, where)
        if option is bool and isinstance(value, bool):
            return value
        if option is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if option is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if option is str and isinstance(value, str):
            return value
    wanted = " or ".join(getattr(o, "__name__", str(o)) for o in options)
    raise CommandError(f"{where} must be {wanted}, not {_kind(value)}")


def _rules(value: Any) -> tuple[Rule, ...]:
    if not isinstance(value, list):
        raise CommandError(f"set_rules.rules must be a list of rule tables, not {_kind(value)}")
    rules = []
    for n, table in enumerate(value, 1):
        if not isinstance(table, dict):
            raise CommandError(f"set_rules.rules: rule {n} must be a table, not {_kind(table)}")
        try:
            rules.append(rule_from_table(table))
        except RuleError as exc:
            raise CommandError(f"set_rules.rules: rule {n}: {exc}") from None
    return tuple(rules)


def _pairs(value: list[Any] | tuple[Any, ...], where: str) -> tuple[tuple[str, str], ...]:
    """A list of `[text, text]` pairs (headers, query parameters) as a tuple of tuples."""
    pairs = []
    for n, pair in enumerate(value):
        if not (
            isinstance(pair, list | tuple)
            and len(pair) == 2
            and all(isinstance(p, str) for p in pair)
        ):
            raise CommandError(f"{where}[{n}] must be a pair of texts, not {_kind(pair)}")
        pairs.append((pair[0], pair[1]))
    return tuple(pairs)


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(
        type(value), "null" if value is None else f"a {type(value).__name__}"
    )


def check_command(request: CheckRequest) -> StartHandlerCheck:
    """The command that runs `request` in an engine elsewhere."""
    user, password = request.basic_auth or (None, None)
    return StartHandlerCheck(
        url=request.url,
        user=user,
        password=password,
        dg_token=request.dg_token,
        only=None if request.only is None else ",".join(c.value for c in request.only),
        skip=",".join(c.value for c in request.skip),
        settings=request.settings,
    )


def check_request(command: StartHandlerCheck) -> CheckRequest:
    """The run a `start_handler_check` command asks for; CommandError for an unknown case."""

    def cases(text: str) -> tuple[Any, ...]:
        try:
            return tuple(case_named(name) for name in text.split(",") if name.strip())
        except ValueError as exc:
            raise CommandError(f"start_handler_check: {exc}") from None

    auth = None if command.user is None else (command.user, command.password or "")
    return CheckRequest(
        url=command.url,
        basic_auth=auth,
        dg_token=command.dg_token,
        only=None if command.only is None else cases(command.only),
        skip=cases(command.skip),
        settings=command.settings,
    )


def answer_command(exchange_id: int, answer: Respond | HoldAnswer) -> AnswerHeld:
    """The command that gives a held request `answer`."""
    if isinstance(answer, HoldAnswer):
        return AnswerHeld(exchange_id, answer.value)
    body = base64.b64encode(answer.body).decode("ascii")
    return AnswerHeld(exchange_id, "reply", answer.status, answer.headers, body)


def held_answer(command: AnswerHeld) -> Respond | HoldAnswer:
    """The answer an `answer_held` command gives; CommandError says what is wrong with it."""
    if command.answer != "reply":
        try:
            return HoldAnswer(command.answer)
        except ValueError:
            choices = ", ".join(repr(a) for a in ("reply", *(h.value for h in HoldAnswer)))
            raise CommandError(f"answer_held.answer must be one of {choices}") from None
    try:
        body = base64.b64decode(command.body, validate=True)
    except ValueError:
        raise CommandError("answer_held.body must be base64") from None
    table = {"status": command.status, "headers": [list(h) for h in command.headers]}
    try:
        return replace(reply_from_table(table), body=body)
    except RuleError as exc:
        raise CommandError(f"answer_held.{exc.key}: {exc.message}") from None


def supported_commands() -> list[str]:
    """The hello's "supports": what a client may send this engine."""
    return sorted(COMMANDS)
