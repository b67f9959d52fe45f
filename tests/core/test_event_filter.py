"""Which of serve's lines `--filter` keeps (core/event_filter): an exchange's line when it
matches; a WebSocket's messages and close when it was kept at its opening; the rest always."""

from __future__ import annotations

from dataclasses import replace

from inspector.core.emulator_events import emulator_event
from inspector.core.event_filter import EventFilter
from inspector.core.events import ExchangeAdded, ExchangeUpdated, WsMessageAdded
from inspector.core.filter_expr import parse_filter
from inspector.core.records import ClosedBy, Direction, WsEnd, WsKind, WsMessage
from tests.factories import http_exchange, ws_exchange


def _filter(text):
    condition = parse_filter(text).condition
    assert condition is not None
    return EventFilter(condition)


def test_requests_are_kept_when_they_match_as_they_are_then():
    keep = _filter("status:5xx").keep
    pending = http_exchange(1, status=None)
    assert not keep(ExchangeAdded(pending))
    assert keep(ExchangeUpdated(replace(pending, status=503)))
    assert not keep(ExchangeAdded(http_exchange(2, status=200)))
    assert keep(emulator_event("attempt", 1.0, {"status": 200}))  # not about an exchange


def test_a_websocket_kept_at_its_opening_keeps_its_messages_and_close():
    ws, _ = ws_exchange(7)
    opened = replace(ws, ws_end=None, ws_messages=0)
    message = WsMessageAdded(WsMessage(7, 0, Direction.IN, WsKind.TEXT, b"hi", 1.0))
    closed = replace(ws, ws_end=WsEnd(ClosedBy.CLIENT, 1000, ""))

    keep = _filter("path:/stream*").keep
    assert keep(ExchangeAdded(opened)) and keep(message) and keep(ExchangeUpdated(closed))
    assert not keep(message)  # closed: forgotten

    keep = _filter("code:1011").keep  # only its end matches
    killed = replace(closed, ws_end=WsEnd(ClosedBy.SERVER, 1011, "internal error"))
    assert not keep(ExchangeAdded(opened)) and not keep(message)
    assert keep(ExchangeUpdated(killed))

    keep = _filter("-ws").keep
    assert not keep(ExchangeAdded(opened)) and not keep(message)
