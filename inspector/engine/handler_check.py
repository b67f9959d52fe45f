"""Act as Deepgram against the user's own callback handler, case by case (issue 19).

`HandlerCheckRun` sends each case of `core.handler_checks` to the one URL the user gave,
grades the replies there, and captures every request and reply as an `Exchange` (one
`WsMessage` per WebSocket message) like any other traffic: published to the engine's
listeners (the window's list shows them beside what the receiver captured) and written to a
session file of the run's own. Progress is published as `CheckStarted`, `CheckCaseDone` and
`CheckFinished`.

The payloads come from the emulator: a real transcription of a bundled sample and a live
recognition of it (`engine/check_recognition.py`, once per process). The 20 MB body is built
on a worker thread, off the engine loop.
Cases run one after another, as separate callbacks would arrive, so each reply time is the
handler's own and not that of a queue of ours.

Why this module is long: one run of the check sends each case over HTTP or WebSocket, captures
it as exchanges and grades it; the sending of every case shares the run's session, listeners and
timings. Its pure half (cases, grading) is `core/handler_checks.py`, its payloads'
recognition `engine/check_recognition.py`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import websockets
from websockets.asyncio.client import ClientConnection

from ..core.basic_auth import encode_basic_auth
from ..core.body_view import view_body
from ..core.callback_url import CallbackTarget, CallbackUrlError, validate_callback_url
from ..core.check_payloads import (
    RESULT_QUERY,
    UNICODE_QUERY,
    StreamMessage,
    build_result,
    encode_body,
    replace_words,
    stream_messages,
)
from ..core.deepgram_auth import EMULATOR_PLACEHOLDER_KEY, key_identifier
from ..core.events import Event, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from ..core.handler_checks import (
    SPECS,
    CaseContext,
    CaseId,
    CaseResult,
    CheckCaseDone,
    CheckFinished,
    CheckRequest,
    CheckStarted,
    CheckSummary,
    Reply,
    StreamEnd,
    Verdict,
    grade,
    grade_slow,
    plan_cases,
)
from ..core.headers import Header, decode_headers
from ..core.listen_response import build_error_body
from ..core.records import ClosedBy, Direction, Exchange, ExchangeKind, WsEnd, WsKind, WsMessage
from ..store.library import SessionLibrary
from ..store.session import SessionWriter
from .binding import is_loopback
from .check_recognition import (
    LONG_PLACEHOLDER_ID,
    AsrSource,
    Payloads,
    SampleRecognition,
    long_result,
)
from .emulator.server import DECODE_ERROR_CODE, DECODE_ERROR_MESSAGE

log = logging.getLogger(__name__)

REPLY_BODY_LIMIT = 1024 * 1024  # a handler's reply body beyond this is cut in the capture
CLIENT = "this app (check-handler)"  # the sender named in each captured exchange
USER_AGENT = "callback-inspector-check (acting as Deepgram; not Deepgram)"


def default_dg_token() -> str:
    """The dg-token the emulator sends for its placeholder key: what a handler tested
    against the emulator already sees."""
    return key_identifier(EMULATOR_PLACEHOLDER_KEY)


class CheckSetupError(ValueError):
    """The request cannot be run (a bad URL, credentials given twice); says what to change."""


def check_target(request: CheckRequest) -> CallbackTarget:
    """The URL to contact, with the credentials to send, or CheckSetupError."""
    try:
        target = validate_callback_url(request.url, streaming=True, relaxed_ports=True)
    except CallbackUrlError as exc:
        raise CheckSetupError(str(exc)) from None
    if request.basic_auth is not None:
        if target.username is not None:
            raise CheckSetupError(
                "basic auth is given twice (in the URL and with --basic-auth): give it once"
            )
        user, password = request.basic_auth
        target = replace(target, username=user, password=password)
    return target


def deepgram_url_notes(request: CheckRequest) -> tuple[str, ...]:
    """What Deepgram itself would refuse about this URL (its ports, underscores): worth
    knowing, but no verdict, since a handler under test often runs on another port."""
    websocket = request.url.lower().startswith(("ws://", "wss://"))
    try:
        validate_callback_url(request.url, streaming=websocket)
    except CallbackUrlError as exc:
        return (f"Deepgram would not call this URL as it is: {exc.reason}",)
    return ()


CHECK_SOURCE = "check:"  # a run's session source: "check:<url without userinfo>"


def open_check_session(data_dir: Path, url: str, keep: int | None = None) -> SessionWriter:
    """A session file of the run's own (issue 19: one session per run); older runs' beyond
    the newest `keep` are deleted (each holds a 20 MB body)."""
    library = SessionLibrary(data_dir)
    writer = library.create(source=f"{CHECK_SOURCE}{url}")
    if keep is not None:
        library.prune(keep, current=writer.path.stem, source=CHECK_SOURCE)
    return writer


# -- the run ---------------------------------------------------------------------------------
class HandlerCheckRun:
    def __init__(
        self,
        request: CheckRequest,
        *,
        run_id: int,
        publish: Callable[[Event], None],
        next_id: Callable[[], int],
        recognition: SampleRecognition,
        writer: SessionWriter | None = None,
    ) -> None:
        self.request = request
        self.settings = request.settings
        self.run_id = run_id
        self._publish = publish
        self._next_id = next_id
        self.recognition = recognition
        self.writer = writer
        self.target: CallbackTarget | None = None
        self._session: aiohttp.ClientSession | None = None
        self._replies: list[Reply] = []  # every reply of the run, for the slow case
        self._created = datetime.now(UTC)
        self._current: CaseId | None = None
        self._ordinary: bytes | None = None  # the ordinary case's body, sent again as its retry

    # -- capture ---------------------------------------------------------------------------
    def _keep(self, item: Exchange | WsMessage) -> None:
        if self.writer is not None:
            try:
                self.writer.submit(item)
            except RuntimeError as exc:  # the writer was closed (the run is stopping)
                log.warning("check %d: not saved: %s", self.run_id, exc)
        if isinstance(item, WsMessage):
            self._publish(WsMessageAdded(item))

    def _note(self, extra: str = "") -> str:
        case = SPECS[self._current].title if self._current else ""
        text = f"check-handler run {self.run_id}: {case}, sent to the handler"
        return f"{text}; {extra}" if extra else text

    # -- sending ---------------------------------------------------------------------------
    def _headers(self, *, token: str | None = None, auth: bool = True) -> dict[str, str]:
        """What Deepgram's callback carries [CB]: JSON type, dg-token, basic auth from the
        URL (the dispatcher's shape)."""
        assert self.target is not None
        headers = {
            "Content-Type": "application/json",
            "dg-token": token or self.request.dg_token or default_dg_token(),
            "User-Agent": USER_AGENT,
        }
        t = self.target
        if auth and t.username is not None:
            headers["Authorization"] = encode_basic_auth(t.username, t.password or "")
        return headers

    async def _http(
        self,
        method: str,
        body: bytes,
        headers: dict[str, str],
        *,
        attempt: int = 1,
        label: str = "",
    ) -> Reply:
        """One request to the handler, captured; never raises for network trouble."""
        assert self.target is not None and self._session is not None
        url = self.target.url_without_userinfo
        wait = self.settings.wait
        xid = self._next_id()
        started = time.time()
        sent: tuple[Header, ...] = (("Host", _host_header(self.target)), *headers.items())
        view = (
            await asyncio.get_running_loop().run_in_executor(None, view_body, body)
            if len(body) > REPLY_BODY_LIMIT
            else view_body(body)
        )
        exchange = Exchange(
            id=xid,
            kind=ExchangeKind.HTTP,
            started=started,
            client=CLIENT,
            method=method,
            target=_request_target(url),
            http_version="HTTP/1.1",
            headers=sent,
            body=body,
            body_size=len(body),
            attempt=attempt,
            note=self._note(),
            view=view,
        )
        self._publish(ExchangeAdded(exchange))
        status: int | None = None
        error: str | None = None
        location: str | None = None
        reply_headers: tuple[Header, ...] = ()
        reply_body = b""
        t0 = time.perf_counter()
        try:
            async with self._session.request(
                method,
                url,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=wait),
            ) as response:
                reply_body = await response.content.read(REPLY_BODY_LIMIT)
                status = response.status
                reply_headers = decode_headers(response.raw_headers)
                location = response.headers.get("Location")
                sent = tuple(response.request_info.headers.items()) or sent
        except TimeoutError:
            error = f"no reply within {wait:g} s"
        except aiohttp.ClientError as exc:
            error = str(exc) or type(exc).__name__
        except OSError as exc:
            error = exc.strerror or str(exc)
        latency = (time.perf_counter() - t0) * 1000.0
        final = replace(
            exchange,
            headers=sent,
            status=status,
            reply_headers=reply_headers,
            reply_body=reply_body,
            finished=time.time(),
            note=self._note(error or ""),
        )
        self._publish(ExchangeUpdated(final))
        self._keep(final)
        reply = Reply(status, latency, error, xid, location, label, len(body))
        self._replies.append(reply)
        return reply

    async def _ws(
        self, headers: dict[str, str], messages: Sequence[StreamMessage] = ()
    ) -> tuple[Reply, StreamEnd]:
        """Open a WebSocket to the handler as the emulator's live session does and send
        `messages` at their audio times (`stream_speed`); each is followed by a ping whose
        pong says the handler still holds the socket."""
        assert self.target is not None
        url = self.target.url_without_userinfo
        settings = self.settings
        xid = self._next_id()
        started = time.time()
        sent: tuple[Header, ...] = (("Host", _host_header(self.target)), *headers.items())
        exchange = Exchange(
            id=xid,
            kind=ExchangeKind.WEBSOCKET,
            started=started,
            client=CLIENT,
            method="GET",
            target=_request_target(url),
            http_version="HTTP/1.1",
            headers=sent,
            note=self._note(),
        )
        # Listed once the handshake is answered (as the receiver lists a WebSocket): a
        # `ws_open` line needs its 101.
        t0 = time.perf_counter()
        ws: ClientConnection | None = None
        status: int | None = None
        error: str | None = None
        reply_headers: tuple[Header, ...] = ()
        reply_body = b""
        try:
            ws = await websockets.connect(
                url,
                additional_headers=headers,
                open_timeout=settings.wait,
                user_agent_header=None,
                ping_interval=None,  # our pings are the liveness check
                max_size=None,
            )
            status = 101
            sent = tuple(ws.request.headers.raw_items()) if ws.request else sent
            if ws.response is not None:
                reply_headers = tuple(ws.response.headers.raw_items())
        except websockets.InvalidStatus as exc:
            status = exc.response.status_code
            reply_headers = tuple(exc.response.headers.raw_items())
            reply_body = bytes(exc.response.body or b"")
        except TimeoutError:
            error = f"no reply within {settings.wait:g} s"
        except (OSError, websockets.WebSocketException) as exc:
            error = str(exc) or type(exc).__name__
        latency = (time.perf_counter() - t0) * 1000.0
        reply = Reply(status, latency, error, xid, None, "the WebSocket handshake")
        self._replies.append(reply)
        exchange = replace(
            exchange,
            headers=sent,
            status=status,
            reply_headers=reply_headers,
            reply_body=reply_body,
            note=self._note(error or ""),
        )
        if ws is None:
            final = replace(exchange, finished=time.time())
            self._publish(ExchangeAdded(final))
            self._keep(final)
            return reply, StreamEnd(0, len(messages))
        self._publish(ExchangeAdded(exchange))
        stream = _WsStream(self, ws, xid)
        end = await stream.run(messages, settings.stream_speed, settings.attempt_timeout)
        closed_by = ClosedBy.SERVER if stream.handler_closed else ClosedBy.CLIENT
        final = replace(
            exchange,
            finished=time.time(),
            ws_end=WsEnd(closed_by, ws.close_code, ws.close_reason or ""),
            ws_messages=stream.index,
        )
        self._publish(ExchangeUpdated(final))
        self._keep(final)
        return reply, end

    # -- the cases -------------------------------------------------------------------------
    def _rid(self) -> str:
        return str(uuid.uuid4())

    def _result_body(self, payloads: Payloads, request_id: str) -> bytes:
        return encode_body(
            build_result(
                payloads.transcription, RESULT_QUERY, request_id=request_id, created=self._created
            )
        )

    async def _case(self, case: CaseId, payloads: Payloads, ctx: CaseContext) -> CaseResult:
        assert self.target is not None
        ws = self.target.is_websocket
        end: StreamEnd | None = None
        if case is CaseId.ORDINARY:
            self._ordinary = self._result_body(payloads, self._rid())
            replies = [await self._http("POST", self._ordinary, self._headers())]
        elif case is CaseId.RETRY:
            body = self._ordinary or self._result_body(payloads, self._rid())
            replies = [await self._http("POST", body, self._headers(), attempt=2)]
        elif case is CaseId.PUT:
            body = self._result_body(payloads, self._rid())
            replies = [await self._http("PUT", body, self._headers())]
        elif case is CaseId.LONG_TRANSCRIPT:
            long = await asyncio.get_running_loop().run_in_executor(
                None, long_result, payloads.transcription, self.settings.long_transcript_bytes
            )
            body = long.body.replace(LONG_PLACEHOLDER_ID.encode(), self._rid().encode(), 1)
            replies = [await self._http("POST", body, self._headers())]
        elif case is CaseId.FAILED_TRANSCRIPTION:
            error = build_error_body(DECODE_ERROR_CODE, DECODE_ERROR_MESSAGE, self._rid())
            replies = [await self._http("POST", encode_body(error), self._headers())]
        elif case in (CaseId.NO_BASIC_AUTH, CaseId.WRONG_DG_TOKEN):
            token = str(uuid.uuid4()) if case is CaseId.WRONG_DG_TOKEN else None
            headers = self._headers(token=token, auth=case is not CaseId.NO_BASIC_AUTH)
            if ws:
                reply, _ = await self._ws(headers)
                replies = [reply]
            else:
                replies = [
                    await self._http("POST", self._result_body(payloads, self._rid()), headers)
                ]
        elif case is CaseId.STREAM_HTTP:
            replies, end = await self._stream_http(payloads)
        elif case is CaseId.STREAM_WS:
            headers = self._headers()
            headers.pop("Content-Type")  # a WebSocket handshake has no body [CB], live.py
            reply, end = await self._ws(headers, self._stream(payloads))
            replies = [reply]
        elif case is CaseId.UNICODE:
            replaced, pairs = replace_words(payloads.transcription)
            body = encode_body(
                build_result(replaced, UNICODE_QUERY, request_id=self._rid(), created=self._created)
            )
            replies = [await self._http("POST", body, self._headers())]
            result = grade(case, replies, ctx)
            terms = "&".join(f"replace={a}:{b}" for a, b in pairs)
            detail = result.detail[:1].lower() + result.detail[1:]
            return replace(result, detail=f"With {terms}: {detail}")
        else:
            raise ValueError(f"no way to send case {case}")
        return grade(case, replies, ctx, end)

    def _stream(self, payloads: Payloads) -> list[StreamMessage]:
        live = payloads.stream
        return stream_messages(
            live.updates,
            request_id=self._rid(),
            created=self._created,
            duration=live.audio_seconds,
            sha256=live.sha256,
        )

    async def _stream_http(self, payloads: Payloads) -> tuple[list[Reply], StreamEnd]:
        """One POST per message, each after the previous reply, as the emulator's live
        session sends them; the first failure ends the burst (the rest would be lost too)."""
        messages = self._stream(payloads)
        replies: list[Reply] = []
        ctx_limit = self.settings.attempt_timeout * 1000.0
        for number, message in enumerate(messages, 1):
            label = f"message {number} of {len(messages)} ({message.type})"
            reply = await self._http(
                "POST", encode_body(message.body), self._headers(), label=label
            )
            replies.append(reply)
            ok = reply.status is not None and 200 <= reply.status < 300
            if not ok or reply.latency_ms > ctx_limit:
                break
        return replies, StreamEnd(len(replies), len(messages))

    async def run(self) -> CheckSummary:
        request = self.request
        try:
            self.target = check_target(request)
        except CheckSetupError as exc:
            summary = CheckSummary(request.url, (), error=str(exc))
            self._publish(CheckFinished(self.run_id, time.time(), summary))
            return summary
        target = self.target
        url = target.url_without_userinfo
        plan = plan_cases(
            websocket=target.is_websocket,
            basic_auth=target.username is not None,
            only=request.only,
            skip=request.skip,
        )
        session = str(self.writer.path) if self.writer is not None else None
        self._publish(
            CheckStarted(
                self.run_id,
                time.time(),
                url,
                is_loopback(target.host),
                plan.cases,
                plan.skipped,
                deepgram_url_notes(request),
                session,
            )
        )
        results: list[CaseResult] = []
        ctx = CaseContext(
            request.settings.attempt_timeout,
            request.settings.slow_fraction,
            websocket=target.is_websocket,
        )

        def finish(**extra: Any) -> CheckSummary:
            summary = CheckSummary(url, tuple(results), plan.skipped, session, **extra)
            self._publish(CheckFinished(self.run_id, time.time(), summary))
            return summary

        async def finish_saved(**extra: Any) -> CheckSummary:
            """`finish` once the run's session holds every exchange: whoever opens it on
            `CheckFinished` finds them all."""
            if self.writer is not None:
                try:
                    await asyncio.wait_for(asyncio.wrap_future(self.writer.flush()), 30)
                except Exception as exc:  # closed, full disk, or slow: finished all the same
                    log.warning("check %d: its session may miss rows: %s", self.run_id, exc)
            return finish(**extra)

        try:
            payloads = await self.recognition.prepare(plan.cases, target.is_websocket)
        except Exception as exc:  # the recogniser failed: nothing to send
            log.exception("check %d: could not prepare the payloads", self.run_id)
            return await finish_saved(error=f"could not prepare what to send: {exc}")
        # No cookie jar, no proxy from the environment: only the user's URL is contacted.
        self._session = aiohttp.ClientSession(
            cookie_jar=aiohttp.DummyCookieJar(), trust_env=False, auto_decompress=False
        )
        try:
            for case in plan.cases:
                self._current = case
                if case is CaseId.SLOW:
                    result = grade_slow(self._replies, ctx)
                else:
                    result = await self._case(case, payloads, ctx)
                if case is CaseId.NO_BASIC_AUTH:
                    ctx = replace(ctx, basic_auth_enforced=result.verdict is Verdict.PASS)
                results.append(result)
                self._publish(CheckCaseDone(self.run_id, time.time(), result))
        except asyncio.CancelledError:
            finish(cancelled=True)
            raise
        finally:
            await self._session.close()
            self._session = None
        return await finish_saved()


