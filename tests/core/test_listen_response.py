from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import jsonschema
import pytest

from inspector.core.listen_options import ListenOptions, parse_listen_options
from inspector.core.listen_response import (
    EMULATOR_MODEL_UUID,
    INVALID_CREDENTIALS_MESSAGE,
    ErrorCode,
    build_accepted_response,
    build_error_body,
    build_listen_response,
    build_results_message,
    build_speech_started,
    build_stream_metadata,
    build_utterance_end,
    format_created,
)
from inspector.core.transcript import StreamUpdate, StreamUpdateKind, Transcription, Word
from tests.deepgram_schemas import (
    undeclared_rest_properties,
    undeclared_stream_properties,
    validate_rest,
    validate_stream,
)

REQUEST_ID = "0b9c6a0e-3c5f-4a55-9d3e-7f1a2b3c4d5e"
CREATED = datetime(2026, 7, 1, 12, 30, 45, 678901, tzinfo=UTC)
WORDS = (
    Word("hello", 0.10, 0.50, 0.90),
    Word("world", 0.60, 1.00, 0.80),
    Word("again", 2.00, 2.40, 0.70),  # 1.0 s pause before: new sentence/utterance
    Word("bye", 5.00, 5.30, 0.60),  # 2.6 s pause before: new paragraph too
)
TRANSCRIPTION = Transcription(words=WORDS, duration=6.0, channels=2, sha256="ab" * 32)
SILENCE = Transcription(words=(), duration=1.5, channels=1, sha256="cd" * 32)


def options(query: list[tuple[str, str]], *, streaming: bool = False) -> ListenOptions:
    return parse_listen_options(query, streaming=streaming)


EVERYTHING = options(
    [
        ("smart_format", "true"),
        ("punctuate", "true"),
        ("paragraphs", "true"),
        ("diarize", "true"),
        ("utterances", "true"),
        ("extra", "callback_secret:s3cret"),
        ("extra", "team:audio"),
        ("tag", "demo"),
        ("tag", "ci"),
    ]
)


def full_response() -> dict[str, Any]:
    return build_listen_response(TRANSCRIPTION, EVERYTHING, request_id=REQUEST_ID, created=CREATED)


# --- shapes against Deepgram's specs -------------------------------------------------------


def test_full_response_matches_openapi() -> None:
    body = full_response()
    validate_rest("ListenV1Response", body)
    validate_rest("listen_v1_media_transcribe_Response_200", body)  # oneOf: not "accepted"
    json.dumps(body)  # plain JSON types only


def test_full_response_declares_only_known_extra_fields() -> None:
    """The spec has no additionalProperties:false; catch misspelt keys this way. The listed
    fields are real Deepgram output the openapi schema happens not to declare."""
    assert undeclared_rest_properties("ListenV1Response", full_response()) == {
        "metadata.extra",
        "metadata.diarize_info",  # declared by the SDK (7.17), not by the openapi copy
        "results.channels[].alternatives[].words[].speaker",
        "results.channels[].alternatives[].words[].speaker_confidence",
        "results.channels[].alternatives[].words[].punctuated_word",
    }


def test_minimal_response_without_words_matches_openapi() -> None:
    body = build_listen_response(SILENCE, ListenOptions(), request_id=REQUEST_ID, created=CREATED)
    validate_rest("ListenV1Response", body)
    assert undeclared_rest_properties("ListenV1Response", body) == set()
    assert body["results"] == {
        "channels": [{"alternatives": [{"transcript": "", "confidence": 0.0, "words": []}]}]
    }
    assert "extra" not in body["metadata"] and "tags" not in body["metadata"]


def test_no_words_with_every_option_matches_openapi() -> None:
    body = build_listen_response(SILENCE, EVERYTHING, request_id=REQUEST_ID, created=CREATED)
    validate_rest("ListenV1Response", body)
    alternative = body["results"]["channels"][0]["alternatives"][0]
    assert alternative["paragraphs"] == {"transcript": "", "paragraphs": []}
    assert body["results"]["utterances"] == []


def test_accepted_response_is_exactly_request_id() -> None:
    body = build_accepted_response(REQUEST_ID)
    assert body == {"request_id": REQUEST_ID}
    validate_rest("ListenV1AcceptedResponse", body)
    validate_rest("listen_v1_media_transcribe_Response_200", body)


def test_error_body_is_legacy_shape() -> None:
    body = build_error_body(ErrorCode.INVALID_AUTH, INVALID_CREDENTIALS_MESSAGE, REQUEST_ID)
    assert body == {
        "err_code": "INVALID_AUTH",
        "err_msg": "Invalid credentials.",
        "request_id": REQUEST_ID,
    }
    assert type(body["err_code"]) is str
    validate_rest("ErrorResponseLegacyError", body)
    assert undeclared_rest_properties("ErrorResponseLegacyError", body) == set()


