"""Copy as cURL, run with the real curl against the real receiver, reproduces the request."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import urllib.parse

import pytest

from inspector.core.events import ExchangeAdded
from inspector.core.headers import first_header
from inspector.core.records import Exchange
from inspector.store.curl import to_curl
from tests.factories import BINARY, http_exchange, ws_exchange

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl binary")

_CURL_SETS = {"host", "content-length"}


def _send_raw(url: str, head: bytes, body: bytes) -> None:
    """Send a request exactly as given (http.client would add and reorder headers)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.connect()
    assert conn.sock is not None
    conn.sock.sendall(head + body)
    response = http.client.HTTPResponse(conn.sock, method="POST")
    response.begin()
    response.read()
    conn.close()


def _captured(log, after: int = 0) -> Exchange:
    event = log.wait_for(
        lambda e: isinstance(e, ExchangeAdded) and e.exchange.id > after and e.exchange.finished
    )
    return event.exchange


def _head(method: str, target: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", *(f"{n}: {v}" for n, v in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def _without_curl_set(headers) -> list[tuple[str, str]]:
    return [(n, v) for n, v in headers if n.lower() not in _CURL_SETS]


@pytest.mark.parametrize(
    ("method", "target", "body", "extra"),
    [
        ("POST", "/callback?job=1&x=%20y", BINARY, [("Content-Type", "application/octet-stream")]),
        (
            "PUT",
            "/a/../b//c?q=[1]&r={2}",
            'it\'s "quoted"\r\nline $HOME `x` ✓\n'.encode(),
            [("Content-Type", "text/plain; charset=utf-8"), ("User-Agent", "Deepgram/1.0")],
        ),
        ("POST", "/empty", b"", []),
        ("DELETE", "/thing/7", b"", []),
    ],
)
def test_curl_command_reproduces_the_request(start_engine, tmp_path, method, target, body, extra):
    engine, log = start_engine()
    host = urllib.parse.urlsplit(engine.receiver_url).netloc
    headers = [
        ("Host", host),
        ("dg-token", "5b0f5a3e-6a8e-5d0c-9a57-1c2f0e4d8b61"),
        *extra,
        ("X-Dup", "one"),
        ("x-dup", "two"),
        ("X-Empty", ""),
        ("Authorization", "Basic dXNlcjpwYXNz"),
    ]
    if body or method in ("POST", "PUT"):
        headers.append(("Content-Length", str(len(body))))
    _send_raw(engine.receiver_url, _head(method, target, headers), body)
    original = _captured(log)
    assert original.body == body

    command = to_curl(original, engine.receiver_url, body_path="body.bin")
    if command.body is not None:
        (tmp_path / "body.bin").write_bytes(command.body)
    run = subprocess.run(
        ["bash", "-c", command.command], cwd=tmp_path, capture_output=True, timeout=30
    )
    assert run.returncode == 0, run.stderr
    again = _captured(log, after=original.id)

    assert again.method == original.method
    assert again.target == original.target
    assert again.body == original.body
    # Every header the command controls, in order; curl adds only Host and Content-Length.
    assert _without_curl_set(again.headers) == _without_curl_set(original.headers)
    assert first_header(again.headers, "content-length") == first_header(
        original.headers, "content-length"
    )


def test_binary_or_large_bodies_go_in_a_file_and_text_inline():
    binary = to_curl(http_exchange(1, body=BINARY), "http://127.0.0.1:9", body_path="/tmp/b 1")
    assert binary.body == BINARY and binary.body_path == "/tmp/b 1"
    assert "--data-binary '@/tmp/b 1'" in binary.command
    text = to_curl(http_exchange(1, body=b'{"a": "it\'s"}'), "http://127.0.0.1:9")
    assert text.body is None and "--data-raw" in text.command
    large = to_curl(http_exchange(1, body=b"a" * 100_000), "http://127.0.0.1:9")
    assert large.body == b"a" * 100_000
    assert "--http1.1" in text.command and "--globoff" in text.command
    assert " -L" not in text.command


def test_a_websocket_cannot_be_copied_as_curl():
    ws, _ = ws_exchange()
    with pytest.raises(ValueError, match="WebSocket"):
        to_curl(ws, "http://127.0.0.1:9")
