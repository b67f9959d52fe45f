"""The rules file and the one rule constructor (issue 17 item 2)."""

from __future__ import annotations

import string
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.core.glob import Glob, GlobError
from inspector.core.json_path import JsonPath, JsonPathError
from inspector.core.rules import CloseSocket, FailFirst, Hold, Respond
from inspector.core.rules_file import (
    RuleError,
    RulesFileError,
    dump_rules,
    load_rules,
    quick_tables,
    rule_from_table,
    rule_to_table,
)

ISSUE_FILE = (Path(__file__).parents[2] / "examples" / "rules.toml").read_text()


def test_the_issue_file_reads_as_four_typed_rules():
    rules = load_rules(ISSUE_FILE, "rules.toml")
    assert [r.name for r in rules] == [
        "first two attempts fail",
        "slow PUT",
        "short streams",
        "unknown key",
    ]
    assert rules[0].action == FailFirst(2, Respond(503))
    assert rules[0].match.methods == ("POST",) and rules[0].match.path == Glob.parse("/hook*")
    assert rules[1].action == Respond(200, delay=1.5)
    assert rules[2].action == CloseSocket(after_messages=3, code=1011)
    assert rules[2].for_websockets and not rules[3].for_websockets
    assert rules[3].action == Respond(403, body=b"unknown key")


def test_dump_reads_back_to_the_same_rules():
    rules = load_rules(ISSUE_FILE)
    more = load_rules(
        """
[[rule]]
enabled = false
headers = [["X-Twice", "1"], ["x-twice", "2"]]
status = 302
[rule.match]
query = { job = "4*" }
body = { "results.channels[0].alternatives[0].transcript" = "a \\"b\\"\\n" }
attempt = "2-"
[[rule]]
hold = true
hold_timeout = 2.5
[rule.match]
body_contains = { "metadata.tags" = "ci" }
streaming = true
request_id = "r-*"
transcript = "nine"
[[rule]]
match = { websocket = true }
drop = true
close_after_seconds = 0.25
[[rule]]
forward = true
"""
    )
    for rs in (rules, more, rules + more):
        assert load_rules(dump_rules(rs)) == rs
        assert tuple(rule_from_table(rule_to_table(r)) for r in rs) == rs
    assert more[1].action == Hold(2.5)


def _error(text: str) -> RulesFileError:
    with pytest.raises(RulesFileError) as caught:
        load_rules(text, "rules.toml")
    return caught.value


@pytest.mark.parametrize(
    ("text", "line", "key", "says"),
    [
        ("[[rule]]\nstatus 503\n", 2, "status", "not valid TOML"),  # TOML syntax
        ('[[rule]]\nname = "x"\nstauts = 503\n', 3, "stauts", "did you mean `status`"),
        ("[[rule]]\nstatus = 503\n\n[[rule]]\nstatus = 700\n", 5, "status", "out of range"),
        ("[[rule]]\nstatus = 99\n", 2, "status", "out of range"),
        ('[[rule]]\nmatch = { path = "/hook[" }\n', 2, "match.path", "never closed"),
        ('[[rule]]\nmatch = { path = "hook*" }\n', 2, "match.path", "starts with /"),
        (
            '[[rule]]\nmatch = { body = { "results..x" = 1 } }\n',
            2,
            'match.body."results..x"',
            "name is missing",
        ),
        ('[[rule]]\nmatch = { body = { "a[x]" = 1 } }\n', 2, 'match.body."a[x]"', "not an index"),
        ('[[rule]]\nmatch = { methd = "PUT" }\n', 2, "match.methd", "did you mean `method`"),
        ("[[rule]]\nfail_first = 2\nstatus = 200\n", 3, "status", "2xx"),
        ("[[rule]]\nfail_first = 2\nhold = true\n", 3, "hold", "one action"),
        ("[[rule]]\nclose_code = 1006\nclose_after_messages = 1\n", 2, "close_code", "never"),
        ('[[rule]]\nheaders = { "X-A" = "1\\r\\nX-B: 2" }\n', 2, "headers.X-A", "line break"),
        ("[[rule]]\nstatus = true\n", 2, "status", "whole number"),
        ('[[rule]]\nmatch = { attempt = "0-2" }\n', 2, "match.attempt", "no attempt"),
        ("[[rule]]\nhold_timeout = 3\n", 2, "hold_timeout", "hold = true"),
        ("[rule]\nstatus = 503\n", 1, "rule", "[[rule]]"),
        ("title = 'x'\n", 1, "title", "unknown top-level key"),
    ],
)
def test_a_malformed_file_names_file_line_and_key(text, line, key, says):
    error = _error(text)
    assert (error.source, error.line, error.key) == ("rules.toml", line, key)
    assert says in str(error)
    assert str(error).startswith(f"rules.toml:{line}: {key}: ")


