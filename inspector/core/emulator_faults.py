"""Deepgram-side failures on demand: what the emulator does wrong next, as plain data.

Users test their error handling against the failures Deepgram really produces: 401, 402,
429 and 5xx replies with Deepgram's error bodies [ERR], slow replies, live streams killed
with 1011 [WSE], callbacks that arrive late. `EmulatorFaults` is the whole state (the window
draws it, `serve` prints it, the testing API sets it); `take_request_fault` and
`take_stream_drop` are the decisions, pure functions that return what to do now and the
state left after it (h11's habit: no loop, no socket).

A fault with `count=None` lasts until cleared ("every request fails with 402"); one with a
count is used up request by request ("the next 2 requests get 429").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any

# Deepgram's legacy error bodies for the statuses it documents [ERR]. Others (5xx above
# all) are not documented word for word: their err_code is the HTTP status name and the
# message says the failure is the emulator's, so nobody mistakes it for Deepgram's text.
DEEPGRAM_ERRORS: dict[int, tuple[str, str]] = {
    400: ("Bad Request", "Bad Request: failed to process audio: corrupt or unsupported data"),
    401: ("INVALID_AUTH", "Invalid credentials."),
    402: (
        "ASR_PAYMENT_REQUIRED",
        "Project does not have enough credits for an ASR request and does not have an "
        "overage agreement.",
    ),
    403: ("INSUFFICIENT_PERMISSIONS", "User does not have sufficient permissions."),
    429: ("TOO_MANY_REQUESTS", "Too many requests. Please try again later"),
}

# The window's and the docs' short list: the failures a Deepgram integration meets.
COMMON_FAILURES: tuple[int, ...] = (401, 402, 429, 500, 503)

DROP_CODE = 1011  # Deepgram closes a failing live stream with 1011 [WSE]


class FaultError(ValueError):
    """A fault that cannot be injected (a status that is not an error, a negative count)."""


def deepgram_error(status: int) -> tuple[str, str]:
    """`(err_code, err_msg)` of the legacy error body Deepgram sends with `status`."""
    known = DEEPGRAM_ERRORS.get(status)
    if known is not None:
        return known
    try:
        name, phrase = HTTPStatus(status).name, HTTPStatus(status).phrase
    except ValueError:
        name, phrase = f"HTTP_{status}", f"HTTP {status}"
    return name, f"{phrase} (a failure injected by the emulator)."


@dataclass(frozen=True)
class FailRequests:
    """The next `count` requests to `/v1/listen` (None: every one) get `status`."""

    status: int
    count: int | None = 1
    retry_after: int | None = None  # seconds, sent as `Retry-After` (RFC 9110: whole seconds)

    def __post_init__(self) -> None:
        if not 400 <= self.status <= 599:
            raise FaultError(f"a failure needs an error status (400-599), not {self.status}")
        _check_count(self.count)
        if self.retry_after is not None and self.retry_after < 0:
            raise FaultError(f"Retry-After must be 0 or more seconds, not {self.retry_after}")


@dataclass(frozen=True)
class DelayReplies:
    """The next `count` replies of `/v1/listen` (None: every one) wait `seconds` first."""

    seconds: float
    count: int | None = None

    def __post_init__(self) -> None:
        _check_seconds(self.seconds, "a reply delay")
        _check_count(self.count)


@dataclass(frozen=True)
class DropStreams:
    """The next `count` live streams (None: every one) are closed with `code` once
    `after_messages` messages were sent on them (0: right after the handshake)."""

    after_messages: int
    code: int = DROP_CODE
    count: int | None = None

    def __post_init__(self) -> None:
        if self.after_messages < 0:
            raise FaultError(
                f"messages before the drop must be 0 or more, not {self.after_messages}"
            )
        if not 1000 <= self.code <= 4999 or self.code in (1004, 1005, 1006, 1015):
            raise FaultError(f"{self.code} is not a close code one can send (1000-4999)")
        _check_count(self.count)


def _check_count(count: int | None) -> None:
    if count is not None and count < 1:
        raise FaultError(f"a fault's count must be 1 or more (or None: every time), not {count}")


def _check_seconds(seconds: float, what: str) -> None:
    if not math.isfinite(seconds) or seconds < 0:
        raise FaultError(f"{what} must be 0 or more seconds, not {seconds}")


@dataclass(frozen=True)
class EmulatorFaults:
    """Everything the emulator is told to do wrong; the default is nothing."""

    fail: tuple[FailRequests, ...] = ()  # in order: the first is used up first
    delay: DelayReplies | None = None
    drop: DropStreams | None = None
    callback_delay: float = 0.0  # seconds before the first attempt of every callback job

    def __post_init__(self) -> None:
        _check_seconds(self.callback_delay, "a callback delay")

    @property
    def active(self) -> bool:
        return (
            bool(self.fail)
            or self.delay is not None
            or self.drop is not None
            or (self.callback_delay > 0)
        )


NO_FAULTS = EmulatorFaults()
FAULT_PARTS: tuple[str, ...] = ("fail", "delay", "drop", "callback_delay")  # its fields


@dataclass(frozen=True)
class RequestFault:
    """What the request being answered now gets: a wait, then maybe a failure."""

    delay: float = 0.0
    fail: FailRequests | None = None


def _used_once(count: int | None) -> int | None:
    """The count left after one use; 0 means the fault is over."""
    return None if count is None else count - 1


class _Keep:
    """"Leave this part as it is" in `change_faults`."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


