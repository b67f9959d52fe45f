"""`CallbackReceiver`: a real callback endpoint in a `with` block, to see what Deepgram sends.

The receiver of `callback-inspector serve` (any method, any path, WebSockets; headers in wire
order; Deepgram's retries counted per `request_id`) on 127.0.0.1 and a free port, on a
background thread. `reply()` chooses the answer (a status, "fail the first N attempts", a
delay) to watch the retries; `wait_for()` returns what arrived.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.basic_auth import BasicAuth
from ..core.deepgram_result import first_alternative
from ..core.events import Event, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from ..core.headers import first_header
from ..core.records import Direction, Exchange, ExchangeKind, WsMessage
from ..core.rules import Rule
from ..core.rules_file import (
    RuleError,
    delay_ms,
    load_rules,
    quick_tables,
    rule_from_table,
    rule_to_table,
)
from ..core.settings import ReceiverSettings
from ._loop import HostedServer, changed_settings
from .waiting import Arrivals, Query, plural

SHOWN_IN_ERRORS = 10  # arrivals listed in a timeout's message


def _transcript(body: Any) -> str | None:
    """The first alternative's transcript of a pre-recorded or a streaming result."""
    alternative = first_alternative(body)
    transcript = alternative.get("transcript") if alternative is not None else None
    return transcript if isinstance(transcript, str) else None


@dataclass(frozen=True)
class Callback:
    """One HTTP request the receiver got (a callback attempt), with the reply it gave."""

    method: str
    path: str  # without the query string
    target: str  # path and query, as sent
    headers: tuple[tuple[str, str], ...]  # wire order, duplicates kept
    body: bytes
    status: int | None  # what the receiver answered; None while a delayed reply waits
    attempt: int  # 1 the first time this request_id arrived, then 2, 3...
    request_id: str | None  # metadata.request_id of the body
    time: float  # epoch seconds, when the request head arrived
    note: str = ""  # why it was refused, if it was (e.g. a body over the size limit)
    rule: str | None = None  # the reply rule that answered (its name or "#N"); None: none did

    def header(self, name: str) -> str | None:
        """The first header called `name` (any case), or None."""
        return first_header(self.headers, name)

    @property
    def dg_token(self) -> str | None:
        """The `dg-token` header: the identifier of the API key that asked (not the key)."""
        return self.header("dg-token")

    @property
    def basic_auth(self) -> BasicAuth | None:
        """User and password from a `user:pass@` callback URL (sent as Basic auth)."""
        from ..core.basic_auth import parse_basic_auth

        return parse_basic_auth(self.header("authorization"))

    def json(self) -> Any:
        """The body parsed as JSON (ValueError says why when it is not)."""
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise ValueError(
                f"the body of {self.method} {self.path} is not JSON ({exc}): {self.body[:200]!r}"
            ) from None

    @property
    def transcript(self) -> str | None:
        """`results.channels[0].alternatives[0].transcript`, or None for other bodies."""
        try:
            return _transcript(json.loads(self.body))
        except ValueError:
            return None

    def __str__(self) -> str:
        rid = f"request_id {self.request_id}" if self.request_id else "no request_id"
        answered = f"answered {self.status}" if self.status is not None else "reply pending"
        return f"{self.method} {self.target} ({rid}, attempt {self.attempt}, {answered})"


@dataclass(frozen=True)
class CallbackMessage:
    """One text or binary message on a WebSocket callback (a streaming `ws(s)://` one)."""

    socket: int  # which WebSocket: 1, 2... in the order they opened
    path: str
    data: bytes
    text: str | None  # None for a binary message
    time: float

    def json(self) -> Any:
        if self.text is None:
            raise ValueError(f"a binary message of {len(self.data)} bytes is not JSON")
        return json.loads(self.text)

    @property
    def type(self) -> str | None:
        """The message's `type` (`Results`, `Metadata`...), or None."""
        try:
            value = self.json().get("type")
        except (ValueError, AttributeError):
            return None
        return value if isinstance(value, str) else None

    @property
    def transcript(self) -> str | None:
        try:
            return _transcript(self.json())
        except ValueError:
            return None


def reply_rules(
    status: int, fail_first: int, delay: float, body: bytes, headers: Any
) -> tuple[Rule, ...]:
    """What `reply()` means as receiver rules: the quick choices of `serve`'s shorthand flags
    (`--reply-status`, `--fail-first`, `--reply-delay`), through the same constructor, so
    `reply(status=503, fail_first=2)` is `serve --fail-first 2 --reply-status 503`."""
    tables = quick_tables(
        status=None if status == 200 else status,  # 200 is "not given": fail_first fails 500
        delay_ms=delay_ms(delay) or None,
        fail_first=fail_first or None,
        body=body or None,
        headers=tuple(headers),
    )
    return tuple(rule_from_table(t) for t in tables)


