"""Reading a Deepgram result: the first alternative, its transcript and its words.

One parser for both shapes Deepgram sends, pre-recorded (`ListenV1Response`,
`results.channels[0].alternatives[0]`) and streaming `Results` (`channel.alternatives[0]`),
and for its error body (`{err_code, err_msg}`). The list's transcript preview
(`core.body_view`) and the detail's Transcript tab (`ui.detail_views`) both read through it.
Pure and lenient: a field of the wrong type is skipped, never raised on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WordRow:
    word: str  # the punctuated word when there is one
    start: float | None
    end: float | None
    confidence: float | None
    speaker: int | None


@dataclass(frozen=True)
class TranscriptView:
    transcript: str
    words: tuple[WordRow, ...]
    is_final: bool | None  # streaming Results only
    kind: str  # "pre-recorded", "streaming Results", "error"
    confidence: float | None = None


def is_error_body(data: dict[str, Any]) -> bool:
    """Deepgram's error body: `err_code` and `err_msg` (with a `request_id`)."""
    return "err_code" in data and "err_msg" in data


def first_alternative(data: Any) -> dict[str, Any] | None:
    """The first channel's first alternative, pre-recorded or streaming; None when `data`
    holds none."""
    if not isinstance(data, dict):
        return None
    container: Any = None
    results = data.get("results")
    if isinstance(results, dict):
        channels = results.get("channels")
        if isinstance(channels, list) and channels:
            container = channels[0]
    alternative = _first(container)
    return alternative if alternative is not None else _first(data.get("channel"))


def _first(container: Any) -> dict[str, Any] | None:
    if not isinstance(container, dict):
        return None
    alternatives = container.get("alternatives")
    if isinstance(alternatives, list) and alternatives and isinstance(alternatives[0], dict):
        return alternatives[0]
    return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def transcript_view(data: Any) -> TranscriptView | None:
    """The transcript, words and is_final of a Deepgram result; None when it is not one."""
    if not isinstance(data, dict):
        return None
    if is_error_body(data):
        return TranscriptView(str(data.get("err_msg", "")), (), None, "error")
    alternative = first_alternative(data)
    if alternative is None:
        return None
    words = []
    for w in alternative.get("words") or []:
        if not isinstance(w, dict):
            continue
        speaker = w.get("speaker")
        if not isinstance(speaker, int) or isinstance(speaker, bool):
            speaker = None
        words.append(
            WordRow(
                word=str(w.get("punctuated_word") or w.get("word") or ""),
                start=_number(w.get("start")),
                end=_number(w.get("end")),
                confidence=_number(w.get("confidence")),
                speaker=speaker,
            )
        )
    is_final = data.get("is_final") if isinstance(data.get("is_final"), bool) else None
    kind = "streaming Results" if data.get("type") == "Results" else "pre-recorded"
    transcript = alternative.get("transcript")
    return TranscriptView(
        transcript=transcript if isinstance(transcript, str) else "",
        words=tuple(words),
        is_final=is_final,
        kind=kind,
        confidence=_number(alternative.get("confidence")),
    )
