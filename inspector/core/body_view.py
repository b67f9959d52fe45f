"""What a captured body says, decoded without ever failing.

A body is kept as bytes. This module reads it as text, as JSON and as a Deepgram result
(pre-recorded `ListenV1Response` or streaming `Results`) when it can, and flags what it
could not decode instead of raising: invalid UTF-8 or JSON is something to show the user.
The texts it hands on (request id, transcript, message type) are always UTF-8 encodable:
a JSON `\ud800` escape is a lone surrogate in Python, which SQLite and Qt refuse, so it is
shown escaped as the six characters `\ud800`.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from typing import Any

import orjson

from .deepgram_result import first_alternative, is_error_body

# Previews are for list columns; the full transcript lives in the body.
TRANSCRIPT_PREVIEW_CHARS = 200
STREAM_MESSAGE_CHARS = 256  # bound of `BodyView.stream_message`
# A request_id in the first bytes of a cut JSON body (Deepgram's comes second in `metadata`).
_REQUEST_ID = re.compile(rb'"request_id"\s*:\s*("(?:[^"\\]|\\.){0,200}")')


@dataclass(frozen=True)
class BodyView:
    utf8_valid: bool
    json_valid: bool
    request_id: str | None = None
    transcript: str | None = None  # preview of the transcript, when a Deepgram result
    is_final: bool | None = None  # streaming Results only
    message_type: str | None = None  # streaming message `type` (Results, Metadata, ...)
    is_error: bool = False  # Deepgram error body {err_code, err_msg}
    # Which message of a stream this is, for counting attempts per message (core/attempts):
    # its type and the fields that tell one message from another. None when not streaming.
    stream_message: str | None = None


NOT_JSON: Any = object()  # what `decode_json` gives for a body that is not JSON


def decode_json(body: bytes) -> tuple[bool, Any]:
    """`(utf8_valid, data)`: the body decoded as JSON, or `NOT_JSON`; never raises."""
    try:
        # orjson first: on every request under load it parses a 2 KB body about three
        # times faster than `json` (bench/README.md). It checks UTF-8 as it goes.
        return True, orjson.loads(body)
    except orjson.JSONDecodeError:
        pass  # not strict RFC 8259 JSON: `json` decides, as it always did
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False, NOT_JSON
    try:
        return True, json.loads(text)  # accepts what orjson refuses: NaN, lone surrogates...
    except (ValueError, RecursionError):
        return True, NOT_JSON


def view_body(body: bytes) -> BodyView:
    """Decode `body` as far as it goes; never raises."""
    if not body:
        return BodyView(utf8_valid=True, json_valid=False)
    utf8_valid, data = decode_json(body)
    if data is NOT_JSON:
        return BodyView(utf8_valid=utf8_valid, json_valid=False)
    return _view_json(data)


def view_body_prefix(prefix: bytes) -> BodyView:
    """The view of a body of which only `prefix` was kept (the receiver refused the rest):
    not valid JSON (it is cut), but its request_id, when the prefix holds one, is read, so
    the attempts of a refused callback are still counted and grouped (issue 14 item 4)."""
    if not prefix:
        return BodyView(utf8_valid=True, json_valid=False)
    try:  # the cut may have split a character: an unfinished one at the end is fine
        codecs.getincrementaldecoder("utf-8")().decode(prefix, final=False)
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    request_id = None
    match = _REQUEST_ID.search(prefix)
    if match is not None:
        try:
            value = json.loads(match.group(1))
        except (ValueError, UnicodeDecodeError):
            value = None
        if isinstance(value, str):
            request_id = _storable(value)
    return BodyView(utf8_valid=utf8, json_valid=False, request_id=request_id)


def _view_json(data: Any) -> BodyView:
    if not isinstance(data, dict):
        return BodyView(utf8_valid=True, json_valid=True)
    request_id = _request_id(data)
    message_type = _storable(data["type"]) if isinstance(data.get("type"), str) else None
    is_final = data.get("is_final") if isinstance(data.get("is_final"), bool) else None
    return BodyView(
        utf8_valid=True,
        json_valid=True,
        request_id=request_id,
        transcript=_transcript(data),
        is_final=is_final,
        message_type=message_type,
        is_error=is_error_body(data),
        stream_message=None if message_type is None else _stream_message(data, message_type),
    )


# The fields that tell two messages of one stream apart [AAS]: Results by channel, start,
# duration (interim results of one stretch of audio share their start) and finality;
# SpeechStarted by its timestamp, UtteranceEnd by its last word's end; Metadata is one a stream.
_STREAM_MESSAGE_FIELDS = (
    "channel_index",
    "channel",
    "start",
    "duration",
    "is_final",
    "speech_final",
    "timestamp",
    "last_word_end",
)


def _stream_message(data: dict[str, Any], message_type: str) -> str:
    """`message_type` and the identifying fields present, as one short text: numbers and
    short lists of numbers only, so a hostile body cannot make the attempt counter (which
    keeps 16,384 of these) hold megabytes."""
    parts = [message_type[:64]]
    for key in _STREAM_MESSAGE_FIELDS:
        value = data.get(key)
        if isinstance(value, (bool, int, float)) or (
            isinstance(value, list)
            and len(value) <= 8
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            parts.append(f"{key}={value}")
    return " ".join(parts)[:STREAM_MESSAGE_CHARS]  # a 4,000-digit number is still a number


def _request_id(data: dict[str, Any]) -> str | None:
    """`metadata.request_id` (pre-recorded and streaming Results) or top-level `request_id`
    (accepted reply, error bodies, streaming Metadata)."""
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("request_id"), str):
        return _storable(metadata["request_id"])
    if isinstance(data.get("request_id"), str):
        return _storable(data["request_id"])
    return None


def _storable(text: str) -> str:
    """`text` with lone surrogates (from JSON `\\udXXX` escapes) written as `\\udXXX`."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="backslashreplace").decode("utf-8")
    return text


def _transcript(data: dict[str, Any]) -> str | None:
    """The first alternative's transcript (`core.deepgram_result`), cut for the list."""
    alternative = first_alternative(data)
    text = alternative.get("transcript") if alternative is not None else None
    if not isinstance(text, str):
        return None
    return _storable(text[:TRANSCRIPT_PREVIEW_CHARS])
