"""The app under test, running for real on 127.0.0.1 and pointed at the Deepgram emulator.

`deepgram_emulator_session` comes from callback-inspector's pytest plugin (installed with it:
no import needed). The app runs on its own thread and event loop, as it would in production,
so the emulator's callbacks reach it over HTTP while the test waits.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from transcripts import Settings, Store, create_app

SECRET = "a-long-random-secret"


@dataclass
class RunningApp:
    url: str
    store: Store
    settings: Settings


@pytest.fixture
def app(deepgram_emulator_session) -> Iterator[RunningApp]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # a free port, known before the app is built
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        api_key=deepgram_emulator_session.api_key,
        public_url=url,
        callback_secret=SECRET,
        deepgram_url=deepgram_emulator_session.url,  # the only line that differs in production
    )
    store = Store()
    runner = web.AppRunner(create_app(settings, store))
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def start() -> None:
        await runner.setup()
        await web.SockSite(runner, sock).start()

    asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    yield RunningApp(url, store, settings)
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()
