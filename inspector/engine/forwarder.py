"""Forwarding to the user's app: HTTP requests sent on, WebSockets proxied frame by frame.

The receiver decides *whether* a request is forwarded (reply rules answer first:
`core.forward.forwards`); this module does the sending, on the engine loop, with one aiohttp
client session. Nothing here raises for the app's trouble: a refused connection, a timeout
or a broken reply becomes a `ForwardResult` with `error`, which the receiver turns into the
502 / 504 the sender gets (and Deepgram then retries [CB]).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import aiohttp
from aiohttp import WSMsgType, web
from yarl import URL

from ..core.forward import (
    ForwardResult,
    ForwardSettings,
    forward_request_headers,
    forward_target,
    refused_text,
    timeout_text,
)
from ..core.headers import Header, decode_headers, header_values
from ..core.records import ClosedBy, WsEnd

log = logging.getLogger(__name__)

# Sent by neither side on the wire (RFC 6455 7.4.1): an abnormal end is passed on as an
# abort, which the other side sees as 1006 too.
_UNSENDABLE = frozenset({1005, 1006, 1015})
# aiohttp's client adds these when a request lacks them; a forward sends what the sender did.
_NO_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


def _error_text(exc: BaseException, url: str) -> str:
    """What went wrong reaching the app, in words a user can act on."""
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"cannot resolve your app's host {URL(url).host!r}: {exc.os_error}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        if exc.os_error.errno == errno.ECONNREFUSED or isinstance(
            exc.os_error, ConnectionRefusedError
        ):
            return refused_text(url)
        return f"cannot connect to your app at {URL(url).host_port_subcomponent}: {exc.os_error}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "your app closed the connection without a reply"
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        return f"your app refused the WebSocket upgrade with {exc.status}"
    return str(exc) or type(exc).__name__


class Forwarder:
    """Sends requests on to the app named by `settings.url` (swappable from any thread)."""

    def __init__(self, settings: ForwardSettings, max_body: int) -> None:
        self.settings = settings
        self.max_body = max_body
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # No cookies, no proxy from the environment, bodies passed on as they come.
            self._session = aiohttp.ClientSession(
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
                auto_decompress=False,
                skip_auto_headers=_NO_AUTO_HEADERS,
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def forward_http(
        self,
        method: str,
        target: str,
        headers: Sequence[Header],
        body: bytes,
        client_ip: str,
    ) -> ForwardResult:
        """Send one request on; the app's reply (or why there is none)."""
        settings = self.settings
        assert settings.url is not None
        url = forward_target(settings.url, target)
        sent = forward_request_headers(headers, settings.url, client_ip)
        t0 = time.perf_counter()
        try:
            async with self._client().request(
                method,
                URL(url, encoded=True),
                headers=sent,
                data=body if body or method.upper() not in ("GET", "HEAD") else None,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=settings.timeout),
            ) as response:
                reply_headers = decode_headers(response.raw_headers)
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.content.iter_any():
                    size += len(chunk)
                    if size > self.max_body:
                        return ForwardResult(
                            url,
                            latency_ms=(time.perf_counter() - t0) * 1000.0,
                            error=f"your app's reply is over the {self.max_body}-byte limit "
                            "(--max-body)",
                        )
                    chunks.append(chunk)
                data = b"".join(chunks)
                return ForwardResult(
                    url,
                    status=response.status,
                    headers=reply_headers,
                    body=data,
                    body_size=len(data),
                    latency_ms=(time.perf_counter() - t0) * 1000.0,
                )
        except TimeoutError:
            return self._timed_out(url, t0)
        except (aiohttp.ClientError, OSError) as exc:
            return ForwardResult(
                url, latency_ms=(time.perf_counter() - t0) * 1000.0, error=_error_text(exc, url)
            )

    def _timed_out(self, url: str, t0: float) -> ForwardResult:
        return ForwardResult(
            url,
            latency_ms=(time.perf_counter() - t0) * 1000.0,
            error=timeout_text(self.settings.timeout),
            timed_out=True,
        )

    async def open_websocket(
        self, target: str, headers: Sequence[Header], client_ip: str, max_message: int
    ) -> tuple[aiohttp.ClientWebSocketResponse | None, ForwardResult]:
        """The app's side of a proxied WebSocket, opened before the sender's upgrade is
        answered (a proxy cannot promise 101 before the app has given it)."""
        settings = self.settings
        assert settings.url is not None
        url = forward_target(settings.url, target, websocket=True)
        sent = forward_request_headers(headers, settings.url, client_ip, websocket=True)
        protocols = [
            p.strip()
            for value in header_values(headers, "sec-websocket-protocol")
            for p in value.split(",")
            if p.strip()
        ]
        t0 = time.perf_counter()
        try:
            upstream = await asyncio.wait_for(
                self._client().ws_connect(
                    URL(url, encoded=True),
                    headers=sent,
                    protocols=protocols,
                    autoclose=False,
                    autoping=True,
                    max_msg_size=max_message + 1,
                    timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=10.0),
                ),
                settings.timeout,
            )
        except TimeoutError:
            return None, self._timed_out(url, t0)
        except aiohttp.WSServerHandshakeError as exc:
            return None, ForwardResult(
                url,
                status=exc.status,
                headers=decode_headers(
                    (k.encode(), v.encode()) for k, v in (exc.headers or {}).items()
                ),
                latency_ms=(time.perf_counter() - t0) * 1000.0,
                error=_error_text(exc, url),
            )
        except (aiohttp.ClientError, OSError) as exc:
            return None, ForwardResult(
                url, latency_ms=(time.perf_counter() - t0) * 1000.0, error=_error_text(exc, url)
            )
        return upstream, ForwardResult(
            url,
            status=101,
            headers=decode_headers(upstream._response.raw_headers),
            latency_ms=(time.perf_counter() - t0) * 1000.0,
        )


