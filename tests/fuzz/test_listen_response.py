"""Fuzz `core.listen_response` against `core.body_view`: whatever the recogniser heard and
whatever options were asked for, the JSON we send is schema-valid strict JSON, and reading it
back as a captured callback body gives its request id, transcript and `is_final`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.core.body_view import TRANSCRIPT_PREVIEW_CHARS, view_body
from inspector.core.listen_options import ListenOptions, Summarize
from inspector.core.listen_response import build_listen_response, build_results_message
from inspector.core.transcript import StreamUpdate, StreamUpdateKind, Transcription, Word
from tests.deepgram_schemas import rest_validator, stream_validator
from tests.fuzz.strategies import FUZZ

_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_seconds = st.floats(min_value=0, max_value=36_000)
_words = st.lists(
    st.builds(Word, word=_text, start=_seconds, end=_seconds, confidence=st.floats(0, 1)),
    max_size=12,
).map(lambda ws: tuple(sorted(ws, key=lambda w: w.start)))
_options = st.builds(
    ListenOptions,
    punctuate=st.booleans(),
    diarize=st.booleans(),
    utterances=st.booleans(),
    paragraphs=st.booleans(),
    utt_split=st.floats(min_value=0.01, max_value=10),
    extra=st.dictionaries(_text, _text, max_size=3),
    tags=st.lists(_text, max_size=3).map(tuple),
    numerals=st.booleans(),
    measurements=st.booleans(),
    dictation=st.booleans(),
    profanity_filter=st.booleans(),
    redact=st.sampled_from([(), ("numbers",), ("pci", "pii")]),
    search=st.lists(_text, max_size=2).map(tuple),
    replace=st.lists(st.tuples(_text.filter(str.strip), _text), max_size=2).map(tuple),
    detect_entities=st.booleans(),
    sentiment=st.booleans(),
    summarize=st.sampled_from([None, *Summarize]),
    topics=st.booleans(),
    intents=st.booleans(),
)
_request_ids = st.uuids().map(str)  # the emulator makes them
REST = rest_validator("ListenV1Response")
# Schema validation is the slow part (jsonschema in pure Python): fewer, richer examples.
SCHEMA_FUZZ = settings(FUZZ, max_examples=max(FUZZ.max_examples // 2, 1))
RESULTS = stream_validator("Results")


def _strict(value: object) -> bytes:
    return json.dumps(value, allow_nan=False).encode()


@SCHEMA_FUZZ
@given(
    words=_words,
    duration=_seconds,
    channels=st.integers(1, 8),
    options=_options,
    request_id=_request_ids,
)
def test_prerecorded_response_is_valid_and_reads_back(
    words: tuple[Word, ...],
    duration: float,
    channels: int,
    options: ListenOptions,
    request_id: str,
) -> None:
    transcription = Transcription(words, duration, channels, "ab" * 32)
    response = build_listen_response(
        transcription, options, request_id=request_id, created=datetime(2026, 7, 1, tzinfo=UTC)
    )
    REST.validate(json.loads(_strict(response)))
    view = view_body(_strict(response))
    assert view.request_id == request_id
    transcript = response["results"]["channels"][0]["alternatives"][0]["transcript"]
    assert view.transcript == transcript[:TRANSCRIPT_PREVIEW_CHARS]


@SCHEMA_FUZZ
@given(
    words=_words,
    start=_seconds,
    final=st.booleans(),
    options=_options,
    request_id=_request_ids,
)
def test_streaming_results_are_valid_and_read_back(
    words: tuple[Word, ...], start: float, final: bool, options: ListenOptions, request_id: str
) -> None:
    kind = StreamUpdateKind.FINAL if final else StreamUpdateKind.INTERIM
    end = max([start, *(w.end for w in words)])
    update = StreamUpdate(kind, start, end, words)
    message = build_results_message(update, options, request_id=request_id)
    RESULTS.validate(json.loads(_strict(message)))
    view = view_body(_strict(message))
    assert (view.message_type, view.is_final, view.request_id) == ("Results", final, request_id)
    assert view.transcript == message["channel"]["alternatives"][0]["transcript"][:200]
