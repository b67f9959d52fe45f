"""The reply headers the receiver records are the ones on the wire, byte for byte and in
order: read back from a raw socket for every kind of reply, refusals included (issue 14
item 6: the table left out Content-Length, Date and Server)."""

from __future__ import annotations

import socket
import urllib.parse

import pytest
from websockets.sync.client import connect

from inspector.core.events import ExchangeAdded, ExchangeUpdated
from inspector.core.rules import Respond, Rule

CLOSE = b"Connection: close\r\n"


def _wire_head(url: str, data: bytes) -> tuple[int, list[tuple[str, str]]]:
    """Send `data` (ending our side) and read the reply's status and headers as sent."""
    parts = urllib.parse.urlsplit(url)
    reply = bytearray()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(data)
        try:
            while b"\r\n\r\n" not in reply and (chunk := sock.recv(65536)):
                reply += chunk
        except ConnectionResetError:
            pass
    head = bytes(reply).split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = [tuple(line.split(": ", 1)) for line in head[1:]]
    return int(head[0].split()[1]), headers  # type: ignore[misc]


def _recorded(log, status: int):
    return log.wait_for(
        lambda e: (
            isinstance(e, ExchangeAdded | ExchangeUpdated)
            and e.exchange.status == status
            and e.exchange.finished is not None
        )
    ).exchange


@pytest.mark.parametrize(
    ("rule", "request_bytes"),
    [
        (Rule(), b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n" + CLOSE + b"\r\n{}"),
        (
            Rule(action=Respond(503, body=b"nope")),
            b"POST /b HTTP/1.1\r\nHost: x\r\n" + CLOSE + b"\r\n",
        ),
        (Rule(action=Respond(204)), b"DELETE /c HTTP/1.1\r\nHost: x\r\n" + CLOSE + b"\r\n"),
        (Rule(action=Respond(201)), b"HEAD /d HTTP/1.1\r\nHost: x\r\n" + CLOSE + b"\r\n"),
        (Rule(action=Respond(202)), b"GET /e HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
        (
            Rule(action=Respond(207, (("Content-Type", "application/json"), ("X-A", "1")))),
            b"GET /f HTTP/1.1\r\nHost: x\r\n" + CLOSE + b"\r\n",
        ),
    ],
    ids=["200-empty", "503-body", "204", "head", "http-1.0-keep-alive", "rule-headers"],
)
def test_recorded_reply_headers_are_those_on_the_wire(start_engine, rule, request_bytes):
    engine, log = start_engine(rules=(rule,))
    status, sent = _wire_head(engine.receiver_url, request_bytes)
    x = _recorded(log, status)
    assert list(x.reply_headers) == sent
    names = {name for name, _ in sent}
    assert {"Date", "Server"} <= names


def test_refusals_record_what_they_sent(start_engine):
    engine, log = start_engine(max_body=10, max_field_size=100)
    status, sent = _wire_head(
        engine.receiver_url,
        b"POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n" + b"z" * 50,
    )
    assert status == 413 and list(_recorded(log, 413).reply_headers) == sent
    assert ("Connection", "close") in sent
    status, sent = _wire_head(
        engine.receiver_url, b"GET /h HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300 + b"\r\n\r\n"
    )
    assert status == 431 and list(_recorded(log, 431).reply_headers) == sent
    assert ("Content-Type", "text/plain; charset=utf-8") in sent


def test_a_websocket_upgrade_records_its_101_headers(start_engine):
    engine, log = start_engine()
    with connect(engine.receiver_url.replace("http", "ws") + "/ws") as ws:
        sent = list(ws.response.headers.raw_items())
    x = _recorded(log, 101)
    assert list(x.reply_headers) == sent
    assert ("Upgrade", "websocket") in sent and any(n == "Sec-WebSocket-Accept" for n, _ in sent)
