"""One-click demos of Deepgram callback behaviour, running end to end on the emulator.

Each demo is data: the reply rules the receiver uses, what the submit panel sends and where.
The window runs it in a scope (`ui/demo_runner.py`): the rules and emulator settings of
before are saved, the demo's applied, and everything restored when it finishes or is ended.
A demo is paced for an audience: `pace` seconds between the emulator's retries and between
the story's steps (3 s by default; tests shorten it), and a stream played so that a viewer
can follow it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..core.rules import Rule
from ..core.rules_file import rule_from_table
from ..core.settings import EmulatorSettings

DEMO_MAX_RETRIES = 3  # retries after the first attempt (Deepgram: 10)
DEMO_PACE = 3.0  # seconds per step for an audience: between retries, between story steps
MAX_STREAM_SPEED = 8.0  # × real time, however short the pace
BODY_CAP_BYTES = 1024  # stands in for Express's 100 kB / nginx's 1 MB default (samples are small)


def paced_emulator_settings(base: EmulatorSettings, pace: float) -> EmulatorSettings:
    """`base` as a demo runs it: local ports allowed, 3 retries `pace` seconds apart."""
    return replace(base, relaxed_ports=True, retry_delay=pace, max_retries=DEMO_MAX_RETRIES)


def stream_speed(pace: float) -> float:
    """A stream demo's speed: real time at the default pace (a viewer hears the words come),
    faster when the pace is shorter."""
    return min(MAX_STREAM_SPEED, max(1.0, DEMO_PACE / pace))


@dataclass(frozen=True)
class Demo:
    name: str  # as in `gui --demo NAME`
    title: str  # menu text
    explain: str  # what to watch, shown in the status bar and the menu's tooltip
    path: str  # callback path on the receiver
    # The demo's reply rules as rules-file tables (none: 200), each scoped to its path.
    rule_tables: tuple[dict[str, Any], ...] = ()
    sample: str = "numbers"
    streaming: bool = False
    method: str = "POST"
    user: str = ""
    password: str = ""
    max_body: int | None = None  # a receiver body limit for the demo

    def rules(self) -> tuple[Rule, ...]:
        return tuple(rule_from_table(t) for t in self.rule_tables)


DEMOS: tuple[Demo, ...] = (
    Demo(
        "retry-storm",
        "Retry storm",
        "The receiver answers 503 to the first 3 attempts; the emulator retries a few "
        "seconds apart (Deepgram: 30 s) and the 4th attempt is delivered.",
        "/demo/retry-storm",
        (
            {
                "name": "retry storm",
                "match": {"path": "/demo/retry-storm*"},
                "fail_first": 3,
                "status": 503,
            },
        ),
    ),
    Demo(
        "give-up",
        "Give up",
        "The receiver always answers 500; after 3 retries the emulator gives up.",
        "/demo/give-up",
        ({"name": "give up", "match": {"path": "/demo/give-up*"}, "status": 500},),
    ),
    Demo(
        "stream-kill",
        "Stream kill",
        "A live stream with a ws:// callback; the receiver closes the callback socket after 3 "
        "messages (the first final result), so the emulator kills the client's stream with 1011.",
        "/demo/stream-kill",
        (
            {
                "name": "stream kill",
                "match": {"path": "/demo/stream-kill*"},
                "close_after_messages": 3,  # the first final result, then the kill
                "close_code": 1001,
                "close_reason": "demo: the callback receiver went away",
            },
        ),
        sample="callback",
        streaming=True,
    ),
    Demo(
        "body-cap",
        "Body cap (413)",
        f"The receiver accepts at most {BODY_CAP_BYTES} bytes, like a default Express or nginx "
        "limit; the transcript is bigger, every attempt gets 413 and the emulator gives up.",
        "/demo/body-cap",
        max_body=BODY_CAP_BYTES,
    ),
    Demo(
        "put-callback",
        "PUT callback",
        "callback_method=put: the transcript arrives as a PUT (what S3 presigned URLs need).",
        "/demo/put-callback",
        method="PUT",
    ),
    Demo(
        "basic-auth",
        "Basic auth",
        "user:pass@ in the callback URL arrives as a pre-emptive Authorization: Basic header; "
        "the Headers tab shows the user and a masked password.",
        "/demo/basic-auth",
        user="demo",
        password="s3cret-pass",
    ),
)


def demo_named(name: str) -> Demo:
    for demo in DEMOS:
        if demo.name == name:
            return demo
    names = ", ".join(d.name for d in DEMOS)
    raise ValueError(f"no demo named {name!r}; choose one of: {names}")
