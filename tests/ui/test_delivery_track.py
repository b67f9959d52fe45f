"""The delivery tracker (ui/delivery_track.py) and the timeline's summary of it
(ui/timeline.py), fed the emulator's events, without a window."""

from __future__ import annotations

import json
from itertools import pairwise

from inspector.core.emulator_events import emulator_event
from inspector.ui.delivery_track import DeliveryTracker
from inspector.ui.timeline import place_labels, summary_text


def _event(name, t, **fields):
    return emulator_event(name, t, {"request_id": "r", **fields})


def test_tracker_and_summary_follow_a_job_from_retries_to_delivery():
    tracker = DeliveryTracker()
    tracker.apply(
        _event(
            "job", 0.0, mode="callback", callback="http://x/cb", method="POST", max_attempts=11
        )
    )
    assert summary_text(tracker.get("r"), 0.5) == "transcribing…"
    tracker.apply(
        _event(
            "attempt",
            1.0,
            attempt=1,
            status=500,
            error=None,
            latency_ms=3,
            next_retry_at="1970-01-01T00:00:31Z",
        )
    )
    assert summary_text(tracker.get("r"), 30.0) == "1 of 11 attempts, next retry in 1.0 s"
    tracker.apply(
        _event("attempt", 31.0, attempt=2, status=200, error=None, latency_ms=2, next_retry_at=None)
    )
    tracker.apply(_event("job_done", 31.0, outcome="delivered", attempts=2))
    job = tracker.get("r")
    assert summary_text(job, 40.0) == "2 of 11 attempts, delivered"
    assert [a.text() for a in job.attempts] == ["500 ✗", "200 ✓"] and not job.in_flight


def test_the_summary_counts_against_the_jobs_own_maximum_not_todays_settings():
    """A job started with 4 attempts at most says "of 4" whatever the emulator is set to now;
    one whose `job` event came before the window listened gives no maximum it cannot know."""
    tracker = DeliveryTracker()
    tracker.apply(_event("job", 0.0, mode="callback", method="POST", max_attempts=4))
    tracker.apply(_event("attempt", 1.0, attempt=1, status=503, latency_ms=1, next_retry_at=None))
    assert summary_text(tracker.get("r"), 2.0).startswith("1 of 4 attempts")
    unknown = DeliveryTracker()
    unknown.apply(_event("attempt", 1.0, attempt=1, status=503, latency_ms=1, next_retry_at=None))
    assert summary_text(unknown.get("r"), 2.0) == "1 attempt"


def test_tracker_records_how_a_stream_ended():
    tracker = DeliveryTracker()
    tracker.apply(_event("stream_open", 0.0, mode="ws-callback", callback="ws://x/cb"))
    tracker.apply(_event("stream_message", 0.5, type="Results", is_final=True))
    tracker.apply(_event("stream_close", 1.0, code=1011, reason="callback lost", audio_seconds=1))
    text = summary_text(tracker.get("r"), 2.0)
    assert text == "Stream: 1 message (1 final), closed 1011 internal error: callback lost"
    assert json.dumps(tracker.get("r").closed) == '[1.0, 1011, "callback lost"]'


def test_timeline_labels_that_would_overlap_go_on_rows_of_their_own():
    """Retries 3 s apart on a 35 s axis drew "#1 503 ✗#2 503 ✗" on top of each other."""
    marks = [(450.0, 40.0), (470.0, 60.0), (500.0, 60.0), (530.0, 60.0), (560.0, 60.0)]
    placed = place_labels(marks, 640.0)
    rows: dict[int, list[tuple[float, float]]] = {}
    for (_x, width), (lane, left) in zip(marks, placed, strict=True):
        rows.setdefault(lane, []).append((left, left + width))
    assert len(rows) > 1
    for spans in rows.values():  # on each row, each label starts after the one before ends
        assert all(a_end < b_start for (_, a_end), (b_start, _) in pairwise(spans))
    inside = zip(marks, placed, strict=True)
    assert all(0 < left and left + w <= 640 for (_, w), (_, left) in inside)
    far_apart = place_labels([(100.0, 50.0), (300.0, 50.0)], 640.0)
    assert [lane for lane, _ in far_apart] == [0, 0]  # one row while they fit
