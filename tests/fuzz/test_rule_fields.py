"""Fuzz the reply rules' fields of a record (which rule answered, held until when) through the
control API's JSON: the full record and the `request` line give them back."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from inspector.core.event_json import event_line
from inspector.core.event_read import event_from_line, exchange_from_record, exchange_to_record
from inspector.core.events import ExchangeAdded
from inspector.core.records import ExchangeKind
from tests.fuzz.strategies import FUZZ, exchanges, hostile_text, times

ruled = st.builds(
    lambda x, rule, held_until: replace(x, rule=rule, held_until=held_until),
    exchanges,
    st.one_of(
        st.none(), hostile_text.map(lambda t: t.encode("utf-8", "backslashreplace").decode())
    ),
    st.one_of(st.none(), times),
)


@settings(FUZZ, max_examples=60)  # two fields on records fuzzed elsewhere at length
@given(ruled)
def test_the_record_keeps_the_rule_and_the_hold(x) -> None:
    back = exchange_from_record(json.loads(json.dumps(exchange_to_record(x))))
    assert (back.rule, back.held_until) == (x.rule, x.held_until)


@settings(FUZZ, max_examples=60)  # two fields on records fuzzed elsewhere at length
@given(ruled.filter(lambda x: x.kind is ExchangeKind.HTTP and x.status is not None))
def test_a_request_line_says_which_rule_answered(x) -> None:
    line = json.loads(event_line(ExchangeAdded(x)))
    assert line["rule"] == x.rule
    read = event_from_line(line, {})
    assert isinstance(read, ExchangeAdded) and read.exchange.rule == x.rule
