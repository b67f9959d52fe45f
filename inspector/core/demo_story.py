"""A demo's story, told from what actually happens: each engine event of the demo's own job
(or stream) becomes a step a viewer can read ("Attempt 2: the receiver answered 503, a
failure; Deepgram retries in 3 s"). A plain reducer over events, like `core.delivery`:
the window shows the steps one by one at the demo's pace (ui/demo_runner.py).

A demo's job is the first one whose callback goes to the demo's path after the run started;
everything else (other traffic, a previous run's late retries) is left out. A stream demo's
story tells each message the emulator sends over the callback socket (a result's words
quoted), so a viewer sees the stream work before it is killed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .body_view import view_body
from .event_read import LineError, epoch
from .events import EmulatorEvent, Event, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from .records import Direction, Exchange, ExchangeKind, WsMessage

TRANSCRIPT_CHARS = 60  # of a streamed result, quoted in its step


@dataclass(frozen=True)
class Step:
    text: str
    tone: str = "info"  # "info", "ok" (delivered), "fail" (a failed attempt), "end"


@dataclass
class DemoStory:
    """The story of one run of a demo whose callback path is `path`."""

    path: str
    request_id: str | None = None
    finished: bool = False
    first_exchange: int | None = None  # the run's first exchange at the receiver (its marker)
    socket: int | None = None  # the callback socket of a stream demo (its exchange id)
    messages: int = 0  # messages the emulator sent over that socket
    _seen_receiver: set[str] = field(default_factory=set)

    def _ours(self, callback: object) -> bool:
        if not isinstance(callback, str):
            return False
        try:
            return urlsplit(callback).path.startswith(self.path)
        except ValueError:
            return False

    def apply(self, event: Event) -> list[Step]:
        """The steps `event` adds to the story (none when it is not about this run)."""
        if self.finished:
            return []
        if isinstance(event, EmulatorEvent):
            return self._emulator(event)
        if isinstance(event, ExchangeAdded | ExchangeUpdated):
            return self._receiver(event.exchange)
        if isinstance(event, WsMessageAdded) and event.message.exchange_id == self.socket:
            return self._socket_message(event.message)
        return []

    def _socket_message(self, message: WsMessage) -> list[Step]:
        """What the emulator sent over the callback socket: each result, as it came."""
        if message.direction is not Direction.IN:
            return []
        self.messages += 1
        n = f"Message {self.messages} on the callback socket"
        view = view_body(message.data)
        if view.message_type != "Results":
            return [Step(f"{n}: {view.message_type or 'not a Deepgram message'}.")]
        kind = "a final result" if view.is_final else "an interim result"
        words = (view.transcript or "").strip()
        if len(words) > TRANSCRIPT_CHARS:
            words = words[: TRANSCRIPT_CHARS - 1] + "…"
        said = f": “{words}”" if words else " (no words yet)"
        return [Step(f"{n}, {kind}{said}.")]

    def _emulator(self, event: EmulatorEvent) -> list[Step]:
        f = event.fields
        rid = f.get("request_id")
        if self.request_id is None:
            if event.name == "job" and self._ours(f.get("callback")):
                self.request_id = str(rid)
                method = f.get("method") or "POST"
                return [
                    Step(
                        f"The emulator took the audio and answered at once with request_id "
                        f"{_short(rid)}; once transcribed, it calls {self.path} with {method}."
                    )
                ]
            if event.name == "stream_open" and self._ours(f.get("callback")):
                self.request_id = str(rid)
                return [
                    Step(
                        f"A live stream opened (request_id {_short(rid)}); every result goes to "
                        "the callback socket as well. If that socket drops, Deepgram kills the "
                        "whole stream."
                    )
                ]
            return []
        if rid != self.request_id:
            return []
        if event.name == "transcribed":
            return [
                Step(
                    f"Transcribed {f.get('audio_seconds')} s of audio ({f.get('words')} words); "
                    "now the callback."
                )
            ]
        if event.name == "attempt":
            return [_attempt_step(event)]
        if event.name == "job_done":
            self.finished = True
            n = f.get("attempts")
            outcome = f.get("outcome")
            if outcome == "delivered":
                return [Step(f"Delivered after {_attempts(n)}. Deepgram stops here.", "ok")]
            if outcome == "gave_up":
                return [
                    Step(
                        f"Gave up after {_attempts(n)}: the transcript is lost for good. A "
                        "receiver must answer 2xx within the retries.",
                        "end",
                    )
                ]
            return [Step(f"The job ended: {outcome}.", "end")]
        if event.name == "stream_close":
            self.finished = True
            return [
                Step(
                    f"The emulator closed the client's stream with {f.get('code')}: "
                    f"{f.get('reason') or 'no reason'}.",
                    "end",
                )
            ]
        return []

    def _receiver(self, x: Exchange) -> list[Step]:
        if not x.path.startswith(self.path):
            return []
        steps: list[Step] = []
        if self.first_exchange is None:
            self.first_exchange = x.id
        if x.kind is ExchangeKind.WEBSOCKET:
            if self.socket is None:
                self.socket = x.id
            if x.ws_end is not None and "closed" not in self._seen_receiver:
                self._seen_receiver.add("closed")
                by = "the receiver" if x.ws_end.by.value == "server" else x.ws_end.by.value
                rule = f" (rule {x.rule})" if x.rule else ""
                steps.append(
                    Step(
                        f"The callback socket was closed by {by} with {x.ws_end.code}{rule}.",
                        "fail",
                    )
                )
            elif x.ws_end is None and "open" not in self._seen_receiver:
                self._seen_receiver.add("open")
                steps.append(Step(f"The emulator opened its callback socket to {x.path}."))
            return steps
        if x.status is not None and "first" not in self._seen_receiver:
            self._seen_receiver.add("first")
            auth = x.basic_auth
            extra = []
            if auth is not None:
                extra.append(f"Authorization: Basic for user {auth.user!r} (password masked)")
            if x.dg_token:
                extra.append(f"dg-token {_short(x.dg_token)}")
            said = f" It carries {' and '.join(extra)}." if extra else ""
            steps.append(
                Step(f"The callback arrived: {x.method} {x.target}, {x.body_size} bytes.{said}")
            )
        return steps


def _short(value: object) -> str:
    text = str(value)
    return text[:8] + "…" if len(text) > 12 else text


def _attempts(n: object) -> str:
    return f"{n} attempt{'s' if n != 1 else ''}"


def _attempt_step(event: EmulatorEvent) -> Step:
    f = event.fields
    n, status, error = f.get("attempt"), f.get("status"), f.get("error")
    got = f"answered {status}" if status is not None else f"failed ({error})"
    if isinstance(status, int) and 200 <= status < 300:
        return Step(f"Attempt {n}: the receiver {got}: delivered.", "ok")
    due = f.get("next_retry_at")
    if due is None:
        retry = "no retries left"
    else:
        try:
            wait = max(0.0, epoch(due) - event.time)
        except LineError:
            wait = 0.0
        retry = f"the emulator retries in {wait:.0f} s (Deepgram waits 30 s)"
    return Step(f"Attempt {n}: the receiver {got}, a failure; {retry}.", "fail")
