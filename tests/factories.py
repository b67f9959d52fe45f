"""Records as the receiver makes them, built by hand (no network needed): the one place
tests (and `bench/session_open.py`) build an `Exchange`, a WebSocket's messages and a
Deepgram result body. Every builder takes any `Exchange` field as a keyword to change it;
a new `body` brings its view and size along."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from inspector.core.body_view import view_body
from inspector.core.records import (
    ClosedBy,
    Direction,
    Exchange,
    ExchangeKind,
    WsEnd,
    WsKind,
    WsMessage,
)
from inspector.store.library import SessionLibrary

T0 = 1_790_000_000.123456
BINARY = bytes(range(256)) * 3 + b"\x00\xff\xfe"


def deepgram_result(request_id: str, transcript: str, **extra: Any) -> bytes:
    """A pre-recorded result's body: `metadata.request_id` and the first alternative's
    `transcript`; `alternative` (a dict) adds fields to that alternative, `metadata` to the
    metadata, any other keyword is a top-level field."""
    alternative = {"transcript": transcript, **extra.pop("alternative", {})}
    return json.dumps(
        {
            "metadata": {"request_id": request_id, **extra.pop("metadata", {})},
            "results": {"channels": [{"alternatives": [alternative]}]},
            **extra,
        }
    ).encode()


def stream_result(request_id: str, transcript: str, is_final: bool, **extra: Any) -> bytes:
    """A streaming `Results` message's body."""
    return json.dumps(
        {
            "type": "Results",
            "is_final": is_final,
            "metadata": {"request_id": request_id},
            "channel": {"alternatives": [{"transcript": transcript}]},
            **extra,
        }
    ).encode()


RESULT = deepgram_result("3f1c0b0e-0000-4000-8000-000000000001", "hello world")


def changed(x: Exchange, **changes: Any) -> Exchange:
    """`x` with `changes`; a new body brings its view and size along (unless given)."""
    body = changes.get("body")
    if isinstance(body, bytes):
        changes.setdefault("view", view_body(body))
        changes.setdefault("body_size", len(body))
    return replace(x, **changes) if changes else x


def http_exchange(
    id: int = 1,
    *,
    body: bytes = RESULT,
    headers: tuple[tuple[str, str], ...] | None = None,
    status: int | None = 200,
    target: str = "/callback?job=1&x=%20y",
    method: str = "POST",
    attempt: int = 1,
    reply_body: bytes = b"",
    **changes: Any,
) -> Exchange:
    """A callback POST as the receiver records it (a Deepgram result, answered 200 unless
    `status` says otherwise; None: still pending)."""
    x = Exchange(
        id=id,
        kind=ExchangeKind.HTTP,
        started=T0 + id,
        client="127.0.0.1:51234",
        method=method,
        target=target,
        http_version="HTTP/1.1",
        headers=headers
        if headers is not None
        else (
            ("Host", "127.0.0.1:8080"),
            ("Content-Type", "application/json"),
            ("dg-token", "5b0f5a3e-6a8e-5d0c-9a57-1c2f0e4d8b61"),
            ("X-Dup", "one"),
            ("X-Dup", "two"),
            ("Content-Length", str(len(body))),
        ),
        body=body,
        body_size=len(body),
        attempt=attempt,
        status=status,
        reply_headers=(("Content-Type", "text/plain; charset=utf-8"), ("X-Reply", "r")),
        reply_body=reply_body,
        finished=None if status is None else T0 + id + 0.0125,
        note="",
        view=view_body(body),
    )
    return changed(x, **changes)


def ws_exchange(id: int = 2, **changes: Any) -> tuple[Exchange, list[WsMessage]]:
    """A WebSocket closed by the client after three messages (text in and out, binary in)."""
    x = Exchange(
        id=id,
        kind=ExchangeKind.WEBSOCKET,
        started=T0 + id,
        client="127.0.0.1:51235",
        method="GET",
        target="/stream?model=nova-3",
        http_version="HTTP/1.1",
        headers=(
            ("Host", "127.0.0.1:8080"),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("Sec-WebSocket-Version", "13"),
        ),
        status=101,
        reply_headers=(("Upgrade", "websocket"), ("Connection", "upgrade")),
        finished=T0 + id + 2.5,
        ws_end=WsEnd(ClosedBy.CLIENT, 1000, "bye"),
        ws_messages=3,
    )
    messages = [
        WsMessage(id, 0, Direction.IN, WsKind.TEXT, b'{"type":"KeepAlive"}', T0 + id + 0.5),
        WsMessage(id, 1, Direction.OUT, WsKind.TEXT, "héllo ✓".encode(), T0 + id + 1.0),
        WsMessage(id, 2, Direction.IN, WsKind.BINARY, BINARY, T0 + id + 1.5),
    ]
    return changed(x, **changes), messages


def write_capture_session(library: SessionLibrary, n: int, started: float) -> Path:
    """A capture session of `n` POSTs, each with its own JSON body."""
    with library.create(started=started) as writer:
        for i in range(1, n + 1):
            body = b'{"n":%d,"text":"%s"}' % (i, b"x" * 50)
            writer.submit(
                http_exchange(
                    i,
                    started=started + i / 1000,
                    target=f"/cb/{i}",
                    headers=(("Content-Type", "application/json"), ("dg-token", "tok-1")),
                    body=body,
                    reply_body=b"ok",
                    finished=started + i / 1000 + 0.001,
                )
            )
    return writer.path
