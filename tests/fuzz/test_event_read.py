"""Fuzz `core.event_read`: what the control API's clients read back.

The full record gives the exchange back exactly, whatever it holds; the light record keeps
everything but the bodies; any line `serve` prints reads back without raising; and any JSON a
client sends as a command is either a command or a `CommandError` that says why."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from inspector.core.control import CommandError, command_from_json
from inspector.core.event_json import event_line
from inspector.core.event_read import (
    LineError,
    event_from_line,
    exchange_from_record,
    exchange_to_record,
    message_from_record,
    message_to_record,
)
from inspector.core.events import ExchangeAdded, ExchangeUpdated, WsMessageAdded
from inspector.core.records import Exchange
from tests.fuzz.strategies import FUZZ, exchanges, json_values, ws_messages


def _through_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _storable(text: str) -> str:
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def _as_recorded(x: Exchange) -> Exchange:
    """`x` with its text as records hold it: UTF-8 encodable, lone surrogates written out
    (headers are decoded with backslashreplace, body views escape them). JSON itself cannot
    carry a lone surrogate: `"\\ud800\\udfff"` reads back as one other character."""
    return replace(
        x,
        client=_storable(x.client),
        method=_storable(x.method),
        target=_storable(x.target),
        http_version=_storable(x.http_version),
        headers=tuple((_storable(n), _storable(v)) for n, v in x.headers),
        note=_storable(x.note),
        ws_end=None
        if x.ws_end is None
        else replace(x.ws_end, reason=_storable(x.ws_end.reason)),
    )


@FUZZ
@given(exchanges.map(_as_recorded))
def test_the_full_record_gives_the_exchange_back_exactly(x) -> None:
    assert exchange_from_record(_through_json(exchange_to_record(x))) == x


@FUZZ
@given(exchanges.map(_as_recorded))
def test_the_light_record_keeps_all_but_the_bodies(x) -> None:
    light = exchange_from_record(_through_json(exchange_to_record(x, light=True)))
    assert light == replace(x, body=b"", reply_body=b"")
    assert light.request_id == x.request_id and light.view == x.view


@FUZZ
@given(ws_messages)
def test_a_message_record_gives_the_message_back(m) -> None:
    assert message_from_record(_through_json(message_to_record(m))) == m


@FUZZ
@given(
    st.one_of(
        exchanges.map(_as_recorded).map(ExchangeAdded),
        exchanges.map(_as_recorded).map(ExchangeUpdated),
    )
)
def test_every_exchange_line_reads_back_with_its_identity(event) -> None:
    line = event_line(event)
    if line is None:
        return
    value = json.loads(line)
    read = event_from_line(value, {})
    x = event.exchange
    if value["event"] == "ws_close":
        assert read is None  # closes a socket this reader never saw open
        return
    assert isinstance(read, ExchangeAdded)
    got = read.exchange
    assert (got.id, got.target, got.request_id) == (x.id, x.target, x.request_id)
    assert got.headers == x.headers
    if value["event"] == "request":  # a ws_open line has no attempt: a socket is attempt 1
        assert got.status == x.status and got.body_size == x.body_size
        assert got.attempt == x.attempt


@FUZZ
@given(ws_messages.map(WsMessageAdded))
def test_every_message_line_reads_back(event) -> None:
    line = event_line(event)
    assert line is not None
    read = event_from_line(json.loads(line), {})
    assert isinstance(read, WsMessageAdded)
    m = event.message
    assert (read.message.exchange_id, read.message.index) == (m.exchange_id, m.index)


@FUZZ
@given(json_values())
def test_any_json_is_a_command_or_a_reason(value) -> None:
    try:
        command_from_json(value)
    except CommandError as exc:
        assert str(exc)


@FUZZ
@given(st.dictionaries(st.sampled_from(["event", "time", "id", "path", "status"]), json_values()))
def test_a_damaged_line_is_a_line_error_or_nothing(value) -> None:
    try:
        event_from_line(value, {})
    except LineError:
        pass