def test_validator_is_live() -> None:
    """Broken instances must be rejected, or every test above proves nothing."""
    broken = full_response()
    del broken["metadata"]["model_info"]
    with pytest.raises(jsonschema.ValidationError, match="model_info"):
        validate_rest("ListenV1Response", broken)

    wrong_type = full_response()
    wrong_type["results"]["channels"][0]["alternatives"][0]["words"][0]["start"] = "0.1"
    with pytest.raises(jsonschema.ValidationError):
        validate_rest("ListenV1Response", wrong_type)

    bad_created = full_response()
    bad_created["metadata"]["created"] = "yesterday"
    with pytest.raises(jsonschema.ValidationError, match="date-time"):
        validate_rest("ListenV1Response", bad_created)

    with pytest.raises(jsonschema.ValidationError, match="uuid"):
        validate_rest("ListenV1AcceptedResponse", {"request_id": "not-a-uuid"})

    with pytest.raises(jsonschema.ValidationError):
        validate_stream("UtteranceEnd", {"type": "UtteranceEnd", "channel": 0, "last_word_end": 1})

    misspelt = full_response()
    misspelt["results"]["channels"][0]["alternatives"][0]["transcirpt"] = "x"
    assert "results.channels[].alternatives[].transcirpt" in undeclared_rest_properties(
        "ListenV1Response", misspelt
    )


# --- content of the pre-recorded response --------------------------------------------------


def test_metadata() -> None:
    metadata = full_response()["metadata"]
    assert metadata["transaction_key"] == "deprecated"
    assert metadata["request_id"] == REQUEST_ID
    assert metadata["sha256"] == "ab" * 32
    assert metadata["created"] == "2026-07-01T12:30:45.678Z"
    assert metadata["duration"] == 6.0
    assert metadata["channels"] == 2
    assert metadata["models"] == [EMULATOR_MODEL_UUID]
    # The transcription model, and the method that labelled the speakers (diarize=true).
    diarizer = metadata["diarize_info"]["model_uuid"]
    assert set(metadata["model_info"]) == {EMULATOR_MODEL_UUID, diarizer}
    assert metadata["model_info"][diarizer]["name"] == "pitch-clustering"
    assert set(metadata["model_info"][EMULATOR_MODEL_UUID]) == {"name", "version", "arch"}
    assert metadata["extra"] == {"callback_secret": "s3cret", "team": "audio"}
    assert metadata["tags"] == ["demo", "ci"]


def test_created_is_utc_with_z() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_created(datetime(2026, 1, 2, 3, 4, 5, tzinfo=plus_two)) == (
        "2026-01-02T01:04:05.000Z"
    )
    assert format_created(datetime(2026, 1, 2, 3, 4, 5, 999999)) == "2026-01-02T03:04:05.999Z"


def test_plain_words_and_transcript_without_formatting() -> None:
    body = build_listen_response(
        TRANSCRIPTION, ListenOptions(), request_id=REQUEST_ID, created=CREATED
    )
    alternative = body["results"]["channels"][0]["alternatives"][0]
    assert alternative["transcript"] == "hello world again bye"
    assert alternative["confidence"] == pytest.approx(0.75)
    assert alternative["words"][0] == {"word": "hello", "start": 0.1, "end": 0.5, "confidence": 0.9}
    assert "paragraphs" not in alternative
    assert "utterances" not in body["results"]


def test_punctuation_at_pauses_and_end() -> None:
    alternative = full_response()["results"]["channels"][0]["alternatives"][0]
    assert alternative["transcript"] == "Hello world. Again. Bye."
    assert [w["punctuated_word"] for w in alternative["words"]] == [
        "Hello",
        "world.",
        "Again.",
        "Bye.",
    ]
    assert [w["word"] for w in alternative["words"]] == ["hello", "world", "again", "bye"]


def test_utt_split_moves_sentence_ends() -> None:
    loose = options([("punctuate", "true"), ("utt_split", "3")])
    body = build_listen_response(TRANSCRIPTION, loose, request_id=REQUEST_ID, created=CREATED)
    assert body["results"]["channels"][0]["alternatives"][0]["transcript"] == (
        "Hello world again bye."
    )


def test_diarize_without_pitch_marks_speaker_zero_half_sure() -> None:
    """These words carry no voice features (no audio): nothing tells speakers apart."""
    words = full_response()["results"]["channels"][0]["alternatives"][0]["words"]
    assert {(w["speaker"], w["speaker_confidence"]) for w in words} == {(0, 0.5)}


def test_paragraphs() -> None:
    paragraphs = full_response()["results"]["channels"][0]["alternatives"][0]["paragraphs"]
    assert paragraphs["transcript"] == "\nSpeaker 0: Hello world. Again.\n\nSpeaker 0: Bye."
    first, second = paragraphs["paragraphs"]
    assert first == {
        "sentences": [
            {"text": "Hello world.", "start": 0.1, "end": 1.0},
            {"text": "Again.", "start": 2.0, "end": 2.4},
        ],
        "speaker": 0,
        "num_words": 3,
        "start": 0.1,
        "end": 2.4,
    }
    assert second["num_words"] == 1


