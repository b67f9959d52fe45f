"""The real receiver on 127.0.0.1:0, driven by real HTTP and WebSocket clients."""

from __future__ import annotations

import http.client
import select
import socket
import urllib.parse

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from inspector.core.events import ExchangeAdded, ExchangeUpdated, WsMessageAdded
from inspector.core.records import ClosedBy, Direction, ExchangeKind, WsKind
from inspector.core.rules_file import rule_from_table
from inspector.engine.receiver_connections import RefusalLimiter


def _http(url: str, method: str, path: str, body: bytes = b"", headers=None):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def _answered(log, path):
    return log.wait_for(
        lambda e: (
            isinstance(e, (ExchangeAdded, ExchangeUpdated))
            and e.exchange.target == path
            and e.exchange.finished is not None
        )
    ).exchange


@pytest.mark.parametrize("method", ["POST", "PUT", "GET", "PATCH", "DELETE", "OPTIONS"])
def test_any_method_on_any_path_is_listed(start_engine, method):
    engine, log = start_engine()
    status, _ = _http(
        engine.receiver_url, method, "/deep/path?q=1", b"x" if method != "GET" else b""
    )
    assert status == 200
    x = _answered(log, "/deep/path?q=1")
    assert (x.method, x.kind, x.status) == (method, ExchangeKind.HTTP, 200)


def test_reply_delay_lists_request_as_pending_first(start_engine):
    engine, log = start_engine(rules=(rule_from_table({"delay_ms": 300}),))
    status, _ = _http(engine.receiver_url, "POST", "/slow", b"{}")
    assert status == 200
    pending = log.wait_for(lambda e: isinstance(e, ExchangeAdded)).exchange
    assert pending.status is None
    done = log.wait_for(lambda e: isinstance(e, ExchangeUpdated)).exchange
    assert done.status == 200 and done.duration_ms >= 300


def test_rules_changed_at_runtime_apply_to_the_next_request(start_engine):
    engine, _ = start_engine()
    assert _http(engine.receiver_url, "POST", "/a")[0] == 200
    engine.set_rules([rule_from_table({"status": 503})])
    assert _http(engine.receiver_url, "POST", "/a")[0] == 503


def test_over_limit_declared_body_gets_413_and_is_listed(start_engine):
    engine, log = start_engine(max_body=1000)
    status, body = _http(engine.receiver_url, "POST", "/big", b"z" * 5000)
    assert status == 413 and b"1000-byte limit" in body
    x = _answered(log, "/big")
    assert (x.status, x.body_size, x.body) == (413, 5000, b"z" * 5000)  # under --keep-refused
    assert "limit" in x.note


def test_over_limit_chunked_body_gets_413_and_is_listed(start_engine):
    engine, log = start_engine(max_body=1000)
    parts = urllib.parse.urlsplit(engine.receiver_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", "/chunked", body=iter([b"a" * 800, b"b" * 800]), encode_chunked=True)
    assert conn.getresponse().status == 413
    x = _answered(log, "/chunked")
    assert x.status == 413 and x.body_size > 1000
    assert x.body == (b"a" * 800 + b"b" * 800)[: len(x.body)] and len(x.body) > 1000


def _ws_url(engine, path="/ws"):
    return engine.receiver_url.replace("http://", "ws://") + path


def test_websocket_messages_both_kinds_and_client_close_are_recorded(start_engine):
    engine, log = start_engine()
    with connect(_ws_url(engine, "/live?x=1")) as ws:
        ws.send("one")
        ws.send(b"\x00\x01binary")
        ws.send("three")
        ws.close(code=4001, reason="done here")
    opened = log.wait_for(lambda e: isinstance(e, ExchangeAdded)).exchange
    assert (opened.kind, opened.status, opened.target) == (ExchangeKind.WEBSOCKET, 101, "/live?x=1")
    ended = log.wait_for(lambda e: isinstance(e, ExchangeUpdated)).exchange
    messages = [e.message for e in log.events if isinstance(e, WsMessageAdded)]
    assert [(m.kind, m.data) for m in messages] == [
        (WsKind.TEXT, b"one"),
        (WsKind.BINARY, b"\x00\x01binary"),
        (WsKind.TEXT, b"three"),
    ]
    assert all(m.direction is Direction.IN for m in messages)
    assert [m.index for m in messages] == [0, 1, 2]
    assert (ended.ws_end.by, ended.ws_end.code, ended.ws_end.reason) == (
        ClosedBy.CLIENT,
        4001,
        "done here",
    )
    assert ended.ws_messages == 3


def test_websocket_close_after_two_messages_with_code(start_engine):
    engine, log = start_engine(
        rules=(rule_from_table({"close_after_messages": 2, "close_code": 1011}),)
    )
    with connect(_ws_url(engine)) as ws:
        ws.send("a")
        ws.send("b")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd.code == 1011
    ended = log.wait_for(lambda e: isinstance(e, ExchangeUpdated)).exchange
    assert (ended.ws_end.by, ended.ws_end.code) == (ClosedBy.SERVER, 1011)


def test_websocket_closed_after_seconds(start_engine):
    engine, _ = start_engine(
        rules=(rule_from_table({"close_after_seconds": 0.2, "close_code": 4002}),)
    )
    with connect(_ws_url(engine)) as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=10)
    assert closed.value.rcvd.code == 4002


