"""`filler_words`: hesitations kept only when asked.

Deepgram leaves "uh", "um" and the like out of transcripts unless `filler_words=true`
(Deepgram docs, "Filler Words"); the emulator does the same with the words its recogniser
spells that way.
"""

from __future__ import annotations

from collections.abc import Sequence

from .word_tokens import Token

FILLERS = frozenset({"uh", "um", "umm", "uhm", "mhm", "mm", "hmm", "uh-huh", "mm-hmm", "er", "ah"})


def drop_fillers(tokens: Sequence[Token]) -> list[Token]:
    return [t for t in tokens if t.word not in FILLERS]
