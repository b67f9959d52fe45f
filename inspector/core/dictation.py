"""`dictation`: spoken punctuation commands become the marks they name.

Deepgram's Dictation turns "comma", "period", "question mark", "new line"... into `,` `.`
`?` `\\n` (Deepgram docs, "Dictation"). The command words leave the words list and the
mark joins the word before it (`punctuated_word` "Hello,"), which is where the sentence
punctuation of `core.sentences` puts its marks too.
"""

from __future__ import annotations

from collections.abc import Sequence

from .word_tokens import Token

COMMANDS: dict[tuple[str, ...], str] = {
    ("comma",): ",",
    ("period",): ".",
    ("full", "stop"): ".",
    ("question", "mark"): "?",
    ("exclamation", "mark"): "!",
    ("exclamation", "point"): "!",
    ("colon",): ":",
    ("semicolon",): ";",
    ("semi", "colon"): ";",
    ("new", "line"): "\n",
    ("new", "paragraph"): "\n\n",
}
_LONGEST = max(len(k) for k in COMMANDS)
SENTENCE_ENDS = frozenset(".?!")


def apply_dictation(tokens: Sequence[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        for width in range(_LONGEST, 0, -1):
            mark = COMMANDS.get(tuple(t.word for t in tokens[i : i + width]))
            if mark is not None and out:
                out[-1] = out[-1]._replace(mark=out[-1].mark + mark)
                i += width
                break
        else:
            out.append(tokens[i])
            i += 1
    return out
