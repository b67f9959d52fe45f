"""What the user is told about the filter language (`core/filter_expr.py`) while writing one:
the suggestions offered for the word being typed (`complete`, shown by the filter box's
completer) and the few lines of help for tooltips (`filter_help`). Both read the language's
own tables, so a field added there is offered and explained here without more."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from .filter_expr import ALIASES, FIELDS, HAS_SPECIAL, IS_STATES, KEYWORDS


@dataclass(frozen=True)
class Completion:
    """What the word being typed may become: `text[start:end]` replaced by one of `choices`."""

    start: int
    end: int
    choices: tuple[str, ...]


# `has:` names worth offering: the special ones and the headers every callback carries.
_HAS_OFFERED = (*HAS_SPECIAL, "content-type", "authorization", "user-agent")


def complete(text: str, cursor: int) -> Completion:
    """The field names (`status:`), `is:` states and `has:` names that the word ending at
    `cursor` is the start of; none inside quotes or once the word is whole."""
    cursor = max(0, min(cursor, len(text)))
    if text[:cursor].count('"') % 2:
        return Completion(cursor, cursor, ())
    start = cursor
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in '()"':
        start -= 1
    if text[start : start + 1] == "-":  # a negation is not part of the word
        start += 1
    word = text[start:cursor].lower()
    if len(word) < 2:  # one letter is too little to guess from (and most words start so)
        return Completion(cursor, cursor, ())
    name, colon, value = word.partition(":")
    if colon:
        values = {"is": list(IS_STATES), "has": list(_HAS_OFFERED)}
        offered = values.get(ALIASES.get(name, name), [])
        choices = [f"{name}:{v}" for v in offered if v.startswith(value)]
    else:
        choices = [f + ":" for f in FIELDS if f.startswith(word)]
        choices += [k for k in KEYWORDS if k.startswith(word)]
    if choices == [word]:
        choices = []
    return Completion(start, cursor, tuple(choices))


def filter_help(width: int = 88) -> str:
    """The language in a few lines of at most `width` characters (an example never split),
    for tooltips and --help."""
    lines: list[str] = []
    for example in [example for _, example in FIELDS.values()] + list(KEYWORDS):
        if lines and len(lines[-1]) + 2 + len(example) <= width:
            lines[-1] += "  " + example
        else:
            lines.append(example)
    words = (
        "A plain word searches path, method, status, request_id, headers (name: value), note, "
        "rule and transcript. Space is AND, OR is OR, -x leaves x out, ( ) group."
    )
    return "\n".join(lines + textwrap.wrap(words, width, break_on_hyphens=False))