def test_websocket_upgrade_refused_with_status_is_listed(start_engine):
    engine, log = start_engine(
        rules=(rule_from_table({"match": {"websocket": True}, "status": 403}),)
    )
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as refused:
        connect(_ws_url(engine))
    assert refused.value.response.status_code == 403
    x = log.wait_for(lambda e: isinstance(e, ExchangeAdded)).exchange
    assert (x.kind, x.status) == (ExchangeKind.WEBSOCKET, 403)


def test_drop_now_aborts_and_close_with_code_closes_live_sockets(start_engine):
    engine, log = start_engine()
    with connect(_ws_url(engine, "/a")) as ws:
        ws.send("hi")
        opened = log.wait_for(lambda e: isinstance(e, WsMessageAdded)).message
        assert engine.call(engine.receiver.drop_websocket(opened.exchange_id)).result(5)
        with pytest.raises(ConnectionClosed) as dropped:
            ws.recv(timeout=10)
    assert dropped.value.rcvd is None  # no close frame: the TCP connection was aborted
    ended = log.wait_for(lambda e: isinstance(e, ExchangeUpdated)).exchange
    assert ended.ws_end.by is ClosedBy.ABORT

    with connect(_ws_url(engine, "/b")) as ws:
        ws.send("hi")
        second = log.wait_for(
            lambda e: isinstance(e, WsMessageAdded) and e.message.exchange_id != opened.exchange_id
        )
        engine.call(
            engine.receiver.close_websocket(second.message.exchange_id, 4000, "bye")
        ).result(5)
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4000, "bye")


