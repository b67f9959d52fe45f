"""What the emulator did, one frozen dataclass per kind of event.

Each kind has the name `serve` prints it under (`job`, `attempt`, ...) and its fields; a
reader sees what each carries and a type checker follows it (mitmproxy's typed hooks). All
share `EmulatorEvent`: `name` and `fields` give every kind one JSON form (core/event_json.py
prints `{"event": name, "time": ..., **fields}`; the session file keeps name, time and
fields), and `emulator_event(name, time, fields)` reads that form back. A name this version
does not know (a newer engine's, in a line or a session file) is kept as an
`OtherEmulatorEvent` with its fields as they came.

Every field after `time` has a default: a line or an old session file that lacks one still
reads, as None.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


class EmulatorEvent:
    """The base of the emulator's events: `time` (epoch seconds), `name`, `fields`."""

    kind: ClassVar[str] = ""
    time: float

    @property
    def name(self) -> str:
        return self.kind

    @property
    def fields(self) -> dict[str, Any]:
        """Everything but the time, JSON-ready, in declaration order."""
        assert dataclasses.is_dataclass(self)
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "time"
        }


@dataclass(frozen=True)
class JobStarted(EmulatorEvent):
    """A pre-recorded request arrived: `mode` is "callback" (its reply was the request_id;
    delivery follows, under the job's own retry policy) or "sync"."""

    kind: ClassVar[str] = "job"
    time: float
    request_id: str | None = None
    mode: str | None = None
    bytes: int | None = None
    callback: str | None = None  # without userinfo
    method: str | None = None
    max_attempts: int | None = None
    retry_delay: float | None = None


@dataclass(frozen=True)
class Rejected(EmulatorEvent):
    """A request refused with Deepgram's error (`status`, `err_code`, `err_msg`); `detail`
    is the emulator's own longer reason."""

    kind: ClassVar[str] = "rejected"
    time: float
    request_id: str | None = None
    status: int | None = None
    err_code: str | None = None
    err_msg: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Transcribed(EmulatorEvent):
    kind: ClassVar[str] = "transcribed"
    time: float
    request_id: str | None = None
    audio_seconds: float | None = None
    seconds: float | None = None  # how long recognition took
    words: int | None = None


@dataclass(frozen=True)
class AttemptMade(EmulatorEvent):
    """One callback attempt: its `status`, or the `error` that stopped it; `next_retry_at`
    (ISO-8601) when another attempt is due."""

    kind: ClassVar[str] = "attempt"
    time: float
    request_id: str | None = None
    attempt: int | None = None
    status: int | None = None
    error: str | None = None
    latency_ms: float | None = None
    next_retry_at: str | None = None


@dataclass(frozen=True)
class JobDone(EmulatorEvent):
    """A callback job ended: "delivered", "gave_up" or "cancelled", after `attempts`."""

    kind: ClassVar[str] = "job_done"
    time: float
    request_id: str | None = None
    outcome: str | None = None
    attempts: int | None = None


@dataclass(frozen=True)
class StreamOpened(EmulatorEvent):
    kind: ClassVar[str] = "stream_open"
    time: float
    request_id: str | None = None
    mode: str | None = None  # none, http-callback, ws-callback
    callback: str | None = None


@dataclass(frozen=True)
class StreamMessageSent(EmulatorEvent):
    kind: ClassVar[str] = "stream_message"
    time: float
    request_id: str | None = None
    type: str | None = None  # Results, Metadata, SpeechStarted, UtteranceEnd
    is_final: bool | None = None


@dataclass(frozen=True)
class StreamCallbackPosted(EmulatorEvent):
    """One streaming message POSTed to an http(s) callback (never retried)."""

    kind: ClassVar[str] = "stream_callback"
    time: float
    request_id: str | None = None
    message: int | None = None
    status: int | None = None
    error: str | None = None
    latency_ms: float | None = None


@dataclass(frozen=True)
class StreamClosed(EmulatorEvent):
    kind: ClassVar[str] = "stream_close"
    time: float
    request_id: str | None = None
    code: int | None = None
    reason: str | None = None
    audio_seconds: float | None = None


@dataclass(frozen=True)
class FaultApplied(EmulatorEvent):
    """A Deepgram-side failure made on demand (core/emulator_faults.py) took effect: `fault`
    is "delay", "fail", "drop" or "callback_delay"; only its own fields are set."""

    kind: ClassVar[str] = "fault"
    time: float
    request_id: str | None = None
    fault: str | None = None
    seconds: float | None = None
    status: int | None = None
    err_code: str | None = None
    after_messages: int | None = None
    code: int | None = None

    @property
    def fields(self) -> dict[str, Any]:
        return {k: v for k, v in super().fields.items() if v is not None}


@dataclass(frozen=True)
class OtherEmulatorEvent(EmulatorEvent):
    """An emulator event of a kind this version does not know, its fields as they came."""

    event_name: str
    time: float
    other_fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.event_name

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.other_fields)


KINDS: dict[str, type[EmulatorEvent]] = {
    cls.kind: cls
    for cls in (
        JobStarted,
        Rejected,
        Transcribed,
        AttemptMade,
        JobDone,
        StreamOpened,
        StreamMessageSent,
        StreamCallbackPosted,
        StreamClosed,
        FaultApplied,
    )
}


def emulator_event(name: str, time: float, fields: Mapping[str, Any]) -> EmulatorEvent:
    """The typed event for `name` with `fields` (its JSON form read back): fields it does
    not declare make it an `OtherEmulatorEvent`, so nothing read is lost."""
    cls: Any = KINDS.get(name)  # a dataclass of EmulatorEvent's
    if cls is not None:
        declared = {f.name for f in dataclasses.fields(cls)} - {"time"}
        if set(fields) <= declared:
            event: EmulatorEvent = cls(time=time, **fields)
            return event
    return OtherEmulatorEvent(name, time, dict(fields))
