"""The detail pane's pure parts (ui/detail_views.py): header rows and the transcript's line,
without a window."""

from __future__ import annotations

import json

from inspector.core.deepgram_result import transcript_view
from inspector.ui.detail_views import header_rows, transcript_meta


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


def test_transcript_meta_never_calls_a_streaming_result_pre_recorded():
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
