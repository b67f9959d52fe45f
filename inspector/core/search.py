"""`search`: where each query was said, matched by spelling and by sound.

Deepgram's search is acoustic: it returns, per channel, `{query, hits[{confidence, start,
end, snippet}]}` [OAS], hits sorted by confidence, including near misses. The emulator
matches each query against every run of as many consecutive recognised words (the words
as heard, before any formatting): the confidence of a run is the better of its spelling
similarity (rapidfuzz's normalised Indel ratio) and its sound similarity (the same ratio
over jellyfish's Metaphone codes), so "tree" still finds a "three" the recogniser heard.
Hits below `MIN_CONFIDENCE` are left out; the best `MAX_HITS` are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from .transcript import Word

MIN_CONFIDENCE = 0.6
MAX_HITS = 10


@lru_cache(maxsize=8192)
def _sound(text: str) -> str:
    import jellyfish

    return " ".join(jellyfish.metaphone(part) for part in text.split())


def _similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return float(fuzz.ratio(a, b)) / 100.0


def search_hits(words: Sequence[Word], queries: Sequence[str]) -> list[dict[str, Any]]:
    """`channels[].search` for one channel's words."""
    return [{"query": query, "hits": _hits(words, query)} for query in queries]


def _hits(words: Sequence[Word], query: str) -> list[dict[str, Any]]:
    wanted = " ".join(query.lower().split())
    width = max(1, len(wanted.split()))
    hits: list[dict[str, Any]] = []
    for i in range(0, max(0, len(words) - width + 1)):
        run = words[i : i + width]
        text = " ".join(w.word for w in run)
        confidence = max(_similarity(text, wanted), _similarity(_sound(text), _sound(wanted)))
        if confidence >= MIN_CONFIDENCE:
            hits.append(
                {
                    "confidence": round(confidence, 4),
                    "start": run[0].start,
                    "end": run[-1].end,
                    "snippet": text,
                }
            )
    hits.sort(key=lambda h: (-float(h["confidence"]), float(h["start"])))
    return hits[:MAX_HITS]
