"""What the emulator did for each request_id: the latest `Delivery` of each (core/delivery.py).

Fed from the same drained event batches as the traffic list; bounded, the oldest forgotten
first. The retry timeline draws the `Delivery` of the request_id it shows.
"""

from __future__ import annotations

from ..core.delivery import Delivery, apply
from ..core.events import EmulatorEvent

# The timeline's name for what it draws.
JobTrack = Delivery


class DeliveryTracker:
    """All jobs seen, by request_id (bounded: the oldest are forgotten first)."""

    def __init__(self, max_jobs: int = 2000) -> None:
        self.jobs: dict[str, Delivery] = {}
        self._max_jobs = max_jobs

    def get(self, request_id: str | None) -> Delivery | None:
        return self.jobs.get(request_id or "")

    def latest(self) -> Delivery | None:
        return next(reversed(self.jobs.values()), None) if self.jobs else None

    def apply(self, event: EmulatorEvent) -> str | None:
        """Record one event; the request_id it concerned (None when none)."""
        request_id = event.fields.get("request_id")
        if not isinstance(request_id, str):
            return None
        known = self.jobs.get(request_id)
        self.jobs[request_id] = apply(known, event.name, event.time, event.fields)
        if known is None:
            while len(self.jobs) > self._max_jobs:
                self.jobs.pop(next(iter(self.jobs)))
        return request_id

    def clear(self) -> None:
        self.jobs.clear()
