"""Fuzz `core.event_json`: whatever a record holds, its event is one line of valid JSON with
no raw control character (ESC above all), so `serve` never writes a terminal escape."""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from inspector.core.emulator_events import emulator_event
from inspector.core.event_json import BODY_INLINE_LIMIT, event_line
from inspector.core.events import (
    Event,
    ExchangeAdded,
    ExchangeUpdated,
    WsMessageAdded,
)
from inspector.core.records import (
    Direction,
    ExchangeKind,
    WsKind,
    WsMessage,
)
from tests.fuzz.strategies import (
    FUZZ,
    JSON_SCALARS,
    exchange,
    exchanges,
    hostile_text,
    json_values,
    times,
    ws_messages,
)

# The emulator's fields are JSON values it built (durations, counts, network text); NaN and
# Infinity must still print valid JSON.
_emulator = st.builds(
    emulator_event,
    name=st.sampled_from(["job", "attempt", "job_done", "stream_open", "error"]),
    time=times,
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
@given(st.one_of(exchanges.map(ExchangeAdded), exchanges.map(ExchangeUpdated)))
def test_every_exchange_event_is_one_safe_line_of_json(event: Event) -> None:
    _assert_one_safe_line(event)


@FUZZ
@given(ws_messages.map(WsMessageAdded))
# found: orjson writes DEL (0x7f) raw, and it is ASCII
@example(WsMessageAdded(WsMessage(1, 0, Direction.IN, WsKind.TEXT, b"\x7f", 0.0)))
def test_every_websocket_message_is_one_safe_line_of_json(event: Event) -> None:
    _assert_one_safe_line(event)


@FUZZ
@given(_emulator)
@example(emulator_event("job", 0.0, {"": math.inf}))  # found: "Infinity" is not JSON
@example(emulator_event("job", 0.0, {"time": None}))  # found: a field took the line's time
def test_every_emulator_event_is_one_safe_line_of_json(event: Event) -> None:
    _assert_one_safe_line(event)


@FUZZ
@given(body=st.binary(max_size=BODY_INLINE_LIMIT // 100), esc=st.sampled_from(["\x1b", "\x9b"]))
def test_body_text_comes_back_exactly(body: bytes, esc: str) -> None:
    body = body + esc.encode()
    x = exchange(ExchangeKind.HTTP, body, 1.0, 0.5, 200, None, id=1, client="c",
                  method="POST", target="/", http_version="HTTP/1.1", headers=())  # fmt: skip
    line = event_line(ExchangeAdded(x))
    assert line is not None and "\x1b" not in line
    value = json.loads(line)
    if x.view.utf8_valid:
        assert value["body"].encode() == body
    else:
        assert value["body_truncated"] and value["body_invalid_utf8"]
