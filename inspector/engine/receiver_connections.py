"""The receiver's connections: aiohttp's `RequestHandler` plus the limits it lacks, and every
refusal handed to the receiver to be listed.

The receiver listens where anything on the machine (or the network, with `--host`) can reach
it. aiohttp parses HTTP and bounds header sizes, but on its own it answers malformed input with
a 400 and a log line nobody reads, closes a half-closed socket before answering it, and keeps
a connection holding half a request head open for an hour. Here, instead:

- at most `max_connections` at once; the next one is answered 503 and closed;
- a request head must be complete within `idle_timeout` of the connection opening (or of its
  previous reply): a partial head is then answered 408 and closed (slowloris). A connection
  that sent nothing is closed quietly, as any idle keep-alive connection is: it asked nothing;
- a head over `max_line_size` / `max_field_size` / `max_headers` is answered 414 / 431, other
  malformed or non-HTTP input 400, with the parser's reason and the flag that changes it;
- a client that shuts its sending side after a request (shutdown(SHUT_WR)) is answered first,
  pipelined requests too, and a body cut short or malformed mid-way is answered 400.

Each refusal goes to the `RefusalSink` (the receiver), which lists it. The hot path of a valid
request gains one method call and a few attribute reads per received chunk, nothing else.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMethod, HttpProcessingError, LineTooLong
from aiohttp.http_parser import RawRequestMessage
from aiohttp.streams import EMPTY_PAYLOAD, StreamReader
from aiohttp.web_protocol import RequestHandler, _ErrInfo

from ..core.headers import Header
from ..core.request_head import HEAD_EXCERPT, unrepr_bytes
from ..core.settings import ReceiverSettings
from .wire_reply import sent_headers, wire_response

log = logging.getLogger(__name__)

# How long a connection refused for the connection limit is kept to read the client's request
# (and discard it) so that it gets the 503 instead of a TCP reset: closing a socket with unread
# data sends RST, which can destroy the reply on the client's side before it is read.
REFUSED_LINGER = 2.0

TOO_MANY_HEADERS = "Too many headers received"  # aiohttp's parser message
TEXT_PLAIN = "text/plain; charset=utf-8"


NEVER = 10.0**9  # seconds: an idle timeout of 0 ("never") as aiohttp's keep-alive


class IncompleteBody(Exception):
    """A request body that will never complete: the client shut its side, or sent a malformed
    chunk. Set on the request's payload, so the receiver's body read raises it."""

    def __init__(self, note: str) -> None:
        super().__init__(note)
        self.note = note


Reply = tuple[tuple[Header, ...], bytes]  # a refusal's headers and body, as sent


class RefusalSink(Protocol):
    settings: ReceiverSettings

    def refuse(
        self,
        client: str,
        status: int,
        note: str,
        kind: str,
        request: web.BaseRequest | None = None,
        head: bytes = b"",
        reply: Reply | None = None,
    ) -> None: ...


def peer_text(peer: Any) -> str:
    """`host:port` of a transport's `peername`, or its text."""
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer or "")


def refusal_reply(status: int, reason: str, note: str) -> tuple[bytes, Reply]:
    """A complete `Connection: close` reply, for refusals written before any request exists:
    its bytes, and its headers and body as listed."""
    body = f"callback-inspector: {note}\n".encode()
    headers = (
        ("Content-Type", TEXT_PLAIN),
        ("Content-Length", str(len(body))),
        ("Connection", "close"),
    )
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{n}: {v}\r\n" for n, v in headers)
    return (head + "\r\n").encode() + body, (headers, body)


def _parser_summary(message: str, limit: int = 160) -> str:
    """aiohttp's parser message in one line: 'Invalid char in url path: "GET /\\xff"'.

    The message is the reason, an excerpt of the offending bytes (as a `bytes` repr) and a
    caret line pointing into it; the excerpt is written as text, the caret line dropped."""
    lines = [line.strip() for line in message.splitlines()]
    lines = [line for line in lines if line and set(line) != {"^"}]
    if not lines:
        return "unparsable request"
    text = lines[0].rstrip(":")
    if len(lines) > 1:
        text += ": " + unrepr_bytes(lines[1])  # the bytes as text, escaped (issue 14 item 5)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_parse_error(exc: BaseException, max_headers: int) -> tuple[int, str, str]:
    """(status, note, kind) for a request aiohttp's parser refused.

    `kind` groups refusals when they are too many to list one by one."""
    if isinstance(exc, LineTooLong):
        excerpt, limit = exc.args[0], exc.args[1]
        # aiohttp's parser buffers the URL in a bytearray and header fields in bytes.
        if isinstance(excerpt, bytearray):
            return 414, f"request line over the {limit}-byte limit (--max-line-size)", "line"
        return 431, f"header over the {limit}-byte limit (--max-field-size)", "field"
    message = getattr(exc, "message", "") or str(exc)
    if message == TOO_MANY_HEADERS:
        return 431, f"over {max_headers} headers (--max-headers)", "headers"
    if isinstance(exc, BadHttpMethod):
        if "HTTPS" in message:
            note = "not HTTP: looks like a TLS ClientHello (an https:// URL sent to this port?)"
            return 400, note, "tls"
        return 400, f"not HTTP: {_parser_summary(message)}", "not-http"
    return 400, f"malformed HTTP: {_parser_summary(message)}", "malformed"


