"""Speech recognition in a child process, awaited from the engine loop.

Measured here: PocketSphinx's `process_raw` holds the GIL for the whole call (a spinning
thread got 0.1 % of its usual turns while 20 s of audio were decoded), so running it on a
thread would freeze the receiver for as long as a transcription takes. Each `AsrWorker` is one
spawned process owning a `Transcriber` and its live streams; requests go down a pipe and
answers come back in order. Sends happen on a helper thread, since a large audio payload can
block on a full pipe while the child is busy.

A file is transcribed on all cores (up to `parallel`, default 2): the first `transcribe`
spawns helper processes, and once they have loaded the model each file is cut into parts
(`Transcriber.transcribe_part`) decoded side by side, with the same words as one process
would give. A worker that only serves live streams never spawns helpers.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
import itertools
import logging
import multiprocessing
import os
import signal
import threading
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from ...core.transcript import StreamUpdate, Transcription
from .audio import AudioDecodeError

if TYPE_CHECKING:  # the engine never loads the recogniser itself: only its processes do
    from .transcriber import Transcriber

log = logging.getLogger(__name__)

DEFAULT_TRANSCRIBER = "inspector.engine.emulator.transcriber:PocketSphinxTranscriber"


STOP_SEND_TIMEOUT = 1.0  # seconds stop() waits to tell the child to exit before ending it


class AsrWorkerError(RuntimeError):
    """The recognition process failed or exited; the message says how."""


def _load(spec: str) -> Transcriber:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)()


def _answer(conn: Connection, answer: tuple[int, bool, Any]) -> bool:
    """Send one answer; False when the parent is gone (it stopped, or was killed, while this
    child was still loading or busy): the child then ends quietly, not with a traceback."""
    try:
        conn.send(answer)
    except (BrokenPipeError, EOFError, ConnectionResetError):
        return False
    except Exception as exc:  # an answer that cannot be pickled: the error goes instead
        log.exception("a recognition answer could not be sent")
        return _answer(conn, (answer[0], False, ("internal", f"{type(exc).__name__}: {exc}")))
    return True


def worker_main(conn: Connection, spec: str) -> None:
    """The child process: serve requests until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    transcriber = _load(spec)
    if hasattr(transcriber, "warm_up"):
        transcriber.warm_up()  # load the model now, not on the first request
    # Unsolicited answer 0: the model is loaded; says whether files can be split in parts.
    if not _answer(conn, (0, True, hasattr(transcriber, "transcribe_part"))):
        return
    streams: dict[int, Any] = {}
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        req_id, op, args = message
        try:
            if op == "transcribe":
                audio, options = args
                result: Any = transcriber.transcribe(audio, **options)
            elif op == "transcribe_part":
                audio, index, count, options = args
                result = transcriber.transcribe_part(audio, index, count, **options)
            elif op == "open":
                sid, kwargs = args
                streams[sid] = transcriber.open_stream(**kwargs)
                result = None
            elif op == "feed":
                stream = streams[args[0]]
                result = (stream.feed(args[1]), stream.audio_seconds)
            elif op == "finalize":
                stream = streams[args[0]]
                result = (stream.finalize(), stream.audio_seconds)
            elif op == "end":
                stream = streams[args[0]]
                result = (stream.close(), stream.audio_seconds)
            elif op == "close":
                closing = streams.pop(args[0], None)
                if closing is not None and hasattr(closing, "close"):
                    closing.close()
                result = None
            else:
                raise ValueError(f"unknown request {op!r}")
            answer: tuple[int, bool, Any] = (req_id, True, result)
        except AudioDecodeError as exc:
            answer = (req_id, False, ("decode", str(exc)))
        except Exception as exc:  # reported to the awaiting coroutine, the worker lives on
            log.exception("speech recognition failed")
            answer = (req_id, False, ("internal", f"{type(exc).__name__}: {exc}"))
        if not _answer(conn, answer):
            return


def _joined(parts: list[Transcription]) -> Transcription:
    """One file's parts back together: mono parts in order; channel `c` from part
    `c % len(parts)` (`Transcriber.transcribe_part`)."""
    first = parts[0]
    if not first.channel_words:
        return Transcription(
            words=tuple(word for part in parts for word in part.words),
            duration=first.duration,
            channels=first.channels,
            sha256=first.sha256,
        )
    channel_words = tuple(
        parts[c % len(parts)].channel_words[c] for c in range(len(first.channel_words))
    )
    return Transcription(
        words=channel_words[0],
        duration=first.duration,
        channels=first.channels,
        sha256=first.sha256,
        channel_words=channel_words,
    )


