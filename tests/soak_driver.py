"""The soak: the real `serve --data-dir` under paced callback load with WebSockets mixed in.

One copy, used by `bench/soak.py` (`make soak`, an hour) and `tests/e2e/test_soak.py` (two
minutes in `make test`). It starts `callback-inspector serve --port 0 --no-emulator --data-dir
TMP` on 127.0.0.1, and a load generator in its own process (asyncio + aiohttp client) that
sends, on an absolute schedule (request n leaves at start + n / rate, so no sleep drift):

- 2 KB Deepgram-callback-like JSON POSTs, each first attempt with its own metadata.request_id;
  every 8th slot carries a retry of an earlier, answered request instead (attempt 2, and for
  some attempt 3), about a second after its previous attempt was answered. The expected attempt
  number rides in the query string and is checked against the `attempt` serve prints.
- a few short-lived WebSockets per second, each sending a few text messages and closing, and a
  couple of long-lived sockets that send a message now and then and stay open to the end.

At the end, two probe requests test the receiver's attempt memory from outside: a retry of the
most recent id must count as attempt 2; a retry of the oldest id, once more distinct ids than
`ATTEMPT_MEMORY` came after it, must count as 1 again (forgotten: the memory is bounded).

serve's stdout is read as it comes (a script consuming the lines would) and only counted:
requests, attempt mismatches, WebSockets opened and closed, messages. Every `sample_every`
seconds the harness reads serve's RSS, open fds, threads (/proc/PID) and the session files'
size. Load goes only to 127.0.0.1 and is bounded by the schedule.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from inspector.core.attempts import ATTEMPT_MEMORY

EXE = [sys.executable, "-m", "inspector"]
REPO = Path(__file__).resolve().parent.parent

WARM_UP_PATH = "/soak/warm-up"
RETRIED_EVERY = 10  # every 10th first attempt gets a retry (attempt 2) ...
THIRD_EVERY = 50  # ... and every 50th a third attempt
# Every 8th slot is a retry when one is due (else a first attempt). Retries must have room:
# 7 first attempts ask for 7 x (1/10 + 1/50) = 0.84 retries per 8 slots. With every 10th
# slot (1.08 asked per 10) the queue grew all hour; after ~19 minutes retries came more than
# --attempt-memory (16,384) ids late and the receiver rightly counted them as attempt 1.
RETRY_EVERY = 8
RETRY_AFTER = 1.0  # seconds after the previous attempt was answered
MAX_IN_FLIGHT = 256  # the generator waits (and falls behind) rather than pile up more
LONG_LIVED_IDS = 1 << 40  # socket numbers of the long-lived ones, apart from the short ones


# -- bodies ---------------------------------------------------------------------------------
_RID = "00000000-0000-0000-0000-000000000000"


def _callback_template() -> str:
    """A Deepgram pre-recorded callback body of ~2 KB with `_RID` as its request_id."""
    words = (
        "the quick brown fox jumps over the lazy dog while the callback inspector listens "
        "and counts every retry of every request it gets"
    ).split()
    body = {
        "metadata": {
            "transaction_key": "deprecated",
            "request_id": _RID,
            "sha256": "5324da68ede209a16ac69a38e8cd29cee4d754434a041166cda3a1f5e0b24566",
            "created": "2026-11-25T12:00:00.000Z",
            "duration": 4.2,
            "channels": 1,
            "models": ["1ed36bac-f71c-4f3f-a31f-02fd6525c489"],
            "model_info": {
                "1ed36bac-f71c-4f3f-a31f-02fd6525c489": {
                    "name": "general-nova-3",
                    "version": "2024-01-26.8851",
                    "arch": "nova-3",
                }
            },
        },
        "results": {
            "channels": [
                {
                    "alternatives": [
                        {
                            "transcript": " ".join(words),
                            "confidence": 0.987,
                            "words": [
                                {
                                    "word": w,
                                    "start": round(i * 0.3, 2),
                                    "end": round(i * 0.3 + 0.25, 2),
                                    "confidence": 0.99,
                                }
                                for i, w in enumerate(words)
                            ],
                        }
                    ]
                }
            ]
        },
    }
    text = json.dumps(body, separators=(",", ":"))
    assert 1900 <= len(text) <= 2200, len(text)
    return text


def _ws_message(n: int, i: int) -> str:
    return json.dumps(
        {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": 1.0,
            "start": float(i),
            "is_final": True,
            "channel": {"alternatives": [{"transcript": f"soak socket {n} message {i}"}]},
            "metadata": {"request_id": str(uuid.UUID(int=n))},
        }
    )


# -- the load generator (its own process) ---------------------------------------------------
@dataclass(frozen=True)
class LoadPlan:
    url: str
    seconds: float
    rate: float = 200.0
    ws_per_second: float = 3.0
    ws_messages: int = 3
    long_lived: int = 2
    long_lived_every: float = 5.0  # seconds between a long-lived socket's messages
    attempt_memory: int = ATTEMPT_MEMORY

    @property
    def requests(self) -> int:
        return round(self.rate * self.seconds)


# Counters shared with the harness (one writer: the generator): indexes into an Array('q').
SENT, ANSWERED, FAILED, RETRIES, WS_OPENED, WS_CLOSED, WS_SENT, WS_FAILED, MAX_LAG_MS = range(9)
COUNTERS = 9


def _check_local(url: str) -> None:
    if not url.startswith("http://127.0.0.1:"):
        raise SystemExit(f"the soak sends load only to 127.0.0.1, not {url}")


def load_process(
    plan: LoadPlan,
    counters: Any,
    load_done: Any,
    close_long_lived: Any,
    errors: Any,
) -> None:
    """Entry point of the generator process (multiprocessing, spawn)."""
    _check_local(plan.url)
    try:
        asyncio.run(_generate(plan, counters, load_done, close_long_lived, errors))
    except BaseException as exc:
        errors.put(f"load generator: {exc!r}")
        load_done.set()
        raise


async def _generate(
    plan: LoadPlan, counters: Any, load_done: Any, close_long_lived: Any, errors: Any
) -> None:
    import aiohttp

    loop = asyncio.get_running_loop()
    template = _callback_template()
    salt = uuid.uuid4().int >> 64 << 64  # ids distinct across runs too
    first_ids = 0  # first attempts sent so far
    retries: collections.deque[tuple[float, int, int]] = collections.deque(maxlen=100_000)
    in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
    tasks: set[asyncio.Task[None]] = set()
    error_notes = 0

    def note_error(text: str) -> None:
        nonlocal error_notes
        if error_notes < 20:
            errors.put(text)
        error_notes += 1

    def spawn(coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    connector = aiohttp.TCPConnector(limit=50)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def post(index: int, attempt: int, probe: str = "") -> None:
            rid = str(uuid.UUID(int=salt | index))
            body = template.replace(_RID, rid).encode()
            query = f"attempt={attempt}" + (f"&probe={probe}" if probe else "")
            try:
                async with session.post(
                    f"{plan.url}/soak/callback?{query}",
                    data=body,
                    headers={"Content-Type": "application/json", "dg-token": "soak-token-id"},
                ) as reply:
                    await reply.read()
                    ok = reply.status == 200
                if ok:
                    counters[ANSWERED] += 1
                else:
                    counters[FAILED] += 1
                    note_error(f"request {rid} attempt {attempt}: HTTP {reply.status}")
            except Exception as exc:
                counters[FAILED] += 1
                note_error(f"request {rid} attempt {attempt}: {exc!r}")
                return
            finally:
                in_flight.release()
            if not probe and (
                (attempt == 1 and index % RETRIED_EVERY == 0)
                or (attempt == 2 and index % THIRD_EVERY == 0)
            ):
                retries.append((loop.time() + RETRY_AFTER, index, attempt + 1))

        async def short_socket(n: int) -> None:
            try:
                async with session.ws_connect(f"{plan.url}/soak/ws?n={n}") as ws:
                    counters[WS_OPENED] += 1
                    for i in range(plan.ws_messages):
                        await ws.send_str(_ws_message(n, i))
                        counters[WS_SENT] += 1
                    await ws.close()
                counters[WS_CLOSED] += 1
            except Exception as exc:
                counters[WS_FAILED] += 1
                note_error(f"websocket {n}: {exc!r}")

        async def long_socket(n: int, stop: asyncio.Event) -> None:
            try:
                async with session.ws_connect(f"{plan.url}/soak/long?n={n}") as ws:
                    counters[WS_OPENED] += 1
                    begin, i = loop.time(), 0
                    while True:
                        due = begin + i * plan.long_lived_every
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), max(0.0, due - loop.time()))
                        if stop.is_set():
                            break
                        await ws.send_str(_ws_message(n, i))
                        counters[WS_SENT] += 1
                        i += 1
                    await ws.close()
                counters[WS_CLOSED] += 1
            except Exception as exc:
                counters[WS_FAILED] += 1
                note_error(f"long-lived websocket {n}: {exc!r}")

        stop_long = asyncio.Event()
        long_tasks = [
            asyncio.ensure_future(long_socket(LONG_LIVED_IDS + k, stop_long))
            for k in range(plan.long_lived)
        ]

        async def sockets() -> None:
            start = loop.time()
            count = int(plan.seconds * plan.ws_per_second)
            for n in range(count):
                delay = start + n / plan.ws_per_second - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                spawn(short_socket(n))

        spawn(sockets())
        start = loop.time()
        for slot in range(plan.requests):
            due = start + slot / plan.rate
            lag = loop.time() - due
            if lag < 0:
                await asyncio.sleep(-lag)
            else:
                counters[MAX_LAG_MS] = max(counters[MAX_LAG_MS], int(lag * 1000))
            await in_flight.acquire()
            counters[SENT] += 1
            if slot % RETRY_EVERY == RETRY_EVERY - 1 and retries and retries[0][0] <= loop.time():
                _, index, attempt = retries.popleft()
                counters[RETRIES] += 1
                spawn(post(index, attempt))
            else:
                spawn(post(first_ids, 1))
                first_ids += 1
        while tasks:
            await asyncio.gather(*list(tasks))
        # Probes of the attempt memory, once everything else is answered. The newest first
        # attempt was never retried when its index is not a multiple of RETRIED_EVERY.
        newest = first_ids - 1
        while newest % RETRIED_EVERY == 0:
            newest -= 1
        oldest = 1  # never retried, and nothing after it refreshed it
        # Forgotten once ATTEMPT_MEMORY keys came after it (it is then the oldest).
        forgotten = first_ids - 1 - oldest >= plan.attempt_memory
        for index, attempt, probe in (
            (newest, 2, "newest"),
            (oldest, 1 if forgotten else 2, "oldest-forgotten" if forgotten else "oldest"),
        ):
            await in_flight.acquire()
            counters[SENT] += 1
            await post(index, attempt, probe)
        load_done.set()
        # The long-lived sockets stay open until the harness has checked the server's count.
        await loop.run_in_executor(None, close_long_lived.wait, 3600)
        stop_long.set()
        await asyncio.gather(*long_tasks)
    if error_notes > 20:
        errors.put(f"... and {error_notes - 20} more errors")


# -- the serve process and what it prints ---------------------------------------------------
class ServeCounts:
    """What serve printed, counted as it arrives (nothing kept per line)."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.requests = 0
        self.statuses: collections.Counter[int] = collections.Counter()
        self.attempts_checked = 0
        self.attempt_mismatches: list[str] = []  # at most 20 kept
        self.mismatch_count = 0
        self.probes: dict[str, int] = {}  # probe name -> attempt serve counted
        self.ws_opened = 0
        self.ws_closed = 0
        self.ws_messages = 0
        self.other: collections.Counter[str] = collections.Counter()
        self.warmed = False  # serve printed the warm-up request

    @property
    def ws_live(self) -> int:
        return self.ws_opened - self.ws_closed

    def take(self, line: dict[str, Any]) -> None:
        kind = line.get("event")
        if kind == "request" and line.get("path") == WARM_UP_PATH:
            self.warmed = True
        elif kind == "request":
            self.requests += 1
            self.statuses[line.get("status") or 0] += 1
            query = parse_qs(urlsplit(line.get("path", "")).query)
            if "attempt" in query:
                self.attempts_checked += 1
                expected = int(query["attempt"][0])
                if line.get("attempt") != expected:
                    self.mismatch_count += 1
                    if len(self.attempt_mismatches) < 20:
                        self.attempt_mismatches.append(
                            f"{line.get('request_id')}: expected attempt {expected}, "
                            f"serve counted {line.get('attempt')}"
                        )
                if "probe" in query:
                    self.probes[query["probe"][0]] = int(line.get("attempt") or 0)
        elif kind == "ws_open":
            self.ws_opened += 1
        elif kind == "ws_close":
            self.ws_closed += 1
        elif kind == "ws_message":
            self.ws_messages += 1
        else:
            self.other[str(kind)] += 1

    def wait(self, predicate: Callable[[ServeCounts], bool], timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self), timeout)


