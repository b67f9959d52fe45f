"""`DeepgramEmulator`: the real Deepgram emulator in a `with` block, for users' own tests.

The same server as `callback-inspector serve` (real offline speech recognition, Deepgram's
JSON, callbacks with `dg-token`, retries, PUT, live streams) on 127.0.0.1 and a free port, on
a background thread; plus the failures Deepgram produces, on demand (`fail_next`,
`delay_next`, `drop_next_stream`, `delay_callbacks`), and what it did, to assert on
(`jobs`, `wait_for_job`, `streams`, `wait_for_stream`).

Defaults differ from Deepgram's where a test suite needs it: callbacks may go to any port
(a local receiver listens on a random one) and retries come 0.1 s apart, not 30 s
(`configure(retry_delay=30)` gives Deepgram's pace). Recognition processes start at the first
transcription, so an emulator that never transcribes costs a few milliseconds.

Why this module is long: `DeepgramEmulator` is a public API, one short method per thing a
user's test asks of the emulator (configure it, inject a failure, wait for and read a job or
a stream, an SDK client pointed at it) and the records it answers with; the loop thread and
the waiting are in modules of their own (`_loop.py`, `waiting.py`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..core.emulator_faults import (
    DROP_CODE,
    FAULT_PARTS,
    NO_FAULTS,
    DelayReplies,
    DropStreams,
    EmulatorFaults,
    FailRequests,
)
from ..core.events import EmulatorEvent, Event
from ..core.settings import EmulatorSettings
from . import sdk
from ._loop import HostedServer, changed_settings
from .waiting import Arrivals, Query, plural

TEST_RETRY_DELAY = 0.1  # seconds between callback attempts in tests (Deepgram: 30 [CB])
PLACEHOLDER_KEY = "emulator-test-key"  # what `.api_key` gives when any key is accepted
_FIXED = ("host", "port")  # settings a running emulator cannot change


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt of a callback: the reply's status, or why there was none."""

    number: int  # 1-based
    status: int | None  # the receiver's HTTP status; None when the attempt failed without one
    error: str | None  # connection refused, timed out...
    latency_ms: float
    finished: float  # epoch seconds

    @property
    def started(self) -> float:
        return self.finished - self.latency_ms / 1000.0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def __str__(self) -> str:
        return str(self.status) if self.status is not None else f"error ({self.error})"


@dataclass(frozen=True)
class Job:
    """A pre-recorded request with `callback=`: accepted, transcribed, delivered (or not)."""

    request_id: str
    callback: str | None  # the callback URL, without user:password
    method: str | None  # POST or PUT
    accepted: float  # epoch seconds: when the emulator answered {"request_id"}
    transcribed: float | None = None  # when the transcript (or error body) was ready
    attempts: tuple[Attempt, ...] = ()
    outcome: str | None = None  # "delivered", "gave_up", "cancelled"; None while in flight

    @property
    def done(self) -> bool:
        return self.outcome is not None

    @property
    def delivered(self) -> bool:
        return self.outcome == "delivered"


@dataclass(frozen=True)
class Stream:
    """A live WebSocket stream on `/v1/listen`."""

    request_id: str
    mode: str  # "none", "http-callback" or "ws-callback"
    callback: str | None
    opened: float
    messages: int = 0  # messages the emulator sent (Results, Metadata, ...)
    close_code: int | None = None  # None while open
    close_reason: str | None = None

    @property
    def closed(self) -> bool:
        return self.close_code is not None


@dataclass(frozen=True)
class Rejection:
    """A request the emulator refused: bad key, bad parameter, or an injected failure."""

    request_id: str
    status: int
    err_code: str
    err_msg: str
    detail: str
    time: float


@dataclass(frozen=True)
class Injection:
    """A fault the emulator injected: `fault` is "fail", "delay", "drop" or "callback_delay";
    `details` what it was (status, seconds, after_messages...)."""

    request_id: str
    fault: str
    details: dict[str, Any]
    time: float


class DeepgramApiError(Exception):
    """`submit()` got an error reply; `status` and `body` are Deepgram's (`err_code`...)."""

    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body
        self.err_code = body.get("err_code") if isinstance(body, dict) else None
        super().__init__(f"the emulator answered {status}: {body}")


def _settings(base: EmulatorSettings, changes: dict[str, Any]) -> EmulatorSettings:
    return changed_settings(base, changes, "emulator", _FIXED)


