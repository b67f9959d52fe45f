"""Hostile HTTP against the real `serve`: each case is refused and listed with its reason (or
answered), and a valid POST is answered and listed after it.

One serve for the module, with a small body limit (so over-limit bodies are cheap to send) and
every refusal listed one by one (the rate limit has its own test in test_slow_and_many.py).
"""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator

import pytest

from tests.serve_process import ServeProcess

from .wire import (
    address,
    assert_serving,
    first_status,
    listed,
    refusal_listed,
    send_raw,
    statuses,
    tls_client_hello,
)

MAX_BODY = 100_000


@pytest.fixture(scope="module")
def serve() -> Iterator[ServeProcess]:
    with ServeProcess(
        "--port", "0", "--max-body", str(MAX_BODY), "--max-listed-refusals", "1000"
    ) as process:
        yield process
    # Hostile input is refused and listed, never a traceback on stderr.
    assert not [line for line in process.stderr_lines if "Traceback" in line]


def _headless(line: dict) -> None:
    """A refusal with no usable request head: no method, no target."""
    assert (line["method"], line["path"], line["headers"]) == ("", "", [])


def _head_read(line: dict, method: str, path: str, headers: list[list[str]]) -> None:
    """A refusal whose head was read in part: what was read is listed, as text, escaped."""
    assert (line["method"], line["path"], line["headers"]) == (method, path, headers)


@pytest.mark.parametrize(
    "garbage",
    [
        random.Random(9).randbytes(4096),
        b"\x00" * 2048,
        b"\xff\xfe\xfd" * 300 + b"\r\n\r\n",
        b"GET\x00/ HTTP/1.1\r\n\r\n",
        b"HELLO WORLD THIS IS NOT HTTP\r\n\r\n",
    ],
    ids=["random-4k", "zeros", "high-bytes", "nul-in-line", "words"],
)
def test_random_bytes_get_400_are_listed_and_serving_goes_on(serve, garbage):
    reply = send_raw(serve.url, garbage)
    assert first_status(reply) == 400
    line = listed(
        serve,
        lambda e: (
            e["event"] == "request"
            and e.get("note", "").startswith(("not HTTP: ", "malformed HTTP: "))
        ),
    )
    assert line["status"] == 400
    if garbage.startswith(b"HELLO"):  # it has the shape of a request line: shown as read
        _head_read(line, "HELLO", "WORLD", [])
    else:
        _headless(line)
    assert_serving(serve)


def test_tls_client_hello_on_the_plain_port_is_named_as_such(serve):
    reply = send_raw(serve.url, tls_client_hello())
    assert first_status(reply) == 400 and b"TLS ClientHello" in reply
    line = refusal_listed(serve, "not HTTP: looks like a TLS ClientHello")
    assert line["status"] == 400
    _headless(line)
    assert_serving(serve)


def test_five_thousand_headers_get_431_naming_max_headers(serve):
    head = b"".join(b"X-Many-%d: v\r\n" % i for i in range(5000))
    reply = send_raw(serve.url, b"GET /many HTTP/1.1\r\nHost: a\r\n" + head + b"\r\n")
    # The server answers after 129 headers and closes with the rest unread: the client may
    # see a reset instead of the reply (RFC 9293 3.6.1); the listing is what must not miss.
    if reply:
        assert first_status(reply) == 431
    line = refusal_listed(serve, "over 128 headers (--max-headers)")
    assert line["status"] == 431
    assert (line["method"], line["path"]) == ("GET", "/many")
    assert line["headers"][:2] == [["Host", "a"], ["X-Many-0", "v"]]
    assert_serving(serve)


def test_one_megabyte_header_gets_431_naming_max_field_size(serve):
    big = b"X-Big: " + b"a" * (1024 * 1024) + b"\r\n"
    reply = send_raw(serve.url, b"GET /big-header HTTP/1.1\r\nHost: a\r\n" + big + b"\r\n")
    if reply:
        assert first_status(reply) == 431
    line = refusal_listed(serve, "header over the 8190-byte limit (--max-field-size)")
    assert line["status"] == 431
    assert_serving(serve)


