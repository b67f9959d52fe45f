"""`serve`'s flags for Deepgram-side failures: the same faults as the window's Emulator menu
and `inspector.testing` (`core.emulator_faults`), set once at start."""

from __future__ import annotations

import argparse
import logging
import math

from .core.emulator_faults import (
    DROP_CODE,
    DelayReplies,
    DropStreams,
    EmulatorFaults,
    FailRequests,
    FaultError,
    parse_fail_spec,
)
from .settings_flags import non_negative_int

log = logging.getLogger(__name__)


def _fail_spec(text: str) -> FailRequests:
    try:
        return parse_fail_spec(text)
    except FaultError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds: {text!r}")
    return value


def add_fault_flags(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group(
        "Deepgram-side failures (the emulator fails the way Deepgram does, to test your "
        "error handling)"
    )
    g.add_argument(
        "--emulator-fail-next",
        type=_fail_spec,
        action="append",
        default=[],
        metavar="STATUS[:COUNT]",
        help="the next COUNT requests to /v1/listen (default 1; 'all': every one) get STATUS "
        "with Deepgram's error body: 401 INVALID_AUTH, 402 ASR_PAYMENT_REQUIRED, 429 "
        "TOO_MANY_REQUESTS, 5xx; repeatable, used up in order (e.g. 503:2 then 429)",
    )
    g.add_argument(
        "--emulator-retry-after",
        type=non_negative_int,
        metavar="SECONDS",
        help="send Retry-After: SECONDS with the --emulator-fail-next replies",
    )
    g.add_argument(
        "--emulator-delay",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="every /v1/listen reply (and WebSocket handshake) waits SECONDS first",
    )
    g.add_argument(
        "--emulator-drop-streams-after",
        type=non_negative_int,
        metavar="N",
        help=f"close every live stream with {DROP_CODE} after it sent N messages, as Deepgram "
        "does when it fails mid-stream",
    )
    g.add_argument(
        "--emulator-delay-callbacks",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="the first attempt of every callback waits SECONDS (callbacks that arrive late)",
    )


def faults_from_args(args: argparse.Namespace) -> EmulatorFaults:
    fails = tuple(args.emulator_fail_next)
    if args.emulator_retry_after is not None:
        fails = tuple(
            FailRequests(f.status, f.count, retry_after=args.emulator_retry_after) for f in fails
        )
    drop = None
    if args.emulator_drop_streams_after is not None:
        drop = DropStreams(after_messages=args.emulator_drop_streams_after, count=None)
    delay = DelayReplies(args.emulator_delay, count=None) if args.emulator_delay > 0 else None
    faults = EmulatorFaults(
        fail=fails, delay=delay, drop=drop, callback_delay=args.emulator_delay_callbacks
    )
    if faults.active and getattr(args, "no_emulator", False):
        log.warning("the --emulator-* failures do nothing with --no-emulator")
        return EmulatorFaults()
    return faults
