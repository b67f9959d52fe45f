"""Structural diff of two exchanges: fields, headers (order-aware), JSON paths, text lines."""

from __future__ import annotations

from dataclasses import replace

from inspector.core.body_view import view_body
from inspector.store.diff import (
    BodyKind,
    Change,
    HeaderDiff,
    JsonDiff,
    diff_bodies,
    diff_exchanges,
    diff_headers,
    diff_json,
)
from tests.factories import BINARY, deepgram_result, http_exchange


def _result(request_id: str, transcript: str, words: list[str]) -> bytes:
    return deepgram_result(
        request_id, transcript, metadata={"duration": 1.5}, alternative={"words": words}
    )


def test_attempt_1_against_attempt_4_shows_what_changed():
    first = http_exchange(1, body=_result("r1", "hello", ["hello"]), attempt=1, status=500)
    body = _result("r2", "hello world", ["hello", "world"])
    fourth = replace(
        http_exchange(4, body=body, attempt=4, status=200),
        headers=(
            ("Host", "127.0.0.1:8080"),
            ("Content-Type", "application/json"),
            ("dg-token", "other"),
            ("X-Dup", "one"),
            ("X-Retry", "3"),
            ("Content-Length", str(len(body))),
        ),
    )
    d = diff_exchanges(first, fourth)
    assert {(f.name, f.old, f.new) for f in d.fields} >= {
        ("attempt", 1, 4),
        ("status", 500, 200),
        ("request_id", "r1", "r2"),
    }
    changes = {(c.change, c.name) for c in d.headers.changes}
    assert (Change.CHANGED, "dg-token") in changes
    assert (Change.REMOVED, "X-Dup") in changes  # the second X-Dup
    assert (Change.ADDED, "X-Retry") in changes
    assert d.body.kind is BodyKind.JSON
    assert [(j.change, j.path, j.old, j.new) for j in d.body.json] == [
        (Change.CHANGED, "metadata.request_id", "r1", "r2"),
        (Change.CHANGED, "results.channels[0].alternatives[0].transcript", "hello", "hello world"),
        (Change.ADDED, "results.channels[0].alternatives[0].words[1]", None, "world"),
    ]
    assert not d.same


def test_same_exchange_is_same():
    x = http_exchange(1)
    assert diff_exchanges(x, replace(x, id=2)).same


def test_headers_duplicates_and_order():
    a = (("A", "1"), ("B", "2"), ("B", "3"))
    b = (("b", "2"), ("A", "1"), ("B", "4"), ("C", ""))
    d = diff_headers(a, b)
    assert d.changes == (
        HeaderDiff(Change.CHANGED, "B", "3", "4"),
        HeaderDiff(Change.ADDED, "C", None, ""),
    )
    assert d.order_changed
    assert not diff_headers(a, a).order_changed and diff_headers(a, a).changes == ()


def test_json_paths_types_and_odd_keys():
    assert diff_json({"a.b": 1, "x": [1, 2]}, {"a.b": 1.0, "x": [1]}) == [
        JsonDiff(Change.CHANGED, '["a.b"]', 1, 1.0),
        JsonDiff(Change.REMOVED, "x[1]", old=2),
    ]
    assert diff_json([1], {"a": 1}) == [JsonDiff(Change.CHANGED, "", [1], {"a": 1})]
    assert diff_json(True, 1) == [JsonDiff(Change.CHANGED, "", True, 1)]


def test_text_bodies_get_a_line_diff_and_binary_only_a_verdict():
    text = diff_bodies(b"one\ntwo\nthree\n", b"one\n2\nthree\n")
    assert text.kind is BodyKind.TEXT
    assert "-two" in text.text and "+2" in text.text
    binary = diff_bodies(BINARY, BINARY[:-1])
    assert (binary.kind, binary.old_size, binary.new_size) == (
        BodyKind.BINARY,
        len(BINARY),
        len(BINARY) - 1,
    )
    assert diff_bodies(b"x", b"x").kind is BodyKind.SAME
    x = http_exchange(1, body=b"not json")
    assert diff_exchanges(x, replace(x, body=b"{}", view=view_body(b"{}"))).body.kind is (
        BodyKind.TEXT
    )