def test_long_url_gets_414_naming_max_line_size(serve):
    reply = send_raw(serve.url, b"GET /" + b"u" * 20_000 + b" HTTP/1.1\r\nHost: a\r\n\r\n")
    if reply:
        assert first_status(reply) == 414
    line = refusal_listed(serve, "request line over the 8190-byte limit (--max-line-size)")
    assert line["status"] == 414
    assert_serving(serve)


def test_invalid_utf8_in_the_path_is_refused_and_listed(serve):
    reply = send_raw(serve.url, b"GET /caf\xe9/\xff\xfe HTTP/1.1\r\nHost: a\r\n\r\n")
    assert first_status(reply) == 400
    line = refusal_listed(serve, "malformed HTTP: Invalid char in url path")
    _head_read(line, "GET", "/caf\\xe9/\\xff\\xfe", [["Host", "a"]])
    assert "\\xff\\xfe" in line["note"]  # the bytes, escaped, never raw
    assert "b'" not in line["note"]  # as text, not a Python bytes repr
    assert_serving(serve)


def test_invalid_utf8_in_a_header_value_is_answered_and_shown_escaped(serve):
    request = (
        b"POST /utf8-header HTTP/1.1\r\nHost: a\r\nX-Bad: caf\xe9 \xff\xfe\r\n"
        b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"
    )
    assert first_status(send_raw(serve.url, request, shutdown=False)) == 200
    line = listed(serve, lambda e: e["event"] == "request" and e["path"] == "/utf8-header")
    value = dict(line["headers"])["X-Bad"]
    assert "\ufffd" not in value and "\\xff" in value  # escaped, nothing lost or replaced
    assert_serving(serve)


def test_invalid_utf8_in_a_header_name_is_refused_and_listed(serve):
    reply = send_raw(serve.url, b"GET /n HTTP/1.1\r\nHost: a\r\nX-\xff\xfe: v\r\n\r\n")
    assert first_status(reply) == 400
    line = refusal_listed(serve, "malformed HTTP: Invalid header")
    _head_read(line, "GET", "/n", [["Host", "a"], ["X-\\xff\\xfe", "v"]])
    assert_serving(serve)


def test_half_closed_after_a_complete_request_is_answered_and_listed(serve):
    reply = send_raw(serve.url, b"POST /half HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}")
    assert statuses(reply) == [200]
    line = listed(serve, lambda e: e["event"] == "request" and e["path"] == "/half")
    assert (line["status"], line["body"]) == (200, "{}")
    assert_serving(serve)


def test_half_closed_after_pipelined_requests_answers_all_then_closes(serve):
    requests = b"".join(
        b"POST /half-pipe-%d HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n%d" % (i, i)
        for i in range(3)
    )
    assert statuses(send_raw(serve.url, requests)) == [200, 200, 200]
    paths = [
        listed(serve, lambda e: e["event"] == "request" and "/half-pipe" in e["path"])["path"]
        for _ in range(3)
    ]
    assert paths == ["/half-pipe-0", "/half-pipe-1", "/half-pipe-2"]
    assert_serving(serve)


def test_half_closed_in_the_middle_of_a_head_gets_400_and_is_listed(serve):
    reply = send_raw(serve.url, b"POST /half-head HTTP/1.1\r\nHost: a\r\nX-Cut: ")
    assert first_status(reply) == 400
    line = refusal_listed(serve, "request head incomplete when the client closed its side")
    assert "bytes received" in line["note"]
    _head_read(line, "POST", "/half-head", [["Host", "a"], ["X-Cut", "…"]])
    assert_serving(serve)


def test_half_closed_in_the_middle_of_a_body_gets_400_and_is_listed(serve):
    reply = send_raw(
        serve.url, b"POST /half-body HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n{}"
    )
    assert first_status(reply) == 400
    line = listed(serve, lambda e: e["event"] == "request" and e["path"] == "/half-body")
    assert line["status"] == 400 and line["method"] == "POST"
    assert "body incomplete: the client closed its side after 2 of 20 bytes" in line["note"]
    assert_serving(serve)


