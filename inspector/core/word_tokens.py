"""The unit every transcript feature edits: a recognised word with its display form.

Deepgram's words carry two spellings: `word` (lower case, as heard) and `punctuated_word`
(as shown). The features of `/v1/listen` (numerals, measurements, dictation, profanity,
replace, redact) each turn a list of `Token`s into another; punctuation and sentence
breaks (`core.sentences`) come last. A feature that merges words ("twenty five" -> "25")
makes one token spanning them, as Deepgram's words do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from .transcript import Word


class Token(NamedTuple):
    """A word as shown (a NamedTuple: a long transcript makes one per word, often)."""

    word: str  # Deepgram's `word`
    text: str  # the display form before sentence punctuation (`punctuated_word` is built on it)
    start: float
    end: float
    confidence: float
    speaker: int = 0
    speaker_confidence: float = 1.0
    mark: str = ""  # punctuation a dictation command put after this word (",", "?", "\n")

    def spelled(self, word: str, text: str | None = None) -> Token:
        """The same span spelled differently."""
        return self._replace(word=word, text=word if text is None else text)


def tokens_of(
    words: Sequence[Word], speakers: Sequence[tuple[int, float]] | None = None
) -> list[Token]:
    """One token per word; `speakers` (from `core.diarization`) overrides the words' own."""
    if speakers is not None:
        return [
            Token(w.word, w.word, w.start, w.end, w.confidence, speaker, confidence)
            for w, (speaker, confidence) in zip(words, speakers, strict=True)
        ]
    return [
        Token(
            w.word,
            w.word,
            w.start,
            w.end,
            w.confidence,
            w.speaker if w.speaker is not None else 0,
            w.speaker_confidence,
        )
        for w in words
    ]


def merged(tokens: Sequence[Token], word: str, text: str | None = None) -> Token:
    """One token for `tokens` (consecutive, non-empty): their span, mean confidence, the
    first one's speaker and the last one's dictation mark."""
    first, last = tokens[0], tokens[-1]
    return Token(
        word=word,
        text=word if text is None else text,
        start=first.start,
        end=last.end,
        confidence=sum(t.confidence for t in tokens) / len(tokens),
        speaker=first.speaker,
        speaker_confidence=first.speaker_confidence,
        mark=last.mark,
    )