class _WsStream:
    """The ws callback case's socket once open: what the handler sends back is recorded,
    and how it ended."""

    def __init__(self, check: HandlerCheckRun, ws: ClientConnection, exchange_id: int) -> None:
        self.check, self.ws, self.exchange_id = check, ws, exchange_id
        self.index = 0
        self.handler_closed = False

    def _record(self, direction: Direction, data: str | bytes) -> None:
        raw = data.encode() if isinstance(data, str) else data
        kind = WsKind.TEXT if isinstance(data, str) else WsKind.BINARY
        message = WsMessage(self.exchange_id, self.index, direction, kind, raw, time.time())
        self.index += 1
        self.check._keep(message)

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                self._record(Direction.OUT, message)  # from the handler
        except websockets.ConnectionClosed:
            pass

    async def run(
        self, messages: Sequence[StreamMessage], speed: float, attempt_timeout: float
    ) -> StreamEnd:
        reader = asyncio.ensure_future(self._read())
        start = time.monotonic()
        sent = 0
        early = stalled = False
        try:
            for message in messages:
                if speed > 0:
                    due = start + message.at / speed - time.monotonic()
                    if due > 0:
                        await asyncio.wait({reader}, timeout=due)
                if reader.done():
                    early = True
                    break
                text = encode_body(message.body).decode("utf-8")
                try:
                    await self.ws.send(text)
                    self._record(Direction.IN, text)
                    sent += 1
                    pong = await self.ws.ping()
                    await asyncio.wait_for(pong, attempt_timeout)
                except websockets.ConnectionClosed:
                    early = True
                    break
                except TimeoutError:  # open, but no pong: the handler stopped reading
                    stalled = True
                    break
            if reader.done():
                self.handler_closed = True
            else:
                await self.ws.close()  # the stream is over: Deepgram closes with 1000
                await asyncio.wait({reader}, timeout=attempt_timeout)
        finally:
            reader.cancel()
        if early:
            self.handler_closed = True
        return StreamEnd(
            sent,
            len(messages),
            closed_early=early and sent < len(messages),
            stalled=stalled,
            close_code=self.ws.close_code,
            close_reason=self.ws.close_reason or "",
        )


