"""How an exchange is shown, decided once (core/exchange_display): the status table, "is this
an error", the group key and what a plain word looks in; the same decisions as SQL over a real
session file give the same answers, exchange by exchange."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest

from inspector.core.exchange_display import (
    GROUP_KEY_SQL,
    IS_ERROR,
    STATUS_TEXT,
    GroupSummary,
    Tone,
    group_key,
    group_text,
    group_tone,
    is_error,
    plain_word,
    status_text,
    status_tone,
)
from inspector.core.row_python import compile_python
from inspector.core.row_sql import to_sql
from inspector.core.ws_close_codes import close_code_name
from inspector.store.session_reader import SessionReader
from tests.exchange_set import varied_exchanges, write_session

STATUS_TEXT_SQL, _ = to_sql(STATUS_TEXT)  # the same decisions as SQL (no parameters)
IS_ERROR_SQL, _ = to_sql(IS_ERROR)


@pytest.fixture(scope="module")
def varied():
    return varied_exchanges()


@pytest.fixture(scope="module")
def stored(tmp_path_factory, varied):
    return write_session(tmp_path_factory.mktemp("display") / "s.cisession", varied)


def _by_path(xs, target):
    return next(x for x in xs if x.target == target)


def test_the_status_table_says_each_kind_of_status_with_a_symbol(varied):
    texts = {x.id: (status_text(x), status_tone(x), is_error(x)) for x in varied}
    assert texts[1] == ("503 ✗", Tone.FAIL, True)
    assert texts[3] == ("200 ✓", Tone.OK, False)
    assert (status_text(_by_path(varied, "/moved")), is_error(_by_path(varied, "/moved"))) == (
        "302 ↪",
        False,
    )
    assert status_text(_by_path(varied, "/slow")) == "pending …"
    assert status_tone(_by_path(varied, "/slow")) is Tone.PENDING
    ws = [x for x in varied if x.kind.value == "websocket"]
    assert [status_text(x) for x in ws] == [
        "101 open ⇄",
        "closed 1000 normal ✓",
        "closed 1011 internal error ✗",
        "closed",
        "closed 1006 abnormal ✗",
        "403 ✗",
        "pending …",
        "closed 1000 normal ✓",
    ]
    # A WebSocket that closed without a code is not an error: nothing says it failed.
    assert [is_error(x) for x in ws] == [False, False, True, False, True, True, False, False]
    assert status_tone(ws[3]) is Tone.NEUTRAL


def test_a_close_code_is_named_from_the_one_table_in_python_and_sql(tmp_path, varied):
    ws = next(x for x in varied if x.ws_end is not None and x.ws_end.code == 1011)
    codes = [999, 1000, 1001, 1005, 1011, 1015, 1016, 2999, 3000, 3999, 4000, 4999, 5000]
    xs = [replace(ws, id=i, ws_end=replace(ws.ws_end, code=c)) for i, c in enumerate(codes, 1)]
    for x, code in zip(xs, codes, strict=True):
        name = close_code_name(code)
        want = f"closed {code} {name} ✗" if name else f"closed {code} ✗"
        assert status_text(x) == (want if code != 1000 else "closed 1000 normal ✓")
    db = sqlite3.connect(write_session(tmp_path / "codes.cisession", xs))
    texts = [r[0] for r in db.execute(f"SELECT {STATUS_TEXT_SQL} FROM exchanges ORDER BY id")]
    db.close()
    assert texts == [status_text(x) for x in xs]


def test_groups_are_the_http_attempts_of_one_request_id(varied):
    keys = [group_key(x) for x in varied]
    assert keys[:3] == ["6732aa10-0000-4000-8000-00000000000a"] * 3
    assert group_key(_by_path(varied, "/CAFÉ/Ärger")) is None  # an empty request_id
    # A WebSocket carrying the same request_id is a row of its own.
    assert all(group_key(x) is None for x in varied if x.kind.value == "websocket")


def test_a_node_says_how_the_delivery_went(varied):
    first, second, third = varied[:3]
    assert group_text(GroupSummary(2, first, second)) == "2 attempts, failing"
    assert group_text(GroupSummary(3, first, third)) == "3 attempts, delivered"
    gave_up = GroupSummary(3, first, second, outcome="gave_up")
    assert group_text(gave_up) == "3 attempts, gave up" and group_tone(gave_up) is Tone.FAIL
    pending = replace(third, status=None)
    assert group_text(GroupSummary(1, pending, pending)) == "1 attempt, pending"
    assert group_text(GroupSummary(2, first, third, messages=True)) == "2 messages"


def test_status_text_error_and_group_key_are_the_same_in_sql(stored, varied):
    db = sqlite3.connect(stored)
    rows = db.execute(
        f"SELECT id, {STATUS_TEXT_SQL}, {IS_ERROR_SQL}, {GROUP_KEY_SQL} FROM exchanges ORDER BY id"
    ).fetchall()
    db.close()
    assert len(rows) == len(varied)
    for x, (xid, text, error, key) in zip(varied, rows, strict=True):
        assert xid == x.id
        assert (text, bool(error), key) == (status_text(x), is_error(x), group_key(x)), x.target


WORDS = [
    "/hook",  # a path
    "hook/put?x=1",  # into the query
    "put",  # a method (and paths)
    "503 ✗",  # status text
    "closed 1011",
    "pending",
    "101",  # a status number (an open WebSocket's)
    "ws websocket",
    "6732aa10",  # request_ids
    "50%_",  # LIKE's wildcards taken as text
    "5%_",
    "café",  # non-ASCII, Python's lower() in SQL too
    "ÄRGER".lower(),
    "nine o'clock",  # a transcript
    "o'clock at",
    "content-type: application/json",  # a header line, across name and value
    "type: app",
    " application",
    "dg-token: 5b0f",
    TOKEN_PREFIX := "5b0f5a3e",  # a dg-token value
    'say "hi"',  # a quote: never LIKE on the JSON text
    "\\there",  # a backslash in a header value
    "back\\slash",  # in a path
    "wert: grüße",  # a non-ASCII header line
    "x-ünïcode",
    "two",  # a duplicated header's second value
    "x-empty: ",
    "retry",
    "limit",
    "needle-in-body",  # bodies are `body:`, not plain words
    "no such text anywhere",
]


@pytest.mark.parametrize("word", WORDS)
def test_a_plain_word_finds_the_same_exchanges_live_and_stored(stored, varied, word):
    condition = plain_word(word)
    live = [x.id for x in varied if compile_python(condition)(x)]
    with SessionReader(stored) as reader:
        assert list(reader.ids(condition)) == live
    if word == TOKEN_PREFIX:
        assert len(live) > 10
    if word == "needle-in-body":
        assert live == []
