"""The handler check's payloads: what the recogniser hears in the bundled sample, as a file and
live, recognised once per process (issue 19).

A window running several checks, or the test suite, recognises the sample once: the results
are kept for the process (`SampleRecognition`), as is the latest long transcript
(`long_result`, 20 MB, built on a worker thread). Recognition runs in an `AsrWorker` (a child
process): the emulator's when one runs, else one of the check's own (`own_asr`), stopped once
the sample is recognised.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..bundled import samples_dir
from ..core.check_payloads import LongResult, build_long_result
from ..core.handler_checks import CaseId
from ..core.transcript import StreamUpdate, Transcription
from .emulator.asr_worker import AsrWorker

SAMPLE = "numbers.wav"  # the shortest sample: recognised in about a second
STREAM_CHUNK_BYTES = 3200  # 0.1 s of 16 kHz 16-bit audio per live frame
# The long transcript's request_id, replaced by each run's own in the built body.
LONG_PLACEHOLDER_ID = "00000000-0000-4000-8000-000000000000"

AsrSource = Callable[[], Awaitable[tuple[AsrWorker, bool]]]
"""Gives a started recognition worker, and whether it is the check's own to stop."""


@dataclass(frozen=True)
class LiveRecognition:
    updates: tuple[StreamUpdate, ...]
    audio_seconds: float
    sha256: str  # of the audio streamed, for Metadata


_RECOGNISED: dict[tuple[Path, str], Transcription | LiveRecognition] = {}  # for the process
_LONG: dict[int, LongResult] = {}  # by size asked for


class SampleRecognition:
    """What the recogniser heard in the sample, as a file and live. Each is recognised on
    first use only (a ws URL needs no file transcription) and kept for the process."""

    def __init__(self, asr: AsrSource, sample: Path | None = None) -> None:
        self._asr = asr
        self._sample = sample or samples_dir() / SAMPLE
        self._worker: AsrWorker | None = None
        self._own = False

    async def _started(self) -> AsrWorker:
        if self._worker is None:
            self._worker, self._own = await self._asr()
        return self._worker

    async def transcription(self) -> Transcription:
        cached = _RECOGNISED.get((self._sample, "file"))
        if isinstance(cached, Transcription):
            return cached
        worker = await self._started()
        transcription = await worker.transcribe(self._sample.read_bytes())
        _RECOGNISED[self._sample, "file"] = transcription
        return transcription

    async def live(self) -> LiveRecognition:
        """The sample streamed through the live recogniser, 0.1 s per frame."""
        cached = _RECOGNISED.get((self._sample, "live"))
        if isinstance(cached, LiveRecognition):
            return cached
        worker = await self._started()
        audio = self._sample.read_bytes()
        sid = await worker.open_stream(encoding=None, sample_rate=None, channels=1)
        updates: list[StreamUpdate] = []
        seconds = 0.0
        try:
            for offset in range(0, len(audio), STREAM_CHUNK_BYTES):
                got, seconds = await worker.feed(sid, audio[offset : offset + STREAM_CHUNK_BYTES])
                updates.extend(got)
            got, seconds = await worker.finalize(sid)  # what CloseStream flushes
            updates.extend(got)
        finally:
            await worker.close_stream(sid)
        live = LiveRecognition(tuple(updates), seconds, hashlib.sha256(audio).hexdigest())
        _RECOGNISED[self._sample, "live"] = live
        return live

    async def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None and self._own:
            await worker.stop()

    async def prepare(self, cases: Sequence[CaseId], websocket: bool) -> Payloads:
        """What `cases` will send, recognised before anything is sent; the check's own
        recognition process is stopped once it is done."""
        file_cases = {
            CaseId.ORDINARY,
            CaseId.RETRY,
            CaseId.PUT,
            CaseId.LONG_TRANSCRIPT,
            CaseId.UNICODE,
        }
        if not websocket:
            file_cases |= {CaseId.NO_BASIC_AUTH, CaseId.WRONG_DG_TOKEN}
        try:
            transcription = await self.transcription() if file_cases & set(cases) else None
            live_cases = {CaseId.STREAM_HTTP, CaseId.STREAM_WS}
            live = await self.live() if live_cases & set(cases) else None
        finally:
            await self.close()
        return Payloads(transcription, live)


@dataclass(frozen=True)
class Payloads:
    """The recognitions a run's cases are built from (None: no case of the run needs it)."""

    file: Transcription | None
    live: LiveRecognition | None

    @property
    def transcription(self) -> Transcription:
        assert self.file is not None, "prepared without the file transcription"
        return self.file

    @property
    def stream(self) -> LiveRecognition:
        assert self.live is not None, "prepared without the live recognition"
        return self.live


def long_result(transcription: Transcription, min_bytes: int) -> LongResult:
    """The long transcript of at least `min_bytes`, built once per size (blocking: run it on
    a worker thread)."""
    built = _LONG.get(min_bytes)
    if built is None:
        built = build_long_result(
            transcription, min_bytes, request_id=LONG_PLACEHOLDER_ID, created=datetime.now(UTC)
        )
        _LONG.clear()  # one kept: 20 MB each
        _LONG[min_bytes] = built
    return built


async def own_asr() -> tuple[AsrWorker, bool]:
    """A recognition process of the check's own, stopped once the sample is recognised."""
    worker = AsrWorker("check", parallel=1)
    worker.start()
    return worker, True
