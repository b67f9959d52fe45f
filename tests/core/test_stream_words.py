"""A live stream's words so far (core/stream_words.py): finals in order, then the interim."""

from __future__ import annotations

import json

from inspector.core.stream_words import StreamWords
from tests.factories import stream_result


def _result(words: str, final: bool) -> bytes:
    return stream_result("live-1", words, final)


def test_finals_add_up_and_the_latest_interim_follows_until_its_final():
    words = StreamWords()
    assert words.add(_result("one", False)) and words.text == "one"
    assert words.add(_result("one two", False)) and words.text == "one two"
    assert words.add(_result("one two three", True)) and words.text == "one two three"
    assert not words.add(json.dumps({"type": "UtteranceEnd"}).encode())
    assert not words.add(b"\xff not json")
    assert words.add(_result("four", False)) and words.text == "one two three four"
    assert words.add(_result("", True)) and words.text == "one two three"  # a silent final
    assert words.finals == ["one two three"] and words.interim == ""
