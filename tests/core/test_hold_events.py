"""The `held` line: what `serve` prints for a breakpoint, read back by a control-API client."""

from __future__ import annotations

import json

import pytest

from inspector.core.event_json import event_line
from inspector.core.event_read import event_from_line
from inspector.core.events import HoldStarted
from inspector.core.rules import Forward, Hold, Respond

T = 1_800_000_000.25


@pytest.mark.parametrize(
    "proposal",
    [
        Respond(418, (("X-A", "1"), ("X-A", "2")), b"next \x1b[31m rule", 0.25),
        Forward(),
        Hold(5.0),
    ],
)
def test_a_held_line_reads_back_as_the_hold(proposal):
    held = HoldStarted(7, "look at it", T, T + 60.0, proposal)
    line = json.loads(event_line(held))
    assert (line["event"], line["id"], line["rule"], line["timeout_s"]) == (
        "held",
        7,
        "look at it",
        60.0,
    )
    assert event_from_line(line, {}) == held
