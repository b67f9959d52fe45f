"""The receiver: the user's callback endpoint, capturing everything that arrives.

An aiohttp app with one catch-all route. Every HTTP request (any method, any path) and every
WebSocket connection becomes an `Exchange` published to the engine's listeners; the reply is
decided by `core.reply_rules`. The body limit is explicit and high by default: Deepgram
transcripts of long audio are tens of MB [NCB].
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from aiohttp import WSMsgType, web

from ..core.body_view import view_body
from ..core.events import Event, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from ..core.headers import decode_headers
from ..core.records import (
    ClosedBy,
    Direction,
    Exchange,
    ExchangeKind,
    WsEnd,
    WsKind,
    WsMessage,
)
from ..core.reply_rules import AttemptCounter, ReplyRule, attempt_key, decide_reply, select_rule
from ..core.settings import ReceiverSettings
from .binding import bind, url_for

log = logging.getLogger(__name__)

# RFC 6455 close code for "the connection dropped without a close frame" (never on the wire).
ABNORMAL_CLOSURE = 1006


class _LiveSocket:
    """A WebSocket the receiver holds open, so the UI can close or drop it."""

    def __init__(self, exchange: Exchange, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.exchange = exchange
        self.ws = ws
        self.request = request
        self.index = itertools.count()
        self.end: WsEnd | None = None  # set when the server side ends it
        self.client_reason = ""  # the reason in the client's close frame


class Receiver:
    def __init__(
        self,
        settings: ReceiverSettings,
        publish: Callable[[Event], None],
        rules: tuple[ReplyRule, ...] = (),
    ) -> None:
        self.settings = settings
        self.rules: tuple[ReplyRule, ...] = rules
        self._publish = publish
        self._ids = itertools.count(1)
        self._attempts = AttemptCounter()
        self._live: dict[int, _LiveSocket] = {}
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("receiver is not listening")
        return url_for(self.settings.host, self.port)

    async def start(self) -> None:
        # client_max_size: we enforce max_body ourselves so an over-limit request is still
        # listed; aiohttp's own check would answer 413 before we see the request.
        app = web.Application(client_max_size=self.settings.max_body)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        _, self.port = await bind(
            self._runner, self.settings.host, self.settings.port, "receiver", "--port"
        )
        log.info("receiver listening on %s", self.url)

    async def stop(self) -> None:
        for live in list(self._live.values()):
            await live.ws.close(code=1001, message=b"receiver shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def reset_attempts(self) -> None:
        self._attempts.reset()

    # -- HTTP -----------------------------------------------------------------------------
    def _new_exchange(self, request: web.Request, kind: ExchangeKind) -> Exchange:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        client = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer or "")
        return Exchange(
            id=next(self._ids),
            kind=kind,
            started=time.time(),
            client=client,
            method=request.method,
            target=request.raw_path,
            http_version=f"HTTP/{request.version.major}.{request.version.minor}",
            headers=decode_headers(request.raw_headers),
        )

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._handle_websocket(request)
        exchange = self._new_exchange(request, ExchangeKind.HTTP)
        rule = select_rule(self.rules, request.method, request.path)
        limit = self.settings.max_body
        declared = request.content_length
        if declared is not None and declared > limit:
            return self._refuse_too_large(exchange, declared)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._refuse_too_large(exchange, limit + 1, chunked=True)
        view = view_body(body)
        attempt = self._attempts.next_attempt(
            attempt_key(request.method, request.path, view.request_id)
        )
        reply = decide_reply(rule, attempt)
        exchange = replace(
            exchange,
            body=body,
            body_size=len(body),
            attempt=attempt,
            view=view,
            status=reply.status,
            reply_headers=reply.headers,
            reply_body=reply.body,
        )
        if reply.delay > 0:
            # Listed at once as pending, so a user watching a slow reply sees it waiting.
            self._publish(ExchangeAdded(replace(exchange, status=None)))
            await asyncio.sleep(reply.delay)
            exchange = replace(exchange, finished=time.time())
            self._publish(ExchangeUpdated(exchange))
        else:
            exchange = replace(exchange, finished=time.time())
            self._publish(ExchangeAdded(exchange))
        return web.Response(
            status=reply.status, body=reply.body, headers=list(reply.headers) or None
        )

    def _refuse_too_large(
        self, exchange: Exchange, size: int, chunked: bool = False
    ) -> web.Response:
        limit = self.settings.max_body
        how = "more than" if chunked else ""
        note = f"body of {how} {size} bytes is over the {limit}-byte limit (--max-body)".replace(
            "  ", " "
        )
        body = f"callback-inspector: {note}\n".encode()
        exchange = replace(
            exchange, body_size=size, status=413, reply_body=body, finished=time.time(), note=note
        )
        self._publish(ExchangeAdded(exchange))
        # Close the connection: the unread body must not be parsed as the next request.
        return web.Response(status=413, body=body, headers={"Connection": "close"})

    # -- WebSocket ------------------------------------------------------------------------
    async def _handle_websocket(self, request: web.Request) -> web.StreamResponse:
        exchange = self._new_exchange(request, ExchangeKind.WEBSOCKET)
        rule = select_rule(self.rules, request.method, request.path)
        if rule.ws_refuse_status is not None:
            note = f"upgrade refused with {rule.ws_refuse_status} by the reply rule"
            body = f"callback-inspector: {note}\n".encode()
            self._publish(
                ExchangeAdded(
                    replace(
                        exchange,
                        status=rule.ws_refuse_status,
                        reply_body=body,
                        finished=time.time(),
                        note=note,
                    )
                )
            )
            return web.Response(status=rule.ws_refuse_status, body=body)
        ws = web.WebSocketResponse(max_msg_size=self.settings.max_ws_message, autoping=True)
        if not ws.can_prepare(request).ok:
            exchange = replace(
                exchange, status=400, finished=time.time(), note="not a valid WebSocket upgrade"
            )
            self._publish(ExchangeAdded(exchange))
            return web.Response(
                status=400, text="callback-inspector: not a valid WebSocket upgrade\n"
            )
        await ws.prepare(request)
        exchange = replace(exchange, status=101)
        live = _LiveSocket(exchange, ws, request)
        self._live[exchange.id] = live
        self._publish(ExchangeAdded(exchange))
        timer: asyncio.TimerHandle | None = None
        if rule.ws_close_after_seconds is not None:
            loop = asyncio.get_running_loop()
            timer = loop.call_later(
                rule.ws_close_after_seconds,
                lambda: asyncio.ensure_future(
                    self.close_websocket(exchange.id, rule.ws_close_code, rule.ws_close_reason)
                ),
            )
        received = 0
        try:
            while True:
                msg = await ws.receive()
                if msg.type == WSMsgType.CLOSE:
                    live.client_reason = str(msg.extra or "")
                    await ws.close()
                    break
                if msg.type in (WSMsgType.CLOSING, WSMsgType.CLOSED):
                    break
                if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    received += 1
                    self._record_message(live, Direction.IN, msg.type, msg.data)
                    if (
                        rule.ws_close_after_messages is not None
                        and received >= rule.ws_close_after_messages
                    ):
                        await self.close_websocket(
                            exchange.id, rule.ws_close_code, rule.ws_close_reason
                        )
                        break
                elif msg.type == WSMsgType.ERROR:
                    log.info("websocket %d error: %s", exchange.id, ws.exception())
                    break
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            if timer is not None:
                timer.cancel()
            self._live.pop(exchange.id, None)
            self._publish(
                ExchangeUpdated(
                    replace(
                        live.exchange,
                        ws_end=self._how_it_ended(live),
                        finished=time.time(),
                    )
                )
            )
        return ws

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
    ) -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        ws_kind = WsKind.TEXT if kind == WSMsgType.TEXT else WsKind.BINARY
        message = WsMessage(
            exchange_id=live.exchange.id,
            index=next(live.index),
            direction=direction,
            kind=ws_kind,
            data=raw,
            time=time.time(),
        )
        live.exchange = replace(live.exchange, ws_messages=live.exchange.ws_messages + 1)
        self._publish(WsMessageAdded(message))

    # -- control of live sockets (called through Engine.call) ---------------------------
    def live_websockets(self) -> list[int]:
        return list(self._live)

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
        await live.ws.close(code=code, message=reason.encode())
        return True

    async def drop_websocket(self, exchange_id: int) -> bool:
        """Abort the TCP connection now, no close frame (what a crashed server does)."""
        live = self._live.get(exchange_id)
        if live is None or live.request.transport is None:
            return False
        live.end = WsEnd(ClosedBy.ABORT, ABNORMAL_CLOSURE, "dropped by the receiver (TCP abort)")
        live.request.transport.abort()
        return True