class DeepgramEmulator(HostedServer):
    """Deepgram's `/v1/listen` (HTTP and WebSocket) on 127.0.0.1, started by `with`.

    ```python
    with DeepgramEmulator() as deepgram, CallbackReceiver() as receiver:
        reply = deepgram.submit(sample_audio(), callback=receiver.url + "/hook")
        job = deepgram.wait_for_job(reply["request_id"])
    ```
    Keyword arguments are emulator settings (`api_key`, `retry_delay`, `max_retries`,
    `relaxed_ports`, `attempt_timeout`, `stream_idle_timeout`...), as `serve`'s flags.
    """

    _what = "emulator"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        relaxed_ports: bool = True,
        retry_delay: float = TEST_RETRY_DELAY,
        max_retries: int = 10,
        **settings: Any,
    ) -> None:
        base = EmulatorSettings(host="127.0.0.1", port=0)
        self._initial = _settings(
            base,
            {
                "api_key": api_key,
                "relaxed_ports": relaxed_ports,
                "retry_delay": retry_delay,
                "max_retries": max_retries,
                **settings,
            },
        )
        self._settings = self._initial
        super().__init__("deepgram-emulator")
        self._arrivals = Arrivals()
        self._jobs: dict[str, Job] = {}
        self._sync: set[str] = set()  # request_ids answered with the transcript itself
        self._streams: dict[str, Stream] = {}
        self._rejections: list[Rejection] = []
        self._injections: list[Injection] = []

    def _make_server(self) -> Any:
        from ..engine.emulator.server import Emulator  # aiohttp and the ASR stack: only now

        return Emulator(self._settings, self._record, lazy_speech=True, file_processes=1)

    # -- where it is --------------------------------------------------------------------
    @property
    def api_key(self) -> str:
        """A key the emulator accepts: the one configured, or a placeholder (any non-empty
        key is accepted then)."""
        return self._settings.api_key or PLACEHOLDER_KEY

    @property
    def settings(self) -> EmulatorSettings:
        return self._settings

    def sdk_client(self, **kwargs: Any) -> Any:
        """A `deepgram.DeepgramClient` of the installed official SDK (3.x to 7.x) pointed at
        this emulator with its `api_key`: `deepgram.sdk_client().listen...` as in the SDK's
        docs. `kwargs` go to the client (5.x and later: `timeout=`, `httpx_client=`...)."""
        return sdk.client(self.url, self.ws_url, self.api_key, **kwargs)

    def sdk_environment(self) -> Any:
        """A `deepgram.DeepgramClientEnvironment` (deepgram-sdk 5.x to 7.x) pointing at this
        emulator: `DeepgramClient(api_key=emu.api_key, environment=emu.sdk_environment())`."""
        return sdk.environment(self.url, self.ws_url)

    def sdk_options(self, **options: Any) -> Any:
        """`deepgram.DeepgramClientOptions` (deepgram-sdk 3.x and 4.x) pointing at this
        emulator, REST and live alike: `DeepgramClient(emu.api_key, emu.sdk_options())`.
        `options` go to it too (`verbose=`, `options={"keepalive": "true"}`...)."""
        return sdk.options(self.url, **options)

    # -- settings and faults ------------------------------------------------------------
    def configure(self, **changes: Any) -> None:
        """Change settings from the next request on: `retry_delay`, `max_retries`,
        `relaxed_ports`, `api_key` (then only that key is valid), `attempt_timeout`..."""
        self._settings = _settings(self._settings, changes)
        if self._server is not None:
            self._server.apply_settings(self._settings)

    def _faults(self, part: str, change: Callable[[EmulatorFaults], EmulatorFaults]) -> None:
        self._running.faults.update(change, (part,) if part != "all" else FAULT_PARTS)

    def fail_next(self, status: int, count: int = 1, retry_after: int | None = None) -> None:
        """The next `count` requests to `/v1/listen` get `status` with Deepgram's error body
        (401 INVALID_AUTH, 402 ASR_PAYMENT_REQUIRED, 429 TOO_MANY_REQUESTS, 5xx) and, with
        `retry_after`, a `Retry-After` header. Calls add up, used in order."""
        fail = FailRequests(status, count, retry_after)
        self._faults("fail", lambda f: replace(f, fail=(*f.fail, fail)))

    def delay_next(self, seconds: float) -> None:
        """The next `/v1/listen` reply (or WebSocket handshake) waits `seconds` first."""
        delay = DelayReplies(seconds, count=1)
        self._faults("delay", lambda f: replace(f, delay=delay))

    def drop_next_stream(self, after_messages: int, code: int = DROP_CODE) -> None:
        """The next live stream is closed with `code` (Deepgram's 1011) once the emulator
        has sent `after_messages` messages on it."""
        drop = DropStreams(after_messages, code, count=1)
        self._faults("drop", lambda f: replace(f, drop=drop))

    def delay_callbacks(self, seconds: float) -> None:
        """The first attempt of every callback waits `seconds` after the transcript is ready
        (0 stops it, and lets the held ones go): callbacks that arrive late."""
        self._faults("callback_delay", lambda f: replace(f, callback_delay=float(seconds)))

    def clear_faults(self) -> None:
        """No more faults; replies and callbacks held by a delay go now."""
        self._faults("all", lambda _f: NO_FAULTS)

    @property
    def faults(self) -> EmulatorFaults:
        """The faults still to come."""
        return self._running.faults.faults  # type: ignore[no-any-return]

    def reset(self) -> None:
        """Back to the state after start: no faults, the settings given at construction,
        nothing recorded (what the session fixture does between tests)."""
        if self.running:
            self.clear_faults()
        self.configure(**{
            f.name: getattr(self._initial, f.name)
            for f in dataclasses.fields(EmulatorSettings)
            if f.name not in _FIXED
        })
        with self._arrivals.lock:
            self._jobs.clear()
            self._sync.clear()
            self._streams.clear()
            self._rejections.clear()
            self._injections.clear()

    # -- what happened --------------------------------------------------------------------
    def _record(self, event: Event) -> None:
        """The emulator's events, on its loop thread: folded into jobs and streams."""
        if not isinstance(event, EmulatorEvent):
            return
        f, t = event.fields, event.time
        request_id = f.get("request_id")
        if not isinstance(request_id, str):
            return
        with self._arrivals.lock:
            self._apply(event.name, f, t, request_id)
            self._arrivals.notify()

    def _apply(self, name: str, f: dict[str, Any], t: float, request_id: str) -> None:
        job = self._jobs.get(request_id)
        stream = self._streams.get(request_id)
        if name == "job":
            if f.get("mode") == "callback":
                self._jobs[request_id] = Job(request_id, f.get("callback"), f.get("method"), t)
            else:
                self._sync.add(request_id)
        elif name == "transcribed" and job is not None:
            self._jobs[request_id] = replace(job, transcribed=t)
        elif name == "attempt" and job is not None:
            attempt = Attempt(
                number=int(f.get("attempt") or len(job.attempts) + 1),
                status=f.get("status"),
                error=f.get("error"),
                latency_ms=float(f.get("latency_ms") or 0.0),
                finished=t,
            )
            self._jobs[request_id] = replace(job, attempts=(*job.attempts, attempt))
        elif name == "job_done" and job is not None:
            self._jobs[request_id] = replace(job, outcome=str(f.get("outcome")))
        elif name == "rejected":
            self._rejections.append(
                Rejection(
                    request_id,
                    int(f.get("status") or 0),
                    str(f.get("err_code") or ""),
                    str(f.get("err_msg") or ""),
                    str(f.get("detail") or ""),
                    t,
                )
            )
        elif name == "fault":
            details = {k: v for k, v in f.items() if k not in ("request_id", "fault")}
            self._injections.append(Injection(request_id, str(f.get("fault")), details, t))
        elif name == "stream_open":
            self._streams[request_id] = Stream(
                request_id, str(f.get("mode") or "none"), f.get("callback"), t
            )
        elif name == "stream_message" and stream is not None:
            self._streams[request_id] = replace(stream, messages=stream.messages + 1)
        elif name == "stream_close" and stream is not None:
            code = f.get("code")
            self._streams[request_id] = replace(
                stream,
                close_code=code if isinstance(code, int) else 1006,
                close_reason=str(f.get("reason") or ""),
            )

    def jobs(self) -> list[Job]:
        """Every callback job so far, oldest first."""
        with self._arrivals.lock:
            return list(self._jobs.values())

    def streams(self) -> list[Stream]:
        """Every live stream so far, oldest first."""
        with self._arrivals.lock:
            return list(self._streams.values())

    def rejections(self) -> list[Rejection]:
        """Every refused request so far (401, 400, injected failures...), oldest first."""
        with self._arrivals.lock:
            return list(self._rejections)

    def injections(self) -> list[Injection]:
        """Every fault injected so far (a failure, a held reply, a dropped stream...)."""
        with self._arrivals.lock:
            return list(self._injections)

    def wait_for_injection(self, fault: str | None = None, timeout: float = 10.0) -> Injection:
        """The first injection of `fault` ("fail", "delay", "drop", "callback_delay"; None:
        any) once it happened: e.g. a reply is being held now."""
        return self._arrivals.wait(*self._injection_query(fault, timeout), timeout)

    async def wait_for_injection_async(
        self, fault: str | None = None, timeout: float = 10.0
    ) -> Injection:
        """`wait_for_injection`, awaited: the test's own event loop keeps running."""
        return await self._arrivals.wait_async(*self._injection_query(fault, timeout), timeout)

    def _injection_query(self, fault: str | None, timeout: float) -> Query[Injection]:
        def found() -> Injection | None:
            return next((i for i in self._injections if fault in (None, i.fault)), None)

        def explain() -> str:
            seen = ", ".join(i.fault for i in self._injections) or "none"
            return f"expected a {fault or 'fault'} injection within {timeout:g} s; seen: {seen}"

        return found, explain

    def wait_for_job(self, request_id: str, timeout: float = 10.0) -> Job:
        """The job of `request_id` once it is over (delivered, gave up or cancelled)."""
        return self._arrivals.wait(*self._job_query(request_id, timeout), timeout)

    async def wait_for_job_async(self, request_id: str, timeout: float = 10.0) -> Job:
        """`wait_for_job`, awaited: the test's own event loop keeps running (an app under
        test on that loop can answer the callback meanwhile)."""
        return await self._arrivals.wait_async(*self._job_query(request_id, timeout), timeout)

    def _job_query(self, request_id: str, timeout: float) -> Query[Job]:
        def found() -> Job | None:
            job = self._jobs.get(request_id)
            return job if job is not None and job.done else None

        return found, lambda: self._explain_job(request_id, timeout)

    def _explain_job(self, request_id: str, timeout: float) -> str:
        expected = f"expected callback job {request_id} to finish within {timeout:g} s"
        job = self._jobs.get(request_id)
        if job is not None:
            tried = ", ".join(map(str, job.attempts)) or "none yet"
            state = "still transcribing" if job.transcribed is None else f"attempts: {tried}"
            s = self._settings
            return (
                f"{expected}; it is in flight to {job.callback} ({state}); retries come "
                f"{s.retry_delay:g} s apart, {s.max_retries} at most (configure(retry_delay=...))"
            )
        if request_id in self._sync:
            return f"{expected}, but it was answered at once with the transcript (no callback=)"
        refused = [r for r in self._rejections if r.request_id == request_id]
        if refused:
            r = refused[0]
            return f"{expected}, but the emulator refused it: {r.status} {r.err_code} {r.detail}"
        known = ", ".join(list(self._jobs)[-5:]) or "none"
        return f"{expected}; there is no such job (callback jobs so far: {known})"

    def wait_for_stream(self, request_id: str | None = None, timeout: float = 10.0) -> Stream:
        """A live stream once it is closed: the one of `request_id`, else the first one."""
        return self._arrivals.wait(*self._stream_query(request_id, timeout), timeout)

    async def wait_for_stream_async(
        self, request_id: str | None = None, timeout: float = 10.0
    ) -> Stream:
        """`wait_for_stream`, awaited: the test's own event loop keeps running."""
        return await self._arrivals.wait_async(*self._stream_query(request_id, timeout), timeout)

    def _stream_query(self, request_id: str | None, timeout: float) -> Query[Stream]:
        def found() -> Stream | None:
            for stream in self._streams.values():
                if (request_id is None or stream.request_id == request_id) and stream.closed:
                    return stream
            return None

        def explain() -> str:
            which = f"stream {request_id}" if request_id else "a live stream"
            open_ = [s for s in self._streams.values() if not s.closed]
            return (
                f"expected {which} to close within {timeout:g} s; "
                f"{plural(len(self._streams), 'stream')} so far, {len(open_)} still open"
            )

        return found, explain

    # -- a client, for tests that only need a callback to happen -----------------------------
    def submit(
        self,
        audio: bytes | str | os.PathLike[str],
        *,
        callback: str | None = None,
        callback_method: str | None = None,
        timeout: float = 60.0,
        **params: str | int | float | bool,
    ) -> dict[str, Any]:
        """POST audio to `/v1/listen` as Deepgram's clients do; the JSON reply (a transcript,
        or `{"request_id"}` with `callback`). `audio`: bytes, a file path, or an http(s) URL
        the emulator downloads. Other keyword arguments are query parameters (`punctuate=True`,
        `tag="x"`). Raises `DeepgramApiError` for an error reply."""
        query: list[tuple[str, str]] = []
        for name, value in params.items():
            query.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
        if callback is not None:
            query.append(("callback", callback))
        if callback_method is not None:
            query.append(("callback_method", callback_method))
        headers = {"Authorization": f"Token {self.api_key}"}
        if isinstance(audio, str) and audio.startswith(("http://", "https://")):
            body = json.dumps({"url": audio}).encode()
            headers["Content-Type"] = "application/json"
        else:
            body = audio if isinstance(audio, bytes) else Path(audio).read_bytes()
            headers["Content-Type"] = "application/octet-stream"
        url = f"{self.url}/v1/listen"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return json.loads(response.read())  # type: ignore[no-any-return]
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                detail: Any = json.loads(raw)
            except ValueError:
                detail = raw.decode("utf-8", "replace")
            raise DeepgramApiError(exc.code, detail) from None



