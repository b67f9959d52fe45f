"""A fixed, varied set of exchanges: every status kind, WebSocket ending, body and header the
list's decisions and the filter language tell apart, for tests that hold the live (Python)
and stored (SQL) readings to the same answers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from inspector.core.records import ClosedBy, Exchange, WsEnd
from inspector.store.session import SessionWriter
from tests.factories import (
    BINARY,
    changed,
    deepgram_result,
    http_exchange,
    stream_result,
    ws_exchange,
)

TOKEN = "5b0f5a3e-6a8e-5d0c-9a57-1c2f0e4d8b61"


def varied_exchanges() -> list[Exchange]:
    """About thirty exchanges, ids 1.., in arrival order."""
    rid_a, rid_b = "6732aa10-0000-4000-8000-00000000000a", "9f0e1d2c-0000-4000-8000-00000000000b"
    plain = (("Content-Type", "application/json"), ("dg-token", TOKEN))
    xs: list[Exchange] = []

    def add(x: Exchange) -> None:
        xs.append(replace(x, id=len(xs) + 1))

    base = http_exchange(1, headers=plain)
    # A callback job retried: 503, 503, 200 (attempts of one request_id).
    body_a = deepgram_result(rid_a, "nine o'clock at the station")
    failing = "first two attempts fail"  # the reply rule that answered (issue 17)
    add(changed(base, body=body_a, status=503, target="/hook/one", note="reply rule answered 503",
              rule=failing))  # fmt: skip
    add(changed(base, body=body_a, status=503, target="/hook/one", attempt=2, rule=failing))
    add(changed(base, body=body_a, status=200, target="/hook/one", attempt=3))
    # A PUT callback, delivered at once; another job by a slow PUT.
    body_b = deepgram_result(rid_b, "one two three")
    add(changed(base, body=body_b, method="PUT", status=200, target="/hook/put?x=1&y=%20",
              rule="slow PUT"))  # fmt: skip
    add(changed(base, body=deepgram_result("c0ffee00-1", "café au lait"), method="PUT", status=201))
    # Every other status kind.
    add(changed(base, body=b'{"request_id":"r-302"}', status=302, target="/moved"))
    add(changed(base, body=b"{}", status=404, target="/nope", headers=()))
    add(changed(base, body=b"{}", status=None, target="/slow"))  # pending
    add(changed(base, body=b"", status=599, target="/odd", method="M-SEARCH"))
    add(changed(base, body=b"", status=100, target="/continue"))
    add(changed(base, body=b"", status=0, target="/zero"))
    # Odd text: non-ASCII path, LIKE's wildcards, a backslash, quotes; an empty request_id.
    add(changed(base, body=b'{"request_id":""}', target="/CAFÉ/Ärger", status=200))
    add(changed(base, body=b'{"request_id":"50%_off"}', target="/p/50%_x", status=500))
    add(changed(base, body=b"{}", target="/back\\slash", status=200))
    add(
        changed(
            base,
            body=b'{"note":"needle-in-body","text":"Gr\\u00fc\\u00dfe"}',
            target="/q",
            headers=(
                ("Content-Type", "application/json; charset=utf-8"),
                ("X-Quote", 'say "hi"\\there'),
                ("X-Ünïcode", "Wert: Grüße"),
                ("dg-token", "00000000-dead-beef"),
            ),
            status=403,
            rule="Unbekannter Schlüssel",  # a rule named in another alphabet
        )
    )
    # Bodies that are not JSON text.
    add(changed(base, body=BINARY + b"needle after NUL", target="/bin", status=200))
    add(changed(base, body=b"\xff\xfeNEEDLE \xc3(", target="/badutf8", status=400))
    add(changed(base, body=b"", body_size=20_000_000, target="/big", status=413,
              note="body over the 10,000,000-byte limit"))  # fmt: skip
    # Duplicate headers, a header without a value, case in names.
    add(
        changed(
            base,
            body=b"{}",
            target="/dups",
            headers=(("X-Dup", "one"), ("x-dup", "Two"), ("X-Empty", ""), ("HOST", "a:1")),
            status=204,
        )
    )
    # Streaming messages over an http(s) callback: one request_id, several messages.
    rid_s = "57ea57ea-0000-4000-8000-000000000005"
    for text, final in (("hello", False), ("hello world", True)):
        add(changed(base, body=stream_result(rid_s, text, final), target="/stream-cb", status=200))
    # WebSockets: open, closed normally, abnormally, without a code, refused, dropped.
    ws, _ = ws_exchange(1)
    add(changed(ws, ws_end=None, ws_messages=4))
    add(changed(ws, ws_end=WsEnd(ClosedBy.CLIENT, 1000, ""), ws_messages=12))
    # (An unnamed rule is named by its place in the list: #3.)
    add(changed(ws, ws_end=WsEnd(ClosedBy.SERVER, 1011, "internal error"), target="/ws/kill",
              rule="#3"))  # fmt: skip
    add(changed(ws, ws_end=WsEnd(ClosedBy.CLIENT, None, "")))
    add(changed(ws, ws_end=WsEnd(ClosedBy.ABORT, 1006, "dropped"), note="dropped by the receiver",
              rule="#1"))  # fmt: skip
    add(changed(ws, status=403, ws_end=None, ws_messages=0, note="refused by a reply rule",
              rule="#13"))  # fmt: skip
    add(changed(ws, status=None, ws_end=None, ws_messages=0, target="/ws/pending"))
    # A request_id seen on a WebSocket is never grouped with the HTTP attempts.
    add(changed(ws, body=deepgram_result(rid_a, ""), ws_end=WsEnd(ClosedBy.CLIENT, 1000, "")))
    # Plain GETs without a body or headers.
    add(changed(base, method="GET", body=b"", target="/health", headers=(), status=200))
    return xs


def write_session(path: Path, xs: list[Exchange]) -> Path:
    """`xs` in a real session file, the writer's way."""
    with SessionWriter(path) as writer:
        futures = [writer.submit(x) for x in xs]
        for future in futures:
            future.result(10)
    return path
