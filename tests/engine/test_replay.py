"""Replay a captured request to the real receiver: it comes back as a new exchange."""

from __future__ import annotations

import asyncio
import http.client
import urllib.parse

import pytest

from inspector.core.events import ExchangeAdded
from inspector.core.records import Exchange
from inspector.core.replay_reply import replay_url
from inspector.core.rules_file import rule_from_table
from inspector.core.settings import EngineSettings, ReceiverSettings
from inspector.engine.child_engine import ChildEngine
from inspector.engine.replay import replay
from tests.factories import ws_exchange

BODY = bytes(range(256)) + b'{"metadata": {"request_id": "r"}}'
_SET_BY_CLIENT = {"host", "content-length"}


def _post(url: str, target: str, body: bytes, headers: dict[str, str]) -> None:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", target, body=body, headers=headers)
    conn.getresponse().read()
    conn.close()


def _next(log, after: int = 0) -> Exchange:
    return log.wait_for(
        lambda e: isinstance(e, ExchangeAdded) and e.exchange.id > after and e.exchange.finished
    ).exchange


def _captured(start_engine, **rules):
    engine, log = start_engine(rules=(rule_from_table(rules),) if rules else ())
    _post(
        engine.receiver_url,
        "/cb?job=1&x=%20y",
        BODY,
        {"Content-Type": "application/octet-stream", "dg-token": "tok", "X-Dup": "1"},
    )
    return engine, log, _next(log)


def test_replay_as_captured_gives_the_same_request(start_engine):
    engine, log, original = _captured(start_engine, status=202, body="accepted")
    reply = asyncio.run(replay(original, replay_url(engine.receiver_url, original)))
    assert (reply.status, reply.body) == (202, b"accepted")
    assert ("Content-Length", "8") in reply.headers
    again = _next(log, after=original.id)
    assert (again.method, again.target, again.body) == (original.method, original.target, BODY)
    strip = lambda hs: [(n.lower(), v) for n, v in hs if n.lower() not in _SET_BY_CLIENT]  # noqa: E731
    assert strip(again.headers) == strip(original.headers)


def test_replay_edited_method_headers_and_body(start_engine):
    engine, log, original = _captured(start_engine)
    headers = (("Content-Type", "application/json"), ("X-Replayed", "yes"))
    reply = asyncio.run(
        replay(
            original,
            engine.receiver_url + "/elsewhere?y=2",
            method="PUT",
            headers=headers,
            body=b'{"edited": true}',
        )
    )
    assert reply.status == 200
    again = _next(log, after=original.id)
    assert (again.method, again.target, again.body) == (
        "PUT",
        "/elsewhere?y=2",
        b'{"edited": true}',
    )
    assert [(n, v) for n, v in again.headers if n.lower() not in _SET_BY_CLIENT] == list(headers)


def test_replay_to_a_closed_port_raises(start_engine):
    _, _, original = _captured(start_engine)
    import aiohttp

    with pytest.raises(aiohttp.ClientError):
        asyncio.run(replay(original, "http://127.0.0.1:9/cb", timeout=5))


@pytest.mark.parametrize("where", ["in-process", "child"])
def test_a_websocket_row_is_not_replayed_as_an_http_request(start_engine, tmp_path, where):
    """A stored session's WebSocket row, sent to either engine: the replay says why it cannot
    go (with a method given, the user's own HTTP request, it may)."""
    x, _messages = ws_exchange()
    if where == "child":
        engine = ChildEngine(EngineSettings(receiver=ReceiverSettings(port=0)))
        engine.start()
    else:
        engine, _log = start_engine()
    try:
        future = engine.replay(x, replay_url(engine.receiver_url, x))
        with pytest.raises(ValueError, match="WebSocket connection cannot be replayed"):
            future.result(30)
    finally:
        if where == "child":
            engine.stop()
