"""`redact`: sensitive words replaced by a numbered token of their kind.

Deepgram [Redaction docs]: `numbers` (or `true`) redacts any sequence of three or more
consecutive numerals; `aggressive_numbers` every number; `ssn` social security numbers;
`pci` card numbers, expiration dates and CVVs; `pii` names, locations and identifying
numbers. Redacted entities appear as `[TYPE_N]` (e.g. `[CREDIT_CARD_1]`, numbered per type
in order of appearance), in the transcript and as one word in `words`.

Emulator rules (the docs give groups, not algorithms): a run of number words or digits is
one number; an SSN is a run of 9 digits; a card number a run of 13-19 digits; a CVV 3-4
digits after "cvv"/"security code"/"verification"; an expiration date the month or digits
after "expires"/"expiration"/"expiry"; names are the first names `core.entities` knows.
"""

from __future__ import annotations

from collections.abc import Sequence

from .entities import FIRST_NAMES
from .numerals import number_runs
from .word_tokens import Token, merged

NUMBER, SSN, CARD, CVV, EXPIRY, NAME = (
    "NUMBER",
    "SSN",
    "CREDIT_CARD",
    "CVV",
    "CREDIT_CARD_EXPIRATION",
    "NAME",
)
_CVV_CUES = frozenset({"cvv", "cvc", "security", "verification"})
_EXPIRY_CUES = frozenset({"expires", "expiration", "expiry", "expiring", "exp"})
_MONTHS = frozenset(
    "january february march april may june july august september october november "
    "december".split()
)
_CUE_REACH = 3  # words between a cue and the number it labels


def redact(tokens: Sequence[Token], kinds: Sequence[str]) -> list[Token]:
    """`tokens` with what `kinds` (the `redact` values) asks for replaced."""
    asked = set(kinds)
    labels: dict[int, tuple[int, str]] = {}  # first index -> (end, label)
    for first, end, digits in number_runs(tokens):
        label = _number_label(tokens, first, digits, asked)
        if label is not None:
            labels[first] = (end, label)
    if asked & {"pci"}:
        _label_expiry(tokens, labels)
    if "pii" in asked:
        for i, t in enumerate(tokens):
            if t.word in FIRST_NAMES and i not in labels:
                labels[i] = (i + 1, NAME)
    counts: dict[str, int] = {}
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        if i in labels:
            end, label = labels[i]
            counts[label] = counts.get(label, 0) + 1
            token = f"[{label}_{counts[label]}]"
            out.append(merged(tokens[i:end], token, token))
            i = end
        else:
            out.append(tokens[i])
            i += 1
    return out


def _number_label(tokens: Sequence[Token], first: int, digits: str, asked: set[str]) -> str | None:
    before = {t.word for t in tokens[max(0, first - _CUE_REACH) : first]}
    if {"pci"} & asked:
        if 13 <= len(digits) <= 19:
            return CARD
        if 3 <= len(digits) <= 4 and before & _CVV_CUES:
            return CVV
    if {"ssn", "pii"} & asked and len(digits) == 9:
        return SSN
    if "aggressive_numbers" in asked and digits:
        return NUMBER
    if {"numbers", "true", "pii"} & asked and len(digits) >= 3:
        return NUMBER
    return None


def _label_expiry(tokens: Sequence[Token], labels: dict[int, tuple[int, str]]) -> None:
    """A month name or a number run shortly after an expiry cue is an expiration date."""
    for i, t in enumerate(tokens):
        if t.word not in _EXPIRY_CUES:
            continue
        for j in range(i + 1, min(len(tokens), i + 1 + _CUE_REACH)):
            if tokens[j].word in _MONTHS and j not in labels:
                end = j + 1
                while end in labels or (end < len(tokens) and tokens[end].word[:1].isdigit()):
                    end = labels.pop(end)[0] if end in labels else end + 1
                labels[j] = (end, EXPIRY)
                break
            if j in labels:
                labels[j] = (labels[j][0], EXPIRY)
                break
