"""What a captured body says, decoded without ever failing.

A body is kept as bytes. This module reads it as text, as JSON and as a Deepgram result
(pre-recorded `ListenV1Response` or streaming `Results`) when it can, and flags what it
could not decode instead of raising: invalid UTF-8 or JSON is something to show the user.
The texts it hands on (request id, transcript, message type) are always UTF-8 encodable:
a JSON `\ud800` escape is a lone surrogate in Python, which SQLite and Qt refuse, so it is
shown escaped as the six characters `\ud800`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import orjson

# Previews are for list columns; the full transcript lives in the body.
TRANSCRIPT_PREVIEW_CHARS = 200


@dataclass(frozen=True)
class BodyView:
    utf8_valid: bool
    json_valid: bool
    request_id: str | None = None
    transcript: str | None = None  # preview of the transcript, when a Deepgram result
    is_final: bool | None = None  # streaming Results only
    message_type: str | None = None  # streaming message `type` (Results, Metadata, ...)
    is_error: bool = False  # Deepgram error body {err_code, err_msg}


def view_body(body: bytes) -> BodyView:
    """Decode `body` as far as it goes; never raises."""
    if not body:
        return BodyView(utf8_valid=True, json_valid=False)
    try:
        # orjson first: on every request under load it parses a 2 KB body about three
        # times faster than `json` (bench/README.md). It checks UTF-8 as it goes.
        return _view_json(orjson.loads(body))
    except orjson.JSONDecodeError:
        pass  # not strict RFC 8259 JSON: `json` decides, as it always did
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return BodyView(utf8_valid=False, json_valid=False)
    try:
        data = json.loads(text)  # accepts what orjson refuses: NaN, lone surrogates, ...
    except (ValueError, RecursionError):
        return BodyView(utf8_valid=True, json_valid=False)
    return _view_json(data)


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
        is_error="err_code" in data and "err_msg" in data,
    )


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


def _first_alternative_transcript(container: Any) -> str | None:
    if not isinstance(container, dict):
        return None
    alternatives = container.get("alternatives")
    if isinstance(alternatives, list) and alternatives and isinstance(alternatives[0], dict):
        transcript = alternatives[0].get("transcript")
        if isinstance(transcript, str):
            return transcript
    return None


def _transcript(data: dict[str, Any]) -> str | None:
    """The first channel's first alternative, pre-recorded (`results.channels[0]`) or
    streaming (`channel`)."""
    text: str | None = None
    results = data.get("results")
    if isinstance(results, dict):
        channels = results.get("channels")
        if isinstance(channels, list) and channels:
            text = _first_alternative_transcript(channels[0])
    if text is None:
        text = _first_alternative_transcript(data.get("channel"))
    if text is None:
        return None
    return _storable(text[:TRANSCRIPT_PREVIEW_CHARS])
