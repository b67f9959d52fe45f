"""The user's own callback handler, stood up in a test: real servers on 127.0.0.1, port 0.

`HttpApp` is an aiohttp app, `WsApp` a `websockets` one, each on a thread of its own; both
record what they received (in wire order, bytes as they came) on a queue the test reads.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve


@dataclass(frozen=True)
class Received:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)


Handler = Callable[[Received], Awaitable[web.StreamResponse]]


async def _accepted(_r: Received) -> web.StreamResponse:
    return web.Response(status=202, body=b'{"accepted":true}', content_type="application/json")


class HttpApp:
    """`handler(received)` answers each request (default: 202 with a JSON body)."""

    def __init__(self, handler: Handler = _accepted) -> None:
        self.handler = handler
        self.requests: queue.Queue[Received] = queue.Queue()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._thread = threading.Thread(target=self._run, name="test-app", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the test app did not start")
        self.url = f"http://127.0.0.1:{self.port}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        got = Received(
            request.method,
            request.raw_path,
            [(n.decode("latin-1"), v.decode("latin-1")) for n, v in request.raw_headers],
            body,
        )
        self.requests.put(got)
        return await self.handler(got)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            app = web.Application(client_max_size=1 << 26)
            app.router.add_route("*", "/{tail:.*}", self._handle)
            self._runner = web.AppRunner(app, handle_signals=False)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

        self._loop.run_until_complete(start())
        self._ready.set()
        self._loop.run_forever()
        assert self._runner is not None
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def next_request(self, timeout: float = 30.0) -> Received:
        try:
            return self.requests.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the app got no request within {timeout}s") from None

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> HttpApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WsApp:
    """A `websockets` server: sends `greeting` first (when given), records each frame,
    closes with `close_code` after `close_after` frames (None: never)."""

    def __init__(
        self, close_after: int | None = None, close_code: int = 1011, greeting: str | None = None
    ) -> None:
        self.close_after = close_after
        self.close_code = close_code
        self.greeting = greeting
        self.connections: queue.Queue[ServerConnection] = queue.Queue()
        self.frames: queue.Queue[str | bytes] = queue.Queue()
        self.paths: queue.Queue[str] = queue.Queue()
        self.closed: queue.Queue[tuple[int | None, str]] = queue.Queue()
        self._server = serve(self._handle, "127.0.0.1", 0)
        self.port = self._server.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _handle(self, ws: ServerConnection) -> None:
        assert ws.request is not None
        self.paths.put(ws.request.path)
        self.connections.put(ws)
        if self.greeting is not None:
            ws.send(self.greeting)
        count = 0
        try:
            for frame in ws:
                self.frames.put(frame)
                count += 1
                if self.close_after is not None and count >= self.close_after:
                    ws.close(self.close_code, "the app failed on purpose")
                    break
        except ConnectionClosed:
            pass
        # What the other side's close frame said (None when the connection just dropped).
        received = ws.protocol.close_rcvd
        self.closed.put(
            (received.code, received.reason) if received is not None else (None, "no close frame")
        )

    def close(self) -> None:
        self._server.shutdown()
        self._thread.join(10)

    def __enter__(self) -> WsApp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
