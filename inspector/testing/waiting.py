"""Waiting for what the servers saw, on the test's thread, without sleeps.

The servers' loop thread records each event under a condition and wakes the waiters; a
waiter re-checks its question at each wake-up and, when time runs out, raises `WaitTimeout`
saying what it expected and what arrived instead. Async tests await the same question
(`wait_async`) on their own loop, which stays free meanwhile: the app under test, running on
that loop, can answer the callback being waited for.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# A question to wait on: its answer (None: not yet) and, at the timeout, what to say.
Query = tuple[Callable[[], T | None], Callable[[], str]]


class WaitTimeout(AssertionError, TimeoutError):
    """Nothing matching arrived in time. An `AssertionError` (pytest shows the message as
    a failed check) and a `TimeoutError` (for code outside pytest); the message says what
    was expected and what arrived instead."""


class Arrivals:
    """A condition that the loop thread notifies after recording something."""

    def __init__(self) -> None:
        self.lock = threading.Condition()
        # Async waiters: each one's loop and the event that wakes it (under `lock`).
        self._async: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def notify(self) -> None:
        """Call with `lock` held, after recording."""
        self.lock.notify_all()
        for loop, woken in self._async:
            try:
                loop.call_soon_threadsafe(woken.set)
            except RuntimeError:  # that loop is closed: its waiter is gone
                pass

    def wait(self, found: Callable[[], T | None], explain: Callable[[], str], timeout: float) -> T:
        """`found()`'s first non-None answer, asked under the lock at each arrival; after
        `timeout` seconds, `WaitTimeout(explain())`."""
        _check(timeout)
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

    async def wait_async(
        self, found: Callable[[], T | None], explain: Callable[[], str], timeout: float
    ) -> T:
        """`wait`, awaited: the caller's loop runs other tasks until an arrival answers."""
        _check(timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            woken = asyncio.Event()
            entry = (loop, woken)
            with self.lock:
                answer = found()
                if answer is not None:
                    return answer
                left = deadline - loop.time()
                if left <= 0:
                    raise WaitTimeout(explain())
                self._async.add(entry)
            try:
                await asyncio.wait_for(woken.wait(), left)
            except TimeoutError:
                pass  # asked once more, then explained
            finally:
                with self.lock:
                    self._async.discard(entry)


def _check(timeout: float) -> None:
    if timeout < 0:
        raise ValueError(f"timeout must be 0 or more seconds, not {timeout}")


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"
