"""Requests by hand: one `/v1/listen` for tests about the emulator's replies (not
transcripts), and a POST with headers in a chosen order."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


def listen(emulator_url: str, key: str = "k", body: bytes = b"not audio") -> tuple[int, dict, Any]:
    """POST `body` as audio; the status, headers and JSON body of the reply (errors too)."""
    request = urllib.request.Request(
        f"{emulator_url}/v1/listen",
        data=body,
        headers={"Authorization": f"Token {key}", "Content-Type": "audio/wav"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers), json.loads(r.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


def post(url: str, path: str, body: bytes, method: str = "POST", headers=None) -> int:
    """Send `body` to `path` of the server at `url` with `headers` in this order; the status."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    conn.putrequest(method, path)
    for name, value in headers or []:
        conn.putheader(name, value)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    status = conn.getresponse().status
    conn.close()
    return status
