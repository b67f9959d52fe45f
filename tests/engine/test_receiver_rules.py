"""The receiver deciding by the ordered rules: the rule that answered on each record, breakpoints
answered through `Engine.answer_held`, streaming messages counted one by one (issue 15 item 9)."""

from __future__ import annotations

import concurrent.futures
import http.client
import json

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from inspector.core.events import ExchangeAdded, ExchangeUpdated, HoldStarted
from inspector.core.records import ClosedBy
from inspector.core.rules import HoldAnswer, Respond
from inspector.core.rules_file import load_rules, rule_from_table
from tests.engine.test_receiver import _answered as _finished
from tests.engine.test_receiver import _http


def _send(url: str, path: str, body: bytes = b"{}"):
    return _http(url, "POST", path, body)


HOLD_THEN_418 = """
[[rule]]
name = "bp"
match = { path = "/held*" }
hold = true
[[rule]]
name = "teapot"
status = 418
"""


def _held(engine, log, path):
    """Send to `path` from a thread; the HoldStarted event once the request is held."""
    pool = concurrent.futures.ThreadPoolExecutor(1)
    reply = pool.submit(_send, engine.receiver_url, path)
    event = log.wait_for(lambda e: isinstance(e, HoldStarted))
    pending = log.wait_for(
        lambda e: isinstance(e, ExchangeAdded) and e.exchange.id == event.exchange_id
    ).exchange
    pool.shutdown(wait=False)
    return reply, event, pending


def test_a_held_request_waits_for_the_answer_given_in_the_window(start_engine):
    engine, log = start_engine(rules=load_rules(HOLD_THEN_418))
    reply, event, pending = _held(engine, log, "/held/1")
    assert event.rule == "bp" and event.proposal.status == 418  # what answers at the timeout
    assert pending.status is None and pending.held_until == event.deadline
    assert pending.rule == "bp"
    assert not reply.done()  # the sender waits too
    answer = Respond(202, (("X-Edited", "yes"),), b"edited")
    assert engine.answer_held(event.exchange_id, answer).result(10) is True
    assert reply.result(10) == (202, b"edited")
    x = _finished(log, "/held/1")
    assert (x.status, x.reply_body, x.rule) == (202, b"edited", "bp")
    assert ("X-Edited", "yes") in x.reply_headers and x.held_until is None
    assert "answered in the window" in x.note
    assert engine.answer_held(event.exchange_id, answer).result(10) is False  # not held now


def test_a_held_request_answered_as_the_next_rule_or_dropped(start_engine):
    engine, log = start_engine(rules=load_rules(HOLD_THEN_418))
    reply, event, _ = _held(engine, log, "/held/next")
    engine.answer_held(event.exchange_id, HoldAnswer.NEXT_RULE).result(10)
    assert reply.result(10)[0] == 418
    assert "as the next rule would (teapot)" in _finished(log, "/held/next").note

    log.events.clear()
    reply, event, _ = _held(engine, log, "/held/drop")
    engine.answer_held(event.exchange_id, HoldAnswer.DROP).result(10)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        reply.result(10)
    dropped = _finished(log, "/held/drop")
    assert dropped.status is None and "dropped" in dropped.note and dropped.rule == "bp"


def test_a_forward_rule_without_forwarding_says_so_with_502(start_engine):
    engine, log = start_engine(rules=load_rules('[[rule]]\nname = "app"\nforward = true\n'))
    status, body = _send(engine.receiver_url, "/cb")
    assert status == 502 and b"forwarding is not set up" in body
    x = _finished(log, "/cb")
    assert x.rule == "app" and "forwarding is not set up" in x.note


def test_the_forward_seam_answers_when_no_rule_does(start_engine):
    """Issue 13's forwarder behind the rules: a failing attempt answers first, then the app."""
    from aiohttp import web

    from inspector.core.forward import ForwardSettings
    from tests.forward_apps import HttpApp

    async def answer(_got):
        return web.Response(status=201, body=b"from the app")

    with HttpApp(answer) as app:
        engine, log = start_engine(rules=load_rules("[[rule]]\nfail_first = 1\nstatus = 503\n"))
        engine.set_forwarding(ForwardSettings(url=app.url))
        body = json.dumps({"metadata": {"request_id": "fwd-1"}}).encode()
        assert _send(engine.receiver_url, "/cb?n=1", body)[0] == 503
        assert _send(engine.receiver_url, "/cb?n=2", body) == (201, b"from the app")
        assert app.next_request().body == body
        assert app.requests.empty()  # the failing attempt never reached the app
    assert _finished(log, "/cb?n=1").rule == "#1"
    assert _finished(log, "/cb?n=2").rule is None  # no rule answered: the app did


def test_fail_first_fails_retries_of_a_streaming_message_not_other_messages(start_engine):
    """Issue 15 item 9: streaming results POSTed to an http callback share a request_id; each
    message's first POST is attempt 1, a repeat of it attempt 2."""
    engine, log = start_engine(rules=load_rules("[[rule]]\nfail_first = 1\nstatus = 503\n"))

    def message(start: float) -> bytes:
        return json.dumps(
            {
                "type": "Results",
                "channel_index": [0, 1],
                "start": start,
                "duration": 1.0,
                "is_final": True,
                "metadata": {"request_id": "stream-9"},
            }
        ).encode()

    sent = [message(0.0), message(1.0), message(2.0), message(1.0), message(1.0)]
    got = [_send(engine.receiver_url, f"/live?n={n}", b)[0] for n, b in enumerate(sent)]
    attempts = [_finished(log, f"/live?n={n}").attempt for n in range(len(sent))]
    assert attempts == [1, 1, 1, 2, 3]
    assert got == [503, 503, 503, 200, 200]


@pytest.mark.parametrize(
    ("table", "sends"),
    [
        ({"match": {"path": "/now*"}, "drop": True}, 0),  # right after the upgrade
        ({"match": {"path": "/later*"}, "drop": True, "close_after_messages": 2}, 2),
    ],
)
def test_a_drop_rule_aborts_the_socket_without_a_close_frame(start_engine, table, sends):
    """Issue 17 item 1: a WebSocket rule that drops (a TCP abort, as a crashed receiver)."""
    engine, log = start_engine(rules=(rule_from_table({"name": "crash", **table}),))
    path = table["match"]["path"].rstrip("*")
    with connect(engine.receiver_url.replace("http", "ws") + path) as ws:
        for n in range(sends):
            ws.send(f"m{n}")
        with pytest.raises(ConnectionClosed) as dropped:
            ws.recv(timeout=10)
    assert dropped.value.rcvd is None  # no close frame: the connection was aborted
    ended = log.wait_for(
        lambda e: isinstance(e, ExchangeUpdated) and e.exchange.ws_end is not None
    ).exchange
    assert (ended.ws_end.by, ended.rule, ended.ws_messages) == (ClosedBy.ABORT, "crash", sends)
