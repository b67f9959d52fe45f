"""`sentiment`: VADER's score per sentence, and their average weighted by words.

Deepgram's shape [OAS SharedSentiments]: `results.sentiments = {segments[{text,
start_word, end_word, sentiment, sentiment_score}], average{sentiment, sentiment_score}}`,
scores from -1 to 1, `positive` above 0.333, `negative` below -0.333 (Deepgram docs,
"Sentiment Analysis"). The emulator's score is VADER's compound score (vaderSentiment, a
lexicon and rule-based model for English).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

METHOD = "vader"  # `metadata.sentiment_info.model_uuid` names it (emulator decision)
THRESHOLD = 0.333


@cache
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def label(score: float) -> str:
    if score > THRESHOLD:
        return "positive"
    if score < -THRESHOLD:
        return "negative"
    return "neutral"


def score(text: str) -> float:
    return round(float(_analyzer().polarity_scores(text)["compound"]), 4)


def sentiments(segments: Sequence[tuple[str, int, int]]) -> dict[str, Any]:
    """`results.sentiments` for `(text, start_word, end_word)` segments (end inclusive)."""
    out = []
    weighted = 0.0
    words = 0
    for text, start_word, end_word in segments:
        value = score(text)
        out.append(
            {
                "text": text,
                "start_word": start_word,
                "end_word": end_word,
                "sentiment": label(value),
                "sentiment_score": value,
            }
        )
        weighted += value * (end_word - start_word + 1)
        words += end_word - start_word + 1
    average = round(weighted / words, 4) if words else 0.0
    return {"segments": out, "average": {"sentiment": label(average), "sentiment_score": average}}
