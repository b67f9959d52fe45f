"""What the user is told while writing a filter (core/filter_hints): the word being typed is
offered what it can become, and the help names every field."""

from __future__ import annotations

import pytest

from inspector.core.filter_expr import FIELDS, parse_filter
from inspector.core.filter_hints import complete, filter_help

COMPLETIONS = {
    "st": ["status:"],
    "status:5xx me": ["method:"],  # the word at the cursor, after others
    "-is:e": ["is:error"],  # after a negation
    "(pa": ["path:"],
    "has:dg": ["has:dg-token"],
    "token:": [],  # a field with no fixed values
    "is:": ["is:error", "is:ok", "is:redirect", "is:pending", "is:held", "is:open", "is:ws",
            "is:websocket", "is:http", "is:final", "is:retry"],
    "wx": [],
    "s": [],  # one letter says too little
    "ws": [],  # already whole
    'body:"st': [],  # inside quotes
}


@pytest.mark.parametrize("text", list(COMPLETIONS))
def test_the_word_being_typed_is_offered_what_it_can_become(text):
    offered = complete(text, len(text))
    assert list(offered.choices) == COMPLETIONS[text]
    for choice in offered.choices:  # each one, put in place of the word, parses or asks on
        done = text[: offered.start] + choice + text[offered.end :]
        assert parse_filter(done).ok or done.endswith(":")


def test_the_help_names_every_field_in_short_lines_that_never_split_an_example():
    text = filter_help(width=60)
    assert all(len(line) <= 60 for line in text.splitlines())
    examples = [line.split("  ") for line in text.splitlines()]
    for name in FIELDS:
        assert any(e.startswith(name + ":") for line in examples for e in line), name
