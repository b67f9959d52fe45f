"""The Deepgram emulator: `/v1/listen` over HTTP (pre-recorded) and WebSocket (live).

Behaviour per `shared/deepgram/REFERENCE.md`; JSON shapes from `core.listen_response`.
Transcription runs in `AsrWorker` processes so the engine loop (and the receiver on it)
never waits for speech recognition.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from ...core.callback_url import CallbackTarget, CallbackUrlError, validate_callback_url
from ...core.deepgram_auth import key_identifier, parse_api_key
from ...core.delivery import Outcome, RetryPolicy
from ...core.emulator_events import JobDone, JobStarted, Rejected, Transcribed
from ...core.events import EmulatorEvent, Event, ListenOptionWarning
from ...core.headers import EMULATOR_DETAIL_HEADER, header_safe
from ...core.listen_options import ListenOptionError, ListenOptions, parse_listen_options
from ...core.listen_response import (
    INVALID_CALLBACK_URL_MESSAGE,
    INVALID_CREDENTIALS_MESSAGE,
    ErrorCode,
    build_accepted_response,
    build_error_body,
    build_listen_response,
)
from ...core.settings import EmulatorSettings
from ..binding import bind, url_for
from ..dispatcher import Dispatcher
from .asr_worker import DEFAULT_TRANSCRIBER, AsrWorker, AsrWorkerError
from .audio import AudioDecodeError
from .faults import FaultInjector
from .live import LiveContext, LiveSession

log = logging.getLogger(__name__)

# Deepgram's answer to undecodable audio [ERR].
DECODE_ERROR_CODE = "Bad Request"
DECODE_ERROR_MESSAGE = "Bad Request: failed to process audio: corrupt or unsupported data"


def _retry_policy(settings: EmulatorSettings) -> RetryPolicy:
    return RetryPolicy(settings.max_retries, settings.retry_delay, settings.redirect_is_failure)


class ListenError(Exception):
    """An error reply in Deepgram's legacy shape."""

    def __init__(
        self,
        status: int,
        err_code: str,
        err_msg: str,
        detail: str = "",
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        super().__init__(err_msg)
        self.status, self.err_code, self.err_msg, self.detail = status, err_code, err_msg, detail
        self.headers = headers  # e.g. Retry-After on an injected 429

    def response(self, request_id: str) -> web.Response:
        """Deepgram's body to the letter; the emulator's longer reason, when it has one, in a
        header of its own that Deepgram does not send (`submit` prints it)."""
        body = build_error_body(self.err_code, self.err_msg, request_id)
        headers = {"dg-request-id": request_id, **dict(self.headers)}
        if self.detail:
            headers[EMULATOR_DETAIL_HEADER] = header_safe(self.detail)
        return web.json_response(body, status=self.status, headers=headers)


@web.middleware
async def _client_gone(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A client that goes away mid-request (closes after half a body, sends garbage after an
    upgrade and leaves) is not the emulator's error: one info line instead of aiohttp's
    traceback on stderr, and nothing to answer."""
    try:
        return await handler(request)
    except ConnectionResetError as exc:
        log.info(
            "client %s left during %s %s: %s", request.remote, request.method, request.path, exc
        )
        return web.Response(status=400)  # never sent: the connection is gone


class Emulator:
    def __init__(
        self,
        settings: EmulatorSettings,
        publish: Callable[[Event], None],
        transcriber: str = DEFAULT_TRANSCRIBER,
        *,
        faults: FaultInjector | None = None,
        lazy_speech: bool = False,
        file_processes: int | None = None,
    ) -> None:
        """`faults`: the injected failures (the engine keeps one across restarts).
        `lazy_speech`: start the recognition processes at the first transcription instead of
        now; `file_processes`: how many decode one file (default: up to 2). The testing API
        uses lazy and 1: most emulators in a test suite never transcribe, the others
        short files, and every process loads its own model."""
        self.settings = settings
        self._publish = publish
        self.faults = faults if faults is not None else FaultInjector(publish)
        self.lazy_speech = lazy_speech
        self.files_asr = AsrWorker("files", transcriber, parallel=file_processes)
        self.live_asr = AsrWorker("live", transcriber)
        self.dispatcher = Dispatcher(
            _retry_policy(settings),
            settings.attempt_timeout,
            settings.user_agent,
            publish,
        )
        self._runner: web.AppRunner | None = None
        self._jobs: set[asyncio.Task[None]] = set()
        self.live_sessions: set[LiveSession] = set()
        self.port: int | None = None
        self._warned: set[str] = set()  # parameters whose warning was published this run

    def apply_settings(self, settings: EmulatorSettings) -> None:
        """Use `settings` from the next request on (the bound port does not change)."""
        self.settings = settings
        self.dispatcher.policy = _retry_policy(settings)
        self.dispatcher.attempt_timeout = settings.attempt_timeout
        self.dispatcher.user_agent = settings.user_agent

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("emulator is not listening")
        return url_for(self.settings.host, self.port)

    def event(self, event: EmulatorEvent) -> None:
        self._publish(event)

    async def start(self) -> None:
        self.files_asr.start(lazy=self.lazy_speech)
        self.live_asr.start(lazy=self.lazy_speech)
        await self.dispatcher.start()
        app = web.Application(
            client_max_size=self.settings.max_audio_bytes, middlewares=[_client_gone]
        )
        app.router.add_route("POST", "/v1/listen", self._listen_http)
        app.router.add_route("GET", "/v1/listen", self._listen_ws)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        _, self.port = await bind(
            self._runner, self.settings.host, self.settings.port, "emulator", "--emulator-port"
        )
        log.info("Deepgram emulator listening on %s", self.url)
        self.faults.announce()

    async def stop(self) -> None:
        self.faults.release()  # replies and callbacks held by a delay go (or are cancelled) now
        for session in list(self.live_sessions):
            await session.shutdown()
        for task in list(self._jobs):
            task.cancel()
        if self._jobs:
            await asyncio.gather(*self._jobs, return_exceptions=True)
        await self.dispatcher.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.files_asr.stop()
        await self.live_asr.stop()

    def _rejected(self, exc: ListenError, request_id: str) -> None:
        """The `rejected` event: what a refused request was told, and why in detail."""
        self.event(
            Rejected(
                time=time.time(),
                request_id=request_id,
                status=exc.status,
                err_code=str(exc.err_code),
                err_msg=exc.err_msg,
                detail=exc.detail,
            )
        )

    # -- shared checks ----------------------------------------------------------------
    async def inject_faults(self, request_id: str) -> None:
        """The injected delay and failure for this request (`faults`); ListenError to fail."""
        failure = await self.faults.before_request(request_id)
        if failure is not None:
            raise ListenError(
                failure.status, failure.err_code, failure.err_msg, failure.detail, failure.headers
            )

    def authenticate(self, request: web.Request) -> str:
        """The caller's API key, or ListenError 401 [ERR]."""
        protocols = [
            p.strip()
            for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")
            if p.strip()
        ]
        key = parse_api_key(request.headers.get("Authorization"), protocols)
        if not key or (self.settings.api_key is not None and key != self.settings.api_key):
            raise ListenError(401, ErrorCode.INVALID_AUTH, INVALID_CREDENTIALS_MESSAGE)
        return key

    def options(
        self, request: web.Request, streaming: bool, request_id: str = ""
    ) -> tuple[ListenOptions, CallbackTarget | None]:
        try:
            options = parse_listen_options(request.query.items(), streaming=streaming)
        except ListenOptionError as exc:
            raise ListenError(400, ErrorCode.INVALID_QUERY_PARAMETER, exc.message) from None
        self._warn_once(options, request_id)
        target = None
        if options.callback is not None:
            try:
                target = validate_callback_url(
                    options.callback, streaming=streaming, relaxed_ports=self.settings.relaxed_ports
                )
            except CallbackUrlError as exc:
                raise ListenError(
                    400, ErrorCode.INVALID_QUERY_PARAMETER, INVALID_CALLBACK_URL_MESSAGE, exc.reason
                ) from None
        return options, target

    def _warn_once(self, options: ListenOptions, request_id: str) -> None:
        """A `warning` event the first time each not-applied parameter appears (every reply
        still lists them all in `metadata.warnings`)."""
        for warning in options.warnings:
            if warning.parameter in self._warned:
                continue
            self._warned.add(warning.parameter)
            log.info("listen parameter not applied: %s", warning.message)
            self._publish(
                ListenOptionWarning(
                    warning.parameter, warning.type, warning.message, request_id, time.time()
                )
            )

    # -- pre-recorded -----------------------------------------------------------------
    async def _not_found(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "err_code": "NOT_FOUND",
                "err_msg": f"The emulator serves /v1/listen, not {request.path}.",
                "request_id": str(uuid.uuid4()),
            },
            status=404,
        )

    async def _listen_http(self, request: web.Request) -> web.Response:
        request_id = str(uuid.uuid4())
        try:
            await self.inject_faults(request_id)
            key = self.authenticate(request)
            options, target = self.options(request, streaming=False, request_id=request_id)
            audio = await self._audio(request)
        except ListenError as exc:
            self._rejected(exc, request_id)
            return exc.response(request_id)
        mode = "callback" if target is not None else "sync"
        # The job keeps the retry policy it started with; its event says so, so a timeline
        # never reads today's settings for an earlier job.
        policy = self.dispatcher.policy
        self.event(
            JobStarted(
                time=time.time(),
                request_id=request_id,
                mode=mode,
                bytes=len(audio),
                callback=target.url_without_userinfo if target else None,
                method=options.callback_method.value if target else None,
                max_attempts=policy.max_attempts if target else None,
                retry_delay=policy.retry_delay if target else None,
            )
        )
        if target is None:
            try:
                body = await self._transcribe(audio, options, request_id)
            except ListenError as exc:
                return exc.response(request_id)
            return web.json_response(body, headers={"dg-request-id": request_id})
        task = asyncio.ensure_future(
            self._callback_job(audio, options, target, request_id, key_identifier(key), policy)
        )
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        return web.json_response(
            build_accepted_response(request_id), headers={"dg-request-id": request_id}
        )

    async def _audio(self, request: web.Request) -> bytes:
        """Raw audio from the body, or downloaded from `{"url": ...}` [OAS]."""
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise ListenError(
                413,
                "PAYLOAD_TOO_LARGE",
                f"Audio is larger than the emulator's {self.settings.max_audio_bytes}-byte limit.",
            ) from None
        if request.content_type != "application/json":
            if not body:
                raise ListenError(400, DECODE_ERROR_CODE, "Bad Request: the request body is empty.")
            return body
        try:
            url = json.loads(body)["url"]
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise ListenError(
                400, DECODE_ERROR_CODE, 'Bad Request: expected a JSON body {"url": "https://..."}.'
            ) from None
        return await self._download(url)

    async def _download(self, url: str) -> bytes:
        limit = self.settings.max_audio_bytes
        timeout = aiohttp.ClientTimeout(total=self.settings.url_fetch_timeout)
        try:
            async with self.dispatcher.session.get(url, timeout=timeout) as response:
                if response.status >= 400:
                    raise ListenError(
                        400,
                        "REMOTE_CONTENT_ERROR",
                        f"Could not fetch the audio: {url} answered {response.status}.",
                    )
                chunks, size = [], 0
                async for chunk in response.content.iter_chunked(1 << 16):
                    size += len(chunk)
                    if size > limit:
                        raise ListenError(
                            413, "PAYLOAD_TOO_LARGE", f"The audio at the URL is over {limit} bytes."
                        )
                    chunks.append(chunk)
                return b"".join(chunks)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise ListenError(
                400, "REMOTE_CONTENT_ERROR", f"Could not fetch the audio: {exc}"
            ) from None

    async def _transcribe(
        self, audio: bytes, options: ListenOptions, request_id: str
    ) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            transcription = await self.files_asr.transcribe(
                audio, multichannel=options.multichannel
            )
        except AudioDecodeError as exc:
            raise ListenError(400, DECODE_ERROR_CODE, DECODE_ERROR_MESSAGE, str(exc)) from None
        except AsrWorkerError as exc:
            raise ListenError(500, "INTERNAL_SERVER_ERROR", str(exc)) from None
        self.event(
            Transcribed(
                time=time.time(),
                request_id=request_id,
                audio_seconds=round(transcription.duration, 3),
                seconds=round(time.perf_counter() - started, 3),
                words=sum(len(words) for words in transcription.per_channel),
            )
        )
        return build_listen_response(
            transcription, options, request_id=request_id, created=datetime.now(UTC)
        )

    async def _callback_job(
        self,
        audio: bytes,
        options: ListenOptions,
        target: CallbackTarget,
        request_id: str,
        key_id: str,
        policy: RetryPolicy,
    ) -> None:
        try:
            body = await self._transcribe(audio, options, request_id)
        except ListenError as exc:
            # A failed transcription still produces a callback [NCB], with the error body.
            body = build_error_body(exc.err_code, exc.err_msg, request_id)
        except asyncio.CancelledError:
            # The emulator stops with this job still transcribing: it ends "cancelled", as
            # one waiting for a retry does (the dispatcher), instead of vanishing.
            self.event(
                JobDone(
                    time.time(), request_id=request_id, outcome=Outcome.CANCELLED.value, attempts=0
                )
            )
            raise
        await self.dispatcher.deliver(
            request_id,
            target,
            options.callback_method.value,
            body,
            key_id,
            policy,
            hold=functools.partial(self.faults.hold_callback, request_id),
        )

    # -- live -------------------------------------------------------------------------
    async def _listen_ws(self, request: web.Request) -> web.StreamResponse:
        request_id = str(uuid.uuid4())
        try:
            if request.headers.get("Upgrade", "").lower() != "websocket":
                raise ListenError(400, "BAD_REQUEST", "GET /v1/listen must be a WebSocket upgrade.")
            await self.inject_faults(request_id)
            key = self.authenticate(request)
            options, target = self.options(request, streaming=True, request_id=request_id)
        except ListenError as exc:
            self._rejected(exc, request_id)
            # A refused upgrade carries `dg-error` and the message in the body [WSE].
            response = exc.response(request_id)
            response.headers["dg-error"] = exc.err_msg
            return response
        context = LiveContext(
            settings=self.settings,
            asr=self.live_asr,
            post=self.dispatcher.attempt,
            publish=self.event,
            drop=self.faults.stream_drop(request_id),
        )
        session = LiveSession(context, request, request_id, options, target, key_identifier(key))
        self.live_sessions.add(session)
        try:
            return await session.run()
        finally:
            self.live_sessions.discard(session)
