"""Deepgram's `/v1/listen` JSON, built from what the recogniser heard.

Pre-recorded: `ListenV1Response` and `ListenV1AcceptedResponse` [OAS]; errors use the legacy
`{err_code, err_msg, request_id}` body [ERR]. Streaming: `Results`, `Metadata`,
`SpeechStarted`, `UtteranceEnd` [AAS]. Every builder returns a plain dict ready for
`json.dumps`; `tests/deepgram_schemas.py` checks them against the two spec files.

The words shown are `core.transcript_format`'s (numerals, redaction, replace...), grouped
into sentences by `core.sentences`; `core.listen_analysis` adds sentiment, summaries,
topics and intents; `core.search`, `core.entities` the per-channel search hits and
entities. Formatting the emulator cannot take from Deepgram is a documented imitation:
- an *utterance* (`utterances=true`) is split where sentences are, at pauses of
  `utt_split` seconds ("seconds to wait before detecting a pause between words") [OAS];
- a *paragraph* ends at a sentence end followed by a pause of at least
  `PARAGRAPH_PAUSE_SECONDS` (Deepgram does not publish its rule);
- speakers come from the emulator's approximate diarization (`core.diarization`, by pitch).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from . import diarization, entities
from .diarization import speakers_of
from .entities import find_entities
from .listen_analysis import analyse, method_model_info, method_uuid
from .listen_options import ListenOptions
from .listen_parameters import ListenWarning
from .search import search_hits
from .sentences import Sentence, split_sentences
from .transcript import StreamUpdate, StreamUpdateKind, Transcription
from .transcript_format import format_words
from .word_tokens import Token

TRANSACTION_KEY = "deprecated"
"""`metadata.transaction_key` is always this string now [OAS default][AAS]."""

EMULATOR_MODEL_UUID = "5f3a8c2e-9b1d-4e7f-a6c0-2d8b4e1f7a93"
"""The emulator's fixed model uuid, listed in `metadata.models` and keyed in `model_info`.
Not a real Deepgram model: it identifies output that came from this emulator."""

_UTTERANCE_NAMESPACE = uuid.UUID(EMULATOR_MODEL_UUID)  # uuid5 namespace for utterance ids

EMULATOR_MODEL_NAME = "general-nova-3-emulator"
EMULATOR_MODEL_VERSION = "2026-07-01.0"  # Deepgram's versions look like "2024-01-09.29447"
EMULATOR_MODEL_ARCH = "nova-3"

PARAGRAPH_PAUSE_SECONDS = 2.0
"""Emulator decision: a pause this long (and at least `utt_split`) starts a new paragraph."""

DETECTED_LANGUAGE = "en"  # the only language PocketSphinx's en-us model can tell


class ErrorCode(StrEnum):
    """Legacy `err_code` values of the emulator's own checks, with 400 and 401 [ERR] (the
    injected failures' codes are in `core.emulator_faults`)."""

    INVALID_QUERY_PARAMETER = "INVALID_QUERY_PARAMETER"
    INVALID_AUTH = "INVALID_AUTH"


INVALID_CREDENTIALS_MESSAGE = "Invalid credentials."  # with INVALID_AUTH, 401 [ERR]
# With INVALID_QUERY_PARAMETER when `callback=` breaks the [CB] rules [REFERENCE §2]:
INVALID_CALLBACK_URL_MESSAGE = "Invalid callback url."


