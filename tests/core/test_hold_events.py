"""The `held` line: what `serve` prints for a breakpoint, read back by a control-API client."""

from __future__ import annotations

import json
import re

import pytest

from inspector.core.control import (
    AnswerHeld,
    CommandError,
    answer_command,
    command_from_json,
    command_to_json,
    held_answer,
)
from inspector.core.event_json import event_line
from inspector.core.event_read import event_from_line
from inspector.core.events import HoldStarted
from inspector.core.rules import Forward, Hold, HoldAnswer, Respond
from tests.factories import http_exchange

T = 1_800_000_000.25
PENDING = http_exchange(
    7,
    started=T - 0.5,
    client="127.0.0.1:5000",
    target="/hook?x=1",
    headers=(("Content-Type", "application/json"), ("dg-token", "t")),
    body=b'{"metadata":{"request_id":"r-1"}}',
    status=None,
    reply_headers=(),
    attempt=2,
    rule="look at it",
    held_until=T + 60.0,
)


@pytest.mark.parametrize(
    "proposal",
    [
        Respond(418, (("X-A", "1"), ("X-A", "2")), b"next \x1b[31m rule", 0.25),
        Forward(),
        Hold(5.0),
    ],
)
def test_a_held_line_reads_back_as_the_hold(proposal):
    held = HoldStarted(PENDING, "look at it", T, T + 60.0, proposal)
    line = json.loads(event_line(held))
    assert (line["event"], line["id"], line["rule"], line["timeout_s"]) == (
        "held",
        7,
        "look at it",
        60.0,
    )
    assert (line["method"], line["path"], line["status"], line["attempt"]) == (
        "POST",
        "/hook?x=1",
        None,
        2,
    )  # what is held, as its request line will show it
    back = event_from_line(line, {})
    assert back == held and back.exchange.request_id == "r-1"


@pytest.mark.parametrize(
    "answer",
    [Respond(418, (("X-By", "me"),), b"\x00\xffbinary"), HoldAnswer.NEXT_RULE, HoldAnswer.DROP],
)
def test_an_answer_to_a_held_request_crosses_the_control_api_unchanged(answer):
    text = json.dumps(command_to_json(answer_command(7, answer), 1))
    _, command = command_from_json(json.loads(text))
    assert held_answer(command) == answer


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (AnswerHeld(7, answer="later"), "must be one of 'reply', 'next rule', 'drop'"),
        (AnswerHeld(7, body="not base64!"), "must be base64"),
        (AnswerHeld(7, status=101), "interim status"),
        (AnswerHeld(7, headers=(("X", "a\r\nb"),)), "line break"),
    ],
)
def test_a_wrong_answer_is_refused_with_the_reason(command, says):
    with pytest.raises(CommandError, match=re.escape(says)):
        held_answer(command)