def change_faults(
    faults: EmulatorFaults,
    *,
    add_fail: FailRequests | None = None,
    remove_fail: int | None = None,
    delay: DelayReplies | None = KEEP,
    drop: DropStreams | None = KEEP,
    callback_delay: float = KEEP,
) -> EmulatorFaults:
    """`faults` with one part changed and the rest as they are: a failure queued after the
    others (`add_fail`), the lasting failures of one status removed (`remove_fail`), or the
    delay, drop or callback delay replaced. A change made against the faults as they are now,
    not as a window last saw them, so a failure used up meanwhile never comes back."""
    fail = faults.fail
    if remove_fail is not None:
        fail = tuple(f for f in fail if not (f.status == remove_fail and f.count is None))
    if add_fail is not None:
        fail = (*fail, add_fail)
    parts: dict[str, Any] = {"fail": fail}
    for name, value in (("delay", delay), ("drop", drop), ("callback_delay", callback_delay)):
        if value is not KEEP:
            parts[name] = value
    return replace(faults, **parts)


def take_request_fault(faults: EmulatorFaults) -> tuple[RequestFault, EmulatorFaults]:
    """The fault for the next `/v1/listen` request (HTTP or WebSocket upgrade), and the
    faults left once it is used."""
    delay = 0.0
    left_delay = faults.delay
    if faults.delay is not None:
        delay = faults.delay.seconds
        count = _used_once(faults.delay.count)
        left_delay = None if count == 0 else replace(faults.delay, count=count)
    fail = faults.fail[0] if faults.fail else None
    left_fail = faults.fail
    if fail is not None:
        count = _used_once(fail.count)
        rest = faults.fail[1:]
        left_fail = rest if count == 0 else (replace(fail, count=count), *rest)
    left = replace(faults, delay=left_delay, fail=left_fail)
    return RequestFault(delay=delay, fail=fail), left


def take_stream_drop(faults: EmulatorFaults) -> tuple[DropStreams | None, EmulatorFaults]:
    """The drop for a live stream that opens now, and the faults left."""
    drop = faults.drop
    if drop is None:
        return None, faults
    count = _used_once(drop.count)
    return drop, replace(faults, drop=None if count == 0 else replace(drop, count=count))


def _times(count: int | None, one: str, many: str) -> str:
    if count is None:
        return f"every {one}"
    return f"next {one}" if count == 1 else f"next {count} {many}"


def describe_faults(faults: EmulatorFaults) -> tuple[str, ...]:
    """One line per active fault, in the user's words (the window's menu and status bar)."""
    lines = []
    for fail in faults.fail:
        err_code, _ = deepgram_error(fail.status)
        after = f", Retry-After {fail.retry_after}" if fail.retry_after is not None else ""
        lines.append(
            f"{_times(fail.count, 'request', 'requests')}: {fail.status} {err_code}{after}"
        )
    delay, drop = faults.delay, faults.drop
    if delay is not None:
        lines.append(f"{_times(delay.count, 'reply', 'replies')} delayed {delay.seconds:g} s")
    if drop is not None:
        n = drop.after_messages
        lines.append(
            f"{_times(drop.count, 'live stream', 'live streams')} dropped after "
            f"{n} message{'' if n == 1 else 's'} ({drop.code})"
        )
    if faults.callback_delay > 0:
        lines.append(f"callbacks delayed {faults.callback_delay:g} s")
    return tuple(lines)


