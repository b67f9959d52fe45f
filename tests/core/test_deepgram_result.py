"""Deepgram results read once (core.deepgram_result): the Transcript tab's view and the
list's transcript preview (core.body_view) come from the same parser."""

from __future__ import annotations

import json

import pytest

from inspector.core.body_view import view_body
from inspector.core.deepgram_result import first_alternative, transcript_view


def test_transcript_view_reads_prerecorded_streaming_and_errors():
    streaming = {
        "type": "Results",
        "is_final": True,
        "channel": {
            "alternatives": [
                {
                    "transcript": "hi",
                    "words": [
                        {
                            "word": "hi",
                            "punctuated_word": "Hi.",
                            "start": 0,
                            "end": 0.3,
                            "confidence": 0.5,
                            "speaker": 1,
                        }
                    ],
                }
            ]
        },
    }
    view = transcript_view(streaming)
    assert view is not None and view.is_final is True and view.kind == "streaming Results"
    assert view.words[0].word == "Hi." and view.words[0].speaker == 1
    error = transcript_view({"err_code": "X", "err_msg": "bad", "request_id": "r"})
    assert error is not None and error.kind == "error" and error.transcript == "bad"
    assert transcript_view({"hello": 1}) is None



@pytest.mark.parametrize(
    "data",
    [
        {"results": {"channels": [{"alternatives": [{"transcript": "pre recorded"}]}]}},
        {"type": "Results", "channel": {"alternatives": [{"transcript": "streaming"}]}},
        {"results": {"channels": []}, "channel": {"alternatives": [{"transcript": "both"}]}},
        {"results": {"channels": [{"alternatives": "x"}]}},
        {"channel": {"alternatives": [{"transcript": 7}]}},
        {"results": "nope", "channel": None},
    ],
)
def test_the_list_preview_and_the_transcript_tab_read_the_same_alternative(data):
    view = transcript_view(data)
    preview = view_body(json.dumps(data).encode()).transcript
    assert (view is None) == (first_alternative(data) is None)
    assert preview == (view.transcript or None if view is not None else None)


def test_words_of_the_wrong_type_are_skipped_not_raised_on():
    data = {
        "channel": {
            "alternatives": [
                {
                    "transcript": "a b",
                    "words": [7, {"word": "a", "start": "0", "speaker": True}, {"word": "b"}],
                }
            ]
        }
    }
    view = transcript_view(data)
    assert view is not None and [w.word for w in view.words] == ["a", "b"]
    assert view.words[0].start is None and view.words[0].speaker is None
