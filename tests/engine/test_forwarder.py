"""The forwarder inside the real receiver: HTTP sent on as a proxy would, WebSockets proxied
frame by frame with close codes passed both ways, Close / Drop acting on both sides."""

from __future__ import annotations

import http.client
import socket
import urllib.parse

import pytest
from aiohttp import web
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from inspector.core.events import ExchangeAdded, ExchangeUpdated
from inspector.core.forward import ForwardSettings
from inspector.core.records import ClosedBy, ExchangeKind
from inspector.core.rules_file import load_rules
from tests.forward_apps import HttpApp, Received, WsApp


def _raw_request(url: str, raw: bytes) -> bytes:
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        s.sendall(raw)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _finished(log, kind=ExchangeKind.HTTP):
    return log.wait_for(
        lambda e: (
            isinstance(e, ExchangeAdded | ExchangeUpdated)
            and e.exchange.kind is kind
            and e.exchange.finished is not None
        )
    ).exchange


def test_headers_go_on_in_order_hop_by_hop_removed_host_rewritten_body_byte_for_byte(
    start_engine,
):
    with HttpApp() as app:
        engine, log = start_engine()
        engine.set_forwarding(ForwardSettings(url=f"{app.url}/base/"))
        body = b'{"a": 1, "\xc3\xa9": "caf\xc3\xa9"}'  # UTF-8, byte for byte
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        reply = _raw_request(
            engine.receiver_url,
            b"PUT /hook/x?one=1&two=2 HTTP/1.1\r\n"
            b"Host: callback.example\r\n"
            b"X-Twice: first\r\n"
            b"Connection: close, X-Hop\r\n"
            b"X-Hop: only for the next hop\r\n"
            b"Keep-Alive: timeout=5\r\n"
            b"dg-token: 11111111-2222-3333-4444-555555555555\r\n"
            b"X-Forwarded-For: 203.0.113.9\r\n"
            b"Transfer-Encoding: chunked\r\n"
            b"X-Twice: second\r\n"
            b"\r\n" + chunked,
        )
        got = app.next_request(5)
        x = _finished(log)
    assert reply.startswith(b"HTTP/1.1 202") and reply.endswith(b'{"accepted":true}')
    assert got.method == "PUT" and got.target == "/base/hook/x?one=1&two=2"
    assert got.body == body
    names = [n.lower() for n, _ in got.headers]
    for hop in ("connection", "x-hop", "keep-alive", "transfer-encoding"):
        assert hop not in names, hop
    assert [v for n, v in got.headers if n == "X-Twice"] == ["first", "second"]
    assert got.header("Host") == urllib.parse.urlsplit(app.url).netloc
    assert got.header("dg-token") == "11111111-2222-3333-4444-555555555555"
    assert got.header("X-Forwarded-For") == "203.0.113.9, 127.0.0.1"  # the chain, appended
    assert got.header("X-Forwarded-Host") == "callback.example"
    assert got.header("X-Forwarded-Proto") == "http"
    assert got.header("Content-Length") == str(len(body))
    # The sender's order: Host first, the two X-Twice around the others as they came.
    assert names.index("host") < names.index("x-twice") < names.index("dg-token")
    assert x.forward is not None and x.forward.status == 202 and x.status == 202
    assert x.reply_body == b'{"accepted":true}' and x.forward.body == x.reply_body


def test_a_rule_with_its_own_status_answers_instead_of_the_app_and_forwarding_can_be_off(
    start_engine,
):
    with HttpApp() as app:
        engine, _ = start_engine(rules=load_rules("[[rule]]\nstatus = 418\n"))
        engine.set_forwarding(ForwardSettings(url=app.url))
        conn = http.client.HTTPConnection("127.0.0.1", engine.receiver.port, timeout=10)
        conn.request("POST", "/cb", body=b"{}")
        first = conn.getresponse()
        assert first.status == 418 and b"answered 418" in first.read()
        engine.set_rules(())
        engine.set_forwarding(ForwardSettings(url=app.url, enabled=False))
        conn.request("POST", "/cb", body=b"{}")
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"")
        conn.close()
        assert app.requests.empty()
        assert engine.forwarding == ForwardSettings(url=app.url, enabled=False)


