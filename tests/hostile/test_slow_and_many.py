"""Slowloris and connection floods against the real `serve`: partial request heads held open
are refused 408 after `--idle-timeout`, connections over `--max-connections` are refused 503,
each refusal is listed (a burst as rows of counts past `--max-listed-refusals` a second), and
valid requests are answered throughout.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator

import pytest

from tests.serve_process import ServeProcess

from .wire import address, assert_serving, first_status, listed, statuses

IDLE_TIMEOUT = 2  # seconds: short, so the test waits little; long enough for a loaded machine
SLOW_CLIENTS = 60
CONNECTION_LIMIT = 20


def _no_tracebacks(process: ServeProcess) -> None:
    assert not [line for line in process.stderr_lines if "Traceback" in line]


@pytest.fixture(scope="module")
def slow_serve() -> Iterator[ServeProcess]:
    with ServeProcess("--port", "0", "--idle-timeout", str(IDLE_TIMEOUT)) as process:
        yield process
    _no_tracebacks(process)


@pytest.fixture(scope="module")
def limited_serve() -> Iterator[ServeProcess]:
    with ServeProcess("--port", "0", "--max-connections", str(CONNECTION_LIMIT)) as process:
        yield process
    _no_tracebacks(process)


def _refused_count(line: dict) -> int:
    """How many refusals a listed row stands for: 1, or the count of a rate-limited row."""
    counted = re.match(r"(\d+) more refused, counted but not listed one by one", line["note"])
    return int(counted.group(1)) if counted else 1


async def _hold_partial_heads(url: str, count: int) -> list[bytes]:
    """`count` connections each sending part of a request head, then waiting, and what the
    server sends each before it closes."""
    host, port = address(url)
    streams = [await asyncio.open_connection(host, port) for _ in range(count)]
    for i, (_, writer) in enumerate(streams):
        writer.write(b"POST /slow-%d HTTP/1.1\r\nHost: a\r\nX-Trickle: " % i)
    await asyncio.gather(*(writer.drain() for _, writer in streams))
    return streams  # type: ignore[return-value]


async def _read_to_end(streams) -> list[bytes]:  # type: ignore[no-untyped-def]
    replies = await asyncio.wait_for(
        asyncio.gather(*(reader.read() for reader, _ in streams)), timeout=IDLE_TIMEOUT * 10
    )
    for _, writer in streams:
        writer.close()
    return replies


def test_slowloris_partial_heads_get_408_after_the_idle_timeout_and_are_listed(slow_serve):
    async def scenario() -> list[bytes]:
        streams = await _hold_partial_heads(slow_serve.url, SLOW_CLIENTS)
        # While they are held, valid requests are answered (the loop is not blocked).
        await asyncio.to_thread(assert_serving, slow_serve)
        return await _read_to_end(streams)

    replies = asyncio.run(scenario())
    assert [first_status(reply) for reply in replies] == [408] * SLOW_CLIENTS
    assert all(b"--idle-timeout" in reply for reply in replies)
    refused = 0
    while refused < SLOW_CLIENTS:
        line = listed(
            slow_serve,
            lambda e: e["event"] == "request" and "request head not complete" in e.get("note", ""),
        )
        assert line["status"] == 408
        assert f"after {IDLE_TIMEOUT} s" in line["note"] and "; --idle-timeout)" in line["note"]
        refused += _refused_count(line)
    assert refused == SLOW_CLIENTS
    assert_serving(slow_serve)


def test_more_refusals_than_the_listing_rate_are_listed_as_a_count(slow_serve):
    """60 refusals at once, 20 listed a second by default: the rest arrive as counted rows,
    and nothing is dropped (the sum is 60)."""

    async def scenario() -> list[bytes]:
        return await _read_to_end(await _hold_partial_heads(slow_serve.url, SLOW_CLIENTS))

    asyncio.run(scenario())
    rows = []
    while sum(_refused_count(row) for row in rows) < SLOW_CLIENTS:
        rows.append(
            listed(
                slow_serve,
                lambda e: e["event"] == "request" and "request head not complete" in e["note"],
            )
        )
    assert sum(_refused_count(row) for row in rows) == SLOW_CLIENTS
    counted = [row for row in rows if "more refused" in row["note"]]
    assert counted, "60 refusals at once should exceed 20 listed a second"
    assert all("a second; --max-listed-refusals)" in row["note"] for row in counted)
    assert all("the last: request head not complete" in row["note"] for row in counted)
    assert len(rows) < SLOW_CLIENTS
    assert_serving(slow_serve)


def test_idle_connection_that_sent_nothing_is_closed_quietly(slow_serve):
    with socket.create_connection(address(slow_serve.url), timeout=IDLE_TIMEOUT * 10) as sock:
        assert sock.recv(65536) == b""  # closed by the server, no reply: it asked nothing
    before: list[dict] = []
    assert_serving(slow_serve, skipped=before)
    assert [e for e in before if e["event"] == "request"] == []  # no refusal listed


def test_connections_over_the_limit_get_503_and_are_listed(limited_serve):
    host, port = address(limited_serve.url)
    held = []
    try:
        for i in range(CONNECTION_LIMIT):
            sock = socket.create_connection((host, port), timeout=30)
            held.append(sock)
            # A complete keep-alive request, answered: the connection is open and counted.
            sock.sendall(b"GET /held-%d HTTP/1.1\r\nHost: a\r\n\r\n" % i)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        extra = 5
        for _ in range(extra):
            with socket.create_connection((host, port), timeout=30) as sock:
                reply = bytearray()
                while chunk := sock.recv(65536):
                    reply += chunk
            assert first_status(bytes(reply)) == 503
            assert b"(--max-connections)" in reply
        for _ in range(extra):
            line = listed(
                limited_serve,
                lambda e: e["event"] == "request" and "connections at once" in e.get("note", ""),
            )
            assert line["status"] == 503 and line["method"] == ""
            assert (
                line["note"] == f"over {CONNECTION_LIMIT} connections at once (--max-connections)"
            )
    finally:
        # Each held connection asks to be closed and reads to the end: the server has let it
        # go (and uncounted it) before its close reaches us.
        for sock in held:
            sock.sendall(b"GET /bye HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            reply = bytearray()
            while chunk := sock.recv(65536):
                reply += chunk
            assert statuses(bytes(reply)) == [200]
            sock.close()
    assert_serving(limited_serve)
