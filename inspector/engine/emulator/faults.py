"""The emulator's injected faults, live: set from any thread, used up on the engine loop.

The decisions are `core.emulator_faults`; this holds the current value behind a lock, applies
a request's fault (the wait, the failure's reply in Deepgram's shape, `Retry-After`) and tells
listeners: one `fault` emulator event per injection (serve prints it, the session keeps it) and
an `EmulatorFaultsChanged` whenever the state changes, so the window's Emulator menu shows
what is still active. A reply or callback held by a delay is let go as soon as the user changes
that delay (the window's "Clear all faults" frees what waits), not only when it runs out.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ...core.emulator_events import FaultApplied
from ...core.emulator_faults import (
    FAULT_PARTS,
    NO_FAULTS,
    DropStreams,
    EmulatorFaults,
    deepgram_error,
    take_request_fault,
    take_stream_drop,
)
from ...core.events import EmulatorFaultsChanged, Event

log = logging.getLogger(__name__)

PARTS = FAULT_PARTS


@dataclass(frozen=True)
class InjectedFailure:
    """The error reply an injected failure gets, in Deepgram's legacy shape [ERR]."""

    status: int
    err_code: str
    err_msg: str
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def detail(self) -> str:
        return f"failure injected by the emulator ({self.status} {self.err_code})"


class FaultInjector:
    def __init__(
        self, publish: Callable[[Event], None], faults: EmulatorFaults = NO_FAULTS
    ) -> None:
        self._publish = publish
        self._faults = faults
        self._lock = threading.Lock()  # set() from the window or a test, take on the loop
        # Holds waiting for a delay to run out, each woken when the user changes the faults.
        self._holds: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        # How often the user set each part ("delay", "callback_delay"...): a hold ends when
        # its part is set again, to anything (off above all). Requests using one up do not
        # count; `release()` (the emulator stopping) counts for every part.
        self._settings_made: dict[str, int] = dict.fromkeys(PARTS, 0)

    @property
    def faults(self) -> EmulatorFaults:
        return self._faults

    def set(self, faults: EmulatorFaults) -> None:
        """Replace every fault; the next request sees the new ones. Any thread."""
        self.update(lambda _current: faults)

    def update(
        self,
        change: Callable[[EmulatorFaults], EmulatorFaults],
        parts: Iterable[str] = PARTS,
    ) -> EmulatorFaults:
        """Change the faults atomically (a request may be using one up meanwhile, on the
        engine loop); returns the new ones. `parts` are the ones set (what is held by a
        delay among them is let go). Any thread."""
        with self._lock:
            faults = self._faults = change(self._faults)
        self._made(parts)
        self._changed(faults)
        return faults

    def release(self) -> None:
        """Let everything held go now (the emulator is stopping)."""
        self._made(PARTS)

    def _made(self, parts: Iterable[str]) -> None:
        with self._lock:
            for part in parts:
                self._settings_made[part] += 1
            holds = list(self._holds)
        for loop, woken in holds:
            try:
                loop.call_soon_threadsafe(woken.set)
            except RuntimeError:  # that loop is closed: nothing waits there any more
                pass

    async def _hold(self, seconds: float, part: str, made: int) -> None:
        """Wait `seconds`, or less if the user sets `part` of the faults again meanwhile
        (`made`: how often it had been set when the fault was taken, read under the same lock
        as the fault, so a Clear right after the take still lets this go)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            woken = asyncio.Event()
            entry = (loop, woken)
            with self._lock:
                if self._settings_made[part] != made:
                    return
                self._holds.add(entry)
            try:
                await asyncio.wait_for(woken.wait(), left)
            except TimeoutError:
                return
            finally:
                with self._lock:
                    self._holds.discard(entry)

    def announce(self) -> None:
        """Publish the current faults (at start, so `serve` says which flags are active)."""
        if self._faults.active:
            self._changed(self._faults)

    def _changed(self, faults: EmulatorFaults) -> None:
        self._publish(EmulatorFaultsChanged(time.time(), faults))

    def _fault_event(self, request_id: str, fault: str, **fields: Any) -> None:
        self._publish(FaultApplied(time.time(), request_id=request_id, fault=fault, **fields))

    async def before_request(self, request_id: str) -> InjectedFailure | None:
        """Apply the next request's fault: wait out its delay, return its failure (if any)."""
        with self._lock:
            if not self._faults.fail and self._faults.delay is None:
                return None  # the common case: nothing to do, nothing published
            before = self._faults
            fault, left = take_request_fault(before)
            self._faults = left
            made = self._settings_made["delay"]
        if left != before:  # a counted fault was used up ("every reply": nothing changed)
            self._changed(left)
        if fault.delay > 0:
            self._fault_event(request_id, "delay", seconds=fault.delay)
            await self._hold(fault.delay, "delay", made)
        if fault.fail is None:
            return None
        status = fault.fail.status
        err_code, err_msg = deepgram_error(status)
        headers: tuple[tuple[str, str], ...] = ()
        if fault.fail.retry_after is not None:
            headers = (("Retry-After", str(fault.fail.retry_after)),)
        self._fault_event(request_id, "fail", status=status, err_code=err_code)
        return InjectedFailure(status, err_code, err_msg, headers)

    def stream_drop(self, request_id: str) -> DropStreams | None:
        """The drop planned for a live stream opening now (used up), or None."""
        with self._lock:
            before = self._faults
            drop, left = take_stream_drop(before)
            if drop is None:
                return None
            self._faults = left
        if left != before:
            self._changed(left)
        self._fault_event(request_id, "drop", after_messages=drop.after_messages, code=drop.code)
        return drop

    async def hold_callback(self, request_id: str) -> None:
        """Before the first attempt of a callback job: the injected callback delay, if any."""
        with self._lock:
            seconds, made = self._faults.callback_delay, self._settings_made["callback_delay"]
        if seconds > 0:
            self._fault_event(request_id, "callback_delay", seconds=seconds)
            await self._hold(seconds, "callback_delay", made)

    def clear(self) -> None:
        self.set(NO_FAULTS)