def test_multi_line_match_tables_point_at_the_key_line():
    error = _error('[[rule]]\nname = "a"\n\n[rule.match]\nmethod = "GET"\npath = "x"\n')
    assert (error.line, error.key) == (6, "match.path")
    assert "in rule 1 ('a')" in str(error)


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"close_after_messages": 2, "status": 503}, "status"),
        ({"forward": True, "status": 200}, "status"),
        ({"match": {"websocket": False}, "close_after_messages": 1}, "close_after_messages"),
        ({"match": {"websocket": True}, "fail_first": 1}, "fail_first"),
        ({"match": {"websocket": True}, "hold": True}, "hold"),
        ({"match": {"websocket": True}, "status": 101}, "status"),
        ({"close_reason": "x" * 124, "close_after_seconds": 1}, "close_reason"),
        ({"delay_ms": -1}, "delay_ms"),
        ({"delay_ms": float("nan")}, "delay_ms"),
        ({"match": {"method": []}}, "match.method"),
        ({"match": {"header": {"bad name": "x"}}}, "match.header.bad name"),
        ({"headers": "X: 1"}, "headers"),
        ({"close_code": 1011}, "close_code"),
        ({"fail_first": 0, "status": 503}, "fail_first"),  # not "503 to every attempt"
    ],
)
def test_contradictions_are_refused_naming_the_key(table, key):
    with pytest.raises(RuleError) as caught:
        rule_from_table(table)
    assert caught.value.key == key


def test_quick_choices_make_the_shorthand_one_rule_lists():
    def made(**choices):
        return [rule_from_table(t) for t in quick_tables(**choices)]

    assert made() == []
    assert made(fail_first=2, status=503) == [rule_from_table({"fail_first": 2, "status": 503})]
    assert made(fail_first=2)[0].action == FailFirst(2, Respond(500))
    slow = made(fail_first=1, delay_ms=300)  # the passing attempts are delayed as well
    assert [r.action for r in slow][1] == Respond(200, delay=0.3)
    only = made(status=500, method="PUT", path_prefix="/a*b")[0]
    assert only.match.path == Glob.parse("/a\\*b*") and only.match.methods == ("PUT",)
    ws = made(ws_close_after=2, ws_close_code=1011, ws_close_reason="bye")
    assert [r.action for r in ws] == [CloseSocket(2, None, 1011, "bye")]
    assert made(ws_refuse=403)[0].for_websockets


# -- globs and JSON paths ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "text", "hit"),
    [
        ("/hook*", "/hook/a/b", True),
        ("/hook*", "/hoo", False),
        ("/a?c", "/abc", True),
        ("/[!x]y", "/ay", True),
        ("/[!x]y", "/xy", False),
        ("/[]]", "/]", True),
        ("/\\*", "/*", True),
        ("/\\*", "/a", False),
        ("00000000-*", "00000000-1", True),
        ("/a.b", "/axb", False),  # regex characters are literal
    ],
)
def test_globs(pattern, text, hit):
    assert Glob.parse(pattern).matches(text) is hit


@pytest.mark.parametrize("bad", ["/a[", "/a[!", "/a\\", "[]"])
def test_bad_globs_are_errors(bad):
    with pytest.raises(GlobError):
        Glob.parse(bad)


@pytest.mark.parametrize("bad", ["", ".a", "a.", "a..b", "a[", "a[1", "a[x]", "a b", 'a["x]'])
def test_bad_json_paths_are_errors(bad):
    with pytest.raises(JsonPathError):
        JsonPath.parse(bad)


def test_json_paths_find_every_value():
    data = {"a": [{"b": 1}, {"b": 2}, {"c": 3}], "d.e": {"f": None}}
    assert JsonPath.parse("a[*].b").find(data) == [1, 2]
    assert JsonPath.parse("a[-1].c").find(data) == [3]
    assert JsonPath.parse('["d.e"].f').find(data) == [None]
    assert JsonPath.parse('["*"]').find({"*": 1, "x": 2}) == [1]  # a quoted * is a plain key
    assert JsonPath.parse("a[9].b").find(data) == [] and JsonPath.parse("a.b").find(data) == []


# -- nothing but a RulesFileError, whatever the text ---------------------------------------------
_keys = st.sampled_from(
    [
        "status",
        "fail_first",
        "match",
        "headers",
        "body",
        "delay_ms",
        "hold",
        "hold_timeout",
        "close_after_messages",
        "close_code",
        "drop",
        "forward",
        "name",
        "enabled",
        "x",
    ]
)
_values = st.recursive(
    st.none().map(lambda _: "")
    | st.booleans()
    | st.integers(-10, 10**6)
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=5))
def test_random_tables_give_a_rule_or_a_rule_error(table):
    try:
        rule = rule_from_table(table)
    except RuleError:
        return
    assert rule_from_table(rule_to_table(rule)) == rule


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=string.printable + "[]{}=\"'é", max_size=120))
def test_random_text_gives_rules_or_a_rules_file_error(text):
    try:
        rules = load_rules(text)
    except RulesFileError as exc:
        assert str(exc)
        return
    assert load_rules(dump_rules(rules)) == rules
    tomllib.loads(dump_rules(rules))


def test_the_readme_example_is_a_valid_rules_file():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = readme.split("## Reply rules", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    rules = load_rules(block, "README.md")
    assert [type(r.action) for r in rules] == [FailFirst, Respond, CloseSocket, Hold]
