"""A demo's story from its own events only (core/demo_story.py)."""

from __future__ import annotations

import json

from inspector.core.demo_story import DemoStory
from inspector.core.emulator_events import EmulatorEvent, emulator_event
from inspector.core.event_json import iso_time
from inspector.core.events import ExchangeAdded, ExchangeUpdated, WsMessageAdded
from inspector.core.records import ClosedBy, Direction, WsEnd, WsKind, WsMessage
from tests.factories import changed, http_exchange, stream_result, ws_exchange

T = 1_800_000_000.0


def _event(name: str, **fields) -> EmulatorEvent:
    return emulator_event(name, T, fields)


def _callback(xid: int, path: str, status: int) -> ExchangeAdded:
    return ExchangeAdded(http_exchange(xid, started=T, target=path, status=status))


def test_the_story_follows_the_demos_job_and_nothing_else():
    story = DemoStory("/demo/retry-storm")
    events = [
        _event("job", request_id="other", callback="http://h/elsewhere", method="POST"),
        _event("job", request_id="mine-0123456789", callback="http://h/demo/retry-storm"),
        _event("transcribed", request_id="mine-0123456789", audio_seconds=5.1, words=10),
        _callback(7, "/elsewhere", 200),
        _callback(8, "/demo/retry-storm", 503),
        _event(
            "attempt",
            request_id="mine-0123456789",
            attempt=1,
            status=503,
            next_retry_at=iso_time(T + 3),
        ),
        _event("attempt", request_id="other", attempt=1, status=200),
        _event("attempt", request_id="mine-0123456789", attempt=2, status=200),
        _event("job_done", request_id="mine-0123456789", outcome="delivered", attempts=2),
        _event("attempt", request_id="mine-0123456789", attempt=3, status=200),  # after the end
    ]
    steps = [step for event in events for step in story.apply(event)]
    assert [s.tone for s in steps] == ["info", "info", "info", "fail", "ok", "ok"]
    assert story.request_id == "mine-0123456789" and story.finished
    assert story.first_exchange == 8  # where the list marks the run
    texts = [s.text for s in steps]
    assert "request_id mine-012…" in texts[0]
    assert texts[3] == (
        "Attempt 1: the receiver answered 503, a failure; the emulator retries in 3 s "
        "(Deepgram waits 30 s)."
    )
    assert texts[-1] == "Delivered after 2 attempts. Deepgram stops here."


def _socket(xid: int, path: str):
    return ExchangeAdded(ws_exchange(xid, target=path, ws_end=None, finished=None)[0])


def _message(xid: int, index: int, data: bytes, direction=Direction.IN) -> WsMessageAdded:
    return WsMessageAdded(WsMessage(xid, index, direction, WsKind.TEXT, data, T))


def test_a_stream_demo_tells_each_result_on_its_socket_and_ends_when_the_stream_closes():
    """Issue 14 item 17: the stream kill was over before anyone saw a word of it."""
    story = DemoStory("/demo/stream-kill")
    story.apply(_event("stream_open", request_id="s", callback="ws://h/demo/stream-kill"))
    mine = _socket(4, "/demo/stream-kill")
    events = [
        _socket(3, "/elsewhere"),
        _message(3, 0, stream_result("s", "not ours", True)),
        mine,
        _message(4, 0, stream_result("s", "", False)),
        _message(4, 1, json.dumps({"type": "SpeechStarted"}).encode()),
        _message(4, 2, b'{"ack": true}', Direction.OUT),  # the receiver's, not the emulator's
        _message(4, 3, stream_result("s", "one two " * 20, True)),
        ExchangeUpdated(
            changed(mine.exchange, ws_end=WsEnd(ClosedBy.SERVER, 1001), rule="stream kill")
        ),
    ]
    texts = [step.text for event in events for step in story.apply(event)]
    assert texts == [
        "The emulator opened its callback socket to /demo/stream-kill.",
        "Message 1 on the callback socket, an interim result (no words yet).",
        "Message 2 on the callback socket: SpeechStarted.",
        "Message 3 on the callback socket, a final result: “" + ("one two " * 8)[:59] + "…”.",
        "The callback socket was closed by the receiver with 1001 (rule stream kill).",
    ]
    assert story.socket == story.first_exchange == 4 and not story.finished
    (step,) = story.apply(_event("stream_close", request_id="s", code=1011, reason="lost"))
    assert story.finished
    assert step.text == "The emulator closed the client's stream with 1011: lost."
