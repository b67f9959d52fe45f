"""Pure formatting of bodies and transcripts, and the delivery tracker, without a window."""

from __future__ import annotations

import json

from inspector.core.deepgram_result import transcript_view
from inspector.core.emulator_events import emulator_event
from inspector.ui.body_format import hexdump, pretty_text, raw_text
from inspector.ui.delivery_track import DeliveryTracker
from inspector.ui.detail_views import header_rows
from inspector.ui.submit_panel import ListenChoices, listen_params, swap_scheme, with_userinfo
from inspector.ui.timeline import summary_text


def test_hexdump_shows_offsets_hex_and_ascii():
    assert hexdump(b"AB\x00\xff") == "00000000  41 42 00 ff" + " " * 36 + "  AB.."


def test_raw_text_is_hex_for_binary_and_text_otherwise():
    assert raw_text(b"\x00\x01").startswith("(binary, 2 bytes)\n00000000  00 01")
    assert raw_text("<b>é</b>".encode()) == "<b>é</b>"
    assert pretty_text(b'{"a":[1]}') == '{\n  "a": [\n    1\n  ]\n}'


def test_header_rows_mark_dg_token_check_the_key_and_mask_basic_auth():
    from inspector.core.basic_auth import encode_basic_auth
    from inspector.core.deepgram_auth import key_identifier

    known = {key_identifier("k" * 20): "the configured key"}
    rows = header_rows(
        [("dg-token", key_identifier("k" * 20)), ("Authorization", encode_basic_auth("u", "pw"))],
        known,
    )
    assert rows[0][3].startswith("◆ dg-token") and rows[0][3].endswith("✓ the configured key")
    assert "pw" not in rows[1][2] and "user 'u'" in rows[1][2]
    other = header_rows([("dg-token", "nope")], known)
    assert "? not one of the keys this app sends with" in other[0][3]


def test_listen_params_and_callback_urls():
    choices = ListenChoices(
        model="nova-3",
        punctuate=True,
        extra="a:1, b:2",
        tag="t",
        callback="http://h:8080/cb",
        callback_method="PUT",
    )
    assert listen_params(choices, streaming=False) == [
        ("model", "nova-3"),
        ("punctuate", "true"),
        ("extra", "a:1"),
        ("extra", "b:2"),
        ("tag", "t"),
        ("callback", "http://h:8080/cb"),
        ("callback_method", "put"),
    ]
    assert ("callback_method", "put") not in listen_params(choices, streaming=True)
    assert with_userinfo("http://h:8080/cb", "a b", "p@ss") == "http://a%20b:p%40ss@h:8080/cb"
    assert swap_scheme("http://h/cb", True) == "ws://h/cb"
    assert swap_scheme("wss://h/cb", False) == "https://h/cb"


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


def test_json_types_are_named_as_json_names_them():
    from inspector.ui.body_format import json_type, plural

    assert [json_type(v) for v in (1, 1.5, "x", True, None)] == [
        "number",
        "number",
        "string",
        "boolean",
        "null",
    ]
    assert json_type([1, 2, 3]) == "array [3]" and json_type({"a": 1}) == "object {1}"
    assert plural(1, "item") == "1 item" and plural(3, "item") == "3 items"


def test_json_preview_is_compact_and_bounded():
    from inspector.ui.body_format import json_preview

    assert json_preview({"a": [1, None], "b": "x"}) == '{"a":[1,null],"b":"x"}'
    cut = json_preview({"words": ["w" * 50] * 10_000}, limit=40)
    assert len(cut) == 40 and cut.endswith("…") and cut.startswith('{"words":["www')


def test_transcript_meta_never_calls_a_streaming_result_pre_recorded():
    from inspector.ui.detail_views import transcript_meta

    results = {"type": "Results", "channel": {"alternatives": [{"transcript": "hi"}]}}
    streaming = transcript_view(results)  # is_final absent
    assert streaming is not None
    text = transcript_meta([streaming], [streaming], websocket=False)
    assert text == "Streaming Results message; is_final: absent"
    final = transcript_view({**results, "is_final": True})
    interim = transcript_view({**results, "is_final": False})
    assert transcript_meta([final], [interim, final], websocket=True) == (
        "Streaming over WebSocket: 1 final of 2 Results"
    )
    prerecorded = transcript_view(json.loads(RESULT_JSON))
    assert transcript_meta([prerecorded], [prerecorded], websocket=False) == (
        "Pre-recorded result, confidence 0.90"
    )


RESULT_JSON = (
    '{"metadata":{"request_id":"r"},"results":{"channels":[{"alternatives":'
    '[{"transcript":"one","confidence":0.9}]}]}}'
)
