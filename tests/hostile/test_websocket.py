"""Hostile WebSocket traffic against the real `serve` with its default limits: a large binary
message under `--max-ws-message` (10 MiB) is kept, a 16 MiB text message closes the socket 1009
with the reason, 200 sockets at once are all listed, and a ping flood is answered without being
listed as messages. A valid POST is answered and listed after each.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.serve_process import ServeProcess

from .wire import assert_serving, listed

MIB = 1024 * 1024
DEFAULT_MAX_WS_MESSAGE = 10 * MIB  # ReceiverSettings.max_ws_message


@pytest.fixture(scope="module")
def serve() -> Iterator[ServeProcess]:
    with ServeProcess("--port", "0") as process:
        yield process
    assert not [line for line in process.stderr_lines if "Traceback" in line]


def _ws_url(serve: ServeProcess, path: str) -> str:
    return serve.url.replace("http://", "ws://") + path


def _client(url: str):  # type: ignore[no-untyped-def]
    # No compression: the frames go on the wire at their full size. No keep-alive pings: the
    # test sends its own.
    return connect(url, compression=None, ping_interval=None, max_size=None, open_timeout=30)


def test_binary_message_of_8_mib_is_kept_and_listed(serve):
    data = random.Random(8).randbytes(8 * MIB)

    async def scenario() -> None:
        async with _client(_ws_url(serve, "/ws-8mib")) as ws:
            await ws.send(data)
            await ws.close()

    asyncio.run(scenario())
    opened = listed(serve, lambda e: e["event"] == "ws_open" and e["path"] == "/ws-8mib")
    message = listed(serve, lambda e: e["event"] == "ws_message" and e["id"] == opened["id"])
    assert (message["kind"], message["size"], message["direction"]) == ("binary", 8 * MIB, "in")
    closed = listed(serve, lambda e: e["event"] == "ws_close" and e["id"] == opened["id"])
    assert (closed["by"], closed["code"], closed["messages"]) == ("client", 1000, 1)
    assert_serving(serve)


def test_text_message_of_16_mib_closes_the_socket_1009_with_the_reason(serve):
    async def scenario() -> ConnectionClosed:
        async with _client(_ws_url(serve, "/ws-16mib")) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.send("x" * (16 * MIB))
                await asyncio.wait_for(ws.recv(), timeout=30)
            return closed.value

    closed = asyncio.run(scenario())
    reason = f"message over the {DEFAULT_MAX_WS_MESSAGE}-byte limit (--max-ws-message)"
    assert closed.rcvd is not None and (closed.rcvd.code, closed.rcvd.reason) == (1009, reason)
    opened = listed(serve, lambda e: e["event"] == "ws_open" and e["path"] == "/ws-16mib")
    ended = listed(serve, lambda e: e["event"] == "ws_close" and e["id"] == opened["id"])
    assert (ended["by"], ended["code"], ended["reason"], ended["messages"]) == (
        "server",
        1009,
        reason,
        0,
    )
    assert_serving(serve)


def test_two_hundred_websockets_at_once_are_all_listed(serve):
    count = 200
    opened: dict[int, str] = {}  # exchange id -> path
    texts: dict[int, str] = {}

    def wait_all_open() -> None:
        while len(opened) < count or len(texts) < count:
            event = listed(serve, lambda e: e["event"] in ("ws_open", "ws_message"))
            if event["event"] == "ws_open":
                opened[event["id"]] = event["path"]
            else:
                texts[event["id"]] = event["text"]

    async def scenario() -> None:
        all_open = asyncio.Event()

        async def one(i: int) -> None:
            async with _client(_ws_url(serve, f"/many/{i}")) as ws:
                await ws.send(f"hello {i}")
                await all_open.wait()  # none closes before all 200 are open and listed

        clients = asyncio.gather(*(one(i) for i in range(count)))
        await asyncio.to_thread(wait_all_open)
        all_open.set()
        await asyncio.wait_for(clients, timeout=60)

    asyncio.run(scenario())
    assert sorted(opened.values()) == sorted(f"/many/{i}" for i in range(count))
    assert {opened[i]: texts[i] for i in opened} == {
        f"/many/{i}": f"hello {i}" for i in range(count)
    }
    closed: dict[int, tuple[str, int]] = {}
    while len(closed) < count:
        line = listed(serve, lambda e: e["event"] == "ws_close" and e["id"] in opened)
        closed[line["id"]] = (line["by"], line["code"])
    assert closed == {i: ("client", 1000) for i in opened}
    assert_serving(serve)


def test_ping_flood_is_answered_and_only_real_messages_are_listed(serve):
    pings = 5000

    async def scenario() -> None:
        async with _client(_ws_url(serve, "/pings")) as ws:
            pongs = [await ws.ping(b"%d" % i) for i in range(pings)]
            await asyncio.wait_for(asyncio.gather(*pongs), timeout=60)  # every ping answered
            await ws.send("after the flood")
            await ws.close()

    asyncio.run(scenario())
    opened = listed(serve, lambda e: e["event"] == "ws_open" and e["path"] == "/pings")
    message = listed(serve, lambda e: e["event"] == "ws_message" and e["id"] == opened["id"])
    assert message["text"] == "after the flood"
    closed = listed(serve, lambda e: e["event"] == "ws_close" and e["id"] == opened["id"])
    assert (closed["by"], closed["code"], closed["messages"]) == ("client", 1000, 1)
    assert_serving(serve)
