"""Waiting for what the servers saw, on the test's thread, without sleeps.

The servers' loop thread records each event under a condition and wakes the waiters; a
waiter re-checks its question at each wake-up and, when time runs out, raises `WaitTimeout`
saying what it expected and what arrived instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(AssertionError, TimeoutError):
    """Nothing matching arrived in time. An `AssertionError` (pytest shows the message as
    a failed check) and a `TimeoutError` (for code outside pytest); the message says what
    was expected and what arrived instead."""


class Arrivals:
    """A condition that the loop thread notifies after recording something."""

    def __init__(self) -> None:
        self.lock = threading.Condition()

    def notify(self) -> None:
        """Call with `lock` held, after recording."""
        self.lock.notify_all()

    def wait(
        self, found: Callable[[], T | None], timeout: float, explain: Callable[[], str]
    ) -> T:
        """`found()`'s first non-None answer, asked under the lock at each arrival; after
        `timeout` seconds, `WaitTimeout(explain())`."""
        if timeout < 0:
            raise ValueError(f"timeout must be 0 or more seconds, not {timeout}")
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                answer = found()
                if answer is not None:
                    return answer
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WaitTimeout(explain())
                self.lock.wait(left)


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"
