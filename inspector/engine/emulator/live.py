"""One live transcription over WebSocket `/v1/listen`, with its optional callback.

Client frames: binary audio, text `KeepAlive` / `Finalize` / `CloseStream` [AAS]. Server
frames: `Results`, `SpeechStarted`, `UtteranceEnd`, `Metadata`; close 1000 after CloseStream,
1011 NET-0001 after ~10 s without data, 1008 DATA-0000 for undecodable audio [WSE].
With `callback`, every message also goes to the callback: one POST each for http(s), a
WebSocket for ws(s) whose loss kills the stream with 1011 [CB] (REFERENCE.md section 3).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import websockets
from aiohttp import WSMsgType, web

from ...core.callback_url import CallbackTarget
from ...core.delivery import Attempt
from ...core.diarization import SpeakerClusters, diarize
from ...core.emulator_events import (
    StreamCallbackPosted,
    StreamClosed,
    StreamMessageSent,
    StreamOpened,
)
from ...core.emulator_faults import DropStreams
from ...core.events import EmulatorEvent
from ...core.listen_options import ListenOptions
from ...core.listen_response import (
    build_results_message,
    build_speech_started,
    build_stream_metadata,
    build_utterance_end,
)
from ...core.settings import EmulatorSettings
from ...core.transcript import StreamUpdate, StreamUpdateKind
from ..dispatcher import callback_headers
from .asr_worker import AsrWorker, AsrWorkerError
from .audio import AudioDecodeError

log = logging.getLogger(__name__)

CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008  # DATA-0000: undecodable audio [WSE]
CLOSE_INTERNAL = 1011  # NET-0001 idle timeout, or the callback socket was lost [WSE][CB]
MAX_CLOSE_REASON = 123  # bytes allowed in a close frame's reason (RFC 6455 5.5)


def _reason(text: str) -> str:
    raw = text.encode()[:MAX_CLOSE_REASON]
    return raw.decode("utf-8", errors="ignore")


@dataclass(frozen=True)
class LiveContext:
    """What one live stream needs of the emulator, and nothing more (as `RefusalSink` is what
    the receiver's connections need of the receiver): the stream never sees the `Emulator`."""

    # As they were when the stream opened: a stream keeps the settings it started with, as a
    # pre-recorded job keeps its retry policy.
    settings: EmulatorSettings
    asr: AsrWorker  # the live recognition process
    # One callback POST, never raising for network trouble: `Dispatcher.attempt`.
    post: Callable[[str, str, bytes, dict[str, str], int], Awaitable[Attempt]]
    publish: Callable[[EmulatorEvent], None]  # the emulator's events
    drop: DropStreams | None = None  # a drop injected for this stream (`FaultInjector`)


class LiveSession:
    def __init__(
        self,
        context: LiveContext,
        request: web.Request,
        request_id: str,
        options: ListenOptions,
        target: CallbackTarget | None,
        key_id: str,
    ) -> None:
        self._context = context
        self._settings = context.settings
        self.request = request
        self.request_id = request_id
        self.options = options
        self.target = target
        self.key_id = key_id
        self.ws = web.WebSocketResponse(
            protocols=("token",),
            autoping=True,
            max_msg_size=context.settings.max_audio_bytes,
        )
        self.ws.headers["dg-request-id"] = request_id  # on every upgrade reply [WSE]
        self.created = datetime.now(UTC)
        self.audio_seconds = 0.0
        self._audio_hash = hashlib.sha256()  # of every audio byte received: Metadata.sha256
        self.callback_ws: Any = None
        self._http_queue: asyncio.Queue[bytes | None] | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._poster: asyncio.Task[None] | None = None  # sends the http(s) callback POSTs
        self.closed: tuple[int, str] | None = None
        self.sent = 0  # messages sent so far (to the client or the callback)
        # diarize: the speakers heard so far, per channel (they carry across results)
        self._speakers: dict[int, SpeakerClusters] = {}

    # -- lifecycle --------------------------------------------------------------------
    async def run(self) -> web.WebSocketResponse:
        await self.ws.prepare(self.request)
        mode = "none"
        if self.target is not None:
            mode = "ws-callback" if self.target.is_websocket else "http-callback"
        self._context.publish(
            StreamOpened(
                time=time.time(),
                request_id=self.request_id,
                mode=mode,
                callback=self.target.url_without_userinfo if self.target else None,
            )
        )
        asr = self._context.asr
        sid: int | None = None
        try:
            if not await self._open_callback() or await self._dropped():
                return self.ws
            stream_params: dict[str, Any] = {
                "encoding": self.options.encoding.value if self.options.encoding else None,
                "sample_rate": self.options.sample_rate,
                "channels": self.options.channels,
            }
            if self.options.multichannel:
                stream_params["multichannel"] = True
            if "endpointing" in self.request.query:
                # Deepgram's 10 ms default would split PocketSphinx's segments at every
                # breath; the recogniser keeps its own default unless the client asks.
                stream_params["endpointing_ms"] = self.options.endpointing or None
            sid = await asr.open_stream(**stream_params)
            await self._serve(sid)
        except AsrWorkerError as exc:
            await self.close(CLOSE_INTERNAL, f"speech recognition failed: {exc}")
        finally:
            if sid is not None:
                try:
                    await asr.close_stream(sid)
                except AsrWorkerError:
                    pass
            await self._close_callback()
            for task in self._tasks:
                task.cancel()
            code, reason = self.closed or (self.ws.close_code or 1006, "closed by the client")
            self._context.publish(
                StreamClosed(
                    time=time.time(),
                    request_id=self.request_id,
                    code=code,
                    reason=reason,
                    audio_seconds=round(self.audio_seconds, 3),
                )
            )
        return self.ws

    async def _serve(self, sid: int) -> None:
        asr = self._context.asr
        idle = self._settings.stream_idle_timeout
        while not self.ws.closed:
            try:
                msg = await asyncio.wait_for(self.ws.receive(), timeout=idle)
            except TimeoutError:
                await self.send(self._metadata())
                await self.close(CLOSE_INTERNAL, f"NET-0001: no audio or messages for {idle:g} s")
                return
            if msg.type == WSMsgType.BINARY:
                if not msg.data:  # a zero-length frame ends the stream [WSE]
                    await self._finish(sid)
                    return
                self._audio_hash.update(msg.data)
                try:
                    updates, self.audio_seconds = await asr.feed(sid, msg.data)
                except AudioDecodeError as exc:
                    await self.close(CLOSE_POLICY, f"DATA-0000: could not decode the audio: {exc}")
                    return
                await self._emit(updates)
            elif msg.type == WSMsgType.TEXT:
                kind = _message_type(msg.data)
                if kind == "CloseStream":
                    await self._finish(sid)
                    return
                if kind == "Finalize":
                    updates, self.audio_seconds = await asr.finalize(sid)
                    await self._emit(updates)
                # KeepAlive (and anything else textual) only resets the idle timer.
            else:  # CLOSE, CLOSING, CLOSED, ERROR: the client is gone
                return

    async def _finish(self, sid: int) -> None:
        """Flush final results, send Metadata, close 1000 [AAS].

        The flush is the stream's end, not a `Finalize`: its Results carry
        `from_finalize: false`, the flag Deepgram documents for `Finalize` only."""
        try:
            updates, self.audio_seconds = await self._context.asr.end_stream(sid)
            await self._emit(updates)
        except AudioDecodeError as exc:
            await self.close(CLOSE_POLICY, f"DATA-0000: could not decode the audio: {exc}")
            return
        await self.send(self._metadata())
        await self._drain_http_callbacks()
        await self.close(CLOSE_NORMAL, "")

    async def close(self, code: int, reason: str) -> None:
        if self.closed is None:
            self.closed = (code, reason)
        if not self.ws.closed:
            await self.ws.close(code=code, message=_reason(reason).encode())

    async def shutdown(self) -> None:
        await self.close(1001, "the emulator is shutting down")

    def _metadata(self) -> dict[str, Any]:
        return build_stream_metadata(
            request_id=self.request_id,
            created=self.created,
            duration=self.audio_seconds,
            channels=self.options.channels,
            sha256=self._audio_hash.hexdigest(),
            extra=self.options.extra or None,
            warnings=self.options.warnings,
        )

    # -- messages out -----------------------------------------------------------------
    async def _emit(self, updates: list[StreamUpdate]) -> None:
        o = self.options
        # channel_index [i, n]: n channels recognised apart with multichannel, else one mix.
        n = o.channels if o.multichannel else 1
        for u in updates:
            channel = [u.channel, n]
            if o.diarize and u.words:
                clusters = self._speakers.setdefault(u.channel, SpeakerClusters())
                final = u.kind is StreamUpdateKind.FINAL
                u = dataclasses.replace(u, words=diarize(u.words, clusters, learn=final))
            if u.kind is StreamUpdateKind.SPEECH_STARTED:
                if o.vad_events:
                    await self.send(build_speech_started(channel, u.start))
            elif u.kind is StreamUpdateKind.INTERIM:
                if o.interim_results:
                    await self.send(
                        build_results_message(u, o, request_id=self.request_id, channels=n)
                    )
            else:
                await self.send(build_results_message(u, o, request_id=self.request_id, channels=n))
                if o.utterance_end_ms is not None and u.speech_final and u.words:
                    await self.send(build_utterance_end(channel, u.words[-1].end))

    async def _dropped(self) -> bool:
        """Close the stream now if an injected drop is due (Deepgram's 1011 [WSE])."""
        drop = self._context.drop
        if drop is None or self.sent < drop.after_messages:
            return False
        await self.close(
            drop.code,
            f"fault injected by the emulator: stream dropped after {self.sent} message(s)",
        )
        return True

    async def send(self, message: dict[str, Any]) -> None:
        if self.closed is not None:
            return  # the stream is over (dropped, lost its callback): nothing more goes out
        text = json.dumps(message)
        to_client = self.target is None or not self._settings.stream_callback_only
        if to_client and not self.ws.closed:
            try:
                await self.ws.send_str(text)
            except ConnectionError:
                pass
        if self.callback_ws is not None:
            try:
                await self.callback_ws.send(text)
            except websockets.ConnectionClosed:
                await self._callback_lost()
        elif self._http_queue is not None:
            self._http_queue.put_nowait(text.encode())
        self._context.publish(
            StreamMessageSent(
                time=time.time(),
                request_id=self.request_id,
                type=message.get("type"),
                is_final=message.get("is_final"),
            )
        )
        self.sent += 1
        await self._dropped()

    # -- the callback -----------------------------------------------------------------
    async def _open_callback(self) -> bool:
        target = self.target
        if target is None:
            return True
        headers = callback_headers(target, self.key_id, self._settings.user_agent)
        if not target.is_websocket:
            self._http_queue = asyncio.Queue()
            self._poster = asyncio.ensure_future(self._post_messages(headers))
            self._tasks.append(self._poster)
            return True
        headers.pop("Content-Type")
        try:
            self.callback_ws = await websockets.connect(
                target.url_without_userinfo,
                additional_headers=headers,
                open_timeout=self._settings.attempt_timeout,
                user_agent_header=None,
            )
        except (OSError, TimeoutError, websockets.WebSocketException) as exc:
            await self.close(
                CLOSE_INTERNAL,
                f"callback WebSocket {target.url_without_userinfo} could not be opened: {exc}",
            )
            return False
        self._tasks.append(asyncio.ensure_future(self._watch_callback()))
        return True

    async def _watch_callback(self) -> None:
        """Kill the stream the moment the callback socket is gone (strict one-to-one) [CB]."""
        assert self.callback_ws is not None
        try:
            async for _ in self.callback_ws:
                pass  # what the callback sends us is not part of the protocol
        except websockets.ConnectionClosed:
            pass
        await self._callback_lost()

    async def _callback_lost(self) -> None:
        if self.closed is not None:
            return
        assert self.target is not None
        cb = self.callback_ws
        code = getattr(cb, "close_code", None) if cb is not None else None
        await self.close(
            CLOSE_INTERNAL,
            f"callback WebSocket {self.target.url_without_userinfo} was lost (code {code})",
        )

    async def _close_callback(self) -> None:
        if self.callback_ws is not None:
            cb, self.callback_ws = self.callback_ws, None
            await cb.close()

    async def _post_messages(self, headers: dict[str, str]) -> None:
        """One POST per message, in order; not retried (REFERENCE.md section 3)."""
        assert self._http_queue is not None and self.target is not None
        number = 0
        while True:
            data = await self._http_queue.get()
            if data is None:
                return
            number += 1
            attempt = await self._context.post(
                self.target.url_without_userinfo, "POST", data, headers, number
            )
            self._context.publish(
                StreamCallbackPosted(
                    time=time.time(),
                    request_id=self.request_id,
                    message=number,
                    status=attempt.status,
                    error=attempt.error,
                    latency_ms=round(attempt.latency_ms, 3),
                )
            )

    async def _drain_http_callbacks(self) -> None:
        """Let queued POSTs go out before the stream ends (bounded by the attempt timeout)."""
        if self._http_queue is None or self._poster is None:
            return
        self._http_queue.put_nowait(None)
        try:
            await asyncio.wait_for(
                asyncio.shield(self._poster), timeout=self._settings.attempt_timeout
            )
        except TimeoutError:
            pass


def _message_type(text: str) -> str | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    value = data.get("type") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None
