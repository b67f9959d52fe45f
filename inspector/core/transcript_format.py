"""From what the recogniser heard to the words Deepgram would show, for the given options.

One pipeline for pre-recorded replies and live `Results`, each step its own module:
filler words dropped (unless `filler_words`), numerals (`numerals`, `smart_format`),
measurements, dictation, profanity filter, replace, redact. The order is Deepgram's as far
as its docs show it: formatting first, so redaction sees "123" whether it was spoken or
formatted, and replacements can target formatted words.
"""

from __future__ import annotations

from collections.abc import Sequence

from .dictation import apply_dictation
from .filler_words import drop_fillers
from .listen_options import ListenOptions
from .measurements import abbreviate_measurements
from .numerals import format_numerals
from .profanity import filter_profanity
from .redaction import redact
from .replace import apply_replacements
from .transcript import Word
from .word_tokens import Token, tokens_of


def format_words(
    words: Sequence[Word],
    options: ListenOptions,
    speakers: Sequence[tuple[int, float]] | None = None,
) -> list[Token]:
    """The words to show; `speakers` (diarization's labels) override the words' own."""
    tokens = tokens_of(words, speakers)
    if not options.filler_words:
        tokens = drop_fillers(tokens)
    if options.numerals:
        tokens = format_numerals(tokens)
    if options.measurements:
        tokens = abbreviate_measurements(tokens)
    if options.dictation:
        tokens = apply_dictation(tokens)
    if options.profanity_filter:
        tokens = filter_profanity(tokens)
    if options.replace:
        tokens = apply_replacements(tokens, options.replace)
    if options.redact:
        tokens = redact(tokens, options.redact)
    return tokens