class SoakServe:
    """`callback-inspector serve` with a session file, its stdout counted by a thread."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.counts = ServeCounts()
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=50)
        self.proc = subprocess.Popen(
            [*EXE, "serve", "--port", "0", "--no-emulator", "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        self.pid = self.proc.pid
        self._listening: dict[str, Any] = {}
        self._ready = threading.Event()
        self._readers = [
            threading.Thread(target=self._read_stdout, name="soak-stdout", daemon=True),
            threading.Thread(target=self._read_stderr, name="soak-stderr", daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        if not self._ready.wait(30) or not self._listening:
            self.stop()
            raise RuntimeError(f"serve did not start: {''.join(self.stderr_tail)}")
        self.url: str = self._listening["receiver"]
        _check_local(self.url)

    def warm_up(self, timeout: float = 30.0) -> None:
        """One request on a connection serve closes, then its line printed: serve's threads
        (the printer starts after `listening` is printed) and files are all up, and the
        connection's fd is gone, before the start sample."""
        parts = urlsplit(self.url)
        assert parts.hostname is not None and parts.port is not None
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as conn:
            conn.sendall(
                f"POST {WARM_UP_PATH} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                "Content-Type: application/json\r\nContent-Length: 2\r\n"
                "Connection: close\r\n\r\n{}".encode()
            )
            while conn.recv(65536):  # until serve closes its end (its fd is closed then)
                pass
        if not self.counts.wait(lambda c: c.warmed, timeout):
            raise RuntimeError(f"serve did not print the warm-up request within {timeout}s")

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        counts = self.counts
        for text in self.proc.stdout:
            line = json.loads(text)
            if line.get("event") == "listening":
                self._listening = line
                self._ready.set()
                continue
            with counts.changed:
                counts.take(line)
                counts.changed.notify_all()
        self._ready.set()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for text in self.proc.stderr:
            self.stderr_tail.append(text)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        for reader in self._readers:  # they end at the pipes' end of file: none left behind
            reader.join(10)
        return code


