"""The emulator's injected faults, live: set from any thread, used up on the engine loop.

The decisions are `core.emulator_faults`; this holds the current value behind a lock, applies
a request's fault (the wait, the failure's reply in Deepgram's shape, `Retry-After`) and tells
listeners: one `fault` emulator event per injection (serve prints it, the session keeps it) and
an `EmulatorFaultsChanged` whenever the state changes, so the window's Emulator menu shows
what is still active.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ...core.emulator_faults import (
    NO_FAULTS,
    DropStreams,
    EmulatorFaults,
    deepgram_error,
    take_request_fault,
    take_stream_drop,
)
from ...core.events import EmulatorEvent, EmulatorFaultsChanged, Event

log = logging.getLogger(__name__)


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

    @property
    def faults(self) -> EmulatorFaults:
        return self._faults

    def set(self, faults: EmulatorFaults) -> None:
        """Replace every fault; the next request sees the new ones. Any thread."""
        self.update(lambda _current: faults)

    def update(self, change: Callable[[EmulatorFaults], EmulatorFaults]) -> EmulatorFaults:
        """Change the faults atomically (a request may be using one up meanwhile, on the
        engine loop); returns the new ones. Any thread."""
        with self._lock:
            faults = self._faults = change(self._faults)
        self._changed(faults)
        return faults

    def announce(self) -> None:
        """Publish the current faults (at start, so `serve` says which flags are active)."""
        if self._faults.active:
            self._changed(self._faults)

    def _changed(self, faults: EmulatorFaults) -> None:
        self._publish(EmulatorFaultsChanged(time.time(), faults))

    def _fault_event(self, request_id: str, fault: str, **fields: object) -> None:
        self._publish(
            EmulatorEvent(
                "fault", time.time(), {"request_id": request_id, "fault": fault, **fields}
            )
        )

    async def before_request(self, request_id: str) -> InjectedFailure | None:
        """Apply the next request's fault: wait out its delay, return its failure (if any)."""
        with self._lock:
            if not self._faults.fail and self._faults.delay is None:
                return None  # the common case: nothing to do, nothing published
            before = self._faults
            fault, left = take_request_fault(before)
            self._faults = left
        if left != before:  # a counted fault was used up ("every reply": nothing changed)
            self._changed(left)
        if fault.delay > 0:
            self._fault_event(request_id, "delay", seconds=fault.delay)
            await asyncio.sleep(fault.delay)
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

    def callback_delay(self, request_id: str) -> float:
        """Seconds the first attempt of this callback job waits (0: none)."""
        seconds = self._faults.callback_delay
        if seconds > 0:
            self._fault_event(request_id, "callback_delay", seconds=seconds)
        return seconds

    def clear(self) -> None:
        self.set(NO_FAULTS)
