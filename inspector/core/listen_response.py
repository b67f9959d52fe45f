"""Deepgram's `/v1/listen` JSON, built from what the recogniser heard.

Pre-recorded: `ListenV1Response` and `ListenV1AcceptedResponse` [OAS]; errors use the legacy
`{err_code, err_msg, request_id}` body [ERR]. Streaming: `Results`, `Metadata`,
`SpeechStarted`, `UtteranceEnd` [AAS]. Every builder returns a plain dict ready for
`json.dumps`; `tests/deepgram_schemas.py` checks them against the two spec files.

The emulator cannot reproduce Deepgram's models, so formatting is a documented imitation:
- a *sentence* ends where the pause before the next word is at least `utt_split` seconds,
  or at the end of the audio; with punctuation on, its first word is capitalised and its
  last word gets a period (Deepgram's `punctuated_word`);
- an *utterance* (`utterances=true`) is split by the same rule, which is what `utt_split`
  means to Deepgram ("seconds to wait before detecting a pause between words") [OAS];
- a *paragraph* ends at a sentence end followed by a pause of at least
  `PARAGRAPH_PAUSE_SECONDS` (Deepgram does not publish its rule);
- diarization reports everyone as speaker 0: the emulator does not tell voices apart.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from inspector.core.listen_options import ListenOptions
from inspector.core.transcript import StreamUpdate, StreamUpdateKind, Transcription, Word

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

EMULATED_SPEAKER = 0
EMULATED_SPEAKER_CONFIDENCE = 1.0
"""With `diarize=true` every word is speaker 0, certainly: there is only one voice the
emulator can attribute words to."""


class ErrorCode(StrEnum):
    """Legacy `err_code` values the emulator sends; HTTP status in `ERROR_STATUS` [ERR]."""

    INVALID_QUERY_PARAMETER = "INVALID_QUERY_PARAMETER"
    INVALID_AUTH = "INVALID_AUTH"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"


ERROR_STATUS: Mapping[ErrorCode, int] = {
    ErrorCode.INVALID_QUERY_PARAMETER: 400,
    ErrorCode.INVALID_AUTH: 401,
    ErrorCode.TOO_MANY_REQUESTS: 429,
}

INVALID_CREDENTIALS_MESSAGE = "Invalid credentials."  # with INVALID_AUTH, 401 [ERR]
# With INVALID_QUERY_PARAMETER when `callback=` breaks the [CB] rules [REFERENCE §2]:
INVALID_CALLBACK_URL_MESSAGE = "Invalid callback url."


@dataclass(frozen=True)
class _Sentence:
    words: tuple[Word, ...]
    punctuated: tuple[str, ...]  # display form of each word (equal to `word` without punctuation)

    @property
    def text(self) -> str:
        return " ".join(self.punctuated)

    @property
    def start(self) -> float:
        return self.words[0].start

    @property
    def end(self) -> float:
        return self.words[-1].end


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
    sentences = _sentences(transcription.words, options, closes_at_end=True)
    word_dicts = [
        _word_dict(word, punctuated, options, speaker_confidence=True)
        for sentence in sentences
        for word, punctuated in zip(sentence.words, sentence.punctuated, strict=True)
    ]
    alternative: dict[str, Any] = {
        "transcript": " ".join(sentence.text for sentence in sentences),
        "confidence": _mean_confidence(transcription.words),
        "words": word_dicts,
    }
    if options.paragraphs:
        alternative["paragraphs"] = _paragraphs(sentences, options)

    results: dict[str, Any] = {"channels": [{"alternatives": [alternative]}]}
    if options.utterances:
        results["utterances"] = _utterances(sentences, options, request_id)

    return {
        "metadata": _response_metadata(transcription, options, request_id, created),
        "results": results,
    }


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

    `channel_index` is `[0, channels]`. With punctuation, only a final segment closes its
    last sentence with a period: an interim one may still grow.
    """
    if update.kind is StreamUpdateKind.SPEECH_STARTED:
        raise ValueError("a SPEECH_STARTED update is sent with build_speech_started")
    is_final = update.kind is StreamUpdateKind.FINAL
    sentences = _sentences(update.words, options, closes_at_end=is_final)
    words = [
        _word_dict(word, punctuated, options, speaker_confidence=False)
        for sentence in sentences
        for word, punctuated in zip(sentence.words, sentence.punctuated, strict=True)
    ]
    return {
        "type": "Results",
        "channel_index": [0, channels],
        "duration": round(update.end - update.start, 6),
        "start": update.start,
        "is_final": is_final,
        "speech_final": update.speech_final,
        "from_finalize": update.from_finalize,
        "channel": {
            "alternatives": [
                {
                    "transcript": " ".join(sentence.text for sentence in sentences),
                    "confidence": _mean_confidence(update.words),
                    "words": words,
                }
            ]
        },
        "metadata": {
            "request_id": request_id,
            "model_info": model_info(),
            "model_uuid": EMULATOR_MODEL_UUID,
        },
    }


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
) -> dict[str, Any]:
    """The `Metadata` message sent when a stream closes [AAS].

    `sha256` is the hex SHA-256 of the audio bytes the client sent, as on real streams
    (64 hex digits [REFERENCE §3]).

    [AAS] requires only type..channels; `models` and `model_info` ({uuid: {...}}) are added
    because Deepgram sends them and the SDK reads them [SDK]; `extra` when the request had any.
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
    return metadata


def _sentences(
    words: Sequence[Word], options: ListenOptions, *, closes_at_end: bool
) -> list[_Sentence]:
    """Words grouped at pauses >= `utt_split`, with their punctuated forms."""
    groups: list[list[Word]] = []
    for word in words:
        if groups and word.start - groups[-1][-1].end < options.utt_split:
            groups[-1].append(word)
        else:
            groups.append([word])
    sentences = []
    for index, group in enumerate(groups):
        closes = closes_at_end or index < len(groups) - 1
        sentences.append(
            _Sentence(
                tuple(group),
                _punctuate(group, closes)
                if options.punctuate
                else tuple(word.word for word in group),
            )
        )
    return sentences


def _punctuate(group: Sequence[Word], closes: bool) -> tuple[str, ...]:
    forms = [word.word for word in group]
    forms[0] = forms[0][:1].upper() + forms[0][1:]
    if closes:
        forms[-1] += "."
    return tuple(forms)


def _word_dict(
    word: Word, punctuated: str, options: ListenOptions, *, speaker_confidence: bool
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "word": word.word,
        "start": word.start,
        "end": word.end,
        "confidence": word.confidence,
    }
    if options.diarize:
        entry["speaker"] = EMULATED_SPEAKER
        if speaker_confidence:  # pre-recorded only; [AAS] streaming words have no such field
            entry["speaker_confidence"] = EMULATED_SPEAKER_CONFIDENCE
    if options.punctuate:
        entry["punctuated_word"] = punctuated
    return entry


def _mean_confidence(words: Sequence[Word]) -> float:
    if not words:
        return 0.0
    return sum(word.confidence for word in words) / len(words)


def _paragraphs(sentences: Sequence[_Sentence], options: ListenOptions) -> dict[str, Any]:
    """`alternatives[].paragraphs` [OAS]: `{transcript, paragraphs[{sentences, num_words,
    start, end}]}` (+ `speaker` with diarize). The transcript starts with a newline and
    separates paragraphs with a blank line, as Deepgram's does."""
    gap = max(options.utt_split, PARAGRAPH_PAUSE_SECONDS)
    groups: list[list[_Sentence]] = []
    for sentence in sentences:
        if groups and sentence.start - groups[-1][-1].end < gap:
            groups[-1].append(sentence)
        else:
            groups.append([sentence])
    speaker_prefix = f"Speaker {EMULATED_SPEAKER}: " if options.diarize else ""
    paragraphs = []
    texts = []
    for group in groups:
        paragraph: dict[str, Any] = {
            "sentences": [{"text": s.text, "start": s.start, "end": s.end} for s in group]
        }
        if options.diarize:
            paragraph["speaker"] = EMULATED_SPEAKER
        paragraph["num_words"] = sum(len(s.words) for s in group)
        paragraph["start"] = group[0].start
        paragraph["end"] = group[-1].end
        paragraphs.append(paragraph)
        texts.append(speaker_prefix + " ".join(s.text for s in group))
    transcript = "\n" + "\n\n".join(texts) if texts else ""
    return {"transcript": transcript, "paragraphs": paragraphs}


def _utterances(
    sentences: Sequence[_Sentence], options: ListenOptions, request_id: str
) -> list[dict[str, Any]]:
    """`results.utterances` [OAS]; ids are uuid5 of the request id and index, so the same
    request always yields the same ids (these builders stay pure)."""
    utterances = []
    for index, sentence in enumerate(sentences):
        utterance: dict[str, Any] = {
            "start": sentence.start,
            "end": sentence.end,
            "confidence": _mean_confidence(sentence.words),
            "channel": 0,
            "transcript": sentence.text,
            "words": [
                _word_dict(word, punctuated, options, speaker_confidence=True)
                for word, punctuated in zip(sentence.words, sentence.punctuated, strict=True)
            ],
        }
        if options.diarize:
            utterance["speaker"] = EMULATED_SPEAKER
        utterance["id"] = str(uuid.uuid5(_UTTERANCE_NAMESPACE, f"{request_id}/{index}"))
        utterances.append(utterance)
    return utterances
