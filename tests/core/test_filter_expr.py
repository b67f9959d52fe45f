"""The filter language (core/filter_expr): what each form means, one expression tree that gives
the same rows live (Python) and through SQL on a real session file, and mistakes told in
words (with a "did you mean") instead of raised."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from inspector.core.filter_expr import parse_filter
from inspector.core.row_python import compile_python
from inspector.core.row_sql import SQL_FUNCTIONS, to_sql
from inspector.store.session_reader import SessionReader
from tests.exchange_set import varied_exchanges, write_session


@pytest.fixture(scope="module")
def varied():
    return varied_exchanges()


@pytest.fixture(scope="module")
def reader(tmp_path_factory, varied):
    path = write_session(tmp_path_factory.mktemp("filters") / "s.cisession", varied)
    with SessionReader(path) as reader:
        yield reader


# expression -> the ids it must select in `varied_exchanges()` (None: only that live == SQL)
TABLE: dict[str, list[int] | None] = {
    "status:503": [1, 2],
    "status:5xx": [1, 2, 9, 13],
    "status:>=400": [1, 2, 7, 9, 13, 15, 17, 18, 27],
    "status:<300": None,
    "status:200-299": None,
    "status:2xx -status:200": [5, 19],
    "method:PUT": [4, 5],
    "method:p*": None,
    "method:m-search": [9],
    "path:/hook*": [1, 2, 3, 4],
    "path:/hook": [1, 2, 3, 4],
    "path:*slash": [14],
    "path:/café*": [12],
    "path:50%_": [13],
    "path:/p/50?_x": [13],
    "path:/hook/[ot]*": [1, 2, 3],  # a set, as in rules files: Python decides in SQL too
    "path:/p/50%\\_x*": [13],  # an escaped character in a glob is itself
    "path:/hook/put": [4],  # the path has no query
    "request_id:6732": [1, 2, 3, 29],
    "request_id:c0ffee*": [5],
    "attempt:>1": [2, 3],
    "attempt:1-2": None,
    "attempt:3": [3],
    "has:dg-token": None,
    "-has:dg-token": [7, 19, 22, 23, 24, 25, 26, 27, 28, 29, 30],
    "has:x-quote": [15],
    "has:body": None,
    "has:transcript": [1, 2, 3, 4, 5, 20, 21],
    "has:request_id": None,
    "header:content-type=application/json": None,
    "header:content-type=*charset*": [15],
    "header:x-dup=[ot]wo": [19],  # a set: no literal run ("ot") to look for first
    "header:x-dup=two": [19],
    "header:x-ünïcode=grüße": [15],
    'header:"x-quote=say \\"hi\\"*"': [15],  # quotes inside a quoted value
    "header:X-EMPTY": [19],
    "ws": [22, 23, 24, 25, 26, 27, 28, 29],
    "-ws": None,
    "body:needle": [15, 16, 17],  # NUL bytes and invalid UTF-8 before it
    'body:"needle after nul"': [16],
    "body:metadata": None,
    "transcript:\"nine o'clock\"": [1, 2, 3],
    "transcript:café": [5],
    "note:limit": [18],
    "is:error": [1, 2, 7, 9, 13, 15, 17, 18, 24, 26, 27],
    "is:ok": None,
    "is:redirect": [6],
    "is:pending": [8, 28],
    "is:held": [],  # none in a file: a stored exchange waits for no one (live: test below)
    "is:open": [22],
    "is:final": [21],
    "is:retry": [2, 3],
    "is:http -is:error": None,
    "code:1011": [24],
    "code:>1000": [24, 26],
    "size:>1kb": [18],
    "size:0": [9, 10, 11, 22, 23, 24, 25, 26, 27, 28, 30],
    "dg-token:5b0f*": None,
    "token:dead": [15],
    'rule:"slow PUT"': [4],
    "rule:first*": [1, 2],  # a glob over the whole name
    "rule:ATTEMPTS": [1, 2],  # contains, ignoring case
    "rule:schlüssel": [15],
    "rule:#1": [26],  # the first rule of the list, not the 13th
    "rule:#13": [27],
    "has:rule": [1, 2, 4, 15, 24, 26, 27],
    "-has:rule is:error": [7, 9, 13, 17, 18],
    '"attempts fail"': [1, 2],  # a plain word finds the rule too
    "status:503 OR method:PUT": [1, 2, 4, 5],
    "(status:503 OR method:PUT) -attempt:2": [1, 4, 5],
    "-(ws OR status:2xx)": [1, 2, 6, 7, 8, 9, 10, 11, 13, 15, 17, 18],
    "status:503 AND attempt:1": [1],
    "hook put": [4],
    "\"o'clock at\"": [1, 2, 3],
    "café": [5, 12],
    "ws closed": [23, 24, 25, 26, 29],
    "is:error ws": [24, 26, 27],
    "header:content-type=application/json -path:/hook*": None,
    "-is:error -ws -has:body": None,
    '"content-type: application/json" status:200': None,
}


def test_the_table_is_big_and_tells_the_exchanges_apart(varied):
    assert len(TABLE) >= 40
    answers = {tuple(x.id for x in varied if compile_python(parse_filter(e).condition)(x))
               for e in TABLE}  # fmt: skip
    assert len(answers) > 40


@pytest.mark.parametrize("expression", list(TABLE))
def test_an_expression_selects_the_same_exchanges_live_and_stored(reader, varied, expression):
    parsed = parse_filter(expression)
    assert parsed.ok, parsed.error
    condition = parsed.condition
    assert condition is not None
    live = [x.id for x in varied if compile_python(condition)(x)]
    assert list(reader.ids(condition)) == live
    expected = TABLE[expression]
    if expected is not None:
        assert live == expected
    else:
        assert 0 < len(live) < len(varied)  # not trivially everything or nothing


def test_without_sqlites_json_functions_the_sql_gives_the_same_rows(reader, varied):
    # A SQLite built without JSON1 gets Python's reading of the headers instead.
    db = sqlite3.connect(reader.path)
    for name, (nargs, function) in SQL_FUNCTIONS.items():
        db.create_function(name, nargs, function, deterministic=True)
    try:
        for expression in [e for e in TABLE if "header:" in e]:
            condition = parse_filter(expression).condition
            assert condition is not None
            sql, params = to_sql(condition, json1=False)
            assert "json_" not in sql
            rows = db.execute(f"SELECT id FROM exchanges WHERE {sql} ORDER BY id", params)
            assert [r[0] for r in rows] == list(reader.ids(condition)), expression
    finally:
        db.close()


def test_grouped_the_same_rows_are_listed_under_the_same_nodes(reader, varied):
    condition = parse_filter("status:503 OR transcript:hello").condition
    groups = reader.groups(condition)
    listed = [list(groups.members[groups.starts[g] : groups.starts[g + 1]])
              for g in range(len(groups))]  # fmt: skip
    assert listed == [[1, 2], [20, 21]]
    assert list(groups.sizes) == [3, 2] and list(groups.messages) == [0, 1]


def test_is_held_finds_the_requests_waiting_at_a_breakpoint(varied):
    matches = compile_python(parse_filter("is:held rule:hold*").condition)
    waiting = replace(varied[0], status=None, finished=None, held_until=1e10, rule="hold all")
    answered = replace(waiting, status=418, finished=1.0)  # the user answered: no longer held
    assert [matches(x) for x in (waiting, answered, varied[0])] == [True, False, False]


MISTAKES = {
    "stauts:503": "unknown field `stauts`: did you mean `status`?",
    "is:eror": "did you mean `is:error`?",
    "hedaer:x=1": "did you mean `header`?",
    "status:": "`status:` needs a value, e.g. status:5xx",
    "status:abc": "`abc` is not a status",
    "attempt:>x": "`>x` is not a attempt",
    "(status:200": "a `(` without its `)`",
    "status:200)": "a `)` without its `(`",
    "()": "nothing between `(` and `)`",
    "status:200 OR": "`OR` needs something on both sides",
    "OR ws": "`OR` needs something on both sides",
    "-": "`-` needs what to leave out",
    'body:"one two': "a quote is not closed",
    "header:=x": "name the header",
    "path:/hook[": "is never closed",
    "http://example.com": 'put it in quotes',
    "~c 503": "`~c` is mitmproxy's filter language: here it is `status:503`",
    'is:error ~b "one two"': 'here it is `body:"one two"`',
    "~websocket": "here it is `ws`",
    "(" * 100 + "ws" + ")" * 100: "nested more than 64 deep",
}


@pytest.mark.parametrize("text", list(MISTAKES))
def test_a_mistake_is_said_in_words_and_never_raised(text):
    parsed = parse_filter(text)
    assert not parsed.ok and parsed.condition is None
    assert MISTAKES[text] in (parsed.error or "")


def test_an_empty_filter_shows_everything_and_a_phrase_keeps_its_spaces():
    assert parse_filter("").condition is None and parse_filter("   ").ok
    phrase = parse_filter('"retry storm" /cb').condition
    assert phrase is not None and "retry storm" in repr(phrase)
    assert parse_filter('"~c" ~x').ok  # quoted, or not one of mitmproxy's: plain words
    # Field names and keywords ignore case; OR and AND are operators only in capitals.
    assert parse_filter("STATUS:503").condition == parse_filter("status:503").condition
    assert parse_filter("a or b").condition == parse_filter("a or AND b").condition