def _host_header(target: CallbackTarget) -> str:
    default = 443 if target.scheme in ("https", "wss") else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


def _request_target(url: str) -> str:
    """Path and query of `url`, as the request line carries them."""
    rest = url.split("://", 1)[1]
    slash = rest.find("/")
    return rest[slash:] if slash >= 0 else "/"


async def run_check(
    request: CheckRequest,
    *,
    publish: Callable[[Event], None],
    asr: AsrSource,
    next_id: Callable[[], int],
    data_dir: Path | None,
    run_id: int = 1,
) -> CheckSummary:
    """One whole run: its session file (when `data_dir` is given), the payloads, the cases."""
    writer: SessionWriter | None = None
    if data_dir is not None:
        try:
            keep = request.settings.keep_sessions
            writer = open_check_session(data_dir, _safe_url(request.url), keep)
        except Exception as exc:  # OSError, SessionFileError: the run goes on unsaved
            log.warning("the check's exchanges cannot be saved in %s: %s", data_dir, exc)
    check = HandlerCheckRun(
        request,
        run_id=run_id,
        publish=publish,
        next_id=next_id,
        recognition=SampleRecognition(asr),
        writer=writer,
    )
    try:
        return await check.run()
    finally:
        if writer is not None:
            await asyncio.get_running_loop().run_in_executor(None, writer.close)


def _safe_url(url: str) -> str:
    """`url` without userinfo, for the session's name (never a password on disk)."""
    try:
        return validate_callback_url(url, streaming=True, relaxed_ports=True).url_without_userinfo
    except CallbackUrlError:
        return "(invalid URL)"
