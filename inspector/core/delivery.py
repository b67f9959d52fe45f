"""Callback delivery as data: attempts, what counts as success, when the next retry is.

Deepgram retries a non-2xx callback reply up to 10 times, 30 s apart [CB]; the count and
delay are settings so demos can run at 1 s. Decision (REFERENCE.md section 2): 3xx,
connection errors and a per-attempt timeout are failures too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

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


@dataclass(frozen=True)
class Delivery:
    """One callback job and its attempts so far (the retry timeline draws this)."""

    request_id: str
    url: str  # without userinfo
    method: str
    attempts: tuple[Attempt, ...] = ()
    next_retry_at: float | None = None
    outcome: Outcome | None = None  # None while in flight
