"""Strategies shared by the fuzz tests: hostile text and JSON shaped like what arrives."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

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

FUZZ = settings.get_profile("fuzz")
"""The decorator every fuzz test wears (registered in conftest.py)."""

# Text as the network can make it: any code point, and then the ones decoders trip on put in
# on purpose (a plain `st.text()` almost never picks them): lone surrogates, C0/C1 controls
# and ESC above all, and the characters URLs, headers and queries are split on.
HOSTILE_CHARS = [
    "\x1b", "\x00", "\x7f", "\x85", "\x9b", "\u2028", "\u202e", "\ud800", "\udfff", "\ufeff",
    ":", "@", "/", "?", "#", "[", "]", "%", " ", "\t", "\r", "\n", "=", "&", ";", ",",
]  # fmt: skip
hostile_text = st.one_of(
    st.text(max_size=16),
    st.builds(
        lambda head, odd, tail: head + odd + tail,
        st.text(max_size=8),
        st.lists(st.sampled_from(HOSTILE_CHARS), max_size=5).map("".join),
        st.text(max_size=8),
    ),
)


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),  # NaN and the infinities included
    hostile_text,
)


def json_values(scalars: st.SearchStrategy[Any] = JSON_SCALARS, keys: Any = None) -> Any:
    """Any JSON value (as Python data) built from `scalars`, objects keyed from `keys`."""
    key_strategy = keys if keys is not None else hostile_text
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(key_strategy, inner, max_size=5)
        ),
        max_leaves=12,
    )


def dumps(value: Any) -> bytes:
    """`value` as JSON bytes the way a sender might write it: NaN/Infinity literals and
    lone surrogates (as `\\udXXX` escapes) included."""
    return json.dumps(value, allow_nan=True).encode("ascii")


def nested_json(depth: int, leaf: str = "1") -> bytes:
    """`[[[...leaf...]]]`, `depth` deep: a recursion bomb for a JSON parser."""
    return ("[" * depth + leaf + "]" * depth).encode()


# Records as the receiver makes them, with hostile text everywhere (tests of event_json and
# event_read share them).
times = st.floats(min_value=0, max_value=4_102_444_800)  # 1970 .. 2100
headers = st.lists(st.tuples(hostile_text, hostile_text), max_size=4).map(tuple)
bodies = st.one_of(
    st.binary(max_size=100),
    hostile_text.map(lambda t: t.encode("utf-8", errors="surrogatepass")),
    json_values().map(dumps),
    st.sampled_from([b"\x1b[2J\x1b]0;pwned\x07", "\x9b31m\u202e".encode(), b"\r\n"]),
)


def exchange(
    kind: ExchangeKind,
    body: bytes,
    started: float,
    elapsed: float | None,
    status: int | None,
    ws_end: WsEnd | None,
    **text: Any,
) -> Exchange:
    return Exchange(
        kind=kind,
        body=body,
        body_size=len(body),
        view=view_body(body),
        started=started,
        finished=None if elapsed is None else started + elapsed,
        status=status,
        ws_end=ws_end,
        **text,
    )


exchanges = st.builds(
    exchange,
    kind=st.sampled_from(ExchangeKind),
    body=bodies,
    started=times,
    elapsed=st.one_of(st.none(), st.floats(min_value=-10, max_value=1e6)),
    status=st.one_of(st.none(), st.sampled_from([101, 200, 413, 500]), st.integers(0, 999)),
    ws_end=st.one_of(
        st.none(),
        st.builds(
            WsEnd, st.sampled_from(ClosedBy), st.one_of(st.none(), st.integers()), hostile_text
        ),
    ),
    id=st.integers(1, 2**40),
    client=hostile_text,
    method=hostile_text,
    target=hostile_text,
    http_version=hostile_text,
    headers=headers,
    attempt=st.integers(1, 20),
    note=hostile_text,
    ws_messages=st.integers(0, 10**6),
)
ws_messages = st.builds(
    WsMessage,
    exchange_id=st.integers(1, 2**40),
    index=st.integers(0, 10**6),
    direction=st.sampled_from(Direction),
    kind=st.sampled_from(WsKind),
    data=bodies,
    time=times,
)