Record = Callable[[bool, WSMsgType, str | bytes], Awaitable[None]]
"""Records one proxied message: (from the app?, type, data)."""


class ProxiedSocket(Protocol):
    """The receiver's view of a proxied socket: how it ended, once someone decided."""

    end: WsEnd | None


async def pump_from_app(
    upstream: aiohttp.ClientWebSocketResponse,
    client: web.WebSocketResponse,
    socket: ProxiedSocket,
    record: Record,
    drop_client: Callable[[], None],
) -> None:
    """Pass the app's frames to the sender, in order, until the app's socket ends; then end
    the sender's the same way: the app's close code and reason, or an abort when the app's
    connection dropped (the one-to-one guarantee of a ws callback [CB] holds through us).
    A socket whose end was already decided (the sender closed it, Close / Drop from the
    window) is left to that."""
    while True:
        msg = await upstream.receive()
        if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
            await record(True, msg.type, msg.data)
            if msg.type is WSMsgType.TEXT:
                await client.send_str(msg.data)
            else:
                await client.send_bytes(msg.data)
            continue
        if socket.end is not None or client.closed:
            return
        if msg.type is WSMsgType.CLOSE:
            code = int(msg.data) if msg.data is not None else 1000
            reason = str(msg.extra or "")
            if code in _UNSENDABLE:
                code = 1000
            socket.end = WsEnd(ClosedBy.SERVER, code, f"your app closed it: {reason}".rstrip(": "))
            await upstream.close(code=code, message=reason.encode()[:123])
            await client.close(code=code, message=reason.encode()[:123])
            return
        # CLOSED / ERROR: the app's connection is gone without a close frame.
        socket.end = WsEnd(ClosedBy.ABORT, 1006, "your app's connection dropped (no close frame)")
        drop_client()
        return


async def send_to_app(
    upstream: aiohttp.ClientWebSocketResponse, kind: WSMsgType, data: str | bytes
) -> None:
    """One frame of the sender's, passed on to the app (lost if the app's side is gone)."""
    if upstream.closed:
        return
    try:
        if isinstance(data, str):
            await upstream.send_str(data)
        else:
            await upstream.send_bytes(data)
    except (ConnectionResetError, aiohttp.ClientError) as exc:
        log.info("a frame for your app was lost: %s", exc)


async def close_both(
    client: web.WebSocketResponse,
    upstream: aiohttp.ClientWebSocketResponse | None,
    code: int,
    reason: str,
) -> None:
    """Close with code: the same close frame to the sender and to the app."""
    message = reason.encode()[:123]
    if upstream is not None and not upstream.closed:
        await upstream.close(code=code, message=message)
    await client.close(code=code, message=message)


def abort_upstream(upstream: aiohttp.ClientWebSocketResponse | None) -> None:
    """Drop now, the app's side: its TCP connection aborted, no close frame."""
    if upstream is None:
        return
    # aiohttp has no public abort for a client WebSocket; its connection is `_conn`.
    connection = getattr(upstream, "_conn", None)
    transport = getattr(connection, "transport", None)
    if transport is not None:
        transport.abort()
    else:
        upstream._response.close()
