"""Fuzz `core.event_json`: whatever a record holds, its event is one line of valid JSON with
no raw control character (ESC above all), so `serve` never writes a terminal escape."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from inspector.core.body_view import view_body
from inspector.core.event_json import BODY_INLINE_LIMIT, event_line
from inspector.core.events import (
    EmulatorEvent,
    Event,
    ExchangeAdded,
    ExchangeUpdated,
    WsMessageAdded,
)
from inspector.core.records import (
    ClosedBy,
    Direction,
    Exchange,
    ExchangeKind,
    WsEnd,
    WsKind,
    WsMessage,
)
from tests.fuzz.strategies import FUZZ, JSON_SCALARS, dumps, hostile_text, json_values

_times = st.floats(min_value=0, max_value=4_102_444_800)  # 1970 .. 2100
_headers = st.lists(st.tuples(hostile_text, hostile_text), max_size=4).map(tuple)
_bodies = st.one_of(
    st.binary(max_size=100),
    hostile_text.map(lambda t: t.encode("utf-8", errors="surrogatepass")),
    json_values().map(dumps),
    st.sampled_from([b"\x1b[2J\x1b]0;pwned\x07", "\x9b31m\u202e".encode(), b"\r\n"]),
)


def _exchange(
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


_exchanges = st.builds(
    _exchange,
    kind=st.sampled_from(ExchangeKind),
    body=_bodies,
    started=_times,
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
    headers=_headers,
    attempt=st.integers(1, 20),
    note=hostile_text,
    ws_messages=st.integers(0, 10**6),
)
_messages = st.builds(
    WsMessage,
    exchange_id=st.integers(1, 2**40),
    index=st.integers(0, 10**6),
    direction=st.sampled_from(Direction),
    kind=st.sampled_from(WsKind),
    data=_bodies,
    time=_times,
)
# The emulator's fields are JSON values it built (durations, counts, network text); NaN and
# Infinity must still print valid JSON.
_emulator = st.builds(
    EmulatorEvent,
    name=st.sampled_from(["job", "attempt", "job_done", "stream_open", "error"]),
    time=_times,
    fields=st.dictionaries(
        hostile_text,
        json_values(st.one_of(JSON_SCALARS, st.sampled_from([math.nan, math.inf, -math.inf]))),
        max_size=4,
    ),
)


def _no_constants(name: str) -> Any:
    raise AssertionError(f"{name} is not JSON")


def _assert_one_safe_line(event: Event) -> None:
    line = event_line(event)
    if line is None:
        return
    assert all(" " <= c <= "~" for c in line), "raw control or non-ASCII character"
    value = json.loads(line, parse_constant=_no_constants)
    assert isinstance(value, dict) and isinstance(value["event"], str)
    assert value["time"].endswith("Z")


@FUZZ
@given(st.one_of(_exchanges.map(ExchangeAdded), _exchanges.map(ExchangeUpdated)))
def test_every_exchange_event_is_one_safe_line_of_json(event: Event) -> None:
    _assert_one_safe_line(event)


@FUZZ
@given(_messages.map(WsMessageAdded))
def test_every_websocket_message_is_one_safe_line_of_json(event: Event) -> None:
    _assert_one_safe_line(event)


@FUZZ
@given(_emulator)
@example(EmulatorEvent("job", 0.0, {"": math.inf}))  # found: "Infinity" is not JSON
def test_every_emulator_event_is_one_safe_line_of_json(event: Event) -> None:
    _assert_one_safe_line(event)


@FUZZ
@given(body=st.binary(max_size=BODY_INLINE_LIMIT // 100), esc=st.sampled_from(["\x1b", "\x9b"]))
def test_body_text_comes_back_exactly(body: bytes, esc: str) -> None:
    body = body + esc.encode()
    x = _exchange(ExchangeKind.HTTP, body, 1.0, 0.5, 200, None, id=1, client="c",
                  method="POST", target="/", http_version="HTTP/1.1", headers=())  # fmt: skip
    line = event_line(ExchangeAdded(x))
    assert line is not None and "\x1b" not in line
    value = json.loads(line)
    if x.view.utf8_valid:
        assert value["body"].encode() == body
    else:
        assert value["body_truncated"] and value["body_invalid_utf8"]
