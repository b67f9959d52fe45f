"""Helpers of the hostile-traffic suite: raw bytes to the real `serve` on 127.0.0.1, and its
JSON lines read until the one a test waits for (never a sleep)."""

from __future__ import annotations

import http.client
import itertools
import json
import socket
import ssl
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from tests.serve_process import ServeProcess

_valid = itertools.count(1)


def address(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    assert parts.hostname == "127.0.0.1", url  # the suite never leaves the machine
    assert parts.port is not None
    return parts.hostname, parts.port


def send_raw(url: str, data: bytes, shutdown: bool = True, timeout: float = 30.0) -> bytes:
    """Send `data` on a new connection (then shut our side, unless told not to) and return
    everything the server sends until it closes. A reset ends the reading too: a server that
    closes with unread input left resets the connection (RFC 9293 3.6.1)."""
    received = bytearray()
    with socket.create_connection(address(url), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            if shutdown:
                sock.shutdown(socket.SHUT_WR)
            while chunk := sock.recv(65536):
                received += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass
    return bytes(received)


def statuses(reply: bytes) -> list[int]:
    """The status of every response in `reply` (pipelined replies come back to back)."""
    return [
        int(line.split(b" ", 2)[1])
        for line in reply.split(b"\r\n")
        if line.startswith(b"HTTP/1.") and line.count(b" ") >= 1
    ]


def first_status(reply: bytes) -> int:
    found = statuses(reply)
    assert found, f"no HTTP response in {reply[:200]!r}"
    return found[0]


def listed(
    serve: ServeProcess,
    predicate: Callable[[dict[str, Any]], bool],
    timeout: float = 20.0,
    skipped: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The next JSON line for which `predicate` holds; lines before it are skipped (and
    appended to `skipped` when given)."""
    end = time.monotonic() + timeout
    seen: list[dict[str, Any]] = [] if skipped is None else skipped
    while (left := end - time.monotonic()) > 0:
        try:
            event = serve.next_event(left)
        except AssertionError:
            break
        if predicate(event):
            return event
        seen.append(event)
    last = [json.dumps(e)[:300] for e in seen[-5:]]
    raise AssertionError(f"no matching line within {timeout}s; the last seen: {last}")


def refusal_listed(serve: ServeProcess, note: str, timeout: float = 20.0) -> dict[str, Any]:
    """The next listed request whose note contains `note`."""
    return listed(serve, lambda e: e["event"] == "request" and note in e.get("note", ""), timeout)


def assert_serving(serve: ServeProcess, skipped: list[dict[str, Any]] | None = None) -> None:
    """A valid POST is answered 2xx and appears in serve's JSON lines (the lines before it
    are appended to `skipped` when given)."""
    path = f"/valid-{next(_valid)}"
    host, port = address(serve.url)
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        body = b'{"metadata": {"request_id": "after-hostile"}}'
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    assert 200 <= response.status < 300, response.status
    line = listed(serve, lambda e: e["event"] == "request" and e["path"] == path, skipped=skipped)
    assert 200 <= line["status"] < 300 and line["body_size"] == len(body)


def tls_client_hello() -> bytes:
    """A real TLS ClientHello, as `https://` clients send it first, made by Python's ssl."""
    context = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    assert hello[:1] == b"\x16", hello[:8]  # a TLS handshake record
    return hello
