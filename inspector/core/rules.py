"""Reply rules: an ordered list of `Rule = Match + Action`; the first enabled rule that matches
answers, and 200 answers when none does (HTTP Toolkit's mock rules, with Deepgram-aware
matches). Plain decisions over plain data (h11 habit): `decide(rules, request)` says what to
answer one HTTP request or WebSocket upgrade, tested without a socket.

Actions:
- `Respond`: a status, headers, body and delay. On a WebSocket rule it refuses the upgrade.
- `FailFirst`: the first N attempts of each callback (core/attempts) get a failing reply; later
  attempts fall through to the next rule, so "503 twice, then whatever comes next" composes.
- `Forward`: the user's own app answers (issue 13); with forwarding on, also what happens when
  no rule answers. A failing attempt of a FailFirst rule above it answers first; a Respond
  rule above it answers instead of the app.
- `Hold`: a breakpoint. The request waits for the user's answer; `Decision.next` is what the
  rules after it would give, which answers when the hold times out.
- `CloseSocket`: accept a WebSocket, then close it after N messages or T seconds with a code
  and reason, or drop it (TCP abort).

A rule whose match does not say `websocket` applies to what its action is for: `CloseSocket`
to WebSockets, every other action to HTTP requests. So a catch-all "status = 200" never
refuses WebSocket upgrades by accident.

Rules are built from their table form by `core.rules_file.rule_from_table`, the one
constructor the rules file, the CLI's flags and the window's form all go through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from .body_view import NOT_JSON, BodyView, decode_json
from .glob import Glob
from .headers import Header, header_values
from .json_path import JsonPath
from .records import EMPTY_BODY_VIEW

HOLD_TIMEOUT = 60.0  # seconds a held request waits for the user before the next rule answers
DEFAULT_FAIL_STATUS = 500  # what a FailFirst rule's failing attempts get when no status is given


# -- actions ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Respond:
    status: int = 200
    headers: tuple[Header, ...] = ()
    body: bytes = b""
    delay: float = 0.0  # seconds to wait before answering


@dataclass(frozen=True)
class FailFirst:
    count: int  # attempts of each callback that fail (1 or more)
    reply: Respond = field(default_factory=lambda: Respond(DEFAULT_FAIL_STATUS))


@dataclass(frozen=True)
class Forward:
    """The user's app answers (forwarding, issue 13)."""


@dataclass(frozen=True)
class Hold:
    timeout: float = HOLD_TIMEOUT


@dataclass(frozen=True)
class CloseSocket:
    """Accept the WebSocket; then close it after `after_messages` from the client or
    `after_seconds`, whichever comes first (never, when both are None), with `code` and
    `reason`, or abort the TCP connection when `drop` (at once, when no `after_*`)."""

    after_messages: int | None = None
    after_seconds: float | None = None
    code: int = 1000
    reason: str = ""
    drop: bool = False


Action = Respond | FailFirst | Forward | Hold | CloseSocket

OK = Respond()  # what answers an HTTP request when no rule does
ACCEPT = CloseSocket()  # what a WebSocket upgrade gets when no rule answers: 101, kept open
FORWARD = Forward()


# -- what a rule looks at ---------------------------------------------------------------------
class Request:
    """One HTTP request or WebSocket upgrade as received, with the attempt number the receiver
    gave it. Path, query and the decoded body are computed once, when a rule first asks."""

    def __init__(
        self,
        method: str,
        target: str,
        headers: Sequence[Header] = (),
        body: bytes = b"",
        view: BodyView = EMPTY_BODY_VIEW,
        *,
        websocket: bool = False,
        attempt: int = 1,
    ) -> None:
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.view = view
        self.websocket = websocket
        self.attempt = attempt

    @cached_property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @cached_property
    def query(self) -> list[tuple[str, str]]:
        _, _, query = self.target.partition("?")
        return parse_qsl(query, keep_blank_values=True)

    @cached_property
    def json(self) -> Any:
        """The body as decoded JSON, or `NOT_JSON`."""
        return decode_json(self.body)[1] if self.body else NOT_JSON

    @property
    def streaming(self) -> bool:
        """A message of a live stream: a WebSocket callback, or a streaming result POSTed to
        an http(s) callback (it has a `type`; a pre-recorded result has none) [AAS]."""
        return self.websocket or self.view.message_type is not None


Scalar = str | int | float | bool


def _json_equal(found: Any, wanted: Scalar) -> bool:
    if isinstance(wanted, bool) or isinstance(found, bool):  # true is not 1 here
        return found is wanted
    if isinstance(wanted, (int, float)):
        return isinstance(found, (int, float)) and found == wanted
    return isinstance(found, str) and found == wanted


@dataclass(frozen=True)
class BodyField:
    """A field of the JSON body by path, equal to a value, or containing it (a string's
    substring, case-insensitive; an array's element)."""

    path: JsonPath
    value: Scalar
    contains: bool = False

    def matches(self, data: Any) -> bool:
        if data is NOT_JSON:
            return False
        for found in self.path.find(data):
            if not self.contains:
                if _json_equal(found, self.value):
                    return True
            elif isinstance(found, str) and isinstance(self.value, str):
                if self.value.casefold() in found.casefold():
                    return True
            elif isinstance(found, list) and any(_json_equal(v, self.value) for v in found):
                return True
        return False


