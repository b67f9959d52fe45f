"""Two callback handlers written the way users write them, for the handler check's tests.

`careful_app`: checks basic auth (401) and dg-token (403), takes 64 MB bodies, remembers the
request_ids it processed (a retry is answered 200 and not processed again), answers PUT as
well as POST, answers error bodies and every live message type, and serves the ws callback
on the same path. `naive_app`: aiohttp's defaults (1 MB bodies), POST only (405 on PUT), no
credential checks, and `delay` seconds of work before each reply.

`HandlerServer` runs one on 127.0.0.1 (port 0) on a thread of its own, as the user's app runs
beside the tool.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

TOKEN = "0b5a2b59-1c9a-4a0b-9d3e-6f3a2f1e8c77"
USER, PASSWORD = "deepgram", "s3cret pass"
MIB = 1024 * 1024


@dataclass
class Seen:
    """What a handler received, for the tests to look at."""

    bodies: list[bytes] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)  # request_ids processed, in order
    duplicates: list[str] = field(default_factory=list)
    ws_messages: list[str] = field(default_factory=list)  # live message types, ws callback
    posted_messages: list[str] = field(default_factory=list)  # the same, http callback


def careful_app(seen: Seen) -> web.Application:
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def refusal(request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != expected:
            return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="dg"'})
        if request.headers.get("dg-token") != TOKEN:
            return web.Response(status=403, text="not our Deepgram key")
        return None

    async def websocket(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                seen.ws_messages.append(str(json.loads(message.data)["type"]))
        return ws

    async def hook(request: web.Request) -> web.StreamResponse:
        refused = refusal(request)
        if refused is not None:
            return refused
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await websocket(request)
        raw = await request.read()
        seen.bodies.append(raw)
        body = json.loads(raw)
        if "err_code" in body:  # a failed transcription: logged, answered
            return web.json_response({"logged": body["err_msg"]})
        if "type" in body:  # a live stream's message: they all carry the stream's request_id
            seen.posted_messages.append(str(body["type"]))
            return web.json_response({"ok": True})
        request_id = body["metadata"]["request_id"]
        if request_id in seen.processed:
            seen.duplicates.append(request_id)
            return web.json_response({"ok": True, "duplicate": True})
        seen.processed.append(request_id)
        return web.json_response({"ok": True})

    app = web.Application(client_max_size=64 * MIB)
    app.router.add_route("*", "/hook", hook)
    return app


def naive_app(seen: Seen, delay: float) -> web.Application:
    async def hook(request: web.Request) -> web.Response:
        seen.bodies.append(await request.read())
        await request.json()
        await asyncio.sleep(delay)  # "processing" before answering
        return web.Response(text="ok")

    app = web.Application()  # aiohttp's 1 MB client_max_size
    app.router.add_post("/hook", hook)
    return app


def scripted_app(
    seen: Seen,
    *,
    status: int = 200,
    location: str | None = None,
    delay: float = 0.0,
    ws_refuse: int | None = None,
    ws_close_after: int | None = None,
) -> web.Application:
    """One way of going wrong at a time: every request gets `status` (with `location`)
    after `delay`; a WebSocket is refused with `ws_refuse`, or closed by the handler after
    `ws_close_after` messages."""

    async def hook(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            if ws_refuse is not None:
                return web.Response(status=ws_refuse)
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            async for message in ws:
                seen.ws_messages.append(str(json.loads(message.data)["type"]))
                if len(seen.ws_messages) == ws_close_after:
                    await ws.close(code=1000, message=b"enough")
            return ws
        seen.bodies.append(await request.read())
        await asyncio.sleep(delay)
        headers = {"Location": location} if location else {}
        return web.Response(status=status, headers=headers)

    app = web.Application(client_max_size=64 * MIB)
    app.router.add_route("*", "/hook", hook)
    return app


class HandlerServer:
    """An aiohttp app on 127.0.0.1:0 on its own thread and loop."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="test-handler", daemon=True)

    def url(self, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/hook"

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        # A handler still "processing" when the test ends is cancelled, not waited for.
        runner = web.AppRunner(
            self.app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = runner.addresses[0][1]
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    def __enter__(self) -> HandlerServer:
        self._thread.start()
        assert self._ready.wait(10), "the test handler did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        stop = self._stop
        if stop is not None:
            self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(10)
        self._loop.close()


@contextmanager
def handlers(naive_delay: float = 3.0) -> Iterator[tuple[HandlerServer, Seen, HandlerServer, Seen]]:
    """The careful and the naive handler, both running."""
    careful_seen, naive_seen = Seen(), Seen()
    with HandlerServer(careful_app(careful_seen)) as careful:
        with HandlerServer(naive_app(naive_seen, naive_delay)) as naive:
            yield careful, careful_seen, naive, naive_seen