def test_utterances() -> None:
    utterances = full_response()["results"]["utterances"]
    assert [u["transcript"] for u in utterances] == ["Hello world.", "Again.", "Bye."]
    first = utterances[0]
    assert (first["start"], first["end"], first["channel"], first["speaker"]) == (0.1, 1.0, 0, 0)
    assert first["confidence"] == pytest.approx(0.85)
    assert [w["word"] for w in first["words"]] == ["hello", "world"]
    ids = [u["id"] for u in utterances]
    assert len(set(ids)) == 3 and all(str(uuid.UUID(i)) == i for i in ids)
    assert ids == [u["id"] for u in full_response()["results"]["utterances"]]  # pure


def test_builders_do_not_share_state() -> None:
    body = full_response()
    snapshot = copy.deepcopy(body)
    body["metadata"]["extra"]["x"] = "y"
    body["metadata"]["tags"].append("z")
    assert full_response() == snapshot


# --- streaming -----------------------------------------------------------------------------

STREAM_OPTIONS = options(
    [("punctuate", "true"), ("diarize", "true"), ("interim_results", "true")], streaming=True
)


def update(kind: StreamUpdateKind, **kwargs: Any) -> StreamUpdate:
    return StreamUpdate(kind=kind, start=0.0, end=1.1, words=WORDS[:2], **kwargs)


def test_final_results_message() -> None:
    message = build_results_message(
        update(StreamUpdateKind.FINAL, speech_final=True),
        STREAM_OPTIONS,
        request_id=REQUEST_ID,
    )
    validate_stream("Results", message)
    assert undeclared_stream_properties("Results", message) == set()
    assert message["type"] == "Results"
    assert message["channel_index"] == [0, 1]
    assert message["duration"] == pytest.approx(1.1)
    assert (message["is_final"], message["speech_final"], message["from_finalize"]) == (
        True,
        True,
        False,
    )
    alternative = message["channel"]["alternatives"][0]
    assert alternative["transcript"] == "Hello world."
    assert alternative["words"][1]["speaker"] == 0
    assert "speaker_confidence" not in alternative["words"][1]
    assert message["metadata"]["request_id"] == REQUEST_ID
    assert message["metadata"]["model_uuid"] == EMULATOR_MODEL_UUID
    assert set(message["metadata"]["model_info"]) == {"name", "version", "arch"}


def test_interim_results_message_leaves_sentence_open() -> None:
    message = build_results_message(
        update(StreamUpdateKind.INTERIM), STREAM_OPTIONS, request_id=REQUEST_ID, channels=2
    )
    validate_stream("Results", message)
    assert message["is_final"] is False
    assert message["channel_index"] == [0, 2]
    assert message["channel"]["alternatives"][0]["transcript"] == "Hello world"


def test_empty_finalize_results_message() -> None:
    empty = StreamUpdate(StreamUpdateKind.FINAL, 3.0, 3.5, from_finalize=True)
    message = build_results_message(empty, STREAM_OPTIONS, request_id=REQUEST_ID)
    validate_stream("Results", message)
    assert message["from_finalize"] is True
    assert message["channel"]["alternatives"] == [
        {"transcript": "", "confidence": 0.0, "words": []}
    ]


def test_speech_started_update_is_not_a_results_message() -> None:
    with pytest.raises(ValueError, match="build_speech_started"):
        build_results_message(
            StreamUpdate(StreamUpdateKind.SPEECH_STARTED, 1.0, 1.0),
            STREAM_OPTIONS,
            request_id=REQUEST_ID,
        )


def test_speech_started_and_utterance_end() -> None:
    started = build_speech_started([0], 9.54)
    assert started == {"type": "SpeechStarted", "channel": [0], "timestamp": 9.54}
    validate_stream("SpeechStarted", started)
    ended = build_utterance_end((0, 1), 2.395)
    assert ended == {"type": "UtteranceEnd", "channel": [0, 1], "last_word_end": 2.395}
    validate_stream("UtteranceEnd", ended)


def test_stream_metadata() -> None:
    message = build_stream_metadata(
        request_id=REQUEST_ID,
        created=CREATED,
        duration=12.5,
        channels=1,
        sha256="ef" * 32,
        extra={"a": "b"},
    )
    validate_stream("Metadata", message)
    assert message["type"] == "Metadata"
    assert message["transaction_key"] == "deprecated"
    assert message["sha256"] == "ef" * 32
    assert message["created"] == "2026-07-01T12:30:45.678Z"
    assert message["models"] == [EMULATOR_MODEL_UUID]
    assert set(message["model_info"]) == {EMULATOR_MODEL_UUID}
    # Sent by Deepgram and read by the SDK, but not declared in asyncapi.yml:
    assert undeclared_stream_properties("Metadata", message) == {"models", "model_info", "extra"}
    without_extra = build_stream_metadata(
        request_id=REQUEST_ID, created=CREATED, duration=0.0, channels=1, sha256="00" * 32
    )
    assert "extra" not in without_extra
    validate_stream("Metadata", without_extra)