# Where a Deepgram result keeps its transcripts: pre-recorded per channel, streaming in
# `channel` [OAS][AAS].
_TRANSCRIPTS = (
    JsonPath.parse("results.channels[*].alternatives[*].transcript"),
    JsonPath.parse("channel.alternatives[*].transcript"),
)


@dataclass(frozen=True)
class AttemptRange:
    low: int = 1
    high: int | None = None  # None: no upper bound

    def __contains__(self, attempt: int) -> bool:
        return self.low <= attempt and (self.high is None or attempt <= self.high)

    @property
    def text(self) -> str:
        """`2`, `2-4` or `3-` (3 and later): the rules file's spelling."""
        if self.high == self.low:
            return str(self.low)
        return f"{self.low}-{'' if self.high is None else self.high}"


@dataclass(frozen=True)
class Match:
    """Everything given must hold (AND); nothing given matches everything."""

    methods: tuple[str, ...] = ()  # upper case; empty: any
    path: Glob | None = None  # the path without its query
    query: tuple[tuple[str, Glob], ...] = ()  # a query key with a value matching the glob
    headers: tuple[tuple[str, Glob], ...] = ()  # a header (any case) with a matching value
    body: tuple[BodyField, ...] = ()
    attempt: AttemptRange | None = None
    websocket: bool | None = None  # None: what the action is for (see the module docstring)
    request_id: Glob | None = None
    streaming: bool | None = None  # a live stream's message vs a pre-recorded result
    transcript: str | None = None  # the transcript contains this (case-insensitive)

    def matches(self, r: Request) -> bool:
        if self.methods and r.method.upper() not in self.methods:
            return False
        if self.path is not None and not self.path.matches(r.path):
            return False
        for key, glob in self.query:
            if not any(k == key and glob.matches(v) for k, v in r.query):
                return False
        for name, glob in self.headers:
            if not any(glob.matches(v) for v in header_values(r.headers, name)):
                return False
        if self.attempt is not None and r.attempt not in self.attempt:
            return False
        if self.request_id is not None:
            request_id = r.view.request_id
            if request_id is None or not self.request_id.matches(request_id):
                return False
        if self.streaming is not None and r.streaming is not self.streaming:
            return False
        if self.transcript is not None:
            wanted = self.transcript.casefold()
            data = r.json
            if data is NOT_JSON or not any(
                isinstance(t, str) and wanted in t.casefold()
                for path in _TRANSCRIPTS
                for t in path.find(data)
            ):
                return False
        return all(f.matches(r.json) for f in self.body)


@dataclass(frozen=True)
class Rule:
    match: Match = field(default_factory=Match)
    action: Action = OK
    name: str = ""
    enabled: bool = True

    @property
    def for_websockets(self) -> bool:
        """Whether this rule looks at WebSocket upgrades (else at HTTP requests)."""
        if self.match.websocket is not None:
            return self.match.websocket
        return isinstance(self.action, CloseSocket)

    def applies(self, r: Request) -> bool:
        if r.websocket and isinstance(self.action, (Hold, FailFirst)):
            return False  # both are about HTTP requests (the rules file refuses the mix)
        return self.enabled and self.for_websockets == r.websocket and self.match.matches(r)

    def label(self, index: int) -> str:
        """How the list and `serve`'s lines name the rule: its name, else `#N` (1-based)."""
        return self.name or f"#{index + 1}"


def active_count(rules: Sequence[Rule]) -> int:
    return sum(1 for rule in rules if rule.enabled)


class HoldAnswer(Enum):
    """The user's answer to a held request, other than a reply of their own (`Respond`)."""

    NEXT_RULE = "next rule"  # answer as the rules after the hold would (also on timeout)
    DROP = "drop"  # close the connection without a reply


# -- the decision -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    """What to do with one request: `action`; `rule` labels the rule that chose it (None: no
    rule answered); for a Hold, `next` is what the rules after it give."""

    action: Respond | Forward | Hold | CloseSocket
    rule: str | None = None
    next: Decision | None = None


def decide(rules: Sequence[Rule], r: Request, *, forwarding: bool = False) -> Decision:
    """The first enabled rule that applies to `r` answers; when none does, the user's app
    (with `forwarding`) or the default: 200, or a WebSocket accepted and kept open."""
    return _decide(rules, 0, r, forwarding)


def _decide(rules: Sequence[Rule], start: int, r: Request, forwarding: bool) -> Decision:
    for index in range(start, len(rules)):
        rule = rules[index]
        if not rule.applies(r):
            continue
        action = rule.action
        label = rule.label(index)
        if isinstance(action, FailFirst):
            if r.attempt <= action.count:
                return Decision(explained(action.reply, label, r.attempt), label)
            continue  # this attempt passes: the next rule says what it gets
        if isinstance(action, Hold):
            return Decision(action, label, _decide(rules, index + 1, r, forwarding))
        if isinstance(action, Respond):
            return Decision(explained(action, label, r.attempt), label)
        return Decision(action, label)
    if forwarding:
        return Decision(FORWARD)
    return Decision(ACCEPT if r.websocket else OK)


def explained(reply: Respond, label: str, attempt: int) -> Respond:
    """A failing reply without a body says why, so a user reading Deepgram's side (or the
    emulator's attempt list) can tell a rule answered, and which."""
    if reply.body or reply.status < 400:
        return reply
    body = f"callback-inspector: rule {label} answered {reply.status} (attempt {attempt})\n"
    return Respond(
        reply.status,
        (*reply.headers, ("Content-Type", "text/plain; charset=utf-8")),
        body.encode(),
        reply.delay,
    )
