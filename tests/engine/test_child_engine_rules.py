"""Reply rules and breakpoints through the control API: the window's child engine (the real
`serve --control-stdio`) starts with the window's rules, takes new ones, and is told how to
answer a held request."""

from __future__ import annotations

import concurrent.futures

import pytest

from inspector.core.control import AnswerHeld
from inspector.core.events import ExchangeAdded, ExchangeUpdated, HoldStarted
from inspector.core.rules import Respond
from inspector.core.rules_file import load_rules
from inspector.engine.control_client import ControlError
from tests.engine.test_child_engine import _post, _wait, child  # noqa: F401  (the fixture)

RULES = load_rules(
    '[[rule]]\nname = "bp"\nmatch = { path = "/held" }\nhold = true\n'
    '[[rule]]\nname = "gone"\nmatch = { path = "/gone" }\nstatus = 410\n'
)


def test_the_child_starts_with_the_rules_and_answers_held_requests_as_told(child):  # noqa: F811
    engine = child(rules=RULES)
    listener = engine.subscribe()
    engine.start()
    assert engine.rules() == RULES  # what the engine said in its hello
    assert _post(engine.receiver_url + "/gone", b"{}") == 410
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        reply = pool.submit(_post, engine.receiver_url + "/held", b"{}")
        pending = _wait(
            listener, lambda e: isinstance(e, ExchangeAdded) and e.exchange.target == "/held"
        ).exchange
        held = _wait(listener, lambda e: isinstance(e, HoldStarted))  # listed first, as here
        assert (pending.id, pending.target, pending.status) == (held.exchange_id, "/held", None)
        assert held.rule == "bp" and pending.held_until == held.deadline
        assert held.proposal.status == 200  # no rule after it matches /held: the default
        answer = Respond(418, (("X-By", "window"),), b"\x00binary ok")
        assert engine.answer_held(held.exchange_id, answer).result(10) is True
        assert reply.result(10) == 418
        answered = _wait(listener, lambda e: isinstance(e, ExchangeUpdated)).exchange
    assert (answered.id, answered.status, answered.rule) == (pending.id, 418, "bp")
    assert engine.answer_held(held.exchange_id, answer).result(10) is False

    engine.set_rules(())
    assert engine.rules() == ()
    engine.settle()  # in force in the child (the rules cross the control pipe, the POST not)
    assert _post(engine.receiver_url + "/gone", b"{}") == 200
    with pytest.raises(ControlError, match=r"answer_held\.status: 700 is out of range"):
        engine.send(AnswerHeld(1, status=700)).result(10)
