"""Fuzz the faults' JSON: any faults `serve` prints read back as the same faults, and any
hand-made `emulator_faults` line either reads back or is a `LineError`, never a crash."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from inspector.core.emulator_faults import (
    DelayReplies,
    DropStreams,
    EmulatorFaults,
    FailRequests,
)
from inspector.core.event_json import event_line
from inspector.core.event_read import LineError, event_from_line
from inspector.core.events import EmulatorFaultsChanged
from tests.fuzz.strategies import FUZZ, json_values

counts = st.one_of(st.none(), st.integers(1, 10**6))
seconds = st.floats(0, 1e6, allow_nan=False)
faults = st.builds(
    EmulatorFaults,
    fail=st.lists(
        st.builds(
            FailRequests,
            st.integers(400, 599),
            counts,
            st.one_of(st.none(), st.integers(0, 10**6)),
        ),
        max_size=3,
    ).map(tuple),
    delay=st.one_of(st.none(), st.builds(DelayReplies, seconds, counts)),
    drop=st.one_of(
        st.none(),
        st.builds(DropStreams, st.integers(0, 1000), st.sampled_from([1000, 1011, 4000]), counts),
    ),
    callback_delay=seconds,
)


@FUZZ
@given(faults)
def test_printed_faults_read_back_as_the_same_faults(f) -> None:
    line = event_line(EmulatorFaultsChanged(1_800_000_000.25, f))
    assert line is not None
    event = event_from_line(json.loads(line), {})
    assert isinstance(event, EmulatorFaultsChanged) and event.faults == f


@FUZZ
@given(st.dictionaries(st.sampled_from(["fail", "delay", "drop", "callback_delay"]), json_values()))
def test_any_emulator_faults_line_reads_back_or_says_why(fields) -> None:
    line = {"event": "emulator_faults", "time": "2026-01-01T00:00:00.000Z", **fields}
    try:
        event = event_from_line(line, {})
    except LineError:
        return
    assert isinstance(event, EmulatorFaultsChanged)
