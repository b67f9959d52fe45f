"""The rule model (issue 17 item 1): ordered rules, first enabled match wins, 200 when none."""

from __future__ import annotations

import json

import pytest

from inspector.core.attempts import AttemptCounter, attempt_key
from inspector.core.body_view import view_body
from inspector.core.rules import (
    ACCEPT,
    OK,
    CloseSocket,
    Decision,
    Forward,
    Hold,
    Request,
    Respond,
    active_count,
    decide,
)
from inspector.core.rules_file import rule_from_table

RESULT = {
    "metadata": {"request_id": "6732-aaaa", "extra": {"callback.secret": "s3"}},
    "results": {
        "channels": [
            {"alternatives": [{"transcript": "one two three", "confidence": 0.9}]},
            {"alternatives": [{"transcript": "It is nine O'Clock", "confidence": 0.8}]},
        ]
    },
}
STREAM = {
    "type": "Results",
    "channel_index": [0, 1],
    "start": 1.5,
    "duration": 1.0,
    "is_final": True,
    "channel": {"alternatives": [{"transcript": "hello there", "confidence": 0.9}]},
    "metadata": {"request_id": "live-1"},
}


def req(
    method: str = "POST",
    target: str = "/hook",
    body: object = RESULT,
    headers: tuple[tuple[str, str], ...] = (),
    attempt: int = 1,
    websocket: bool = False,
) -> Request:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Request(
        method, target, headers, raw, view_body(raw), websocket=websocket, attempt=attempt
    )


def rules(*tables: dict) -> tuple:
    return tuple(rule_from_table(t) for t in tables)


def status(rs: tuple, r: Request) -> int:
    action = decide(rs, r).action
    assert isinstance(action, Respond), action
    return action.status


def test_no_rules_answer_200_and_accept_websockets():
    assert decide((), req()) == Decision(OK)
    assert decide((), req(method="GET", websocket=True)) == Decision(ACCEPT)
    assert decide((), req(), forwarding=True).action == Forward()


def test_first_enabled_match_wins_in_order():
    rs = rules(
        {"name": "put", "match": {"method": "PUT"}, "status": 404},
        {"name": "hooks", "match": {"path": "/hook*"}, "status": 500},
        {"name": "all", "status": 418},
    )
    assert decide(rs, req("PUT", "/hook")).rule == "put"  # the first of two matches
    assert status(rs, req("POST", "/hook/a")) == 500
    assert status(rs, req("POST", "/other")) == 418
    reordered = (rs[1], rs[0], rs[2])
    assert decide(reordered, req("PUT", "/hook")).rule == "hooks"


def test_disabled_rules_are_skipped_and_not_counted_active():
    rs = rules({"status": 500, "enabled": False}, {"status": 503})
    assert status(rs, req()) == 503
    assert decide(rs, req()).rule == "#2"  # unnamed rules are labelled by position
    assert active_count(rs) == 1
    assert decide(rules({"status": 500, "enabled": False}), req()).rule is None


@pytest.mark.parametrize(
    ("match", "hit", "miss"),
    [
        ({"method": "put"}, req("PUT"), req("POST")),
        ({"method": ["PUT", "PATCH"]}, req("PATCH"), req("POST")),
        ({"path": "/hook*"}, req(target="/hook/deep/x?a=1"), req(target="/other/hook")),
        ({"path": "/v[12]/cb"}, req(target="/v2/cb"), req(target="/v3/cb")),
        ({"query": {"job": "4*"}}, req(target="/cb?x=1&job=42"), req(target="/cb?job=5")),
        ({"query": {"flag": ""}}, req(target="/cb?flag="), req(target="/cb")),
        (
            {"header": {"dg-token": "00000000-*"}},
            req(headers=(("DG-Token", "00000000-1234"),)),
            req(headers=(("dg-token", "11111111-1234"),)),
        ),
        (
            {"dg_token": "abc"},
            req(headers=(("x", "1"), ("dg-token", "zzz"), ("dg-token", "abc"))),  # any value
            req(),
        ),
        ({"body": {"metadata.request_id": "6732-aaaa"}}, req(), req(body=STREAM)),
        ({"request_id": "6732*"}, req(), req(body=STREAM)),
        ({"body_contains": {"metadata.request_id": "32-a"}}, req(), req(body=STREAM)),
        ({"streaming": True}, req(body=STREAM), req()),
        ({"streaming": False}, req(), req(body=STREAM)),
        ({"transcript": "NINE o'clock"}, req(), req(body=STREAM)),  # any channel, any case
        ({"transcript": "hello"}, req(body=STREAM), req()),
        ({"attempt": 2}, req(attempt=2), req(attempt=3)),
        ({"attempt": "2-3"}, req(attempt=3), req(attempt=4)),
        ({"attempt": "3-"}, req(attempt=30), req(attempt=2)),
        ({"attempt": ">1"}, req(attempt=2), req(attempt=1)),
        ({"attempt": "<=2"}, req(attempt=2), req(attempt=3)),
        ({"method": "POST", "path": "/hook"}, req(), req("POST", "/hooky")),
    ],
)
def test_each_kind_of_match(match, hit, miss):
    rs = rules({"match": match, "status": 503})
    assert status(rs, hit) == 503
    assert status(rs, miss) == 200