# -- samples --------------------------------------------------------------------------------
def _status_field(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise KeyError(name)


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass
class Sample:
    elapsed: float  # seconds since the load started
    sent: int
    answered: int
    rss_kb: int
    fds: int
    threads: int
    session_bytes: int

    def line(self) -> str:
        return (
            f"{self.elapsed / 60:5.1f} min  sent {self.sent:>8,}  answered {self.answered:>8,}  "
            f"RSS {self.rss_kb / 1024:7.1f} MB  fds {self.fds:>4}  threads {self.threads:>3}  "
            f"session {self.session_bytes / 1e6:8.1f} MB"
        )


def sample(serve: SoakServe, elapsed: float, counters: Any) -> Sample:
    return Sample(
        elapsed=elapsed,
        sent=counters[SENT] if counters is not None else 0,
        answered=counters[ANSWERED] if counters is not None else 0,
        rss_kb=_status_field(serve.pid, "VmRSS"),
        fds=open_fds(serve.pid),
        threads=_status_field(serve.pid, "Threads"),
        session_bytes=dir_size(serve.data_dir),
    )


# -- the whole run --------------------------------------------------------------------------
FD_SLACK = 4  # fds serve may hold at the end beyond its start (e.g. a WAL file opened late)


@dataclass
class SoakReport:
    minutes: float
    rate: float
    requests_planned: int
    requests_sent: int
    requests_answered: int
    requests_failed: int
    retries_sent: int
    max_lag_ms: int
    websockets: int  # opened by the generator, short- and long-lived
    websockets_closed: int
    websockets_failed: int
    ws_messages_sent: int
    long_lived: int
    serve_requests: int  # request lines serve printed
    serve_statuses: dict[int, int]
    attempts_checked: int
    attempt_mismatches: int
    mismatch_examples: list[str]
    probes: dict[str, int]
    serve_ws_opened: int
    serve_ws_closed: int
    serve_ws_messages: int
    ws_live_before_long_lived_closed: int
    ws_live_end: int
    errors: list[str]
    start: Sample
    baseline: Sample
    baseline_minute: float
    end: Sample
    samples: list[Sample] = field(default_factory=list)
    serve_exit: int | None = None
    serve_stderr: list[str] = field(default_factory=list)  # its last lines (logs)

    @property
    def growth_pct(self) -> float:
        return 100.0 * (self.end.rss_kb - self.baseline.rss_kb) / self.baseline.rss_kb

    def summary(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(
            rss_start_kb=self.start.rss_kb,
            rss_baseline_kb=self.baseline.rss_kb,
            rss_end_kb=self.end.rss_kb,
            growth_pct=round(self.growth_pct, 2),
            fds_start=self.start.fds,
            fds_baseline=self.baseline.fds,
            fds_end=self.end.fds,
            threads_start=self.start.threads,
            threads_end=self.end.threads,
            requests=self.requests_answered,
        )
        return out


def run_soak(
    data_dir: Path,
    minutes: float,
    rate: float = 200.0,
    sample_every: float = 60.0,
    on_sample: Callable[[Sample], None] | None = None,
    ws_per_second: float = 3.0,
    long_lived: int = 2,
) -> SoakReport:
    """Run the soak for `minutes` at `rate` req/s against a fresh serve; `on_sample` gets
    the start sample, one every `sample_every` seconds, and the end sample."""
    seconds = minutes * 60.0
    baseline_at = min(5.0, minutes / 2) * 60.0
    report_sample = on_sample or (lambda s: None)
    serve = SoakServe(data_dir)
    try:
        plan = LoadPlan(
            url=serve.url,
            seconds=seconds,
            rate=rate,
            ws_per_second=ws_per_second,
            long_lived=long_lived,
        )
        serve.warm_up()
        start = sample(serve, 0.0, None)
        report_sample(start)
        ctx = multiprocessing.get_context("spawn")
        counters = ctx.Array("q", COUNTERS, lock=False)
        load_done, close_long_lived = ctx.Event(), ctx.Event()
        errors = ctx.Queue()
        generator = ctx.Process(
            target=load_process,
            args=(plan, counters, load_done, close_long_lived, errors),
            name="soak-load",
            daemon=True,
        )
        began = time.monotonic()
        generator.start()
        samples: list[Sample] = []
        baseline: Sample | None = None
        minute = 1
        # One sample per `sample_every` seconds on an absolute schedule, until the load is done.
        while True:
            due = began + minute * sample_every
            if load_done.wait(max(0.0, due - time.monotonic())):
                break
            taken = sample(serve, time.monotonic() - began, counters)
            samples.append(taken)
            report_sample(taken)
            if baseline is None and taken.elapsed >= baseline_at - 1.0:
                baseline = taken
            minute += 1
        if baseline is None:  # a run shorter than one sample
            baseline = sample(serve, time.monotonic() - began, counters)
        # Everything sent is answered by now; serve prints within its 50 ms batches.
        sent = counters[SENT]
        serve.counts.wait(lambda c: c.requests >= sent, 30)
        serve.counts.wait(lambda c: c.ws_live <= plan.long_lived, 30)
        live_before = serve.counts.ws_live
        close_long_lived.set()
        generator.join(60)
        serve.counts.wait(lambda c: c.ws_live == 0, 30)
        # Connections the generator held are closed on its side; serve closes its ends as it
        # reads their EOF. No event says so: read /proc until they are gone, bounded.
        deadline = time.monotonic() + 30
        while open_fds(serve.pid) > start.fds + FD_SLACK and time.monotonic() < deadline:
            time.sleep(0.1)
        end = sample(serve, time.monotonic() - began, counters)
        report_sample(end)
        error_list: list[str] = []
        while not errors.empty():
            error_list.append(errors.get())
        if generator.exitcode != 0:
            error_list.append(f"load generator exit code {generator.exitcode}")
        counts = serve.counts
        with counts.changed:
            report = SoakReport(
                minutes=minutes,
                rate=rate,
                requests_planned=plan.requests + 2,
                requests_sent=counters[SENT],
                requests_answered=counters[ANSWERED],
                requests_failed=counters[FAILED],
                retries_sent=counters[RETRIES],
                max_lag_ms=counters[MAX_LAG_MS],
                websockets=counters[WS_OPENED],
                websockets_closed=counters[WS_CLOSED],
                websockets_failed=counters[WS_FAILED],
                ws_messages_sent=counters[WS_SENT],
                long_lived=plan.long_lived,
                serve_requests=counts.requests,
                serve_statuses=dict(counts.statuses),
                attempts_checked=counts.attempts_checked,
                attempt_mismatches=counts.mismatch_count,
                mismatch_examples=list(counts.attempt_mismatches),
                probes=dict(counts.probes),
                serve_ws_opened=counts.ws_opened,
                serve_ws_closed=counts.ws_closed,
                serve_ws_messages=counts.ws_messages,
                ws_live_before_long_lived_closed=live_before,
                ws_live_end=counts.ws_live,
                errors=error_list,
                start=start,
                baseline=baseline,
                baseline_minute=round(baseline.elapsed / 60, 2),
                end=end,
                samples=samples,
            )
    finally:
        exit_code = serve.stop()
    report.serve_exit = exit_code
    report.serve_stderr = [t.rstrip() for t in serve.stderr_tail]
    return report
