"""The understanding features of a pre-recorded reply: sentiment, summary, topics, intents.

Each is computed over the first channel's sentences by its own module (`core.sentiment`,
`core.summary`, `core.topics`, `core.intents`), placed where Deepgram places it
(`results.sentiments`, `results.summary`, `results.topics`, `results.intents`, or
`alternatives[].summaries` for `summarize=true`), with its `metadata.*_info`: the model
uuid names the emulator's method (uuid5 of its name), tokens are words in and out.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import diarization, entities, intents, sentiment, summary, topics
from .listen_options import ListenOptions, Summarize
from .sentences import Sentence

_METHOD_NAMESPACE = uuid.UUID("5f3a8c2e-9b1d-4e7f-a6c0-2d8b4e1f7a93")  # the emulator model's


def method_uuid(method: str) -> str:
    """A stable uuid naming one of the emulator's methods in `metadata.*_info`."""
    return str(uuid.uuid5(_METHOD_NAMESPACE, method))


_METHODS = {
    method_uuid(m.METHOD): m.METHOD
    for m in (sentiment, summary, topics, intents, entities, diarization)
}
_METHOD_VERSION = "2026-07-01.0"


def method_model_info(uuid_: str) -> dict[str, str]:
    """The `model_info` entry of one of the emulator's methods: its name says what computed
    the field (`vader`, `extractive-frequency`, `entity-rules`, `pitch-clustering`...)."""
    return {"name": _METHODS.get(uuid_, "emulator"), "version": _METHOD_VERSION, "arch": "emulator"}


def _info(method: str, input_tokens: int, output_tokens: int = 0) -> dict[str, Any]:
    return {
        "model_uuid": method_uuid(method),
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
    }


@dataclass(frozen=True)
class _Span:
    text: str
    start_word: int
    end_word: int  # inclusive, as Deepgram's segments count
    words: tuple[str, ...]
    confidence: float


def _spans(groups: Sequence[Sequence[Sentence]]) -> list[_Span]:
    spans = []
    index = 0
    for group in groups:
        tokens = [t for s in group for t in s.tokens]
        spans.append(
            _Span(
                " ".join(s.text for s in group),
                index,
                index + len(tokens) - 1,
                tuple(t.word for t in tokens),
                sum(t.confidence for t in tokens) / len(tokens),
            )
        )
        index += len(tokens)
    return spans


def analyse(
    sentences: Sequence[Sentence],
    paragraphs: Sequence[Sequence[Sentence]],
    options: ListenOptions,
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]] | None]:
    """`(results fields, metadata fields, alternatives[].summaries or None)`."""
    results: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    if not (options.summarize or options.topics or options.intents or options.sentiment):
        return results, metadata, None
    per_sentence = _spans([[s] for s in sentences])
    words = sum(len(s.tokens) for s in sentences)
    v1_summaries = None
    if options.summarize is not None:
        chosen = summary.summarize([s.text for s in per_sentence])
        text = " ".join(per_sentence[i].text for i in chosen)
        metadata["summary_info"] = _info(summary.METHOD, words, len(text.split()))
        if options.summarize is Summarize.V2:
            results["summary"] = {"result": "success", "short": text}
        else:
            v1_summaries = [
                {
                    "summary": text,
                    "start_word": per_sentence[chosen[0]].start_word if chosen else 0,
                    "end_word": per_sentence[chosen[-1]].end_word if chosen else 0,
                }
            ]
    if options.topics:
        segments = [(p.text, p.start_word, p.end_word) for p in _spans(paragraphs)]
        results["topics"] = topics.topic_segments(segments)
        metadata["topics_info"] = _info(topics.METHOD, words)
    if options.intents:
        results["intents"] = intents.intent_segments(
            [(s.text, s.start_word, s.end_word, s.words, s.confidence) for s in per_sentence]
        )
        metadata["intents_info"] = _info(intents.METHOD, words)
    if options.sentiment:
        results["sentiments"] = sentiment.sentiments(
            [(s.text, s.start_word, s.end_word) for s in per_sentence]
        )
        metadata["sentiment_info"] = _info(sentiment.METHOD, words)
    return results, metadata, v1_summaries