def test_receiver_sends_text_recorded_as_outgoing(start_engine):
    engine, log = start_engine()
    with connect(_ws_url(engine)) as ws:
        ws.send("ping")
        m = log.wait_for(lambda e: isinstance(e, WsMessageAdded)).message
        engine.call(engine.receiver.send_websocket_text(m.exchange_id, "pong")).result(5)
        assert ws.recv(timeout=10) == "pong"
    out = log.wait_for(
        lambda e: isinstance(e, WsMessageAdded) and e.message.direction is Direction.OUT
    )
    assert out.message.data == b"pong"


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\xff random bytes \x13\x37" * 50 + b"\r\n\r\n",
        # A TLS ClientHello on the plain port
        bytes.fromhex("160301006a0100006603035a") + b"\x00" * 100,
        b"POST /x HTTP/1.1\r\nHost: a\r\nX-Bad: \xff\xfe\r\nContent-Length: 2\r\n\r\n{}",
        b"GET /\xff\xfe HTTP/1.1\r\nHost: a\r\n\r\n",
    ],
    ids=["random-bytes", "tls-hello", "invalid-utf8-header", "invalid-utf8-path"],
)
def test_garbage_on_the_socket_does_not_stop_the_server(start_engine, garbage):
    engine, log = start_engine()
    parts = urllib.parse.urlsplit(engine.receiver_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(garbage)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass
    status, _ = _http(engine.receiver_url, "POST", "/after", b'{"ok": true}')
    assert status == 200
    assert _answered(log, "/after").status == 200


def test_invalid_json_body_is_kept_as_bytes_and_flagged(start_engine):
    engine, log = start_engine()
    assert (
        _http(
            engine.receiver_url, "POST", "/j", b'{"broken": ', {"Content-Type": "application/json"}
        )[0]
        == 200
    )
    x = _answered(log, "/j")
    assert x.body == b'{"broken": ' and x.view.json_valid is False and x.view.utf8_valid is True


def _raw(engine, data: bytes) -> tuple[bytes, str]:
    """Send `data`, shut our side, read to the end; returns the reply and our address."""
    parts = urllib.parse.urlsplit(engine.receiver_url)
    reply = bytearray()
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        host, port = sock.getsockname()[:2]
        me = f"{host}:{port}"
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        try:
            while chunk := sock.recv(65536):
                reply += chunk
        except ConnectionResetError:
            pass
    return bytes(reply), me


def test_refused_garbage_is_listed_with_the_peer_and_no_method_or_target(start_engine):
    engine, log = start_engine()
    reply, me = _raw(engine, b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 64)
    assert reply.startswith(b"HTTP/1.0 400") or reply.startswith(b"HTTP/1.1 400")
    x = log.wait_for(lambda e: isinstance(e, ExchangeAdded)).exchange
    assert (x.method, x.target, x.headers, x.client, x.status) == ("", "", (), me, 400)
    assert x.note.startswith("not HTTP: looks like a TLS ClientHello")
    assert x.finished is not None and b"TLS ClientHello" in x.reply_body


@pytest.mark.parametrize(
    ("request_bytes", "status", "note"),
    [
        (
            b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 3000 + b"\r\n\r\n",
            431,
            "header over the 2000-byte limit (--max-field-size)",
        ),
        (
            b"GET /" + b"u" * 3000 + b" HTTP/1.1\r\n\r\n",
            414,
            "request line over the 1000-byte limit (--max-line-size)",
        ),
        (
            b"GET / HTTP/1.1\r\n" + b"X-H: v\r\n" * 11 + b"\r\n",
            431,
            "over 10 headers (--max-headers)",
        ),
    ],
    ids=["field", "line", "count"],
)
def test_header_limits_are_settings_and_refusals_name_their_flag(
    start_engine, request_bytes, status, note
):
    engine, log = start_engine(max_field_size=2000, max_line_size=1000, max_headers=10)
    reply, _ = _raw(engine, request_bytes)
    assert reply.split(b" ", 2)[1] == str(status).encode()
    x = log.wait_for(lambda e: isinstance(e, ExchangeAdded)).exchange
    assert (x.status, x.note) == (status, note)


def test_partial_head_past_the_idle_timeout_gets_408_and_is_listed(start_engine):
    engine, log = start_engine(idle_timeout=0.3)
    parts = urllib.parse.urlsplit(engine.receiver_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        partial = b"POST /slow HTTP/1.1\r\nHost: a\r\nX-Part"
        sock.sendall(partial)
        reply = bytearray()
        while chunk := sock.recv(65536):  # the server closes after the timeout
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 408 Request Timeout")
    x = log.wait_for(lambda e: isinstance(e, ExchangeAdded)).exchange
    assert x.status == 408
    assert x.note == (
        f"request head not complete after 0.3 s ({len(partial)} bytes received; --idle-timeout)"
    )


def test_connection_over_the_limit_gets_503_and_is_listed(start_engine):
    engine, log = start_engine(max_connections=1)
    parts = urllib.parse.urlsplit(engine.receiver_url)
    held = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    held.request("GET", "/held")
    assert held.getresponse().read() == b""  # answered, and kept open (keep-alive)
    try:
        reply, me = _raw(engine, b"")
        assert reply.startswith(b"HTTP/1.1 503") and b"(--max-connections)" in reply
        x = log.wait_for(lambda e: isinstance(e, ExchangeAdded) and e.exchange.status == 503)
        assert (x.exchange.client, x.exchange.method) == (me, "")
        assert x.exchange.note == "over 1 connections at once (--max-connections)"
    finally:
        held.close()


def test_websocket_message_over_the_limit_closes_1009_with_the_reason(start_engine):
    engine, log = start_engine(max_ws_message=1000)
    with connect(_ws_url(engine, "/big")) as ws:
        ws.send(b"x" * 1000)  # the limit itself is accepted
        with pytest.raises(ConnectionClosed) as closed:
            ws.send(b"x" * 2000)
            ws.recv(timeout=10)
    reason = "message over the 1000-byte limit (--max-ws-message)"
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1009, reason)
    ended = log.wait_for(lambda e: isinstance(e, ExchangeUpdated)).exchange
    assert (ended.ws_end.by, ended.ws_end.code, ended.ws_end.reason) == (
        ClosedBy.SERVER,
        1009,
        reason,
    )
    assert ended.ws_messages == 1 and ended.note == reason


def test_refusal_limiter_lists_the_first_n_a_second_and_counts_the_rest():
    limiter = RefusalLimiter(per_second=2)
    admitted = [limiter.admit(100.1 + i / 10, "tls", 400, f"note {i}", "c") for i in range(5)]
    assert admitted == [True, True, False, False, False]
    held = limiter.take_held()
    assert [(k, h.count, h.status, h.note) for k, h in held.items()] == [("tls", 3, 400, "note 4")]
    assert limiter.take_held() == {}
    assert limiter.admit(101.0, "tls", 400, "next second", "c")  # a new second, a new quota


def test_unknown_expect_gets_417_and_is_listed(start_engine):
    engine, log = start_engine()
    reply, _ = _raw(
        engine, b"POST /exp HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}"
    )
    assert reply.startswith(b"HTTP/1.1 417")
    x = log.wait_for(lambda e: isinstance(e, ExchangeAdded)).exchange
    assert (x.method, x.target, x.status) == ("POST", "/exp", 417)
    assert x.note == "unknown Expect: teapot (only 100-continue is known)"


def test_max_connections_zero_means_no_limit(start_engine):
    engine, log = start_engine(max_connections=0)
    parts = urllib.parse.urlsplit(engine.receiver_url)
    conns = [http.client.HTTPConnection(parts.hostname, parts.port, timeout=10) for _ in range(3)]
    try:
        for i, conn in enumerate(conns):  # all three held open at once
            conn.request("GET", f"/open-{i}")
            assert conn.getresponse().status == 200
    finally:
        for conn in conns:
            conn.close()
    assert _answered(log, "/open-2").status == 200


def test_attempt_memory_setting_bounds_the_request_ids_remembered(start_engine):
    engine, log = start_engine(attempt_memory=2)

    def attempt_of(rid: str, path: str) -> int:
        body = b'{"metadata":{"request_id":"%s"}}' % rid.encode()
        assert _http(engine.receiver_url, "POST", path, body)[0] == 200
        return _answered(log, path).attempt

    assert [attempt_of(r, f"/{i}") for i, r in enumerate(["a", "b", "a", "c"])] == [1, 1, 2, 1]
    # "b" was the least recently seen of three with room for two: forgotten; "a" kept.
    assert (attempt_of("b", "/4"), attempt_of("c", "/5")) == (1, 2)


def test_idle_timeout_zero_keeps_an_idle_keep_alive_connection_open(start_engine):
    engine, log = start_engine(idle_timeout=0)
    port = urllib.parse.urlsplit(engine.receiver_url).port
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        # A negative check has no event to wait on: bounded, it must stay open (0 = never).
        ready, _, _ = select.select([sock], [], [], 1.0)
        assert not ready, "the receiver closed an idle connection despite --idle-timeout 0"
        sock.sendall(b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    assert _answered(log, "/b").status == 200


def test_refused_callbacks_keep_their_start_so_their_attempts_are_counted(start_engine):
    """Issue 14 item 4: four 413s of one job read as attempts 1, 1, 1, 1 without a
    request_id; the kept start of each body names it, and the attempts count."""
    engine, log = start_engine(max_body=1000, keep_refused_body=300)
    body = (
        b'{"metadata":{"transaction_key":"deprecated","request_id":"job-413","sha256":"ab"},'
        b'"results":{"channels":[{"alternatives":[{"transcript":"' + b"word " * 400 + b'"}]}]}}'
    )
    for _ in range(4):
        status, reply = _http(engine.receiver_url, "POST", "/capped", body)
        assert status == 413 and b"1000-byte limit" in reply
    seen = []
    log.wait_for(
        lambda e: (
            isinstance(e, ExchangeAdded) and seen.append(e.exchange) is None and len(seen) == 4
        )
    )
    assert [x.attempt for x in seen] == [1, 2, 3, 4]
    assert {x.request_id for x in seen} == {"job-413"}
    x = seen[0]
    assert (x.body, x.body_size) == (body[:300], len(body))
    assert "first 300 bytes are kept" in x.note and not x.view.json_valid


def test_a_refused_body_stays_cut_and_named_in_the_session_and_the_har(start_engine, tmp_path):
    from inspector.core.settings import ReceiverSettings
    from inspector.engine.engine import Engine, EngineSettings
    from inspector.store.har import har_to_records, to_har
    from inspector.store.session_reader import SessionReader

    engine = Engine(
        EngineSettings(
            receiver=ReceiverSettings(port=0, max_body=100, keep_refused_body=60),
            data_dir=tmp_path,
        )
    )
    engine.start()
    try:
        body = b'{"metadata":{"request_id":"r-cut"},"pad":"' + b"x" * 500 + b'"}'
        assert _http(engine.receiver_url, "POST", "/capped", body)[0] == 413
        path = engine.session_path
    finally:
        engine.stop()
    assert path is not None
    with SessionReader(path) as reader:
        (stored,) = reader.exchanges()
    assert stored.request_id == "r-cut" and stored.body_size == len(body)
    har = to_har([stored], lambda _i: ())
    request = har["log"]["entries"][0]["request"]
    assert request["bodySize"] == len(body) and "first" in request["postData"]["comment"]
    (back,), _ = har_to_records(har)
    assert back.request_id == "r-cut" and back.body == stored.body
