"""A demo's story from its own events only (core/demo_story.py)."""

from __future__ import annotations

from inspector.core.demo_story import DemoStory
from inspector.core.emulator_events import EmulatorEvent, emulator_event
from inspector.core.event_json import iso_time
from inspector.core.events import ExchangeAdded
from tests.factories import http_exchange

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


def test_a_stream_demo_ends_when_the_stream_closes():
    story = DemoStory("/demo/stream-kill")
    story.apply(_event("stream_open", request_id="s", callback="ws://h/demo/stream-kill"))
    (step,) = story.apply(_event("stream_close", request_id="s", code=1011, reason="lost"))
    assert story.finished
    assert step.text == "The emulator closed the client's stream with 1011: lost."
