"""Garbage against the emulator's `/v1/listen` (the real `serve --emulator-port 0`): each case
gets an HTTP error or a closed socket, never a hang or a crash, and afterwards a request without
a key is still answered 401 in Deepgram's shape, and the receiver still answers and lists.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.serve_process import ServeProcess

from .wire import assert_serving, first_status, send_raw, tls_client_hello

KEY = b"Authorization: Token hostile-test-key\r\n"


@pytest.fixture(scope="module")
def serve() -> Iterator[ServeProcess]:
    with ServeProcess("--port", "0", "--emulator-port", "0") as process:
        yield process
    assert not [line for line in process.stderr_lines if "Traceback" in line]


def _listen(body: bytes, headers: bytes = KEY, query: bytes = b"") -> bytes:
    return (
        b"POST /v1/listen%s HTTP/1.1\r\nHost: a\r\n%sContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s" % (query, headers, len(body), body)
    )


def _assert_keyless_gets_401(serve: ServeProcess) -> None:
    assert serve.emulator_url is not None
    reply = send_raw(serve.emulator_url, _listen(b"RIFF", headers=b""), shutdown=False)
    assert first_status(reply) == 401
    body = json.loads(reply.split(b"\r\n\r\n", 1)[1])
    assert body["err_code"] == "INVALID_AUTH" and body["request_id"]
    assert_serving(serve)  # the receiver on the same engine loop too


GARBAGE = {
    "random-bytes": random.Random(1).randbytes(3000),
    "tls-hello": tls_client_hello(),
    "audio-noise": _listen(random.Random(2).randbytes(3000), KEY + b"Content-Type: audio/wav\r\n"),
    "riff-then-noise": _listen(
        b"RIFF" + random.Random(3).randbytes(3000), KEY + b"Content-Type: audio/wav\r\n"
    ),
    "broken-json": _listen(b'{"url": \xff', KEY + b"Content-Type: application/json\r\n"),
    "json-not-a-url": _listen(b'{"url": 42}', KEY + b"Content-Type: application/json\r\n"),
    "bad-query": _listen(b"RIFF", query=b"?callback=%ff%fe&model=%00&keywords=%ZZ&punctuate=?"),
    "garbage-auth": _listen(b"RIFF", headers=b"Authorization: \xff\xfe Token ===\r\n"),
    "empty-body": _listen(b""),
}


@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_to_listen_gets_an_error_and_keyless_still_gets_401(serve, garbage):
    assert serve.emulator_url is not None
    status = first_status(send_raw(serve.emulator_url, garbage, shutdown=False))
    assert 400 <= status < 500
    _assert_keyless_gets_401(serve)


@pytest.mark.parametrize(
    "cut",
    [_listen(b"RIFF" + b"\x00" * 100)[:-50], b"POST /v1/listen HTTP/1.1\r\nHost: a\r\n" + KEY],
    ids=["half-body", "half-head"],
)
def test_half_closed_request_to_listen_does_not_hang_it(serve, cut):
    assert serve.emulator_url is not None
    send_raw(serve.emulator_url, cut)  # returns once the emulator has closed
    _assert_keyless_gets_401(serve)


def test_garbage_frames_on_a_live_stream_close_it_and_keyless_still_gets_401(serve):
    assert serve.emulator_url is not None
    url = serve.emulator_url.replace("http://", "ws://") + "/v1/listen"

    async def scenario() -> ConnectionClosed:
        async with connect(
            url, additional_headers={"Authorization": "Token hostile-test-key"}, open_timeout=30
        ) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.send(random.Random(4).randbytes(64 * 1024))
                await ws.send("{not json at all")
                await ws.send('{"type": "NoSuchMessage"}')
                await ws.send(b"\xff" * 10)
                await ws.send('{"type": "CloseStream"}')
                while True:
                    await asyncio.wait_for(ws.recv(), timeout=60)
            return closed.value

    closed = asyncio.run(scenario())
    assert closed.rcvd is not None and closed.rcvd.code in (1000, 1008)
    _assert_keyless_gets_401(serve)


def test_websocket_without_a_key_is_refused_401(serve):
    assert serve.emulator_url is not None
    url = serve.emulator_url.replace("http://", "ws://") + "/v1/listen"

    async def scenario() -> InvalidStatus:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(url, open_timeout=30):
                pass
        return refused.value

    assert asyncio.run(scenario()).response.status_code == 401
    _assert_keyless_gets_401(serve)