RuleLike = Rule | Mapping[str, Any]


def rules_from(rules: Iterable[RuleLike] | os.PathLike[str]) -> tuple[Rule, ...]:
    """Reply rules from what a test has at hand: `Rule` objects, rule tables (dicts with the
    keys of a rules file's `[[rule]]`, as `set_rules` takes them over the control API), or
    the path of a rules file. A mistake raises `ValueError` naming the rule and the key."""
    if isinstance(rules, os.PathLike):
        path = Path(rules)
        return load_rules(path.read_text(encoding="utf-8"), source=str(path))
    if isinstance(rules, str | bytes | Mapping):
        raise TypeError(
            "rules are a list of rule tables or Rule objects, or a rules file as a Path "
            f"(not a {type(rules).__name__})"
        )
    made: list[Rule] = []
    for number, rule in enumerate(rules, 1):
        if isinstance(rule, Rule):
            made.append(rule)
            continue
        if not isinstance(rule, Mapping):
            raise TypeError(f"rule {number} must be a table (a dict) or a Rule, not {rule!r}")
        try:
            made.append(rule_from_table(rule))
        except RuleError as exc:
            name = rule.get("name")
            which = f"rule {number}" + (f" ({name!r})" if isinstance(name, str) and name else "")
            raise RuleError(exc.key, f"{exc.message} (in {which})") from None
    return tuple(made)