def faults_to_json(faults: EmulatorFaults) -> dict[str, Any]:
    """The JSON form of the faults (serve's `emulator_faults` line)."""
    delay, drop = faults.delay, faults.drop
    return {
        "active": list(describe_faults(faults)),
        "fail": [
            {"status": f.status, "count": f.count, "retry_after": f.retry_after}
            for f in faults.fail
        ],
        "delay": None if delay is None else {"seconds": delay.seconds, "count": delay.count},
        "drop": None
        if drop is None
        else {"after_messages": drop.after_messages, "code": drop.code, "count": drop.count},
        "callback_delay": faults.callback_delay,
    }


def parse_fail_spec(text: str) -> FailRequests:
    """`STATUS[:COUNT]` from the command line: `429`, `503:3`, `402:all` (every request)."""
    status_text, sep, count_text = text.strip().partition(":")
    try:
        status = int(status_text)
    except ValueError:
        raise FaultError(f"expected STATUS[:COUNT] such as 429 or 503:3, got {text!r}") from None
    count: int | None = 1
    if sep:
        if count_text.strip().lower() == "all":
            count = None
        else:
            try:
                count = int(count_text)
            except ValueError:
                raise FaultError(
                    f"COUNT in {text!r} must be a whole number or 'all' (every request)"
                ) from None
    return FailRequests(status=status, count=count)


def faults_from_json(line: Any) -> EmulatorFaults:
    """`faults_to_json`'s output back into faults (a control-API client reads serve's lines);
    FaultError or a KeyError/TypeError/ValueError when a field is missing or wrong."""

    def count(d: dict[str, Any]) -> int | None:
        value = d.get("count")
        return None if value is None else int(value)

    delay, drop = line.get("delay"), line.get("drop")
    return EmulatorFaults(
        fail=tuple(
            FailRequests(
                int(f["status"]),
                count(f),
                None if f.get("retry_after") is None else int(f["retry_after"]),
            )
            for f in line.get("fail") or ()
        ),
        delay=None if delay is None else DelayReplies(float(delay["seconds"]), count(delay)),
        drop=None
        if drop is None
        else DropStreams(
            int(drop["after_messages"]), int(drop.get("code", DROP_CODE)), count(drop)
        ),
        callback_delay=float(line.get("callback_delay") or 0.0),
    )


CHANGE_FIELDS = ("add_fail", "remove_fail", "delay", "drop", "callback_delay")  # change_faults'


def change_to_json(**change: Any) -> dict[str, Any]:
    """A `change_faults` change as JSON (the control API's `update_emulator_faults`): only
    the parts given, each in `faults_to_json`'s form."""
    unknown = sorted(set(change) - set(CHANGE_FIELDS))
    if unknown:
        raise FaultError(f"unknown part of a fault change: {unknown[0]!r}")
    out: dict[str, Any] = {}
    for name, value in change.items():
        if value is KEEP:
            continue
        if isinstance(value, FailRequests):
            out[name] = faults_to_json(EmulatorFaults(fail=(value,)))["fail"][0]
        elif isinstance(value, DelayReplies):
            out[name] = faults_to_json(EmulatorFaults(delay=value))["delay"]
        elif isinstance(value, DropStreams):
            out[name] = faults_to_json(EmulatorFaults(drop=value))["drop"]
        else:
            out[name] = value
    return out


def change_from_json(value: Any) -> dict[str, Any]:
    """`change_to_json`'s output back into `change_faults` keyword arguments; FaultError says
    what is wrong."""
    if not isinstance(value, dict):
        raise FaultError("a fault change is an object of the parts to change")
    unknown = sorted(set(value) - set(CHANGE_FIELDS))
    if unknown:
        raise FaultError(f"unknown part of a fault change: {unknown[0]!r}")
    try:
        read = faults_from_json(
            {
                "fail": [value["add_fail"]] if value.get("add_fail") is not None else [],
                "delay": value.get("delay"),
                "drop": value.get("drop"),
                "callback_delay": value.get("callback_delay") or 0.0,
            }
        )
        change: dict[str, Any] = {}
        if value.get("add_fail") is not None:
            change["add_fail"] = read.fail[0]
        if value.get("remove_fail") is not None:
            change["remove_fail"] = int(value["remove_fail"])
        for name in ("delay", "drop", "callback_delay"):
            if name in value:
                change[name] = getattr(read, name)
    except (KeyError, TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, FaultError):
            raise
        raise FaultError(f"a fault change with a wrong field: {exc!r}") from None
    return change
