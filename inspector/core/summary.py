"""`summarize`: an extractive summary, the highest-scoring sentences in their order.

Deepgram's summaries are written by a language model; the emulator's are extractive: each
sentence is scored by the mean transcript frequency of its content words
(`core.content_words`), and the best `MAX_SENTENCES` (at most a third of them, at least one)
are kept in transcript order. `summarize=v2` gives `results.summary {result, short}`;
`summarize=true` the older `alternatives[].summaries [{summary, start_word, end_word}]` [OAS].
"""

from __future__ import annotations

from collections.abc import Sequence

from .content_words import content_words, frequencies

MAX_SENTENCES = 3
METHOD = "extractive-frequency"


def summarize(sentences: Sequence[str]) -> list[int]:
    """Indexes of the sentences that make the summary, in order."""
    if not sentences:
        return []
    counts = frequencies(sentences)

    def value(index: int) -> float:
        words = content_words(sentences[index])
        return sum(counts[w] for w in words) / len(words) if words else 0.0

    keep = max(1, min(MAX_SENTENCES, len(sentences) // 3))
    ranked = sorted(range(len(sentences)), key=lambda i: (-value(i), i))
    return sorted(ranked[:keep])


def summary_text(sentences: Sequence[str]) -> str:
    return " ".join(sentences[i] for i in summarize(sentences))
