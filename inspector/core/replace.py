"""`replace=find:replacement`: whole words (or phrases) replaced, case-insensitive.

Deepgram's Find and Replace applies to the transcript and its words [OAS]. A phrase of
several words becomes one token spanning them; an empty replacement removes the words.
Replacements apply in the order given, each to the result of the one before.
"""

from __future__ import annotations

from collections.abc import Sequence

from .word_tokens import Token, merged


def apply_replacements(
    tokens: Sequence[Token], replacements: Sequence[tuple[str, str]]
) -> list[Token]:
    out = list(tokens)
    for find, replacement in replacements:
        out = _replace(out, find.split(), replacement)
    return out


def _replace(tokens: list[Token], find: list[str], replacement: str) -> list[Token]:
    if not find:
        return tokens
    out: list[Token] = []
    i = 0
    width = len(find)
    while i < len(tokens):
        if [t.word for t in tokens[i : i + width]] == find:
            if replacement:
                out.append(merged(tokens[i : i + width], replacement.lower(), replacement))
            i += width
        else:
            out.append(tokens[i])
            i += 1
    return out
