"""Sentences and their punctuation: the emulator's imitation of Deepgram's `punctuate`.

The emulator cannot reproduce Deepgram's punctuation model, so this is a documented rule:
a *sentence* ends where the pause before the next word is at least `utt_split` seconds,
or at the end of the audio; with punctuation on, its first word is capitalised and its
last word gets a period (Deepgram's `punctuated_word`). Marks a dictation command placed
(`Token.mark`) are kept, and a sentence that ends in one gets no second period; a word
after a `.`, `?` or `!` is capitalised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .dictation import SENTENCE_ENDS
from .word_tokens import Token


@dataclass(frozen=True)
class Sentence:
    tokens: tuple[Token, ...]
    punctuated: tuple[str, ...]  # display form of each token (its `text` without punctuation)
    text: str  # the punctuated forms joined

    @property
    def start(self) -> float:
        return self.tokens[0].start

    @property
    def end(self) -> float:
        return self.tokens[-1].end


def _join(forms: Sequence[str]) -> str:
    """Words joined by spaces; none after a line break a dictated "new line" made."""
    joined = " ".join(forms)
    if "\n" not in joined:
        return joined
    text = ""
    for form in forms:
        text += form if not text or text.endswith("\n") else " " + form
    return text


def split_sentences(
    tokens: Sequence[Token], *, utt_split: float, punctuate: bool, closes_at_end: bool
) -> list[Sentence]:
    """Tokens grouped at pauses >= `utt_split`, with their punctuated forms."""
    groups: list[list[Token]] = []
    for token in tokens:
        if groups and token.start - groups[-1][-1].end < utt_split:
            groups[-1].append(token)
        else:
            groups.append([token])
    sentences = []
    for index, group in enumerate(groups):
        closes = closes_at_end or index < len(groups) - 1
        forms = _punctuate(group, closes) if punctuate else tuple(t.text for t in group)
        sentences.append(Sentence(tuple(group), forms, _join(forms)))
    return sentences


def _punctuate(group: Sequence[Token], closes: bool) -> tuple[str, ...]:
    forms = []
    capital = True
    for token in group:
        form = token.text
        if capital:
            form = form[:1].upper() + form[1:]
        form += token.mark
        capital = bool(token.mark) and token.mark.rstrip()[-1:] in SENTENCE_ENDS
        forms.append(form)
    if closes and forms[-1].rstrip()[-1:] not in SENTENCE_ENDS | {",", ":", ";"}:
        forms[-1] = forms[-1].rstrip() + "."
    return tuple(forms)
