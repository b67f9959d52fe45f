"""What the handler check sends (core/check_payloads.py), checked against Deepgram's specs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import jsonschema_rs
import pytest

from inspector.core import check_payloads as cp
from inspector.core.transcript import StreamUpdate, StreamUpdateKind, Transcription, Word
from tests.deepgram_schemas import validate_rest, validate_rest_large, validate_stream

CREATED = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
RID = "3f0e3c1e-34f5-4a5e-9a43-3d0c3c8e7a10"
WORDS = tuple(
    Word(w, 0.3 + 0.45 * i, 0.7 + 0.45 * i, 0.9) for i, w in enumerate("one two three four".split())
)
SAMPLE = Transcription(WORDS, 2.5, 1, "ab" * 32)


def test_repeat_transcription_keeps_real_timings_in_order() -> None:
    long = cp.repeat_transcription(SAMPLE, 3)
    assert [w.word for w in long.words] == [w.word for w in WORDS] * 3
    assert long.words[4].start == pytest.approx(WORDS[0].start + 2.5)
    starts = [w.start for w in long.words]
    assert starts == sorted(starts)
    assert long.duration == pytest.approx(7.5) and long.sha256 != SAMPLE.sha256


def test_long_result_reaches_the_size_and_is_a_valid_listen_response() -> None:
    long = cp.build_long_result(SAMPLE, 300_000, request_id=RID, created=CREATED)
    assert len(long.body) >= 300_000
    body = json.loads(long.body)
    validate_rest_large("ListenV1Response", body)  # agrees with jsonschema: the next test
    assert body["metadata"]["duration"] == pytest.approx(2.5 * long.repetitions)
    assert (
        body["results"]["utterances"]
        and body["results"]["channels"][0]["alternatives"][0]["paragraphs"]
    )


def test_the_fast_validator_agrees_with_jsonschema() -> None:
    """`validate_rest_large` (jsonschema-rs) is what checks the 20 MB body: it must accept
    what jsonschema accepts and refuse what it refuses."""
    good = cp.build_result(SAMPLE, cp.LONG_QUERY, request_id=RID, created=CREATED)
    validate_rest("ListenV1Response", good)
    validate_rest_large("ListenV1Response", good)
    bad_time = json.loads(json.dumps(good))
    bad_time["metadata"]["created"] = "yesterday"
    bad_type = json.loads(json.dumps(good))
    bad_type["results"]["channels"][0]["alternatives"][0]["words"][1]["start"] = "0.3"
    for bad in (bad_time, bad_type):
        with pytest.raises(jsonschema_rs.ValidationError):
            validate_rest_large("ListenV1Response", bad)
        with pytest.raises(Exception, match=r"is not|does not"):
            validate_rest("ListenV1Response", bad)


def test_replace_words_puts_every_unicode_term_in_the_result() -> None:
    replaced, pairs = cp.replace_words(SAMPLE)
    assert pairs == tuple(zip(("one", "two", "three", "four"), cp.UNICODE_TERMS, strict=True))
    body = cp.encode_body(
        cp.build_result(replaced, cp.UNICODE_QUERY, request_id=RID, created=CREATED)
    )
    for term in cp.UNICODE_TERMS:
        assert term.encode() in body  # raw UTF-8, as Deepgram sends it: no \\u escapes
    assert "𠮷".encode() in body and len("𠮷".encode()) == 4
    validate_rest("ListenV1Response", json.loads(body))


def test_stream_messages_follow_the_live_session_and_validate() -> None:
    updates = [
        StreamUpdate(StreamUpdateKind.SPEECH_STARTED, 0.3, 0.3),
        StreamUpdate(StreamUpdateKind.INTERIM, 0.0, 1.0, WORDS[:2]),
        StreamUpdate(StreamUpdateKind.FINAL, 0.0, 2.0, WORDS, speech_final=True),
    ]
    messages = cp.stream_messages(
        updates, request_id=RID, created=CREATED, duration=2.5, sha256="cd" * 32
    )
    assert [m.type for m in messages] == [
        "SpeechStarted",
        "Results",
        "Results",
        "UtteranceEnd",
        "Metadata",
    ]
    assert [m.at for m in messages] == sorted(m.at for m in messages)
    assert messages[1].body["is_final"] is False and messages[2].body["is_final"] is True
    for m in messages:
        validate_stream(m.type, m.body)
