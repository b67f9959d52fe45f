"""The receiver: the user's callback endpoint, capturing everything that arrives.

aiohttp's low-level server, one handler: every HTTP request (any method, any path) and every
WebSocket connection becomes an `Exchange` published to the engine's listeners; the reply is
decided by the ordered reply rules (`core.rules.decide`): a reply, a failing attempt, the
user's app (forwarding), a breakpoint that holds the request until the user answers it
(`answer_held`) or its timeout, or for WebSockets a close or drop after N messages or T s.
The body limit is explicit and high by default: Deepgram transcripts of long audio are tens
of MB [NCB].

Hostile traffic is refused by the connection layer (`receiver_connections`: connection limit,
idle timeout, header limits, malformed HTTP) and by the body and WebSocket message limits here;
every refusal is listed as an `Exchange` whose `note` says why and which flag changes it.

Why this module is long: every request and WebSocket goes through one aiohttp handler whose
steps (limits, rules, holds, forwarding, capture before the reply) share the receiver's state;
the connection layer (`receiver_connections`) and the decisions (`core/rules`) are out already.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp import HttpVersion11, WSCloseCode, WSMsgType, web
from aiohttp.abc import AbstractStreamWriter
from aiohttp.http_parser import RawRequestMessage
from aiohttp.http_websocket import WebSocketError
from aiohttp.streams import StreamReader

from ..core.attempts import AttemptCounter, attempt_key
from ..core.body_view import BodyView, view_body, view_body_prefix
from ..core.events import Event, ExchangeAdded, ExchangeUpdated, HoldStarted, WsMessageAdded
from ..core.forward import ForwardResult, reply_parts
from ..core.guard import OPEN, Guard, judge, strip_prefix
from ..core.headers import Header, decode_headers
from ..core.public_url import PROBE_HEADER
from ..core.records import (
    EMPTY_BODY_VIEW,
    ClosedBy,
    Direction,
    Exchange,
    ExchangeKind,
    WsEnd,
    WsKind,
    WsMessage,
)
from ..core.request_head import read_partial_head
from ..core.rules import (
    ACCEPT,
    CloseSocket,
    Decision,
    Forward,
    Hold,
    HoldAnswer,
    Request,
    Respond,
    Rule,
    decide,
    explained,
)
from ..core.settings import ReceiverSettings
from .binding import bind, url_for
from .body_read import read_body, read_prefix
from .forwarder import Forwarder, abort_upstream, close_both, pump_from_app, send_to_app
from .public_url.probe import ProbeWatch
from .receiver_connections import (
    IncompleteBody,
    ReceiverConnection,
    ReceiverServer,
    RefusalLimiter,
    Reply,
    peer_text,
)
from .wire_reply import sent_headers, wire_response

log = logging.getLogger(__name__)

PROBE_REPLY = b"callback-inspector: probe arrived\n"
# RFC 6455 close code for "the connection dropped without a close frame" (never on the wire).
ABNORMAL_CLOSURE = 1006


class _LiveSocket:
    """A WebSocket the receiver holds open, so the UI can close or drop it."""

    def __init__(
        self, exchange: Exchange, ws: web.WebSocketResponse, request: web.BaseRequest
    ) -> None:
        self.exchange = exchange
        self.ws = ws
        self.request = request
        self.messages = 0  # recorded so far, both directions: also the next message's index
        self.end: WsEnd | None = None  # set when the server side ends it
        self.client_reason = ""  # the reason in the client's close frame
        self.upstream: aiohttp.ClientWebSocketResponse | None = None  # the app's, when proxied


class _ReceiverWebSocket(web.WebSocketResponse):
    """Says why in the close frame when aiohttp closes a socket for a too-large message: it
    sends the code 1009 alone."""

    def __init__(self, too_big: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.too_big = too_big

    async def close(
        self, *, code: int = WSCloseCode.OK, message: bytes = b"", drain: bool = True
    ) -> bool:
        if code == WSCloseCode.MESSAGE_TOO_BIG and not message:
            message = self.too_big.encode()[:123]  # RFC 6455 5.5: reason <= 123 bytes
        return await super().close(code=code, message=message, drain=drain)


class Receiver:
    def __init__(
        self,
        settings: ReceiverSettings,
        publish: Callable[[Event], None],
        rules: tuple[Rule, ...] = (),
    ) -> None:
        self.settings = settings
        self.rules: tuple[Rule, ...] = rules  # replaced whole (an atomic swap), never mutated
        # The user's app (issue 13): when its settings are active it answers a Forward
        # decision, and every request no rule answers. Set by the engine (set_forwarding).
        self.forwarder: Forwarder | None = None
        # Who may reach the receiver (the public URL's secret path, basic auth, dg-token) and
        # the public URL's probe under way. Each an atomic swap, read per request.
        self.guard: Guard = OPEN
        self.probe: ProbeWatch | None = None
        self._held: dict[int, asyncio.Future[Respond | HoldAnswer]] = {}
        self._publish = publish
        self._ids = itertools.count(1)
        self._attempts = AttemptCounter(max(1, settings.attempt_memory))
        self._live: dict[int, _LiveSocket] = {}
        self._runner: web.ServerRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.port: int | None = None
        # Set by the engine when a session file is kept: awaited before each reply leaves.
        self.persist: Callable[[Exchange | WsMessage], Awaitable[None]] | None = None
        self._refusals = RefusalLimiter(settings.max_listed_refusals)
        self._held_flush: asyncio.TimerHandle | None = None
        self._background: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("receiver is not listening")
        return url_for(self.settings.host, self.port)

    async def start(self) -> None:
        # The low-level server, not an Application with a catch-all route: every request
        # comes here anyway, and the router, match info and middleware chain cost several
        # percent of each request under load (bench/README.md).
        self._loop = asyncio.get_running_loop()
        server = ReceiverServer(self, self._handle, self._make_request)
        self._runner = web.ServerRunner(server, handle_signals=False)
        await self._runner.setup()
        _, self.port = await bind(
            self._runner,
            self.settings.host,
            self.settings.port,
            "receiver",
            "--port",
        )
        log.info("receiver listening on %s", self.url)

    async def stop(self) -> None:
        for live in list(self._live.values()):
            await live.ws.close(code=1001, message=b"receiver shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._held_flush is not None:
            self._held_flush.cancel()
            self._list_held()
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self.forwarder is not None:
            await self.forwarder.close()

    @property
    def forwarding(self) -> bool:
        """Whether the user's app answers what no rule does (issue 13)."""
        forwarder = self.forwarder
        return forwarder is not None and forwarder.settings.active

    def reset_attempts(self) -> None:
        self._attempts.reset()

    def continue_after(self, last_id: int) -> None:
        """Number the next exchange `last_id + 1`: a session file appended to keeps its ids
        unique."""
        self._ids = itertools.count(last_id + 1)

    def next_exchange_id(self) -> int:
        """An id for an exchange the engine captures elsewhere (the handler check's
        requests), so it sits in the same list as the receiver's without a clash."""
        return next(self._ids)

    # -- HTTP -----------------------------------------------------------------------------
    def _make_request(
        self,
        message: RawRequestMessage,
        payload: StreamReader,
        protocol: web.RequestHandler,
        writer: AbstractStreamWriter,
        task: asyncio.Task[None],
    ) -> web.BaseRequest:
        # client_max_size: we enforce max_body ourselves so an over-limit request is still
        # listed; aiohttp's own check would answer 413 before we see the request.
        assert self._loop is not None
        return web.BaseRequest(
            message,
            payload,
            protocol,
            writer,
            task,
            self._loop,
            client_max_size=self.settings.max_body,
        )

    @staticmethod
    async def _answer_expect(request: web.BaseRequest, expect: str) -> None:
        """`Expect: 100-continue` gets its interim reply, anything else 417: what aiohttp's
        Application does before a route's handler, left to us by the low-level server."""
        if request.version == HttpVersion11:
            if expect.lower() != "100-continue":
                raise web.HTTPExpectationFailed(
                    text=f"callback-inspector: unknown Expect: {expect} (only 100-continue)\n"
                )
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            request.writer.output_size = 0  # the interim reply is not the response's size
        await request.writer.drain()

    def _new_exchange(
        self,
        request: web.BaseRequest,
        kind: ExchangeKind,
        exchange_id: int,
        started: float,
        headers: tuple[Header, ...] | None = None,
        **fields: Any,
    ) -> Exchange:
        """The record of `request`: its head as received, plus `fields` (body, reply, ...).

        Built once, when the reply is known, not built early and then `replace`d field by
        field: a frozen record costs a full construction per change, which showed in the
        receiver's profile under load (bench/README.md)."""
        peer = request.transport.get_extra_info("peername") if request.transport else None
        client = peer_text(peer)
        version = request.version
        return Exchange(
            id=exchange_id,
            kind=kind,
            started=started,
            client=client,
            method=request.method,
            target=request.raw_path,
            http_version=f"HTTP/{version.major}.{version.minor}",
            headers=decode_headers(request.raw_headers) if headers is None else headers,
            **fields,
        )

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        refused = self._guard(request)  # before anything else: a public URL is reachable by all
        if refused is not None:
            return refused
        headers = request.headers
        probe = self.probe
        if probe is not None and probe.matches(headers.get(PROBE_HEADER)):
            return await self._answer_probe(request, probe)
        if expect := headers.get("Expect"):
            try:
                await self._answer_expect(request, expect)
            except web.HTTPExpectationFailed:
                transport = request.transport
                client = peer_text(transport.get_extra_info("peername") if transport else None)
                note = f"unknown Expect: {expect} (only 100-continue is known)"
                self.refuse(client, 417, note, "expect", request)
                raise
        if headers.get("Upgrade", "").lower() == "websocket":
            return await self._handle_websocket(request)
        # Numbered and timed when the head arrives, recorded once the reply is known.
        exchange_id, started = next(self._ids), time.time()
        limit, keep = self.settings.max_body, self.settings.keep_refused_body
        declared = request.content_length
        if declared is not None and declared > limit:
            kept = await read_prefix(request.content, keep)
            return await self._refuse_too_large(request, exchange_id, started, declared, kept)
        try:
            read = await read_body(request.content, limit, keep)
        except IncompleteBody as exc:  # half-closed socket, malformed chunk (connection layer)
            return await self._refuse_body(request, exchange_id, started, 400, exc.note)
        except ConnectionResetError:
            note = "connection lost in the middle of the body; no reply could be sent"
            return await self._refuse_body(request, exchange_id, started, 400, note)
        if read.over:
            return await self._refuse_too_large(
                request, exchange_id, started, read.size, read.body, chunked=True
            )
        body = read.body
        view = view_body(body)
        method, path = request.method, request.path
        attempt = self._attempts.next_attempt(
            attempt_key(method, path, view.request_id, view.stream_message)
        )
        wire_headers = decode_headers(request.raw_headers)
        facts = Request(method, request.raw_path, wire_headers, body, view, attempt=attempt)
        first = decide(self.rules, facts, forwarding=self.forwarding)
        decision: Decision | None = first
        record: dict[str, Any] = dict(body=body, body_size=len(body), attempt=attempt, view=view)
        held = False
        note = ""
        label = first.rule
        while decision is not None and isinstance(decision.action, Hold):
            # A breakpoint: listed as held, it waits for the user, its timeout or the sender.
            deadline = time.time() + decision.action.timeout
            pending = self._new_exchange(
                request,
                ExchangeKind.HTTP,
                exchange_id,
                started,
                wire_headers,
                rule=decision.rule,
                held_until=deadline,
                **record,
            )
            self._publish(ExchangeUpdated(pending) if held else ExchangeAdded(pending))
            held = True
            decision, note = await self._hold(request, pending, decision)
        if decision is None:  # the user chose to drop the connection
            record.update(note=note, rule=label)
            return await self._drop_request(request, exchange_id, started, wire_headers, record)
        forwarder = self.forwarder
        if isinstance(decision.action, Forward) and forwarder is not None and self.forwarding:
            # Listed at once as pending: the app may take up to --forward-timeout.
            pending = self._new_exchange(
                request,
                ExchangeKind.HTTP,
                exchange_id,
                started,
                wire_headers,
                rule=decision.rule,
                **record,
            )
            self._publish(ExchangeUpdated(pending) if held else ExchangeAdded(pending))
            held = True  # listed already: what follows is an update
            result = await forwarder.forward_http(
                request.method,
                strip_prefix(request.raw_path, self.guard.prefix),
                wire_headers,
                body,
                request.remote or "",
            )
            record["forward"] = result
            reply, why = Respond(*reply_parts(result)), result.error or ""
        else:
            reply, why = await self._reply_for(request, body, decision)
        note = "; ".join(n for n in (note, why) if n)
        # The headers as they go on the wire (issue 14 item 6), Date again after a delay.
        sent = sent_headers(request, reply.status, reply.headers, reply.body, close=False)
        exchange = self._new_exchange(
            request,
            ExchangeKind.HTTP,
            exchange_id,
            started,
            wire_headers,
            status=reply.status,
            reply_headers=sent,
            reply_body=reply.body,
            finished=None if reply.delay > 0 else time.time(),
            note=note,
            rule=decision.rule,
            **record,
        )
        if reply.delay > 0:
            # Listed at once as pending, so a user watching a slow reply sees it waiting.
            pending = replace(exchange, status=None)
            self._publish(ExchangeUpdated(pending) if held else ExchangeAdded(pending))
            await asyncio.sleep(reply.delay)
            sent = sent_headers(request, reply.status, reply.headers, reply.body, close=False)
            exchange = replace(exchange, finished=time.time(), reply_headers=sent)
            self._publish(ExchangeUpdated(exchange))
        else:
            self._publish(ExchangeUpdated(exchange) if held else ExchangeAdded(exchange))
        await self._keep(exchange)  # on disk before the reply leaves (issue 6)
        return wire_response(reply.status, sent, reply.body)

    # -- issue 13: the guard and the probe ------------------------------------------------
    def _guard(self, request: web.BaseRequest) -> web.Response | None:
        """The refusal of a request the guard does not let through (listed with its
        reason), or None. A probe refused here still tells the probe it arrived."""
        guard = self.guard
        if not guard.active:
            return None
        verdict = judge(guard, request.path, decode_headers(request.raw_headers))
        if verdict.allowed:
            return None
        assert verdict.status is not None
        probe = self.probe
        if probe is not None and probe.matches(request.headers.get(PROBE_HEADER)):
            probe.arrived(verdict.reason)
        transport = request.transport
        client = peer_text(transport.get_extra_info("peername") if transport else None)
        # Close: the unread body must not be parsed as the next request.
        sent = sent_headers(request, verdict.status, verdict.headers, verdict.body, close=True)
        reply = (sent, verdict.body)
        self.refuse(client, verdict.status, verdict.reason, "guard", request, reply=reply)
        return wire_response(verdict.status, sent, verdict.body, close=True)

    async def _answer_probe(self, request: web.BaseRequest, probe: ProbeWatch) -> web.Response:
        """The public URL's own probe: listed, marked, never counted, forwarded or ruled."""
        body = await request.read()
        now = time.time()
        exchange = self._new_exchange(
            request,
            ExchangeKind.HTTP,
            next(self._ids),
            now,
            body=body,
            body_size=len(body),
            view=view_body(body),
            status=200,
            reply_headers=sent_headers(request, 200, (), PROBE_REPLY, close=False),
            reply_body=PROBE_REPLY,
            finished=now,
            note="probe of the public URL: it reaches this receiver (not counted as traffic)",
            probe=True,
        )
        self._publish(ExchangeAdded(exchange))
        await self._keep(exchange)
        probe.arrived(None)
        return wire_response(200, exchange.reply_headers, exchange.reply_body)

    async def _reply_for(
        self, request: web.BaseRequest, body: bytes, decision: Decision
    ) -> tuple[Respond, str]:
        """The reply `decision` gives, and a note when it is not a plain reply."""
        action = decision.action
        if isinstance(action, Forward):  # forwarding on is handled before: here it is off
            note = f'rule "{decision.rule}" forwards to your app, but forwarding is not set up'
            return Respond(502, body=f"callback-inspector: {note}\n".encode()), note
        assert isinstance(action, Respond), action  # Hold is resolved before, CloseSocket is WS
        return action, ""

    # -- breakpoints ----------------------------------------------------------------------
    async def _hold(
        self, request: web.BaseRequest, pending: Exchange, decision: Decision
    ) -> tuple[Decision | None, str]:
        """Wait for the user's answer to a held request (`answer_held`), its timeout, or the
        sender leaving. Returns the decision that then answers (None: drop the connection)
        and a note saying how."""
        hold, proposal, label = decision.action, decision.next, decision.rule
        assert isinstance(hold, Hold) and proposal is not None and label is not None
        then = proposal.action
        assert not isinstance(then, CloseSocket)  # an HTTP request's decision
        future: asyncio.Future[Respond | HoldAnswer] = asyncio.get_running_loop().create_future()
        exchange_id, deadline = pending.id, pending.held_until
        assert deadline is not None
        self._held[exchange_id] = future
        self._publish(HoldStarted(pending, label, deadline - hold.timeout, deadline, then))
        connection = request.protocol
        lost = connection.lost() if isinstance(connection, ReceiverConnection) else None
        try:
            waits: set[asyncio.Future[Any]] = {future} if lost is None else {future, lost}
            timeout = max(0.0, deadline - time.time())
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._held.pop(exchange_id, None)
        next_rule = proposal.rule or "none: the default"
        if future.done():
            answer = future.result()
            if isinstance(answer, Respond):
                reply = explained(answer, label, pending.attempt)
                return Decision(reply, label), f'held by rule "{label}"; answered in the window'
            if answer is HoldAnswer.DROP:
                return None, f'held by rule "{label}"; dropped in the window, no reply sent'
            how = "answered in the window as the next rule would"
        elif lost is not None and lost.done():
            how = "the sender closed the connection while it was held"
        else:
            how = f"no answer within {hold.timeout:g} s: answered as the next rule would"
        future.cancel()
        return replace(proposal, rule=label), f'held by rule "{label}"; {how} ({next_rule})'

    async def _drop_request(
        self,
        request: web.BaseRequest,
        exchange_id: int,
        started: float,
        headers: tuple[Header, ...],
        record: dict[str, Any],
    ) -> web.Response:
        """Abort the connection of a held request: its sender sees the connection close with
        no reply, as from a crashed server."""
        if request.transport is not None:
            request.transport.abort()
        dropped = self._new_exchange(
            request,
            ExchangeKind.HTTP,
            exchange_id,
            started,
            headers,
            finished=time.time(),
            **record,
        )
        self._publish(ExchangeUpdated(dropped))
        await self._keep(dropped)
        return web.Response()  # aiohttp finds the connection gone and sends nothing

    def answer_held(self, exchange_id: int, answer: Respond | HoldAnswer) -> bool:
        """Answer a held request (on the engine loop); False when it is no longer held."""
        future = self._held.get(exchange_id)
        if future is None or future.done():
            return False
        future.set_result(answer)
        return True

    async def _refuse_too_large(
        self,
        request: web.BaseRequest,
        exchange_id: int,
        started: float,
        size: int,
        kept: bytes,
        chunked: bool = False,
    ) -> web.Response:
        """413, with the body's first bytes kept: its request_id, when they hold one,
        counts this as an attempt of that callback (issue 14 item 4)."""
        limit = self.settings.max_body
        amount = f"more than {limit}" if chunked else str(size)
        note = f"body of {amount} bytes is over the {limit}-byte limit (--max-body)"
        whole = len(kept) == size
        if kept:
            note += "; kept whole" if whole else f"; its first {len(kept)} bytes are kept"
        view = view_body(kept) if whole else view_body_prefix(kept)
        attempt = self._attempts.next_attempt(
            attempt_key(request.method, request.path, view.request_id, view.stream_message)
        )
        return await self._refuse_body(
            request, exchange_id, started, 413, note, size, kept=kept, view=view, attempt=attempt
        )

    async def _refuse_body(
        self,
        request: web.BaseRequest,
        exchange_id: int,
        started: float,
        status: int,
        note: str,
        size: int | None = None,
        kept: bytes = b"",
        view: BodyView = EMPTY_BODY_VIEW,
        attempt: int = 1,
    ) -> web.Response:
        """List a request whose body was refused or never completed, and answer `status`."""
        body = f"callback-inspector: {note}\n".encode()
        sent = sent_headers(request, status, (), body, close=True)
        exchange = self._new_exchange(
            request,
            ExchangeKind.HTTP,
            exchange_id,
            started,
            body=kept,
            body_size=request.content.total_bytes if size is None else size,
            attempt=attempt,
            view=view,
            status=status,
            reply_headers=sent,
            reply_body=body,
            finished=time.time(),
            note=note,
        )
        self._publish(ExchangeAdded(exchange))
        await self._keep(exchange)
        # Close the connection: the unread body must not be parsed as the next request.
        return wire_response(status, sent, body, close=True)

    # -- refusals by the connection layer ------------------------------------------------
    def refuse(
        self,
        client: str,
        status: int,
        note: str,
        kind: str,
        request: web.BaseRequest | None = None,
        head: bytes = b"",
        reply: Reply | None = None,
    ) -> None:
        """List a connection or request refused before it reached `_handle` (see
        `receiver_connections`): `client` is the peer, `note` why and which flag changes it,
        `head` the start of a head that never became a request, `reply` what was answered.

        At most `max_listed_refusals` a second are listed one by one; the rest are counted per
        `kind` and listed a second later as one row per kind, so a flood of garbage costs the
        window a few rows, not one per connection."""
        now = time.time()
        limiter = self._refusals
        limiter.per_second = self.settings.max_listed_refusals
        if not limiter.admit(now, kind, status, note, client):
            if self._held_flush is None and self._loop is not None:
                self._held_flush = self._loop.call_later(1.0, self._list_held)
            return
        sent, body = reply if reply is not None else ((), f"callback-inspector: {note}\n".encode())
        if request is not None:
            exchange = self._new_exchange(
                request,
                ExchangeKind.HTTP,
                next(self._ids),
                now,
                status=status,
                reply_headers=sent,
                reply_body=body,
                finished=now,
                note=note,
            )
        else:
            exchange = self._refusal(client, status, note, now, head, sent, body)
        self._list(exchange)

    def _refusal(
        self,
        client: str,
        status: int,
        note: str,
        now: float,
        head: bytes = b"",
        sent: tuple[Header, ...] = (),
        body: bytes | None = None,
    ) -> Exchange:
        """The record of a refusal before any request existed: its method, target and
        headers as far as they were read (`core.request_head`), escaped; empty when none
        were (random bytes, a TLS hello)."""
        seen = read_partial_head(head)
        return Exchange(
            id=next(self._ids),
            kind=ExchangeKind.HTTP,
            started=now,
            client=client,
            method=seen.method,
            target=seen.target,
            http_version=seen.http_version,
            headers=seen.headers,
            status=status,
            reply_headers=sent,
            reply_body=f"callback-inspector: {note}\n".encode() if body is None else body,
            finished=now,
            note=note,
        )

    def _list_held(self) -> None:
        """One row per kind of the refusals counted instead of listed."""
        self._held_flush = None
        limit = self.settings.max_listed_refusals
        now = time.time()
        for held in self._refusals.take_held().values():
            note = (
                f"{held.count} more refused, counted but not listed one by one (over {limit} "
                f"refusals a second; --max-listed-refusals); the last: {held.note}"
            )
            self._list(self._refusal(held.client, held.status, note, now))

    def _list(self, exchange: Exchange) -> None:
        self._publish(ExchangeAdded(exchange))
        if self.persist is not None:
            task = asyncio.ensure_future(self._keep(exchange))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    # -- WebSocket ------------------------------------------------------------------------
    async def _handle_websocket(self, request: web.BaseRequest) -> web.StreamResponse:
        exchange = self._new_exchange(request, ExchangeKind.WEBSOCKET, next(self._ids), time.time())
        facts = Request(request.method, request.raw_path, exchange.headers, websocket=True)
        decision = decide(self.rules, facts, forwarding=self.forwarding)
        action = decision.action
        exchange = replace(exchange, rule=decision.rule)
        upstream: aiohttp.ClientWebSocketResponse | None = None
        forwarder = self.forwarder
        if isinstance(action, Forward) and forwarder is not None and self.forwarding:
            # The app's side first: the sender gets 101 only once the app has given it.
            upstream, result = await forwarder.open_websocket(
                strip_prefix(request.raw_path, self.guard.prefix),
                exchange.headers,
                request.remote or "",
                self.settings.max_ws_message,
            )
            exchange = replace(exchange, forward=result)
            if upstream is None:
                return await self._refused_by_app(exchange, result)
            action = ACCEPT  # proxied: the app decides when it ends
        if not isinstance(action, CloseSocket):
            return await self._refuse_upgrade(request, exchange, decision)
        limit = self.settings.max_ws_message
        ws = _ReceiverWebSocket(
            f"message over the {limit}-byte limit (--max-ws-message)",
            # aiohttp refuses an uncompressed message of max_msg_size bytes or more (a
            # compressed one only when larger); the setting is the largest one accepted.
            max_msg_size=limit + 1,
            autoping=True,
            protocols=(upstream.protocol,) if upstream is not None and upstream.protocol else (),
        )
        if not ws.can_prepare(request).ok:
            if upstream is not None:
                await upstream.close(code=1001, message=b"the sender's upgrade was not valid")
            body = b"callback-inspector: not a valid WebSocket upgrade\n"
            given = (("Content-Type", "text/plain; charset=utf-8"),)
            sent = sent_headers(request, 400, given, body, close=False)
            exchange = replace(
                exchange,
                status=400,
                reply_headers=sent,
                reply_body=body,
                finished=time.time(),
                note="not a valid WebSocket upgrade",
            )
            self._publish(ExchangeAdded(exchange))
            await self._keep(exchange)
            return wire_response(400, sent, body)
        exchange = replace(exchange, status=101)
        await self._keep(exchange)  # before the 101 leaves
        await ws.prepare(request)
        # The 101's headers as sent (Upgrade, Sec-WebSocket-Accept, Date...), in the listed
        # record and the one written when the socket ends.
        exchange = replace(exchange, reply_headers=tuple(ws.headers.items()))
        live = _LiveSocket(exchange, ws, request)
        live.upstream = upstream
        self._live[exchange.id] = live
        self._publish(ExchangeAdded(exchange))
        pump: asyncio.Future[None] | None = None
        if upstream is not None:
            pump = asyncio.ensure_future(self._pump_from_app(live, upstream))
        timer: asyncio.TimerHandle | None = None
        if action.drop and action.after_messages is None and action.after_seconds is None:
            await self._end_by_rule(exchange.id, action)  # dropped right after the upgrade
        elif action.after_seconds is not None:
            loop = asyncio.get_running_loop()
            timer = loop.call_later(
                action.after_seconds,
                lambda: asyncio.ensure_future(self._end_by_rule(exchange.id, action)),
            )
        received = 0
        refusal = ""  # why the receiver ended the socket, when a limit or the protocol did
        try:
            while True:
                msg = await ws.receive()
                if msg.type == WSMsgType.CLOSE:
                    live.client_reason = str(msg.extra or "")
                    if upstream is not None and live.end is None:  # the sender's code, passed on
                        code = ws.close_code if ws.close_code not in (None, 1005, 1006) else 1000
                        await close_both(ws, upstream, code or 1000, live.client_reason)
                    await ws.close()
                    break
                if msg.type in (WSMsgType.CLOSING, WSMsgType.CLOSED):
                    break
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    received += 1
                    message = self._record_message(live, Direction.IN, msg.type, msg.data)
                    await self._keep(message)  # before the next frame is handled
                    if upstream is not None:
                        await send_to_app(upstream, msg.type, msg.data)
                    if action.after_messages is not None and received >= action.after_messages:
                        await self._end_by_rule(exchange.id, action)
                        break
                elif msg.type == WSMsgType.ERROR:
                    error = msg.data
                    if isinstance(error, WebSocketError):
                        # aiohttp has sent the close frame with this code already.
                        reason = (
                            ws.too_big
                            if error.code == WSCloseCode.MESSAGE_TOO_BIG
                            else f"protocol error: {error}"
                        )
                        live.end = WsEnd(ClosedBy.SERVER, error.code, reason)
                        refusal = reason
                        log.info("websocket %d closed %d: %s", exchange.id, error.code, reason)
                    else:
                        log.info("websocket %d error: %s", exchange.id, error)
                    break
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            if timer is not None:
                timer.cancel()
            if pump is not None:
                await self._end_pump(live, pump)
            self._live.pop(exchange.id, None)
            end = self._how_it_ended(live)
            ended = replace(
                live.exchange,
                ws_messages=live.messages,
                ws_end=end,
                finished=time.time(),
                note=refusal,
            )
            self._publish(ExchangeUpdated(ended))
            await self._keep(ended)
        return ws

    async def _refuse_upgrade(
        self, request: web.BaseRequest, exchange: Exchange, decision: Decision
    ) -> web.Response:
        """A WebSocket upgrade answered with an HTTP reply instead of 101: a rule's status, or
        the user's app's (forwarding)."""
        reply, why = await self._reply_for(request, b"", decision)
        if reply.delay > 0:
            await asyncio.sleep(reply.delay)
        note = why or f'upgrade refused with {reply.status} by rule "{decision.rule}"'
        sent = sent_headers(request, reply.status, reply.headers, reply.body, close=False)
        refused = replace(
            exchange,
            status=reply.status,
            reply_headers=sent,
            reply_body=reply.body,
            finished=time.time(),
            note=note,
        )
        self._publish(ExchangeAdded(refused))
        await self._keep(refused)
        return wire_response(reply.status, sent, reply.body)

    async def _refused_by_app(self, exchange: Exchange, result: ForwardResult) -> web.Response:
        """The app refused the upgrade, or could not be reached: the sender gets its status,
        or 502 / 504 saying why."""
        status, headers, body = reply_parts(result)
        refused = replace(
            exchange,
            status=status,
            reply_headers=headers,
            reply_body=body,
            finished=time.time(),
            note=result.error or "",
        )
        self._publish(ExchangeAdded(refused))
        await self._keep(refused)
        return web.Response(status=status, body=body, headers=list(headers))

    async def _pump_from_app(
        self, live: _LiveSocket, upstream: aiohttp.ClientWebSocketResponse
    ) -> None:
        async def record(from_app: bool, kind: WSMsgType, data: str | bytes) -> None:
            direction = Direction.OUT if from_app else Direction.IN
            await self._keep(self._record_message(live, direction, kind, data))

        def drop_client() -> None:
            if live.request.transport is not None:
                live.request.transport.abort()

        await pump_from_app(upstream, live.ws, live, record, drop_client)

    @staticmethod
    async def _end_pump(live: _LiveSocket, pump: asyncio.Future[None]) -> None:
        """The sender's side is over; the app's follows. A sender's close was passed on in
        the loop; a close decided here (a too-large message) is sent to the app too; a
        sender that dropped drops the app's connection as well."""
        upstream = live.upstream
        if not pump.done() and upstream is not None and not upstream.closed:
            end = live.end
            if end is not None and end.by is ClosedBy.SERVER and end.code not in (None, 1006):
                await upstream.close(code=end.code or 1000, message=end.reason.encode()[:123])
            else:
                abort_upstream(upstream)
        try:
            await asyncio.wait_for(pump, 10.0)
        except (TimeoutError, asyncio.CancelledError, ConnectionResetError, aiohttp.ClientError):
            pump.cancel()
        except Exception:  # one broken proxy must not take the receiver's bookkeeping with it
            log.exception("websocket %d: the pump from your app failed", live.exchange.id)

    async def _end_by_rule(self, exchange_id: int, action: CloseSocket) -> None:
        if action.drop:
            await self.drop_websocket(exchange_id)
        else:
            await self.close_websocket(exchange_id, action.code, action.reason)

    @staticmethod
    def _how_it_ended(live: _LiveSocket) -> WsEnd:
        if live.end is not None:
            return live.end
        code = live.ws.close_code
        if code is None or code == ABNORMAL_CLOSURE:
            return WsEnd(ClosedBy.ABORT, ABNORMAL_CLOSURE, "connection lost without a close frame")
        return WsEnd(ClosedBy.CLIENT, code, live.client_reason)

    def _record_message(
        self, live: _LiveSocket, direction: Direction, kind: Any, data: str | bytes
    ) -> WsMessage:
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        ws_kind = WsKind.TEXT if kind == WSMsgType.TEXT else WsKind.BINARY
        message = WsMessage(
            exchange_id=live.exchange.id,
            index=live.messages,
            direction=direction,
            kind=ws_kind,
            data=raw,
            time=time.time(),
        )
        # Counted here, written into the record once when the socket ends: a `replace` per
        # message would rebuild the whole record for every frame of a flood.
        live.messages += 1
        self._publish(WsMessageAdded(message))
        return message

    async def _keep(self, item: Exchange | WsMessage) -> None:
        """Write `item` to the session file, when one is kept, and wait for the commit.

        A failing disk does not raise here: the Persister (engine/persist.py) reports it once
        and stops holding replies; the capture goes on in memory."""
        persist = self.persist
        if persist is not None:
            await persist(item)

    # -- control of live sockets (called through Engine.call) ---------------------------
    async def send_websocket_text(self, exchange_id: int, text: str) -> None:
        live = self._live.get(exchange_id)
        if live is None:
            raise KeyError(f"WebSocket #{exchange_id} is not open")
        await live.ws.send_str(text)
        self._record_message(live, Direction.OUT, WSMsgType.TEXT, text)

    async def close_websocket(self, exchange_id: int, code: int = 1000, reason: str = "") -> bool:
        """Close a live socket with a close frame; False when it is already gone."""
        live = self._live.get(exchange_id)
        if live is None or live.ws.closed:
            return False
        live.end = WsEnd(ClosedBy.SERVER, code, reason)
        await close_both(live.ws, live.upstream, code, reason)  # proxied: both sides
        return True

    async def drop_websocket(self, exchange_id: int) -> bool:
        """Abort the TCP connection now, no close frame (what a crashed server does)."""
        live = self._live.get(exchange_id)
        if live is None or live.request.transport is None:
            return False
        live.end = WsEnd(ClosedBy.ABORT, ABNORMAL_CLOSURE, "dropped by the receiver (TCP abort)")
        abort_upstream(live.upstream)  # proxied: the app's side too
        live.request.transport.abort()
        return True