class AsrWorker:
    """One recognition process; every method is a coroutine for the engine loop."""

    def __init__(
        self, name: str, spec: str = DEFAULT_TRANSCRIBER, *, parallel: int | None = None
    ) -> None:
        """`parallel`: processes a file is decoded on (default: up to 2, one per core)."""
        self.name = name
        self.spec = spec
        self.parallel = parallel if parallel is not None else min(2, os.cpu_count() or 1)
        self.can_split = False  # set once the process has loaded its model
        self._helpers: list[AsrWorker] = []
        self._settled: asyncio.Event | None = None  # the model loaded, or the process exited
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._conn: Connection | None = None
        self._proc: Any = None
        self._reader: threading.Thread | None = None
        self._lazy = False  # start() was told to spawn at the first request
        self._sender = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix=f"asr-{name}-send"
        )
        self._stream_ids = itertools.count(1)

    def start(self, lazy: bool = False) -> None:
        """Spawn the process (returns at once; the model loads in the background), or with
        `lazy` at the first request: a worker never asked anything starts no process. Measured
        here: a spawned worker costs ~0.4 s of CPU to start and its stop waits for the model
        to load, so an emulator that never transcribes (most in a test suite) is cheap only
        when lazy."""
        self._loop = asyncio.get_running_loop()
        self._settled = asyncio.Event()
        self._lazy = lazy
        if not lazy:
            self._spawn()

    def _spawn_if_lazy(self) -> None:
        if self._lazy and self._proc is None and self._loop is not None:
            self._lazy = False
            self._spawn()

    def _spawn(self) -> None:
        ctx = multiprocessing.get_context("spawn")  # never fork a process that has threads
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(
            target=worker_main, args=(child, self.spec), name=f"asr-{self.name}", daemon=True
        )
        self._proc.start()
        child.close()
        self._conn = parent
        self._reader = threading.Thread(
            target=self._read, name=f"asr-{self.name}-recv", daemon=True
        )
        self._reader.start()

    def _read(self) -> None:
        conn, loop = self._conn, self._loop  # stop() clears the attributes; keep our own
        assert conn is not None and loop is not None
        while True:
            try:
                req_id, ok, payload = conn.recv()
            except (EOFError, OSError):
                break
            try:
                loop.call_soon_threadsafe(self._resolve, req_id, ok, payload)
            except RuntimeError:  # loop closed
                return
        try:
            loop.call_soon_threadsafe(self._fail_all)
        except RuntimeError:
            pass

    def _resolve(self, req_id: int, ok: bool, payload: Any) -> None:
        if req_id == 0:  # the child is ready
            self.can_split = bool(payload)
            if self._settled is not None:
                self._settled.set()
            return
        future = self._pending.pop(req_id, None)
        if future is None or future.done():
            return
        if ok:
            future.set_result(payload)
        elif payload[0] == "decode":
            future.set_exception(AudioDecodeError(payload[1]))
        else:
            future.set_exception(AsrWorkerError(f"speech recognition failed: {payload[1]}"))

    def _fail_all(self) -> None:
        self.can_split = False  # a helper that exited takes no more parts
        if self._settled is not None:
            self._settled.set()
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(AsrWorkerError("the speech recognition process exited"))

    async def _request(self, op: str, *args: Any) -> Any:
        self._spawn_if_lazy()
        if self._conn is None or self._loop is None:
            raise AsrWorkerError("the speech recognition process is not running")
        req_id = next(self._ids)
        future: asyncio.Future[Any] = self._loop.create_future()
        self._pending[req_id] = future
        conn = self._conn
        try:
            await self._loop.run_in_executor(self._sender, conn.send, (req_id, op, args))
        except (OSError, ValueError) as exc:
            self._pending.pop(req_id, None)
            raise AsrWorkerError(f"the speech recognition process is gone: {exc}") from None
        except asyncio.CancelledError:
            # Cancelled while sending (the emulator stops): nobody will await the answer.
            self._pending.pop(req_id, None)
            future.cancel()
            raise
        return await future

    async def transcribe(self, audio: bytes, *, multichannel: bool = False) -> Transcription:
        """Recognise a whole file, split across this process and its ready helpers.

        Mono files are cut into parts of about equal audio; with `multichannel` the
        channels are shared out instead (`Transcriber.transcribe_part`)."""
        self._spawn_if_lazy()
        if not self._helpers and self.parallel > 1 and self._conn is not None:
            for n in range(2, self.parallel + 1):
                helper = AsrWorker(f"{self.name}-{n}", self.spec, parallel=1)
                helper.start()  # this file is not split; later ones are, once it is ready
                self._helpers.append(helper)
        options = {"multichannel": True} if multichannel else {}
        workers = [self] + [h for h in self._helpers if h.can_split and h._conn is not None]
        if self.processes == 1:
            result: Transcription = await self._request("transcribe", audio, options)
            return result
        count = len(workers)
        outcomes = await asyncio.gather(
            *(
                w._request("transcribe_part", audio, i, count, options)
                for i, w in enumerate(workers)
            ),
            return_exceptions=True,
        )
        parts: list[Transcription] = []
        for outcome in outcomes:  # every part sees the same audio: the first error will do
            if isinstance(outcome, AsrWorkerError) and self._conn is not None:
                # A helper died (e.g. out of memory): this process decodes the whole file.
                log.warning("a recognition helper failed (%s); decoding in one process", outcome)
                whole: Transcription = await self._request("transcribe", audio, options)
                return whole
            if isinstance(outcome, BaseException):
                raise outcome
            parts.append(outcome)
        return _joined(parts)

    async def wait_ready(self) -> None:
        """Wait until this process and its helpers so far have loaded the model (or exited)."""
        for worker in [self, *self._helpers]:
            if worker._settled is not None and worker._proc is not None:  # lazy: none yet
                await worker._settled.wait()

    @property
    def processes(self) -> int:
        """Processes the next file would be decoded on."""
        helpers = sum(1 for h in self._helpers if h.can_split and h._conn is not None)
        return 1 + helpers if self.can_split else 1

    async def open_stream(self, **kwargs: Any) -> int:
        """Open a live stream in the worker; `kwargs` go to `Transcriber.open_stream`."""
        sid = next(self._stream_ids)
        await self._request("open", sid, kwargs)
        return sid

    async def feed(self, sid: int, data: bytes) -> tuple[list[StreamUpdate], float]:
        result: tuple[list[StreamUpdate], float] = await self._request("feed", sid, data)
        return result

    async def finalize(self, sid: int) -> tuple[list[StreamUpdate], float]:
        result: tuple[list[StreamUpdate], float] = await self._request("finalize", sid)
        return result

    async def end_stream(self, sid: int) -> tuple[list[StreamUpdate], float]:
        """The stream's end (`CloseStream`): the remaining audio as updates ending in one
        FINAL that is not `from_finalize`; `close_stream` afterwards only forgets it."""
        result: tuple[list[StreamUpdate], float] = await self._request("end", sid)
        return result

    async def close_stream(self, sid: int) -> None:
        await self._request("close", sid)

    async def stop(self) -> None:
        """End this process and its helpers, all at once: each may wait up to
        STOP_SEND_TIMEOUT + 5 s for its child, and the engine's stop waits 10 s in all."""
        helpers, self._helpers = self._helpers, []
        await asyncio.gather(*(helper.stop() for helper in helpers), self._stop_own())

    async def _stop_own(self) -> None:
        self._lazy = False  # a stopped worker spawns nothing more
        conn, self._conn = self._conn, None
        loop = asyncio.get_running_loop()
        if conn is not None:
            # Through the sender thread, never beside it: two threads writing one pipe at
            # once interleave their bytes, and the child cannot unpickle what it reads. A
            # send stuck behind a large one (the child busy decoding) is given up on; the
            # child is then terminated, which unblocks it.
            try:
                await asyncio.wait_for(
                    loop.run_in_executor(self._sender, conn.send, None), STOP_SEND_TIMEOUT
                )
            except (OSError, ValueError, TimeoutError):
                pass
        proc, self._proc = self._proc, None
        if proc is not None and proc.pid is not None:  # pid: the process was started
            if self._settled is not None and not self._settled.is_set():
                proc.terminate()  # still loading its model: it would read the stop only after
            await loop.run_in_executor(None, proc.join, 5)
            if proc.is_alive():
                proc.terminate()
                await loop.run_in_executor(None, proc.join, 5)
        if conn is not None:
            conn.close()
        # Nothing left behind: the reader ends at the pipe's EOF once the child is gone, the
        # sender once shut down; the process object's sentinel pipe is closed.
        reader, self._reader = self._reader, None
        await loop.run_in_executor(None, self._finish_threads, reader, proc)
        self._fail_all()

    def _finish_threads(self, reader: threading.Thread | None, proc: Any) -> None:
        self._sender.shutdown(wait=True)
        if reader is not None:
            reader.join(STOP_SEND_TIMEOUT)
        if proc is not None and proc.pid is not None and not proc.is_alive():
            proc.close()
