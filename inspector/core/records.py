"""The records every layer speaks: `Exchange`, `WsMessage`, `WsEnd`.

An `Exchange` is one HTTP request with the reply we gave, or one WebSocket connection and how
it ended. Records are frozen; the receiver publishes a new version (`dataclasses.replace`)
when something changes (a reply left, a socket closed). WebSocket messages are separate
records, ordered by `index` within their exchange, so a long-lived socket never makes a
record grow without bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .basic_auth import BasicAuth, parse_basic_auth
from .body_view import BodyView, view_body
from .forward import ForwardResult
from .headers import Header, first_header

# The view of an empty body, shared: views are frozen, and a default built per record showed
# in the receiver's profile (bench/README.md).
EMPTY_BODY_VIEW = view_body(b"")


class ExchangeKind(Enum):
    HTTP = "http"
    WEBSOCKET = "websocket"


class Direction(Enum):
    IN = "in"  # client -> receiver
    OUT = "out"  # receiver -> client


class WsKind(Enum):
    TEXT = "text"
    BINARY = "binary"


class ClosedBy(Enum):
    CLIENT = "client"
    SERVER = "server"
    ABORT = "abort"  # TCP dropped without a close handshake (either side)


@dataclass(frozen=True)
class WsEnd:
    by: ClosedBy
    code: int | None
    reason: str = ""


@dataclass(frozen=True)
class WsMessage:
    exchange_id: int
    index: int  # 0, 1, 2... within the exchange, both directions interleaved
    direction: Direction
    kind: WsKind
    data: bytes
    time: float  # epoch seconds

    @property
    def text(self) -> str | None:
        """The text of a text frame (always valid UTF-8 per RFC 6455 once accepted)."""
        if self.kind is not WsKind.TEXT:
            return None
        return self.data.decode("utf-8", errors="backslashreplace")


@dataclass(frozen=True)
class Exchange:
    id: int
    kind: ExchangeKind
    started: float  # epoch seconds, request head received
    client: str  # "host:port" of the peer
    method: str  # "WS" is not used: a WebSocket keeps its real method (GET)
    target: str  # the raw request target, path and query as sent
    http_version: str
    headers: tuple[Header, ...]  # wire order, duplicates kept, undecodable bytes escaped
    body: bytes = b""  # empty when over the body limit (see body_size / note)
    body_size: int = 0  # bytes received, or the declared Content-Length when refused
    attempt: int = 1  # 1 the first time this receiver saw the request_id (or method+path)
    status: int | None = None  # reply status; for WebSockets 101 or the refusal status
    reply_headers: tuple[Header, ...] = ()
    reply_body: bytes = b""
    finished: float | None = None  # reply sent / socket ended
    ws_end: WsEnd | None = None
    ws_messages: int = 0  # messages seen so far (both directions)
    note: str = ""  # why something unusual happened ("body over the 1000-byte limit")
    view: BodyView = EMPTY_BODY_VIEW
    rule: str | None = None  # the reply rule that answered (its name or "#N"); None: no rule
    held_until: float | None = None  # held by a breakpoint rule until then (epoch s), unanswered
    forward: ForwardResult | None = None  # what the user's app replied, when forwarded
    probe: bool = False  # the public URL's probe: listed, not counted as traffic

    @property
    def path(self) -> str:
        """The target without its query string."""
        return self.target.split("?", 1)[0]

    @property
    def dg_token(self) -> str | None:
        return first_header(self.headers, "dg-token")

    @property
    def basic_auth(self) -> BasicAuth | None:
        return parse_basic_auth(first_header(self.headers, "authorization"))

    @property
    def request_id(self) -> str | None:
        return self.view.request_id

    @property
    def duration_ms(self) -> float | None:
        if self.finished is None:
            return None
        return (self.finished - self.started) * 1000.0