class ReceiverServer(web.Server):
    """aiohttp's low-level server, making `ReceiverConnection`s with the current limits.

    The limits are read from the sink's settings for each new connection, so limits changed at
    run time apply to the next connection."""

    def __init__(self, sink: RefusalSink, handler: Any, request_factory: Any) -> None:
        super().__init__(handler, request_factory=request_factory)
        self.sink = sink
        self.open_connections = 0

    def __call__(self) -> ReceiverConnection:
        s = self.sink.settings
        return ReceiverConnection(
            self,
            loop=self._loop,
            access_log=None,
            # aiohttp's keep-alive timer runs from the connection's start and from each reply
            # until a complete request head: exactly the idle timeout (default 3630 s).
            # 0 means never: aiohttp would close at once after each reply on 0.
            keepalive_timeout=s.idle_timeout or NEVER,
            max_line_size=s.max_line_size,
            max_field_size=s.max_field_size,
            max_headers=s.max_headers,
        )


class ReceiverConnection(RequestHandler):
    """One client connection; see the module docstring for what it adds to aiohttp's."""

    __slots__ = (
        "_counted",
        "_error_head",
        "_head_bytes",
        "_head_start",
        "_last",
        "_lost",
        "_refused",
        "_server",
    )

    def __init__(self, manager: ReceiverServer, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._server = manager
        self._head_bytes = 0  # bytes of a request head still incomplete
        # The first bytes of that head (HEAD_EXCERPT at most): what a refusal of it can show.
        # Kept only for a head that spans several reads, so a whole head read at once costs
        # nothing here; `_error_head` is the excerpt of the head the parser refused.
        self._head_start = b""
        self._error_head = b""
        self._counted = False  # counted in the server's open connections
        self._refused = False  # over the connection limit: answered 503, input discarded
        # The last request parsed and its body (aiohttp's queue entry): the body to fail when
        # the input ends or breaks before it is complete.
        self._last: tuple[RawRequestMessage, StreamReader] | None = None
        self._lost: asyncio.Future[None] | None = None  # made by `lost()` when asked

    def lost(self) -> asyncio.Future[None]:
        """Done when this connection is lost: a held reply stops waiting for a sender that
        has gone (aiohttp does not cancel the handler)."""
        if self._lost is None:
            self._lost = self._loop.create_future()
            if self.transport is None:
                self._lost.set_result(None)
        return self._lost

    # -- the connection limit ------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        server = self._server
        limit = server.sink.settings.max_connections
        if limit and server.open_connections >= limit:
            self._refuse_connection(transport, limit)
            return
        server.open_connections += 1
        self._counted = True
        super().connection_made(transport)

    def _refuse_connection(self, transport: asyncio.BaseTransport, limit: int) -> None:
        self._refused = True
        note = f"over {limit} connections at once (--max-connections)"
        assert isinstance(transport, asyncio.Transport)
        data, reply = refusal_reply(503, "Service Unavailable", note)
        transport.write(data)
        if transport.can_write_eof():
            transport.write_eof()
        self._loop.call_later(REFUSED_LINGER, transport.close)
        peer = peer_text(transport.get_extra_info("peername"))
        self._server.sink.refuse(peer, 503, note, "limit", reply=reply)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._refused:
            return
        if self._counted:
            self._counted = False
            self._server.open_connections -= 1
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(None)
        super().connection_lost(exc)

    # -- input ---------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # read and dropped: the 503 is already on its way
        super().data_received(data)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            # start() still waits for a message: these bytes are part of an incomplete head.
            self._head_bytes += len(data)
            if len(self._head_start) < HEAD_EXCERPT:
                self._head_start += data[: HEAD_EXCERPT - len(self._head_start)]
            return
        self._head_bytes = 0
        earlier, self._head_start = self._head_start, b""
        messages = self._messages
        if messages:
            last = messages[-1]
            if type(last[0]) is not _ErrInfo:
                self._last = last  # type: ignore[assignment]  # not an _ErrInfo: a request
                return
            self._error_head = (earlier + data)[:HEAD_EXCERPT]
            # The parser failed, maybe inside the last request's body (a bad chunk size):
            # aiohttp queues a 400 behind that request but leaves its body unfinished, so its
            # handler would wait forever.
            self._end_body(f"malformed body: {_parser_summary(last[0].message)}")

    def eof_received(self) -> bool | None:  # type: ignore[override]  # asyncio allows a bool
        """The client shut its sending side: answer what it asked, then close."""
        if self._refused or self._upgraded or self._payload_parser is not None:
            return False  # closes; a WebSocket sees the end of its stream
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if self._head_bytes:
                self._refuse_head(
                    400,
                    "Bad Request",
                    f"request head incomplete when the client closed its side "
                    f"({self._head_bytes} bytes received)",
                )
            return False
        self._end_body("body incomplete: the client closed its side after {received} bytes")
        if not self._messages:
            self.close()  # after the reply in progress
        else:
            self._close_after_queued()
        return True  # keep the transport open for the replies

    def _end_body(self, note: str) -> None:
        """Fail the body still being received, if any: it can never complete now. Its
        handler's read raises `IncompleteBody(note)`; `{received}` in `note` becomes the
        number of body bytes received (and of how many declared)."""
        if self._last is None:
            return
        message, payload = self._last
        if payload is EMPTY_PAYLOAD or payload.is_eof():
            return
        declared = message.headers.get("Content-Length")
        received = f"{payload.total_bytes}" + (f" of {declared}" if declared is not None else "")
        payload.set_exception(IncompleteBody(note.format(received=received)))
        # Marked ended too: aiohttp then does not try to read the rest after the reply (its
        # "lingering close"), which would raise the same error again into its log.
        payload.feed_eof()

    def _close_after_queued(self) -> None:
        """Pipelined requests wait in the queue: answer them all, then close after the last."""
        factory = self._request_factory
        assert factory is not None

        def last_closes(*args: Any) -> web.BaseRequest:
            if not self._messages:
                self.close()
            return factory(*args)

        self._request_factory = last_closes

    # -- the idle timeout (slowloris) ---------------------------------------------------
    def _process_keepalive(self) -> None:
        if self._head_bytes and not self._force_close and self._keepalive:
            waiter = self._waiter
            if (
                waiter is not None
                and not waiter.done()
                and self._loop.time() >= self._next_keepalive_close_time
            ):
                self._keepalive_handle = None
                timeout = self._keepalive_timeout
                self._refuse_head(
                    408,
                    "Request Timeout",
                    f"request head not complete after {timeout:g} s "
                    f"({self._head_bytes} bytes received; --idle-timeout)",
                )
                return
        super()._process_keepalive()

    def _refuse_head(self, status: int, reason: str, note: str) -> None:
        transport = self.transport
        data, reply = refusal_reply(status, reason, note)
        if transport is not None:
            transport.write(data)
        head, self._head_start = self._head_start, b""
        self._server.sink.refuse(peer_text(self.peername), status, note, "head", None, head, reply)
        self._head_bytes = 0
        self.force_close()

    # -- malformed requests and handler errors -------------------------------------------
    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """aiohttp's error reply, listed: a parser refusal (no usable head) or our own bug."""
        if request.writer.output_size > 0:
            raise ConnectionError("reply already started; cannot send the error reply")
        sink = self._server.sink
        peer = peer_text(self.peername)
        if isinstance(exc, HttpProcessingError):
            status, note, kind = describe_parse_error(exc, self.max_headers)
        else:
            note = f"the receiver failed: {type(exc).__name__}: {exc}" if exc else "receiver error"
            if status != 500:
                note = f"the receiver answered {status}: {exc}"
            if exc is not None:
                log.error("receiver error on %s", request.raw_path, exc_info=exc)
        body = f"callback-inspector: {note}\n".encode()
        sent = sent_headers(request, status, (("Content-Type", TEXT_PLAIN),), body, close=True)
        if isinstance(exc, HttpProcessingError):  # no request: what was read of its head
            head, self._error_head = self._error_head, b""
            sink.refuse(peer, status, note, kind, None, head, (sent, body))
        else:
            sink.refuse(peer, status, note, "error", request, reply=(sent, body))
        return wire_response(status, sent, body, close=True)


class RefusalLimiter:
    """At most `per_second` refusals listed one by one in each second of the clock; the rest
    are counted per kind, to be listed as one row per kind when `take_held` is called.

    A flood of garbage then costs the window and the JSON lines a few rows a second, and the
    count of what was refused is still shown, never dropped."""

    def __init__(self, per_second: int) -> None:
        self.per_second = per_second
        self._second = -1
        self._listed = 0
        self._held: dict[str, HeldRefusals] = {}

    def admit(self, now: float, kind: str, status: int, note: str, client: str) -> bool:
        """True when this refusal may be listed on its own; otherwise it is counted."""
        second = int(now)
        if second != self._second:
            self._second, self._listed = second, 0
        if self._listed < self.per_second:
            self._listed += 1
            return True
        held = self._held.get(kind)
        if held is None:
            self._held[kind] = HeldRefusals(1, status, note, client)
        else:
            held.count += 1
            held.status, held.note, held.client = status, note, client
        return False

    def take_held(self) -> dict[str, HeldRefusals]:
        held, self._held = self._held, {}
        return held


class HeldRefusals:
    """Refusals of one kind counted instead of listed; the last one's details."""

    __slots__ = ("client", "count", "note", "status")

    def __init__(self, count: int, status: int, note: str, client: str) -> None:
        self.count, self.status, self.note, self.client = count, status, note, client
