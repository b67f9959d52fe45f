"""The word features of `/v1/listen`, one module each, over plain tokens (no recogniser)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from inspector.core.dictation import apply_dictation
from inspector.core.filler_words import drop_fillers
from inspector.core.listen_options import parse_listen_options
from inspector.core.measurements import abbreviate_measurements
from inspector.core.numerals import format_numerals, number_runs
from inspector.core.profanity import filter_profanity
from inspector.core.redaction import redact
from inspector.core.replace import apply_replacements
from inspector.core.search import search_hits
from inspector.core.sentences import split_sentences
from inspector.core.transcript import Word
from inspector.core.transcript_format import format_words
from inspector.core.word_tokens import Token, tokens_of


def words(text: str) -> list[Word]:
    return [Word(w, i * 0.5, i * 0.5 + 0.4, 0.9) for i, w in enumerate(text.split())]


def tokens(text: str) -> list[Token]:
    return tokens_of(words(text))


def spelled(ts: list[Token]) -> str:
    return " ".join(t.word for t in ts)


def test_numerals_merge_spoken_numbers_into_one_word_spanning_them() -> None:
    out = format_numerals(tokens("i owe twenty five dollars and two hundred and five cents"))
    assert spelled(out) == "i owe 25 dollars and 205 cents"
    twenty_five = out[2]
    assert (twenty_five.start, twenty_five.end) == (1.0, 1.9)
    assert spelled(format_numerals(tokens("one two three"))) == "1 2 3"
    assert spelled(format_numerals(tokens("it is one of them"))) == "it is one of them"


def test_number_runs_give_the_digits_spoken() -> None:
    assert number_runs(tokens("dial nine one one now")) == [(1, 4, "911")]


def test_redact_numbers_needs_three_digits_aggressive_takes_every_number() -> None:
    spoken = tokens("room ten then code one two three four")
    assert spelled(redact(spoken, ["numbers"])) == "room ten then code [NUMBER_1]"
    assert spelled(redact(spoken, ["aggressive_numbers"])) == "room [NUMBER_1] then code [NUMBER_2]"


def test_redact_pci_and_ssn_name_what_they_hid() -> None:
    card = "card four one one one one one one one one one one one one one one one"
    out = redact(tokens(card + " cvv one two three"), ["pci"])
    assert spelled(out) == "card [CREDIT_CARD_1] cvv [CVV_1]"
    ssn = redact(tokens("my ssn is one two three four five six seven eight nine"), ["ssn"])
    assert spelled(ssn) == "my ssn is [SSN_1]"
    assert spelled(redact(tokens("ask john"), ["pii"])) == "ask [NAME_1]"


def test_search_finds_by_spelling_and_by_sound_with_times_and_snippet() -> None:
    heard = words("please send the data to the server")
    (result,) = search_hits(heard, ["data"])
    best = result["hits"][0]
    assert (best["start"], best["end"], best["snippet"], best["confidence"]) == (
        1.5,
        1.9,
        "data",
        1.0,
    )
    (sounded,) = search_hits(words("she bought a new car"), ["kar"])
    assert sounded["hits"][0]["snippet"] == "car"
    (phrase,) = search_hits(heard, ["the server"])
    assert phrase["hits"][0]["snippet"] == "the server"
    assert search_hits(heard, ["xylophone"]) == [{"query": "xylophone", "hits": []}]


def test_replace_filler_profanity_dictation_measurements() -> None:
    replaced = apply_replacements(tokens("call the um office"), [("um", ""), ("office", "desk")])
    assert spelled(replaced) == "call the desk"
    assert spelled(drop_fillers(tokens("well uh i think um yes"))) == "well i think yes"
    assert spelled(filter_profanity(tokens("that damn car"))) == "that d*** car"
    marked = apply_dictation(tokens("hello comma world period new line bye question mark"))
    assert [(t.word, t.mark) for t in marked] == [
        ("hello", ","),
        ("world", ".\n"),
        ("bye", "?"),
    ]
    sentences = split_sentences(marked, utt_split=10, punctuate=True, closes_at_end=True)
    assert sentences[0].text == "Hello, world.\nBye?"
    weighed = abbreviate_measurements(format_numerals(tokens("it weighs five kilograms")))
    assert spelled(weighed) == "it weighs 5 kg"


def test_the_pipeline_applies_what_the_query_asks() -> None:
    options = parse_listen_options(
        parse_qsl("numerals=true&profanity_filter=true&replace=cat:dog&redact=ssn"),
        streaming=False,
    )
    out = format_words(words("the damn cat um ate twenty five fish"), options)
    assert spelled(out) == "the d*** dog ate 25 fish"
    plain = format_words(words("the damn cat um ate"), parse_listen_options([], streaming=False))
    assert spelled(plain) == "the damn cat ate"  # fillers leave by default, as at Deepgram
