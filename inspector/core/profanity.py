"""`profanity_filter`: profane words masked, with better-profanity's word list.

Deepgram "converts [profanity] to the nearest recognized non-profane word or removes it"
[OAS]; its current models show the first letter and asterisks. The emulator masks the
same way (`word` and `punctuated_word` alike): "damn" -> "d***". The list is
better-profanity's (about 800 words and their common spellings).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from .word_tokens import Token


@cache
def _filter() -> Any:
    from better_profanity import Profanity  # its list loads on first use

    return Profanity()


def is_profane(word: str) -> bool:
    return bool(word) and bool(_filter().contains_profanity(word))


def mask(word: str) -> str:
    return word[:1] + "*" * (len(word) - 1)


def filter_profanity(tokens: Sequence[Token]) -> list[Token]:
    return [t.spelled(mask(t.word)) if is_profane(t.word) else t for t in tokens]