@pytest.mark.parametrize(
    ("path", "value", "contains", "hit"),
    [
        ("results.channels[1].alternatives[0].transcript", "It is nine O'Clock", False, True),
        ("results.channels[-1].alternatives[0].confidence", 0.8, False, True),
        ("results.channels[*].alternatives[*].transcript", "one two three", False, True),
        ("results.channels[*].alternatives[0].transcript", "three", True, True),
        ("results.channels[2].alternatives[0].transcript", "one two three", False, False),
        ('metadata.extra["callback.secret"]', "s3", False, True),
        ("metadata.extra.callback.secret", "s3", False, False),  # a dotted key needs quotes
        ("results.channels[0].alternatives[0].confidence", "0.9", False, False),  # typed
        ("results.channels", "one two three", True, False),  # an array holds no such element
    ],
)
def test_json_path_matches_reach_into_arrays(path, value, contains, hit):
    key = "body_contains" if contains else "body"
    rs = rules({"match": {key: {path: value}}, "status": 503})
    assert status(rs, req()) == (503 if hit else 200)


def test_body_matches_never_raise_on_bodies_that_are_not_json():
    rs = rules({"match": {"body": {"a.b": 1}, "transcript": "x"}, "status": 503})
    for body in (b"", b"\xff\xfe", b"[1, 2]", b'"text"', b"{", b"null"):
        assert status(rs, req(body=body)) == 200


def test_fail_first_per_request_id_then_the_next_rule():
    rs = rules(
        {"name": "fail", "fail_first": 2, "status": 503},
        {"name": "slow", "status": 202, "delay_ms": 10},
    )
    counter = AttemptCounter()

    def attempt(rid: str) -> Decision:
        r = req(body={"metadata": {"request_id": rid}})
        r.attempt = counter.next_attempt(attempt_key("POST", "/hook", r.view.request_id))
        return decide(rs, r)

    a = [attempt("job-a") for _ in range(3)]
    b = attempt("job-b")  # another callback starts at attempt 1
    assert [(d.rule, d.action.status) for d in a] == [("fail", 503), ("fail", 503), ("slow", 202)]
    assert (b.rule, b.action.status) == ("fail", 503)
    assert b"rule fail answered 503 (attempt 1)" in a[0].action.body  # it says who answered


def test_fail_first_passes_to_the_default_when_no_rule_follows():
    rs = rules({"fail_first": 1})
    assert status(rs, req(attempt=1)) == 500  # the default failing status
    assert decide(rs, req(attempt=2)) == Decision(OK)


def test_forward_seam_failing_attempts_and_reply_rules_answer_before_the_app():
    rs = rules({"fail_first": 1, "status": 503}, {"match": {"method": "PUT"}, "status": 201})
    assert status(rs, req(attempt=1)) == 503  # before forwarding
    assert decide(rs, req(attempt=2), forwarding=True).action == Forward()
    assert status(rs + rules({"forward": True}), req("PUT", attempt=2)) == 201
    assert decide(rules({"forward": True}), req()) == Decision(Forward(), "#1")


def test_hold_carries_what_the_next_rules_would_give():
    rs = rules({"name": "bp", "hold": True, "hold_timeout": 5}, {"status": 418})
    d = decide(rs, req())
    assert d.action == Hold(5.0) and d.rule == "bp"
    assert d.next is not None and d.next.action.status == 418 and d.next.rule == "#2"
    assert decide(rules({"hold": True}), req()).next == Decision(OK)


def test_rules_apply_to_http_or_websockets_by_their_action():
    rs = rules(
        {"status": 503},  # an HTTP reply: never refuses an upgrade by accident
        {"close_after_messages": 3, "close_code": 1011},
    )
    ws = req("GET", "/ws", body=b"", websocket=True)
    assert decide(rs, ws) == Decision(CloseSocket(3, None, 1011), "#2")
    assert status(rs, req()) == 503
    refuse = rules({"match": {"websocket": True, "path": "/ws*"}, "status": 403})
    assert status(refuse, ws) == 403
    assert decide(refuse, req("GET", "/ws")) == Decision(OK)  # a plain GET is not refused
    hold_ws = rules({"hold": True}, {"fail_first": 3})
    assert decide(hold_ws, ws) == Decision(ACCEPT)  # both are about HTTP requests