def test_declared_body_over_the_limit_gets_413_and_is_listed(serve):
    size = MAX_BODY * 3
    head = b"POST /too-big HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % size
    reply = send_raw(serve.url, head + b"z" * size)
    if reply:
        assert first_status(reply) == 413
    line = listed(serve, lambda e: e["event"] == "request" and e["path"] == "/too-big")
    assert (line["status"], line["body_size"]) == (413, size)
    assert f"over the {MAX_BODY}-byte limit (--max-body)" in line["note"]
    assert_serving(serve)


def test_chunked_body_over_the_limit_gets_413_and_is_listed(serve):
    chunk = b"c" * 40_000
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(4)) + b"0\r\n\r\n"
    head = b"POST /too-big-chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    reply = send_raw(serve.url, head + body)
    if reply:
        assert first_status(reply) == 413
    line = listed(serve, lambda e: e["event"] == "request" and e["path"] == "/too-big-chunked")
    assert line["status"] == 413 and "(--max-body)" in line["note"]
    assert_serving(serve)


BAD_CHUNKS = {
    "letters": b"zz\r\nabc\r\n0\r\n\r\n",
    "negative": b"-5\r\nabcde\r\n0\r\n\r\n",
    "overflow": b"ffffffffffffffffffffffff\r\nabc\r\n0\r\n\r\n",
    "no-crlf": b"3\r\nabcX0\r\n\r\n",
}


@pytest.mark.parametrize("bad", BAD_CHUNKS.values(), ids=BAD_CHUNKS.keys())
def test_bad_chunk_size_with_the_head_is_refused_and_listed(serve, bad):
    head = b"POST /chunks HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert first_status(send_raw(serve.url, head + bad)) == 400
    # The parser fails on the bytes it got with the head, so no request is left to name.
    line = refusal_listed(serve, "malformed HTTP: ")
    assert line["status"] == 400
    assert_serving(serve)


@pytest.mark.parametrize("bad", BAD_CHUNKS.values(), ids=BAD_CHUNKS.keys())
def test_bad_chunk_size_after_the_head_is_listed_with_its_request(serve, bad):
    """The head first, the bad chunk only once the receiver reads the body: the request is
    listed by method and path, with the parser's reason."""
    head = (
        b"POST /chunks-later HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
        b"Expect: 100-continue\r\n\r\n"
    )
    with socket.create_connection(address(serve.url), timeout=30) as sock:
        sock.sendall(head)
        interim = sock.recv(65536)  # the receiver reads the body only after this
        assert interim.startswith(b"HTTP/1.1 100 Continue"), interim
        sock.sendall(bad)
        reply = bytearray()
        while chunk := sock.recv(65536):
            reply += chunk
    assert first_status(bytes(reply)) == 400
    line = listed(serve, lambda e: e["event"] == "request" and e["path"] == "/chunks-later")
    assert line["status"] == 400 and line["method"] == "POST"
    assert line["note"].startswith("malformed body: ")
    assert_serving(serve)


def test_http_1_0_request_is_answered_and_closed(serve):
    reply = send_raw(
        serve.url, b"POST /v10 HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}", shutdown=False
    )
    assert statuses(reply) == [200]  # and the server closed: send_raw read until EOF
    line = listed(serve, lambda e: e["event"] == "request" and e["path"] == "/v10")
    assert (line["status"], line["body"]) == (200, "{}")
    assert_serving(serve)


def test_pipelined_requests_are_all_answered_in_order(serve):
    count = 20
    requests = b"".join(
        b"POST /pipe-%02d HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n%s\r\n%s"
        % (
            i,
            len(b'{"n": %d}' % i),
            b"Connection: close\r\n" if i == count - 1 else b"",
            b'{"n": %d}' % i,
        )
        for i in range(count)
    )
    reply = send_raw(serve.url, requests, shutdown=False)
    assert statuses(reply) == [200] * count
    lines = [
        listed(serve, lambda e: e["event"] == "request" and e["path"].startswith("/pipe-"))
        for _ in range(count)
    ]
    assert [e["path"] for e in lines] == [f"/pipe-{i:02d}" for i in range(count)]
    assert [e["body"] for e in lines] == [f'{{"n": {i}}}' for i in range(count)]
    assert [e["id"] for e in lines] == sorted(e["id"] for e in lines)
    assert_serving(serve)