def test_the_apps_headers_and_odd_status_come_back_hop_by_hop_removed(start_engine):
    async def odd(_got: Received) -> web.StreamResponse:
        response = web.StreamResponse(status=299, headers={"X-From-App": "yes"})
        response.enable_chunked_encoding()
        return response

    with HttpApp(odd) as app:
        engine, log = start_engine()
        engine.set_forwarding(ForwardSettings(url=app.url))
        conn = http.client.HTTPConnection("127.0.0.1", engine.receiver.port, timeout=10)
        conn.request("POST", "/cb", body=b"{}")
        response = conn.getresponse()
        response.read()
        conn.close()
        x = _finished(log)
    assert response.status == 299 and response.getheader("X-From-App") == "yes"
    assert response.getheader("Transfer-Encoding") is None  # the receiver frames it itself
    assert x.forward is not None and ("Transfer-Encoding", "chunked") in x.forward.headers
    assert all(n.lower() != "transfer-encoding" for n, _ in x.reply_headers)


def _ws_url(engine, path: str) -> str:
    return engine.receiver_url.replace("http://", "ws://") + path


def test_websocket_frames_go_both_ways_in_order_and_the_apps_close_code_reaches_the_sender(
    start_engine,
):
    with WsApp(close_after=3, close_code=1011, greeting="hello from the app") as app:
        engine, log = start_engine()
        engine.set_forwarding(ForwardSettings(url=app.url))
        with connect(_ws_url(engine, "/stream?x=1")) as ws:
            assert ws.recv(timeout=10) == "hello from the app"
            for frame in ("one", b"\x00\x01binary", "three"):
                ws.send(frame)
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=10)
            code, reason = ws.close_code, ws.close_reason
        frames = [app.frames.get(timeout=10) for _ in range(3)]
        x = _finished(log, ExchangeKind.WEBSOCKET)
    assert app.paths.get(timeout=1) == "/stream?x=1"
    assert frames == ["one", b"\x00\x01binary", "three"]
    assert (code, reason) == (1011, "the app failed on purpose")
    assert x.ws_end is not None and (x.ws_end.by, x.ws_end.code) == (ClosedBy.SERVER, 1011)
    assert x.ws_messages == 4 and x.forward is not None and x.forward.status == 101


def test_the_senders_close_code_reaches_the_app(start_engine):
    with WsApp() as app:
        engine, _ = start_engine()
        engine.set_forwarding(ForwardSettings(url=app.url))
        with connect(_ws_url(engine, "/s")) as ws:
            ws.send("only frame")
            assert app.frames.get(timeout=10) == "only frame"
            ws.close(4001, "sender done")
        assert app.closed.get(timeout=10) == (4001, "sender done")


@pytest.mark.parametrize("how", ["close", "drop"])
def test_close_with_code_and_drop_now_act_on_both_sides(start_engine, how):
    with WsApp() as app:
        engine, log = start_engine()
        engine.set_forwarding(ForwardSettings(url=app.url))
        with connect(_ws_url(engine, "/s")) as ws:
            ws.send("ping")
            assert app.frames.get(timeout=10) == "ping"
            opened = log.wait_for(
                lambda e: isinstance(e, ExchangeAdded) and e.exchange.kind is ExchangeKind.WEBSOCKET
            )
            live = opened.exchange.id
            if how == "close":
                ok = engine.close_websocket(live, 4002, "closed by you")
            else:
                ok = engine.drop_websocket(live)
            assert ok.result(10)
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=10)
            sender = (ws.close_code, ws.close_reason)
        app_side = app.closed.get(timeout=10)
    if how == "close":
        assert sender == (4002, "closed by you") and app_side == (4002, "closed by you")
    else:
        assert sender[0] == 1006 and app_side == (None, "no close frame")


def test_app_refusing_the_upgrade_refuses_the_sender_with_its_status(start_engine):
    async def no_ws(_got: Received) -> web.StreamResponse:
        return web.Response(status=403, text="no websockets here")

    with HttpApp(no_ws) as app:
        engine, log = start_engine()
        engine.set_forwarding(ForwardSettings(url=app.url))
        from websockets.exceptions import InvalidStatus

        with pytest.raises(InvalidStatus) as refused:
            connect(_ws_url(engine, "/s"))
        x = _finished(log, ExchangeKind.WEBSOCKET)
    assert refused.value.response.status_code == 403
    assert x.status == 403 and "refused the WebSocket upgrade with 403" in x.note
