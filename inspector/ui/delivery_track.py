"""What the emulator did for each request_id, collected from its `EmulatorEvent`s.

Plain data (no Qt), fed from the same drained event batches as the traffic list: callback
jobs with their attempts and next retry, live streams with their messages and how they
ended. The retry timeline draws a `JobTrack`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..core.events import EmulatorEvent


def parse_iso(value: Any) -> float | None:
    """Epoch seconds of an ISO-8601 time (with `Z`), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@dataclass(frozen=True)
class AttemptMark:
    number: int
    time: float  # when the attempt finished (event time)
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


@dataclass
class JobTrack:
    request_id: str
    started: float
    mode: str = ""  # callback, sync, none, http-callback, ws-callback
    # The job's own retry policy, from its `job` event (None until it says: a job that
    # started before this window listened).
    max_attempts: int | None = None
    callback: str | None = None
    method: str | None = None
    streaming: bool = False
    transcribed_at: float | None = None
    attempts: list[AttemptMark] = field(default_factory=list)
    next_retry_at: float | None = None
    outcome: str | None = None  # delivered, gave_up, cancelled
    done_at: float | None = None
    messages: list[StreamMark] = field(default_factory=list)
    stream_callbacks: list[AttemptMark] = field(default_factory=list)
    closed: tuple[float, int | None, str] | None = None  # time, code, reason
    rejected: str | None = None

    @property
    def last_time(self) -> float:
        times = [self.started]
        times += [a.time for a in self.attempts] + [m.time for m in self.messages]
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


class DeliveryTracker:
    """All jobs seen, by request_id (bounded: the oldest are forgotten first)."""

    def __init__(self, max_jobs: int = 2000) -> None:
        self.jobs: dict[str, JobTrack] = {}
        self._max_jobs = max_jobs

    def get(self, request_id: str | None) -> JobTrack | None:
        return self.jobs.get(request_id or "")

    def latest(self) -> JobTrack | None:
        return next(reversed(self.jobs.values()), None) if self.jobs else None

    def _job(self, request_id: str, time: float) -> JobTrack:
        job = self.jobs.get(request_id)
        if job is None:
            job = JobTrack(request_id=request_id, started=time)
            self.jobs[request_id] = job
            while len(self.jobs) > self._max_jobs:
                self.jobs.pop(next(iter(self.jobs)))
        return job

    def apply(self, event: EmulatorEvent) -> str | None:
        """Record one event; the request_id it concerned (None when none)."""
        f = event.fields
        request_id = f.get("request_id")
        if not isinstance(request_id, str):
            return None
        job = self._job(request_id, event.time)
        name = event.name
        if name == "job":
            job.mode = str(f.get("mode") or "")
            job.callback = f.get("callback")
            job.method = f.get("method")
            max_attempts = f.get("max_attempts")
            job.max_attempts = max_attempts if isinstance(max_attempts, int) else None
        elif name == "rejected":
            job.rejected = f"{f.get('status')} {f.get('err_msg', '')} {f.get('detail', '')}".strip()
        elif name == "transcribed":
            job.transcribed_at = event.time
        elif name == "attempt":
            job.attempts.append(
                AttemptMark(
                    number=int(f.get("attempt") or len(job.attempts) + 1),
                    time=event.time,
                    status=f.get("status"),
                    error=f.get("error"),
                    latency_ms=float(f.get("latency_ms") or 0.0),
                )
            )
            job.next_retry_at = parse_iso(f.get("next_retry_at"))
        elif name == "job_done":
            job.outcome = str(f.get("outcome") or "")
            job.next_retry_at = None
            job.done_at = event.time
        elif name == "stream_open":
            job.streaming = True
            job.mode = str(f.get("mode") or "")
            job.callback = f.get("callback")
        elif name == "stream_message":
            job.messages.append(
                StreamMark(event.time, str(f.get("type") or "?"), f.get("is_final"))
            )
        elif name == "stream_callback":
            job.stream_callbacks.append(
                AttemptMark(
                    number=int(f.get("message") or 0),
                    time=event.time,
                    status=f.get("status"),
                    error=f.get("error"),
                    latency_ms=float(f.get("latency_ms") or 0.0),
                )
            )
        elif name == "stream_close":
            code = f.get("code")
            job.closed = (event.time, code if isinstance(code, int) else None, str(f.get("reason")))
        return request_id

    def clear(self) -> None:
        self.jobs.clear()
