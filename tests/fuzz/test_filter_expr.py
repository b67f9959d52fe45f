"""Fuzz the filter language: any text parses to a condition or a message, never an exception;
and whatever condition comes out runs live and as SQL on a real session file, with the same
rows either way."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspector.core.filter_expr import FIELDS, parse_filter
from inspector.core.row_python import compile_python
from inspector.store.session_reader import SessionReader
from tests.exchange_set import varied_exchanges, write_session
from tests.fuzz.strategies import FUZZ, hostile_text

_VARIED = varied_exchanges()

# Pieces of filters as people type them (and mistype them), joined in any order.
_piece = st.one_of(
    st.sampled_from(
        [
            *(f"{name}:" for name in FIELDS),
            "ws",
            "OR",
            "AND",
            "-",
            "(",
            ")",
            '"',
            " ",
            "*",
            "?",
            "=",
            ">",
            ">=",
            "<",
            "5xx",
            "503",
            "1-3",
            "200",
            "0",
            "1kb",
            "error",
            "open",
            "dg-token",
            "content-type=json",
            "/hook",
            "é",
            "ÄRGER",
            "ß",
            "✓",
            "%",
            "_",
            "\\",
            "stauts:",
            "x:",
            "x-dup=",  # a header with two values (one in capitals)
            "[ot]",  # glob sets, as in rules files
            "[!a-c]",
            "[",
            "]",
            "#1",  # a rule by its place
            "~c",  # mitmproxy's filters, said in ours
            "~websocket",
        ]
    ),
    st.text(st.sampled_from('abcpost/:*?-"()= 0159éü%_'), max_size=6),
)
_filter_text = st.lists(_piece, max_size=12).map("".join)


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    path = write_session(tmp_path_factory.mktemp("fuzz-filters") / "s.cisession", _VARIED)
    with SessionReader(path) as reader:
        yield reader


@FUZZ
@given(
    st.one_of(hostile_text, st.builds("{}:{}".format, st.sampled_from(list(FIELDS)), hostile_text))
)
def test_any_text_parses_or_says_why_and_what_parses_runs(reader, text: str) -> None:
    parsed = parse_filter(text)
    assert parsed.error is None or (parsed.error.strip() and parsed.condition is None)
    if parsed.condition is not None:
        live = [x.id for x in _VARIED if compile_python(parsed.condition)(x)]
        assert list(reader.ids(parsed.condition)) == live


@FUZZ
@given(_filter_text)
def test_what_parses_runs_live_and_as_sql_with_the_same_rows(reader, text: str) -> None:
    parsed = parse_filter(text)
    if parsed.condition is None:
        return
    live = [x.id for x in _VARIED if compile_python(parsed.condition)(x)]
    assert list(reader.ids(parsed.condition)) == live
