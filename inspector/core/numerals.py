"""Spoken numbers to digits: `numerals=true` and the number part of `smart_format`.

The conversion is text2num's `alpha2digit` (a maintained English number grammar: "twenty
five" -> "25", "four point five" -> "4.5", "one two three" -> "1 2 3"). It keeps its own
rule for small isolated numbers ("one of them" stays words; from three up they become
digits), which is close to what Deepgram's formatter does.

`alpha2digit` works on text, and Deepgram's numerals also change the `words` list (one word
"25" spanning "twenty five"), so each run of number words is converted on its own and the
digits it gives are mapped back to the words they came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .word_tokens import Token, merged

_UNITS = (
    "zero oh one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety hundred thousand million billion trillion"
).split()
NUMBER_WORDS = frozenset(_UNITS)
_JOINERS = frozenset({"and", "point"})  # inside a number: "two hundred and five", "4.5"
_LANGUAGE = "en"


@lru_cache(maxsize=4096)
def _alpha2digit(text: str, threshold: float) -> str:
    from text_to_num import alpha2digit  # imported on first use: most requests never need it

    result: str = alpha2digit(text, _LANGUAGE, threshold=threshold)
    return result


def is_number_token(token: Token) -> bool:
    """A number, spoken ("seven") or already in digits ("7", "4.5")."""
    word = token.word
    return word in NUMBER_WORDS or any(c.isdigit() for c in word)


def format_numerals(tokens: Sequence[Token]) -> list[Token]:
    """`tokens` with every spoken number written in digits (merged where words join)."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        if tokens[i].word not in NUMBER_WORDS:  # the common case, without a call
            out.append(tokens[i])
            i += 1
            continue
        end = _run_end(tokens, i)
        out.extend(_convert_run(tokens[i:end], context_words=len(tokens)))
        i = end
    return out


def _run_end(tokens: Sequence[Token], i: int) -> int:
    """End of the run of number words starting at `i` (joiners only between numbers)."""
    if tokens[i].word not in NUMBER_WORDS:
        return i
    end = i + 1
    while end < len(tokens):
        word = tokens[end].word
        if word in NUMBER_WORDS:
            end += 1
        elif word in _JOINERS and end + 1 < len(tokens) and tokens[end + 1].word in NUMBER_WORDS:
            end += 2
        else:
            break
    return end


def _convert_run(run: Sequence[Token], context_words: int) -> list[Token]:
    """A run of number words as the tokens `alpha2digit` makes of it.

    The text is converted once (isolated small numbers follow the library's rule, which
    needs the sentence around them: a lone run in a longer transcript uses it, a
    transcript that is only numbers converts them all); then each output token is matched
    to the shortest prefix of the remaining words that converts to exactly it."""
    text = " ".join(t.word for t in run)
    threshold = 3.0 if context_words > len(run) else 0.0
    converted = _alpha2digit(text, threshold).split()
    if converted == [t.word for t in run]:
        return list(run)
    out: list[Token] = []
    rest = list(run)
    for piece in converted:
        if not rest:
            break
        width = _prefix_for(rest, piece)
        out.append(merged(rest[:width], piece) if width > 1 or piece != rest[0].word else rest[0])
        rest = rest[width:]
    if rest:  # alignment failed (should not happen): keep the words as heard
        out.extend(rest)
    return out


def _prefix_for(rest: Sequence[Token], piece: str) -> int:
    for width in range(1, len(rest) + 1):
        if _alpha2digit(" ".join(t.word for t in rest[:width]), 0.0) == piece:
            return width
    return 1


def number_runs(tokens: Sequence[Token]) -> list[tuple[int, int, str]]:
    """Every run of consecutive number tokens (spoken or in digits) as `(first, end,
    digits)`: the token slice and the digits it stands for ("nine one one" -> "911")."""
    runs: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        if not is_number_token(tokens[i]):
            i += 1
            continue
        end = i
        while end < len(tokens):
            if is_number_token(tokens[end]):
                end += 1
            elif (
                tokens[end].word in _JOINERS
                and end + 1 < len(tokens)
                and is_number_token(tokens[end + 1])
            ):
                end += 2
            else:
                break
        text = " ".join(t.word for t in tokens[i:end])
        runs.append((i, end, "".join(c for c in _alpha2digit(text, 0.0) if c.isdigit())))
        i = end
    return runs
