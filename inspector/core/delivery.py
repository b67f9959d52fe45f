"""Callback delivery as data: attempts, what counts as success, when the next retry is.

Deepgram retries a non-2xx callback reply up to 10 times, 30 s apart [CB]; the count and
delay are settings so demos can run at 1 s. Decision (REFERENCE.md section 2): 3xx,
connection errors and a per-attempt timeout are failures too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any

# Deepgram's retry policy [CB]: "retried up to 10 times, 30 s apart". The one place these
# numbers are written; the emulator's settings take their defaults from here.
DEEPGRAM_MAX_RETRIES = 10
DEEPGRAM_RETRY_DELAY = 30.0


class Outcome(Enum):
    DELIVERED = "delivered"
    GAVE_UP = "gave_up"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = DEEPGRAM_MAX_RETRIES  # retries after the first attempt
    retry_delay: float = DEEPGRAM_RETRY_DELAY  # seconds between attempts
    redirect_is_failure: bool = True

    @property
    def max_attempts(self) -> int:
        return 1 + self.max_retries


@dataclass(frozen=True)
class Attempt:
    number: int  # 1-based
    started: float  # epoch seconds
    latency_ms: float
    status: int | None = None  # HTTP status, None when the attempt failed without one
    error: str | None = None  # connection refused, timeout, ...


def attempt_succeeded(attempt: Attempt, policy: RetryPolicy) -> bool:
    """Only a 2xx stops the retries [CB]; 3xx too unless the policy counts it as failure."""
    if attempt.status is None:
        return False
    if 200 <= attempt.status < 300:
        return True
    return 300 <= attempt.status < 400 and not policy.redirect_is_failure


def next_retry_at(attempt: Attempt, finished: float, policy: RetryPolicy) -> float | None:
    """When the next attempt is due (epoch seconds), or None when there is none."""
    if attempt_succeeded(attempt, policy) or attempt.number >= policy.max_attempts:
        return None
    return finished + policy.retry_delay


# -- what the emulator did for one request_id, as the retry timeline draws it -------------------
# A stream's marks beyond this many are counted, not kept: a reducer copies its tuples on
# every event, and an hour of interim results would make that quadratic.
MARKS_KEPT = 1000


@dataclass(frozen=True)
class AttemptMark:
    """One callback attempt (or one streaming message's POST) as the emulator reported it."""

    number: int
    time: float  # when the attempt finished (the event's time)
    status: int | None
    error: str | None
    latency_ms: float

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def text(self) -> str:
        if self.status is not None:
            return f"{self.status} {'✓' if self.ok else '✗'}"
        return f"error ✗ {self.error or ''}".strip()


@dataclass(frozen=True)
class StreamMark:
    time: float
    type: str
    is_final: bool | None


@dataclass(frozen=True)
class Delivery:
    """One request_id's story: a callback job with its attempts and next retry, or a live
    stream with its messages and how it ended. Built by `apply` from the emulator's events
    only: its retry maximum is the one the job's own `job` event gave (None until it says),
    never the emulator's settings of now."""

    request_id: str
    started: float
    mode: str = ""  # callback, sync, none, http-callback, ws-callback
    max_attempts: int | None = None
    callback: str | None = None
    method: str | None = None
    streaming: bool = False
    transcribed_at: float | None = None
    attempts: tuple[AttemptMark, ...] = ()
    next_retry_at: float | None = None
    outcome: str | None = None  # delivered, gave_up, cancelled
    done_at: float | None = None
    messages: tuple[StreamMark, ...] = ()  # the last MARKS_KEPT
    message_count: int = 0  # all of them
    stream_callbacks: tuple[AttemptMark, ...] = ()  # the last MARKS_KEPT
    closed: tuple[float, int | None, str] | None = None  # time, code, reason
    rejected: str | None = None

    @property
    def last_time(self) -> float:
        times = [self.started, *(a.time for a in self.attempts), *(m.time for m in self.messages)]
        if self.closed:
            times.append(self.closed[0])
        if self.done_at:
            times.append(self.done_at)
        return max(times)

    @property
    def in_flight(self) -> bool:
        if self.streaming:
            return self.closed is None
        return self.outcome is None and self.rejected is None and self.mode == "callback"


def _kept(marks: tuple[Any, ...], mark: Any) -> tuple[Any, ...]:
    return (*marks[-(MARKS_KEPT - 1) :], mark)


def _epoch(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _mark(f: Mapping[str, Any], number: Any, time: float) -> AttemptMark:
    status = f.get("status")
    latency = f.get("latency_ms")
    return AttemptMark(
        number=number if isinstance(number, int) and not isinstance(number, bool) else 0,
        time=time,
        status=status if isinstance(status, int) and not isinstance(status, bool) else None,
        error=str(f["error"]) if f.get("error") is not None else None,
        latency_ms=float(latency) if isinstance(latency, int | float) else 0.0,
    )


def apply(delivery: Delivery | None, name: str, time: float, f: Mapping[str, Any]) -> Delivery:
    """The delivery after the emulator event `name` (at `time`, with fields `f`) about its
    request_id; `delivery` is None for the first event of one. Pure: nothing is changed."""
    d = delivery or Delivery(request_id=str(f.get("request_id", "")), started=time)
    text = lambda key: str(f[key]) if f.get(key) is not None else None  # noqa: E731
    if name == "job":
        max_attempts = f.get("max_attempts")
        return replace(
            d,
            mode=str(f.get("mode") or ""),
            callback=text("callback"),
            method=text("method"),
            max_attempts=max_attempts if isinstance(max_attempts, int) else None,
        )
    if name == "rejected":
        why = f"{f.get('status')} {f.get('err_msg', '')} {f.get('detail', '')}".strip()
        return replace(d, rejected=why)
    if name == "transcribed":
        return replace(d, transcribed_at=time)
    if name == "attempt":
        number = f.get("attempt")
        if not isinstance(number, int):
            number = len(d.attempts) + 1
        return replace(
            d,
            attempts=_kept(d.attempts, _mark(f, number, time)),
            next_retry_at=_epoch(f.get("next_retry_at")),
        )
    if name == "job_done":
        return replace(d, outcome=str(f.get("outcome") or ""), next_retry_at=None, done_at=time)
    if name == "stream_open":
        return replace(d, streaming=True, mode=str(f.get("mode") or ""), callback=text("callback"))
    if name == "stream_message":
        is_final = f.get("is_final")
        mark = StreamMark(
            time, str(f.get("type") or "?"), is_final if isinstance(is_final, bool) else None
        )
        return replace(d, messages=_kept(d.messages, mark), message_count=d.message_count + 1)
    if name == "stream_callback":
        return replace(
            d, stream_callbacks=_kept(d.stream_callbacks, _mark(f, f.get("message"), time))
        )
    if name == "stream_close":
        code = f.get("code")
        closed_code = code if isinstance(code, int) and not isinstance(code, bool) else None
        return replace(d, closed=(time, closed_code, str(f.get("reason") or "")))
    return d
