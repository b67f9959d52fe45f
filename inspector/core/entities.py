"""`detect_entities`: numbers, dates, times and first names found in the words by rules.

Deepgram's entities are `{label, value, raw_value, confidence, start_word, end_word}`
([OAS] alternatives[].entities; [AAS] Results.entities): `start_word` is the index of the
first word, `end_word` one past the last, `value` the formatted text and `raw_value` the
words as spoken. Deepgram finds over 50 entity types with a model; the emulator finds
these by rules over the words:
- `CARDINAL`: a run of number words or digits (value in digits, text2num);
- `TIME`: a number followed by "o'clock", "am" or "pm", and noon, midnight, morning,
  afternoon, evening, tonight;
- `DATE`: weekdays, months (with a day number after), today, tomorrow, yesterday;
- `NAME`: one of the common English first names listed here.
Confidence is the mean recogniser confidence of the entity's words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .numerals import number_runs
from .word_tokens import Token

CARDINAL, TIME, DATE, NAME = "CARDINAL", "TIME", "DATE", "NAME"
METHOD = "entity-rules"  # named in `model_info` (core.listen_analysis)

FIRST_NAMES = frozenset(
    """
    aaron adam alan albert alex alice amanda amy andrew angela anna anne anthony arthur
    barbara ben benjamin betty beth bill bob brian bruce carl carol catherine charles
    charlie chris christine christopher daniel david deborah dennis diana donald donna
    dorothy edward elizabeth emily emma eric eve frank gary george grace greg harry helen
    henry jack jacob james jane janet jason jeff jennifer jessica jim joe john jonathan
    joseph joshua julia julie karen kate katherine kelly kevin larry laura linda lisa
    margaret maria mark martha mary matthew michael michelle mike nancy nicholas olivia
    patricia patrick paul peter rachel raymond rebecca richard robert ronald rose ruth
    ryan sam samuel sandra sarah scott sharon simon sophia stephen steve susan thomas tim
    timothy tom victoria walter william
    """.split()
)
_TIME_AFTER = frozenset({"o'clock", "am", "pm", "a.m.", "p.m."})
_TIME_WORDS = frozenset({"noon", "midnight", "morning", "afternoon", "evening", "tonight"})
_DATE_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday "
    "weekend".split()
)
_MONTHS = frozenset(
    "january february march april may june july august september october november "
    "december".split()
)


def find_entities(tokens: Sequence[Token]) -> list[dict[str, Any]]:
    """The entities in `tokens` (the reply's words), in order."""
    spans: dict[int, tuple[int, str, str]] = {}  # first -> (end, label, value)
    for first, end, digits in number_runs(tokens):
        if end < len(tokens) and tokens[end].word in _TIME_AFTER:
            spans[first] = (end + 1, TIME, f"{digits} {tokens[end].word}")
        elif digits:
            spans[first] = (end, CARDINAL, digits)
    for i, t in enumerate(tokens):
        if i in spans or any(f < i < e for f, (e, _, _) in spans.items()):
            continue
        if t.word in _MONTHS:
            end = i + 2 if i + 1 in spans and spans[i + 1][1] == CARDINAL else i + 1
            value = " ".join(x.text for x in tokens[i:end])
            spans.pop(i + 1, None)
            spans[i] = (end, DATE, value)
        elif t.word in _DATE_WORDS:
            spans[i] = (i + 1, DATE, t.text)
        elif t.word in _TIME_WORDS:
            spans[i] = (i + 1, TIME, t.text)
        elif t.word in FIRST_NAMES:
            spans[i] = (i + 1, NAME, t.word.capitalize())
    entities = []
    for first in sorted(spans):
        end, label, value = spans[first]
        words = tokens[first:end]
        entities.append(
            {
                "label": label,
                "value": value,
                "raw_value": " ".join(t.word for t in words),
                "confidence": round(sum(t.confidence for t in words) / len(words), 4),
                "start_word": first,
                "end_word": end,
            }
        )
    return entities
