"""`intents`: what a sentence asks for, from a request verb and its object, by rules.

Deepgram's shape [OAS SharedIntents]: `results.intents = {segments[{text, start_word,
end_word, intents[{intent, confidence_score}]}]}`, intents as short verb phrases
("Request callback"). The emulator finds a request verb of `VERBS` in a sentence and names
the intent after it and the first content word that follows ("please send the data to the
server" -> "Send data"); "call me back" is a callback request. `confidence_score` is the
mean recogniser confidence of the sentence's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .content_words import STOP_WORDS

METHOD = "request-verb-rules"
VERBS = frozenset(
    "ask book buy call cancel change check confirm find get give help know leave make "
    "need order pay refund remind reschedule schedule send ship show sign speak talk tell "
    "transfer update upgrade want".split()
)


def intent_of(words: Sequence[str]) -> str | None:
    for i, word in enumerate(words):
        if word not in VERBS:
            continue
        rest = words[i + 1 :]
        if word == "call" and "back" in rest[:2]:
            return "Request callback"
        obj = next((w for w in rest if w not in STOP_WORDS and w not in VERBS), None)
        return f"{word.capitalize()} {obj}" if obj else word.capitalize()
    return None


def intent_segments(
    segments: Sequence[tuple[str, int, int, Sequence[str], float]],
) -> dict[str, Any]:
    """`results.intents` for `(text, start_word, end_word, words, confidence)` segments."""
    out = []
    for text, start_word, end_word, words, confidence in segments:
        intent = intent_of(words)
        if intent is None:
            continue
        out.append(
            {
                "text": text,
                "start_word": start_word,
                "end_word": end_word,
                "intents": [{"intent": intent, "confidence_score": round(confidence, 4)}],
            }
        )
    return {"segments": out}