class CallbackReceiver(HostedServer):
    """A callback URL on 127.0.0.1 that records every request, started by `with`.

    ```python
    with CallbackReceiver() as receiver:
        receiver.reply(status=503, fail_first=2)   # 503, 503, then 200 per request_id
        ...  # give Deepgram (or the emulator) receiver.url + "/hook"
        first, second, third = receiver.wait_for(count=3)
    ```
    `rules` are reply rules to start with (see `set_rules`); other keyword arguments are
    receiver settings (`max_body`, `max_headers`...), as `serve`'s.
    """

    _what = "receiver"

    def __init__(
        self, *, rules: Iterable[RuleLike] | os.PathLike[str] = (), **settings: Any
    ) -> None:
        base = ReceiverSettings(host="127.0.0.1", port=0)
        self._settings = changed_settings(base, settings, "receiver")
        self._initial_rules = rules_from(rules)  # a mistake is raised before anything starts
        super().__init__("callback-receiver")
        self._arrivals = Arrivals()
        self._exchanges: dict[int, Exchange] = {}  # HTTP requests, by id
        self._sockets: dict[int, Exchange] = {}  # WebSocket connections, by id
        self._messages: list[WsMessage] = []
        self._ws_ids: dict[int, int] = {}  # exchange id -> 1, 2... in opening order

    def _make_server(self) -> Any:
        from ..engine.receiver import Receiver

        return Receiver(self._settings, self._record, rules=self._initial_rules)

    def reply(
        self,
        status: int = 200,
        fail_first: int = 0,
        delay: float = 0.0,
        body: bytes = b"",
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        """How to answer from the next request on: `status` to every request; with
        `fail_first=N`, the first N attempts of each request_id get `status` (500 when
        `status` is 200), later ones 200; `delay` seconds before each reply."""
        if not 100 <= status <= 999:
            raise ValueError(f"not an HTTP status: {status}")
        if fail_first < 0 or delay < 0:
            raise ValueError("fail_first and delay must be 0 or more")
        rules = reply_rules(status, fail_first, delay, body, headers)  # RuleError: a ValueError
        self._running.rules = rules  # an atomic swap, as Engine.set_rules does

    def set_rules(self, rules: Iterable[RuleLike] | os.PathLike[str]) -> None:
        """Answer by ordered reply rules from the next request on, as `serve --rules FILE`:
        the first enabled rule that matches answers, 200 when none does. `rules`: rule tables
        (`{"match": {"method": "PUT"}, "fail_first": 2, "status": 503}`, the keys of the
        README's "Reply rules"), `Rule` objects, or a rules file's `Path`. Replaces what
        `reply()` or earlier rules set; `set_rules([])` answers 200 to everything. Each
        `Callback.rule` says which rule answered it."""
        self._running.rules = rules_from(rules)

    @property
    def rules(self) -> list[dict[str, Any]]:
        """The reply rules in force, as rule tables (what `reply()` set, too)."""
        return [rule_to_table(r) for r in self._running.rules]

    # -- what arrived --------------------------------------------------------------------------
    def _record(self, event: Event) -> None:
        with self._arrivals.lock:
            if isinstance(event, ExchangeAdded | ExchangeUpdated):
                x = event.exchange
                if x.kind is ExchangeKind.WEBSOCKET:
                    self._ws_ids.setdefault(x.id, len(self._ws_ids) + 1)
                    self._sockets[x.id] = x
                else:
                    self._exchanges[x.id] = x
            elif isinstance(event, WsMessageAdded):
                if event.message.direction is Direction.IN:
                    self._messages.append(event.message)
            self._arrivals.notify()

    @staticmethod
    def _callback(x: Exchange) -> Callback:
        return Callback(
            method=x.method,
            path=x.path,
            target=x.target,
            headers=tuple(x.headers),
            body=x.body,
            status=x.status,
            attempt=x.attempt,
            request_id=x.request_id,
            time=x.started,
            note=x.note,
            rule=x.rule,
        )

    def _message(self, m: WsMessage) -> CallbackMessage:
        socket = self._sockets.get(m.exchange_id)
        return CallbackMessage(
            socket=self._ws_ids.get(m.exchange_id, 0),
            path=socket.path if socket else "",
            data=m.data,
            text=m.text,
            time=m.time,
        )

    def callbacks(self, request_id: str | None = None) -> list[Callback]:
        """Every HTTP request so far (of `request_id`, if given), in arrival order."""
        with self._arrivals.lock:
            return self._matching(request_id)

    def _matching(self, request_id: str | None) -> list[Callback]:
        return [
            self._callback(x)
            for x in self._exchanges.values()
            if request_id is None or x.request_id == request_id
        ]

    def wait_for(
        self, count: int = 1, request_id: str | None = None, timeout: float = 10.0
    ) -> list[Callback]:
        """The first `count` requests (of `request_id`, if given) once they have arrived."""
        return self._arrivals.wait(*self._callbacks_query(count, request_id, timeout), timeout)

    async def wait_for_async(
        self, count: int = 1, request_id: str | None = None, timeout: float = 10.0
    ) -> list[Callback]:
        """`wait_for`, awaited: the test's own event loop keeps running."""
        query = self._callbacks_query(count, request_id, timeout)
        return await self._arrivals.wait_async(*query, timeout)

    def _callbacks_query(
        self, count: int, request_id: str | None, timeout: float
    ) -> Query[list[Callback]]:
        if count < 1:
            raise ValueError(f"count must be 1 or more, not {count}")

        def found() -> list[Callback] | None:
            matching = self._matching(request_id)
            return matching[:count] if len(matching) >= count else None

        def explain() -> str:
            which = f" for request_id {request_id}" if request_id else ""
            expected = (
                f"expected {plural(count, 'callback')}{which} at {self.url} within {timeout:g} s"
            )
            everything = [self._callback(x) for x in self._exchanges.values()]
            if not everything:
                return (
                    f"{expected}; nothing arrived (is the callback URL this receiver's? does "
                    "the emulator accept its port: relaxed_ports?)"
                )
            matching = self._matching(request_id)
            shown = "; ".join(str(c) for c in everything[-SHOWN_IN_ERRORS:])
            return (
                f"{expected}; {len(matching)} matched, {plural(len(everything), 'request')} "
                f"arrived in all (last ones: {shown})"
            )

        return found, explain

    def messages(self) -> list[CallbackMessage]:
        """Every message received on WebSocket callbacks so far, in arrival order."""
        with self._arrivals.lock:
            return [self._message(m) for m in self._messages]

    def wait_for_messages(self, count: int = 1, timeout: float = 10.0) -> list[CallbackMessage]:
        """The first `count` WebSocket callback messages once they have arrived."""
        return self._arrivals.wait(*self._messages_query(count, timeout), timeout)

    async def wait_for_messages_async(
        self, count: int = 1, timeout: float = 10.0
    ) -> list[CallbackMessage]:
        """`wait_for_messages`, awaited: the test's own event loop keeps running."""
        return await self._arrivals.wait_async(*self._messages_query(count, timeout), timeout)

    def _messages_query(self, count: int, timeout: float) -> Query[list[CallbackMessage]]:
        if count < 1:
            raise ValueError(f"count must be 1 or more, not {count}")

        def found() -> list[CallbackMessage] | None:
            if len(self._messages) < count:
                return None
            return [self._message(m) for m in self._messages[:count]]

        def explain() -> str:
            return (
                f"expected {plural(count, 'WebSocket message')} at {self.ws_url} within "
                f"{timeout:g} s; {plural(len(self._sockets), 'socket')} opened, "
                f"{plural(len(self._messages), 'message')} arrived"
            )

        return found, explain

    def clear(self) -> None:
        """Forget what arrived (attempt numbers are kept: a retry still counts as one)."""
        with self._arrivals.lock:
            self._exchanges.clear()
            self._messages.clear()
