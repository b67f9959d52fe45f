"""What the handler check sends, built by the emulator's own builders from a real transcription.

Never a hand-written payload (issue 19): every body comes from `core.listen_response` fed with
what the recogniser heard in a bundled sample, with the query options a real request would
carry (`core.listen_options` parses them, so the emulator's handling of each option applies
here too). What this module adds is only what a single short sample cannot give:
- hours of speech: the sample's words repeated, each copy shifted by the sample's duration,
  so every timing stays real and in order (`repeat_transcription`);
- non-ASCII words: Deepgram's find-and-replace (`replace=find:term`) is how accented and
  non-Latin names reach an English transcript; a few of the sample's words are replaced by
  `UNICODE_TERMS` (2-, 3- and 4-byte UTF-8: the last breaks MySQL's 3-byte `utf8`);
- a live stream's messages, in the order and at the audio times the emulator's live session
  sends them (`stream_messages`, the rules of `engine/emulator/live.py`).
Bodies are UTF-8 JSON with non-ASCII characters as they are, not `\\u` escapes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import orjson

from .listen_options import ListenOptions, parse_listen_options
from .listen_response import (
    build_listen_response,
    build_results_message,
    build_speech_started,
    build_stream_metadata,
    build_utterance_end,
)
from .transcript import StreamUpdate, StreamUpdateKind, Transcription

RESULT_QUERY: tuple[tuple[str, str], ...] = (("smart_format", "true"),)
"""The ordinary case's request: what most callback users ask for."""

LONG_QUERY: tuple[tuple[str, str], ...] = (
    ("smart_format", "true"),
    ("diarize", "true"),
    ("utterances", "true"),
    ("paragraphs", "true"),
)
"""A long recording's usual request: each word is in `words`, `utterances` and paragraphs."""

UNICODE_QUERY: tuple[tuple[str, str], ...] = (("smart_format", "true"), ("numerals", "true"))

STREAM_QUERY: tuple[tuple[str, str], ...] = (
    ("smart_format", "true"),
    ("interim_results", "true"),
    ("vad_events", "true"),
    ("utterance_end_ms", "1000"),
)
"""Every message type a live stream sends: interim and final Results, SpeechStarted,
UtteranceEnd, and Metadata at the end."""

UNICODE_TERMS: tuple[str, ...] = ("Zoë", "mañana", "東京", "𠮷野家")
CHANNEL = [0, 1]  # channel_index of a mono stream, as the live session sends it [AAS]


def options_for(query: Sequence[tuple[str, str]], *, streaming: bool = False) -> ListenOptions:
    return parse_listen_options(query, streaming=streaming)


def encode_body(body: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, non-ASCII as is (orjson: a 20 MB result in a tenth of a second)."""
    return orjson.dumps(body)


def build_result(
    transcription: Transcription,
    query: Sequence[tuple[str, str]],
    *,
    request_id: str,
    created: datetime,
) -> dict[str, Any]:
    """The `ListenV1Response` Deepgram would POST for `transcription` asked with `query`."""
    options = options_for(query)
    return build_listen_response(transcription, options, request_id=request_id, created=created)


def repeat_transcription(transcription: Transcription, times: int) -> Transcription:
    """`transcription` played `times` times back to back: each copy's words shifted by the
    sample's duration (real timings, in order). `sha256` stands for that repeated audio."""
    if times < 1:
        raise ValueError(f"times must be at least 1, not {times}")
    span = transcription.duration
    words = tuple(
        replace(w, start=round(w.start + i * span, 3), end=round(w.end + i * span, 3))
        for i in range(times)
        for w in transcription.words
    )
    digest = hashlib.sha256(bytes.fromhex(transcription.sha256) * times).hexdigest()
    return Transcription(words, round(span * times, 6), transcription.channels, digest)


@dataclass(frozen=True)
class LongResult:
    body: bytes
    repetitions: int
    audio_seconds: float


def build_long_result(
    transcription: Transcription,
    min_bytes: int,
    *,
    request_id: str,
    created: datetime,
    query: Sequence[tuple[str, str]] = LONG_QUERY,
) -> LongResult:
    """A real result of at least `min_bytes`: the sample repeated as often as needed."""
    if not transcription.words:
        raise ValueError("the sample gave no words to repeat")
    one = len(
        encode_body(build_result(transcription, query, request_id=request_id, created=created))
    )
    times = max(1, -(-min_bytes // one))
    while True:
        long = repeat_transcription(transcription, times)
        body = encode_body(build_result(long, query, request_id=request_id, created=created))
        if len(body) >= min_bytes:
            return LongResult(body, times, long.duration)
        # Longer timings take more digits than the first copy's: grow by what is missing.
        times += max(1, -(-(min_bytes - len(body)) * times // len(body)))


def replace_words(
    transcription: Transcription, terms: Sequence[str] = UNICODE_TERMS
) -> tuple[Transcription, tuple[tuple[str, str], ...]]:
    """The first distinct words of `transcription` replaced by `terms`, as `replace=word:term`
    would; the pairs used. Whatever the recogniser heard, the terms appear."""
    pairs: dict[str, str] = {}
    for word in transcription.words:
        if len(pairs) == len(terms):
            break
        if word.word not in pairs:
            pairs[word.word] = terms[len(pairs)]
    words = tuple(replace(w, word=pairs.get(w.word, w.word)) for w in transcription.words)
    return replace(transcription, words=words), tuple(pairs.items())


@dataclass(frozen=True)
class StreamMessage:
    at: float  # seconds of audio when the live stream sends it
    body: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.body.get("type", ""))


def stream_messages(
    updates: Sequence[StreamUpdate],
    *,
    request_id: str,
    created: datetime,
    duration: float,
    sha256: str,
    query: Sequence[tuple[str, str]] = STREAM_QUERY,
) -> list[StreamMessage]:
    """The messages a live stream sends for `updates`, then Metadata, with their audio times
    (non-decreasing). Which update gives which message follows the emulator's live session:
    SpeechStarted only with vad_events, interim Results only with interim_results, an
    UtteranceEnd after a speech_final Result with words when utterance_end_ms is set."""
    o = options_for(query, streaming=True)
    out: list[StreamMessage] = []

    def add(at: float, body: dict[str, Any]) -> None:
        out.append(StreamMessage(max(at, out[-1].at if out else 0.0), body))

    for u in updates:
        if u.kind is StreamUpdateKind.SPEECH_STARTED:
            if o.vad_events:
                add(u.start, build_speech_started(CHANNEL, u.start))
        elif u.kind is StreamUpdateKind.INTERIM:
            if o.interim_results:
                add(u.end, build_results_message(u, o, request_id=request_id))
        else:
            add(u.end, build_results_message(u, o, request_id=request_id))
            if o.utterance_end_ms is not None and u.speech_final and u.words:
                add(u.end, build_utterance_end(CHANNEL, u.words[-1].end))
    metadata = build_stream_metadata(
        request_id=request_id,
        created=created,
        duration=duration,
        channels=o.channels,
        sha256=sha256,  # of the audio streamed
    )
    add(duration, metadata)
    return out
