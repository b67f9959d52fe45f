"""`topics`: each segment's most frequent content words, as Deepgram's topic segments.

Deepgram's shape (Deepgram docs, "Topic Detection"; the SDK's `SharedTopics`):
`results.topics = {segments[{text, start_word, end_word, topics[{topic, confidence_score}]}]}`.
The project's copy of openapi.yml nests it as `topics.results.topics.segments`, which the
SDK (7.12 on) calls a deprecated facade over `topics.segments`: the emulator sends
`segments` where Deepgram does. The emulator's topics are a segment's content words
(`core.content_words`) ranked by count in the whole transcript, ties by first appearance;
`confidence_score` is 0.5 plus half the word's count relative to the segment's top word.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .content_words import content_words, frequencies

MAX_TOPICS = 3
METHOD = "content-word-frequency"


def topic_segments(segments: Sequence[tuple[str, int, int]]) -> dict[str, Any]:
    counts = frequencies(text for text, _, _ in segments)
    out = []
    for text, start_word, end_word in segments:
        words = content_words(text)
        if not words:
            continue
        ranked = sorted(dict.fromkeys(words), key=lambda w: (-counts[w], words.index(w)))
        top = counts[ranked[0]]
        out.append(
            {
                "text": text,
                "start_word": start_word,
                "end_word": end_word,
                "topics": [
                    {"topic": w, "confidence_score": round(0.5 + 0.5 * counts[w] / top, 4)}
                    for w in ranked[:MAX_TOPICS]
                ],
            }
        )
    return {"segments": out}