def format_created(created: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and `Z`, as Deepgram writes `created` [OAS].

    A naive datetime is taken to be UTC already.
    """
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    utc = created.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def model_info() -> dict[str, str]:
    """The emulator model's `{name, version, arch}` [AAS `model_info`]."""
    return {
        "name": EMULATOR_MODEL_NAME,
        "version": EMULATOR_MODEL_VERSION,
        "arch": EMULATOR_MODEL_ARCH,
    }


def build_listen_response(
    transcription: Transcription,
    options: ListenOptions,
    *,
    request_id: str,
    created: datetime,
) -> dict[str, Any]:
    """The full `ListenV1Response` for a pre-recorded request (sync reply and callback body)."""
    channels: list[dict[str, Any]] = []
    utterances: list[dict[str, Any]] = []
    first: tuple[list[Sentence], list[list[Sentence]], dict[str, Any]] | None = None
    for index, words in enumerate(transcription.per_channel):
        tokens = format_words(words, options, speakers_of(words) if options.diarize else None)
        sentences = split_sentences(
            tokens, utt_split=options.utt_split, punctuate=options.punctuate, closes_at_end=True
        )
        groups = _paragraph_groups(sentences, options)
        alternative = _alternative(sentences, tokens, options, speaker_confidence=True)
        if options.paragraphs:
            alternative["paragraphs"] = _paragraphs(groups, options)
        if options.detect_entities:
            alternative["entities"] = find_entities(tokens)
        channel: dict[str, Any] = {}
        if options.search:
            channel["search"] = search_hits(words, options.search)
        channel["alternatives"] = [alternative]
        if options.detect_language:
            channel["detected_language"] = DETECTED_LANGUAGE
            channel["language_confidence"] = round(_mean_confidence(tokens), 4)
        channels.append(channel)
        if options.utterances:
            utterances += _utterances(sentences, options, request_id, index)
        if first is None:
            first = (sentences, groups, alternative)

    results: dict[str, Any] = {"channels": channels}
    if options.utterances:
        results["utterances"] = sorted(utterances, key=lambda u: (u["start"], u["channel"]))
    assert first is not None  # per_channel is never empty
    analysed, analysis_metadata, summaries = analyse(first[0], first[1], options)
    if summaries is not None:
        first[2]["summaries"] = summaries
    results.update(analysed)
    metadata = _response_metadata(transcription, options, request_id, created)
    metadata.update(analysis_metadata)
    methods = [info["model_uuid"] for info in analysis_metadata.values()]
    if options.detect_entities:
        methods.append(method_uuid(entities.METHOD))
    if options.diarize:
        methods.append(method_uuid(diarization.METHOD))
    for uuid_ in methods:  # model_info says which method filled each field
        metadata["model_info"][uuid_] = method_model_info(uuid_)
    return {"metadata": metadata, "results": results}


def build_accepted_response(request_id: str) -> dict[str, Any]:
    """Exactly `{"request_id": ...}`: the SDK tells it from a transcript by strict
    validation, so nothing else may be added [CB][OAS][SDK]."""
    return {"request_id": request_id}


def build_error_body(err_code: str, err_msg: str, request_id: str) -> dict[str, Any]:
    """The legacy error object `{err_code, err_msg, request_id}` [ERR] (also the body of a
    callback for a failed transcription, [REFERENCE §2] decision)."""
    return {"err_code": str(err_code), "err_msg": err_msg, "request_id": request_id}


def build_results_message(
    update: StreamUpdate,
    options: ListenOptions,
    *,
    request_id: str,
    channels: int = 1,
) -> dict[str, Any]:
    """A streaming `Results` message for an interim or final segment [AAS].

    `channel_index` is `[update.channel, channels]`. With punctuation, only a final
    segment closes its last sentence with a period: an interim one may still grow. Search
    hits go in `channel.search`, entities (final results only [AAS]) in `entities`.
    """
    if update.kind is StreamUpdateKind.SPEECH_STARTED:
        raise ValueError("a SPEECH_STARTED update is sent with build_speech_started")
    is_final = update.kind is StreamUpdateKind.FINAL
    tokens = format_words(update.words, options)
    sentences = split_sentences(
        tokens, utt_split=options.utt_split, punctuate=options.punctuate, closes_at_end=is_final
    )
    channel: dict[str, Any] = {}
    if options.search:
        channel["search"] = search_hits(update.words, options.search)
    channel["alternatives"] = [_alternative(sentences, tokens, options, speaker_confidence=False)]
    message: dict[str, Any] = {
        "type": "Results",
        "channel_index": [update.channel, channels],
        "duration": round(update.end - update.start, 6),
        "start": update.start,
        "is_final": is_final,
        "speech_final": update.speech_final,
        "from_finalize": update.from_finalize,
        "channel": channel,
        "metadata": {
            "request_id": request_id,
            "model_info": model_info(),
            "model_uuid": EMULATOR_MODEL_UUID,
        },
    }
    if options.detect_entities and is_final:
        message["entities"] = find_entities(tokens)
    return message


def build_speech_started(channel_index: Sequence[int], timestamp: float) -> dict[str, Any]:
    """`SpeechStarted` (sent with `vad_events=true`); `channel` is a list, e.g. `[0]` [AAS]."""
    return {"type": "SpeechStarted", "channel": list(channel_index), "timestamp": timestamp}


def build_utterance_end(channel_index: Sequence[int], last_word_end: float) -> dict[str, Any]:
    """`UtteranceEnd` (sent with `utterance_end_ms`); `channel` is a list, e.g. `[0, 1]` [AAS]."""
    return {"type": "UtteranceEnd", "channel": list(channel_index), "last_word_end": last_word_end}


def build_stream_metadata(
    *,
    request_id: str,
    created: datetime,
    duration: float,
    channels: int,
    sha256: str,
    extra: Mapping[str, str] | None = None,
    warnings: Sequence[ListenWarning] = (),
) -> dict[str, Any]:
    """The `Metadata` message sent when a stream closes [AAS].

    `sha256` is the hex SHA-256 of the audio bytes the client sent, as on real streams
    (64 hex digits [REFERENCE §3]).

    [AAS] requires only type..channels; `models` and `model_info` ({uuid: {...}}) are added
    because Deepgram sends them and the SDK reads them [SDK]; `extra` when the request had any;
    `warnings` (the parameters not applied, as in pre-recorded `metadata.warnings`) when any.
    """
    message: dict[str, Any] = {
        "type": "Metadata",
        "transaction_key": TRANSACTION_KEY,
        "request_id": request_id,
        "sha256": sha256,
        "created": format_created(created),
        "duration": duration,
        "channels": channels,
        "models": [EMULATOR_MODEL_UUID],
        "model_info": {EMULATOR_MODEL_UUID: model_info()},
    }
    if extra:
        message["extra"] = dict(extra)
    if warnings:
        message["warnings"] = [w.to_json() for w in warnings]
    return message


def _response_metadata(
    transcription: Transcription, options: ListenOptions, request_id: str, created: datetime
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "transaction_key": TRANSACTION_KEY,
        "request_id": request_id,
        "sha256": transcription.sha256,
        "created": format_created(created),
        "duration": transcription.duration,
        "channels": transcription.channels,
        "models": [EMULATOR_MODEL_UUID],
        "model_info": {EMULATOR_MODEL_UUID: model_info()},
    }
    if options.extra:
        # Not declared in [OAS] ListenV1ResponseMetadata, but Deepgram echoes it [CHG][SDK].
        metadata["extra"] = dict(options.extra)
    if options.tags:
        metadata["tags"] = list(options.tags)
    if options.diarize:
        # Declared by the SDK (7.17 `diarize_info`), not by the project's openapi copy.
        metadata["diarize_info"] = {
            "model_uuid": method_uuid(diarization.METHOD),
            "arch": diarization.METHOD,
        }
    if options.warnings:
        # Deepgram's replies carry `warnings` for parameters they did not apply [SDK Warning].
        metadata["warnings"] = [w.to_json() for w in options.warnings]
    return metadata


def _alternative(
    sentences: Sequence[Sentence],
    tokens: Sequence[Token],
    options: ListenOptions,
    *,
    speaker_confidence: bool,
) -> dict[str, Any]:
    return {
        "transcript": _transcript(sentences),
        "confidence": _mean_confidence(tokens),
        "words": [
            _word_dict(token, punctuated, options, speaker_confidence=speaker_confidence)
            for sentence in sentences
            for token, punctuated in zip(sentence.tokens, sentence.punctuated, strict=True)
        ],
    }


def _transcript(sentences: Sequence[Sentence]) -> str:
    return " ".join(sentence.text for sentence in sentences)


def _word_dict(
    token: Token, punctuated: str, options: ListenOptions, *, speaker_confidence: bool
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "word": token.word,
        "start": token.start,
        "end": token.end,
        "confidence": token.confidence,
    }
    if options.diarize:
        entry["speaker"] = token.speaker
        if speaker_confidence:  # pre-recorded only; [AAS] streaming words have no such field
            entry["speaker_confidence"] = token.speaker_confidence
    if options.punctuate:
        entry["punctuated_word"] = punctuated
    return entry


def _mean_confidence(tokens: Sequence[Token]) -> float:
    if not tokens:
        return 0.0
    return sum(token.confidence for token in tokens) / len(tokens)


def _paragraph_groups(
    sentences: Sequence[Sentence], options: ListenOptions
) -> list[list[Sentence]]:
    """Sentences grouped into paragraphs: a new one after a long pause or a new speaker."""
    gap = max(options.utt_split, PARAGRAPH_PAUSE_SECONDS)
    groups: list[list[Sentence]] = []
    for sentence in sentences:
        speaker = sentence.tokens[0].speaker
        if (
            groups
            and sentence.start - groups[-1][-1].end < gap
            and not (options.diarize and speaker != groups[-1][-1].tokens[0].speaker)
        ):
            groups[-1].append(sentence)
        else:
            groups.append([sentence])
    return groups


def _paragraphs(groups: Sequence[Sequence[Sentence]], options: ListenOptions) -> dict[str, Any]:
    """`alternatives[].paragraphs` [OAS]: `{transcript, paragraphs[{sentences, num_words,
    start, end}]}` (+ `speaker` with diarize). The transcript starts with a newline and
    separates paragraphs with a blank line, as Deepgram's does."""
    paragraphs = []
    texts = []
    for group in groups:
        speaker = group[0].tokens[0].speaker
        paragraph: dict[str, Any] = {
            "sentences": [{"text": s.text, "start": s.start, "end": s.end} for s in group]
        }
        if options.diarize:
            paragraph["speaker"] = speaker
        paragraph["num_words"] = sum(len(s.tokens) for s in group)
        paragraph["start"] = group[0].start
        paragraph["end"] = group[-1].end
        paragraphs.append(paragraph)
        prefix = f"Speaker {speaker}: " if options.diarize else ""
        texts.append(prefix + " ".join(s.text for s in group))
    transcript = "\n" + "\n\n".join(texts) if texts else ""
    return {"transcript": transcript, "paragraphs": paragraphs}


def _utterances(
    sentences: Sequence[Sentence], options: ListenOptions, request_id: str, channel: int
) -> list[dict[str, Any]]:
    """`results.utterances` [OAS]; ids are uuid5 of the request id and index, so the same
    request always yields the same ids (these builders stay pure)."""
    utterances = []
    for index, sentence in enumerate(sentences):
        utterance: dict[str, Any] = {
            "start": sentence.start,
            "end": sentence.end,
            "confidence": _mean_confidence(sentence.tokens),
            "channel": channel,
            "transcript": sentence.text,
            "words": [
                _word_dict(token, punctuated, options, speaker_confidence=True)
                for token, punctuated in zip(sentence.tokens, sentence.punctuated, strict=True)
            ],
        }
        if options.diarize:
            utterance["speaker"] = sentence.tokens[0].speaker
        key = f"{request_id}/{index}" if channel == 0 else f"{request_id}/{channel}/{index}"
        utterance["id"] = str(uuid.uuid5(_UTTERANCE_NAMESPACE, key))
        utterances.append(utterance)
    return utterances
