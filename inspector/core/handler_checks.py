"""Is my callback handler ready for Deepgram? The cases, and how each reply is graded.

The check acts as Deepgram against the user's own endpoint (issue 19). This module is the
pure half: which cases exist and what each sends (`CASES`, a table read top to bottom in
run order), which apply to a URL (`plan_cases`), and the verdict of each reply with its
one-line fix (`grade`, one small function per case in `_GRADERS`). The engine sends
(`engine/handler_check.py`); the bodies are built in `core/check_payloads.py`.

What the grading rests on:
- only a 2xx ends Deepgram's retries; anything else (3xx included, the emulator's decision)
  makes it retry up to 10 times, 30 s apart [CB][REFERENCE §2];
- an attempt that takes longer than the attempt time counts as failed and is sent again.
  Deepgram does not publish that time; the emulator's default is 30 s, so is the check's.
  The check waits `wait_factor` attempt times for a reply, so that a slow handler's answer
  is still seen (and graded) rather than reported as a bare timeout;
- receivers that cap bodies (100 kB Express, 1 MB nginx, 1 MB aiohttp) answer 413 to long
  transcripts [NCB]; a failed transcription still gets a callback, with the error body [NCB];
- Deepgram's guard for callbacks is basic auth from the URL (and, before 2026-10-27,
  `dg-token`) [CB][CHG]: a handler that accepts anything accepts fake transcripts.

Why this module is long: it is the check's table of cases and one small grader per case, read
top to bottom in run order; the graders share the verdict and fix helpers at the top, and a
case's spec and its grader belong side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from .settings import MIB, setting


class Verdict(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


class CaseId(StrEnum):
    """The cases' names, as `--only` and `--json` spell them."""

    ORDINARY = "ordinary"
    RETRY = "retry"
    PUT = "put"
    LONG_TRANSCRIPT = "long-transcript"
    FAILED_TRANSCRIPTION = "failed-transcription"
    NO_BASIC_AUTH = "no-basic-auth"
    WRONG_DG_TOKEN = "wrong-dg-token"
    STREAM_HTTP = "stream-http"
    STREAM_WS = "stream-ws"
    UNICODE = "unicode"
    SLOW = "slow"


class Transport(StrEnum):
    HTTP = "http"  # needs an http(s):// URL
    WEBSOCKET = "ws"  # needs a ws(s):// URL
    ANY = "any"  # sent on whichever the URL is
    DERIVED = "derived"  # sends nothing: graded from the other cases' replies


@dataclass(frozen=True)
class CaseSpec:
    id: CaseId
    title: str
    sends: str  # what goes to the handler, in the user's words
    passes: str  # what a ready handler answers
    transport: Transport
    needs_basic_auth: bool = False


CASES: tuple[CaseSpec, ...] = (
    CaseSpec(
        CaseId.ORDINARY,
        "ordinary callback",
        "POST of a real result (JSON) with dg-token, and basic auth when given",
        "2xx within the attempt time",
        Transport.HTTP,
    ),
    CaseSpec(
        CaseId.RETRY,
        "retry of the same request_id",
        "the same body again, as Deepgram's retry after a failed attempt",
        "2xx (and the transcript processed only once)",
        Transport.HTTP,
    ),
    CaseSpec(
        CaseId.PUT,
        "PUT (callback_method=put)",
        "the same result with PUT, as for S3 presigned URLs",
        "2xx",
        Transport.HTTP,
    ),
    CaseSpec(
        CaseId.LONG_TRANSCRIPT,
        "long transcript",
        "a real result of hours of speech (the sample's words repeated with real timings)",
        "2xx",
        Transport.HTTP,
    ),
    CaseSpec(
        CaseId.FAILED_TRANSCRIPTION,
        "failed transcription",
        "the error body Deepgram sends when it cannot transcribe",
        "2xx",
        Transport.HTTP,
    ),
    CaseSpec(
        CaseId.NO_BASIC_AUTH,
        "no basic auth",
        "the ordinary callback without the Authorization header",
        "401",
        Transport.ANY,
        needs_basic_auth=True,
    ),
    CaseSpec(
        CaseId.WRONG_DG_TOKEN,
        "wrong dg-token",
        "the ordinary callback with a dg-token that is not yours",
        "401 or 403",
        Transport.ANY,
    ),
    CaseSpec(
        CaseId.STREAM_HTTP,
        "streaming, http callback",
        "a live stream's messages (Results, SpeechStarted, UtteranceEnd, Metadata), one POST "
        "each, in order",
        "every one 2xx",
        Transport.HTTP,
    ),
    CaseSpec(
        CaseId.STREAM_WS,
        "streaming, ws callback",
        "a WebSocket carrying a live stream's messages",
        "accepted, and open until the stream ends",
        Transport.WEBSOCKET,
    ),
    CaseSpec(
        CaseId.UNICODE,
        "unicode and punctuation",
        "a smart-formatted result with accented and non-Latin words (find-and-replace)",
        "2xx",
        Transport.HTTP,
    ),
    CaseSpec(
        CaseId.SLOW,
        "slow handler",
        "nothing more: the reply times of the cases above",
        "every reply well under the attempt time",
        Transport.DERIVED,
    ),
)
SPECS: dict[CaseId, CaseSpec] = {spec.id: spec for spec in CASES}


@dataclass(frozen=True)
class HandlerCheckSettings:
    """How the check behaves; the CLI's flags and the window's form come from here."""

    attempt_timeout: float = setting(
        30.0,
        "seconds Deepgram waits for one attempt before it counts as failed and is retried "
        "(not published by Deepgram; the emulator's default)",
        "--attempt-time",
        "SECONDS",
    )
    wait_factor: float = setting(
        2.0,
        "the check waits this many attempt times for a reply, to show what a slow handler answers",
    )
    slow_fraction: float = setting(
        0.5, "a reply slower than this share of the attempt time is a warning"
    )
    # "A long file's transcript is tens of MB" [NCB]; 20 MiB is over every common default.
    long_transcript_bytes: int = setting(
        20 * MIB,
        "size of the long-transcript case's body",
        "--long-transcript-size",
        "BYTES",
    )
    stream_speed: float = setting(
        1.0,
        "pace of the ws callback's messages: X times real time (0: all at once)",
        "--stream-speed",
        "X",
    )
    keep_sessions: int = setting(
        20,
        "keep the newest N check sessions (each holds the 20 MB body), delete older ones",
        "--keep-sessions",
        "N",
    )

    @property
    def wait(self) -> float:
        """Seconds the check waits for one reply."""
        return self.attempt_timeout * max(1.0, self.wait_factor)


# -- which cases run -------------------------------------------------------------------------
@dataclass(frozen=True)
class CasePlan:
    cases: tuple[CaseId, ...]
    skipped: tuple[tuple[CaseId, str], ...]  # (case, why it does not run)


class UnknownCaseError(ValueError):
    def __init__(self, name: str) -> None:
        known = ", ".join(c.value for c in CaseId)
        super().__init__(f"no case {name!r}; the cases are: {known}")
        self.name = name


def case_named(name: str) -> CaseId:
    try:
        return CaseId(name.strip().lower())
    except ValueError:
        raise UnknownCaseError(name) from None


def plan_cases(
    *,
    websocket: bool,
    basic_auth: bool,
    only: Iterable[CaseId] | None = None,
    skip: Iterable[CaseId] = (),
) -> CasePlan:
    """The cases to run against a ws(s):// URL (`websocket`) or an http(s):// one, in table
    order, and why each other case does not run."""
    wanted = set(only) if only is not None else None
    unwanted = set(skip)
    cases: list[CaseId] = []
    skipped: list[tuple[CaseId, str]] = []
    for spec in CASES:
        if spec.id in unwanted or (wanted is not None and spec.id not in wanted):
            skipped.append((spec.id, "not asked for"))
        elif spec.transport is Transport.HTTP and websocket:
            skipped.append((spec.id, "needs an http(s):// URL; this one is a ws callback"))
        elif spec.transport is Transport.WEBSOCKET and not websocket:
            skipped.append((spec.id, "needs a ws(s):// URL, a ws callback's handler"))
        elif spec.needs_basic_auth and not basic_auth:
            skipped.append((spec.id, "no basic auth given; add --basic-auth USER:PASS"))
        else:
            cases.append(spec.id)
    if cases == [CaseId.SLOW]:  # nothing to measure
        skipped.append((CaseId.SLOW, "no other case runs"))
        cases = []
    return CasePlan(tuple(cases), tuple(skipped))


# -- what came back ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Reply:
    """What one request of a case got. `status` is None when no reply came (`error` says
    why); a WebSocket's handshake answer is its status (101: accepted)."""

    status: int | None
    latency_ms: float
    error: str | None = None
    exchange_id: int | None = None
    location: str | None = None  # of a redirect
    label: str = ""  # which request of the case ("message 3 of 9 (Results)")
    sent_bytes: int = 0


@dataclass(frozen=True)
class StreamEnd:
    """How the ws callback case's socket went: messages sent of the total, and whether the
    handler closed it before the stream was over."""

    sent: int
    total: int
    closed_early: bool = False
    stalled: bool = False  # still open, but the handler stopped answering pings
    close_code: int | None = None
    close_reason: str = ""


@dataclass(frozen=True)
class CaseContext:
    """What grading needs beyond the replies."""

    attempt_timeout: float
    slow_fraction: float = 0.5
    basic_auth_enforced: bool | None = None  # the no-basic-auth case's finding, if it ran
    websocket: bool = False


@dataclass(frozen=True)
class CaseResult:
    case: CaseId
    verdict: Verdict
    status: int | None
    latency_ms: float | None
    fix: str | None  # one line; None when there is nothing to fix
    detail: str  # what happened, one or two sentences
    note: str | None = None  # worth knowing even on a pass
    exchange_ids: tuple[int, ...] = ()

    @property
    def title(self) -> str:
        return SPECS[self.case].title


# -- fix lines -------------------------------------------------------------------------------
RETRIES = "Deepgram retries anything but a 2xx up to 10 times, 30 s apart"
FIX_PROCESS_LATER = (
    "answer 2xx at once and process the transcript afterwards (a queue or background task)"
)
FIX_BODY_LIMIT = (
    "raise your body limit to 64 MB or more (aiohttp client_max_size, Express "
    "express.json({limit}), nginx client_max_body_size, Flask MAX_CONTENT_LENGTH, "
    "Django DATA_UPLOAD_MAX_MEMORY_SIZE): long files' transcripts are tens of MB"
)
FIX_CREDENTIALS = (
    "if your handler checks them, give the check the dg-token (--dg-token) and basic auth "
    "(--basic-auth) it expects; else fix the check so Deepgram's own callback passes"
)
FIX_NO_AUTH = (
    "anyone who knows the URL can post fake transcripts to you: check the Basic credentials "
    "Deepgram sends from the callback URL and answer 401 without them"
)
FIX_TOKEN = (
    "anyone can post fake transcripts to you: compare dg-token with your API key's "
    "identifier (or require basic auth) and answer 401 or 403 when it differs"
)
FIX_STREAM_TYPES = (
    "answer 2xx to every live message: they are not pre-recorded results, so check `type` "
    "first (Results carry channel.alternatives; SpeechStarted, UtteranceEnd and Metadata do "
    "not); Deepgram does not retry them, a failure is lost"
)
FIX_WS_OPEN = (
    "accept the upgrade and keep the socket open until Deepgram closes it: when the callback "
    "socket goes, Deepgram kills the whole live stream"
)
FIX_UNICODE = (
    "read the body as UTF-8 JSON (not Latin-1 or ASCII) and store 4-byte characters "
    "(MySQL: utf8mb4)"
)
NOTE_IDEMPOTENT = (
    "Deepgram sends the same request_id again whenever an attempt fails or times out: key "
    "your processing of results on metadata.request_id so a retry is not processed twice "
    "(a live stream's messages all carry their stream's id)"
)


def _status_fix(status: int) -> str:
    """The usual cause of a non-2xx reply to a callback Deepgram would really send."""
    if 300 <= status < 400:
        return (
            "give Deepgram the URL that answers 2xx itself: redirects are not followed, they "
            "count as failed attempts (often a missing trailing slash, or http -> https)"
        )
    if status in (401, 403):
        return FIX_CREDENTIALS
    if status == 404:
        return "serve the callback at exactly this path (and method)"
    if status == 405:
        return "accept POST at this path: Deepgram POSTs the result"
    if status == 413:
        return FIX_BODY_LIMIT
    if status == 415:
        return "accept Content-Type: application/json"
    if status >= 500:
        return (
            "your handler failed on a real Deepgram result: read it as "
            "results.channels[0].alternatives[0] and log the error; " + RETRIES
        )
    return f"answer 2xx: {RETRIES}"


def _error_fix(error: str) -> str:
    if "timed out" in error or "no reply" in error:
        return FIX_PROCESS_LATER
    return "make the handler reachable at this URL (is it running, and listening there?)"


# -- grading ---------------------------------------------------------------------------------
Grader = Callable[[Sequence[Reply], CaseContext, StreamEnd | None], CaseResult]


def _ok(status: int | None, ctx: CaseContext) -> bool:
    if status is None:
        return False
    return 200 <= status < 300 or (ctx.websocket and status == 101)


def _late(reply: Reply, ctx: CaseContext) -> bool:
    return reply.latency_ms > ctx.attempt_timeout * 1000.0


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def _answered(reply: Reply) -> str:
    """E.g. `answered 413 in 12 ms`, `no reply (connection refused) after 3 ms`."""
    if reply.status is None:
        return f"no reply ({reply.error or 'unknown error'}) after {_seconds(reply.latency_ms)}"
    where = f" to {reply.location}" if reply.location else ""
    return f"answered {reply.status}{where} in {_seconds(reply.latency_ms)}"


def _late_text(reply: Reply, ctx: CaseContext, *, retried: bool = True) -> str:
    if not _late(reply, ctx):
        return ""
    then = "send it again" if retried else "drop it (live messages are not retried)"
    return (
        f" That is over the {ctx.attempt_timeout:g} s attempt time: Deepgram would count it "
        f"failed and {then}."
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _result(
    case: CaseId,
    verdict: Verdict,
    reply: Reply | None,
    detail: str,
    fix: str | None = None,
    note: str | None = None,
    replies: Sequence[Reply] = (),
) -> CaseResult:
    ids = tuple(r.exchange_id for r in (replies or ([reply] if reply else ())) if r.exchange_id)
    return CaseResult(
        case=case,
        verdict=verdict,
        status=reply.status if reply else None,
        latency_ms=round(reply.latency_ms, 3) if reply else None,
        fix=fix if verdict is not Verdict.PASS else None,
        detail=detail,
        note=note,
        exchange_ids=ids,
    )


def _single(
    case: CaseId, replies: Sequence[Reply], ctx: CaseContext, fails: Callable[[Reply], str | None]
) -> CaseResult:
    """The common shape: one request; pass on a 2xx (late or not), else `fails(reply)`'s fix
    (None: use the usual fix for that status or error)."""
    reply = replies[0]
    text = _sentence(_answered(reply)) + "." + _late_text(reply, ctx)
    if _ok(reply.status, ctx):
        return _result(case, Verdict.PASS, reply, text)
    fix = fails(reply)
    if fix is None:
        fix = (
            _status_fix(reply.status) if reply.status is not None else _error_fix(reply.error or "")
        )
    return _result(case, Verdict.FAIL, reply, text, fix)


def _grade_ordinary(
    replies: Sequence[Reply], ctx: CaseContext, _end: StreamEnd | None
) -> CaseResult:
    reply = replies[0]
    if _ok(reply.status, ctx) and _late(reply, ctx):
        text = _sentence(_answered(reply)) + "." + _late_text(reply, ctx)
        return _result(CaseId.ORDINARY, Verdict.FAIL, reply, text, FIX_PROCESS_LATER)
    return _single(CaseId.ORDINARY, replies, ctx, lambda _r: None)


def _grade_retry(replies: Sequence[Reply], ctx: CaseContext, _end: StreamEnd | None) -> CaseResult:
    def fails(reply: Reply) -> str | None:
        if reply.status is None or not 400 <= reply.status < 500 or reply.status in (401, 403):
            return None
        return (
            f"answer 2xx to a request_id you already have, without processing it again: a "
            f"{reply.status} makes Deepgram retry it up to 10 more times"
        )

    result = _single(CaseId.RETRY, replies, ctx, fails)
    return replace(result, note=NOTE_IDEMPOTENT)


def _grade_put(replies: Sequence[Reply], ctx: CaseContext, _end: StreamEnd | None) -> CaseResult:
    reply = replies[0]
    if reply.status in (404, 405, 501):
        text = (
            _sentence(_answered(reply)) + ": the handler takes POST only. Deepgram sends PUT "
            "when the request asks for callback_method=put."
        )
        fix = "accept PUT as well as POST if you use callback_method=put (S3 presigned URLs do)"
        return _result(CaseId.PUT, Verdict.WARN, reply, text, fix)
    return _single(CaseId.PUT, replies, ctx, lambda _r: None)


def _grade_long(replies: Sequence[Reply], ctx: CaseContext, _end: StreamEnd | None) -> CaseResult:
    reply = replies[0]
    size = f"{reply.sent_bytes / 1e6:.1f} MB"

    def fails(r: Reply) -> str | None:
        if r.status == 413 or (r.status is None and not _late(r, ctx)):
            # A server that stops reading at its limit often closes the connection instead
            # of answering 413 (the client sees a reset or a broken pipe).
            return FIX_BODY_LIMIT
        return None

    result = _single(CaseId.LONG_TRANSCRIPT, replies, ctx, fails)
    detail = result.detail[:1].lower() + result.detail[1:]
    return replace(result, detail=f"The {size} result {detail}")


def _grade_failed(replies: Sequence[Reply], ctx: CaseContext, _end: StreamEnd | None) -> CaseResult:
    reply = replies[0]
    if reply.status is not None and 400 <= reply.status < 500 and reply.status not in (401, 403):
        text = _sentence(_answered(reply)) + ": the handler refused Deepgram's error body."
        fix = f"answer 2xx to an error body too and log its err_msg: {RETRIES}"
        return _result(CaseId.FAILED_TRANSCRIPTION, Verdict.WARN, reply, text, fix)

    def fails(r: Reply) -> str | None:
        if r.status is not None and r.status >= 500:
            return (
                "your handler crashed on Deepgram's error body: check for err_code before "
                "reading results (a failed transcription still gets a callback)"
            )
        return None

    return _single(CaseId.FAILED_TRANSCRIPTION, replies, ctx, fails)


def _refused(status: int | None) -> bool:
    return status is not None and 400 <= status < 500


def _grade_refusal(
    case: CaseId,
    reply: Reply,
    ctx: CaseContext,
    *,
    what: str,
    expected: tuple[int, ...],
    accepted_fix: str,
    accepted_verdict: Verdict = Verdict.FAIL,
    accepted_note: str | None = None,
) -> CaseResult:
    """A case that sends what a stranger would: refusing it (4xx) is right."""
    text = f"{what}: " + _answered(reply) + "."
    if _refused(reply.status):
        note = None
        if reply.status not in expected:
            note = f"{' or '.join(map(str, expected))} is the usual answer; any 4xx refuses it"
        return _result(case, Verdict.PASS, reply, text, note=note)
    if _ok(reply.status, ctx):
        return _result(
            case,
            accepted_verdict,
            reply,
            text + " It was accepted.",
            accepted_fix,
            note=accepted_note,
        )
    if reply.status is not None:
        fix = f"answer {expected[0]} when the credentials are wrong (a {reply.status} is retried)"
        return _result(case, Verdict.FAIL, reply, text, fix)
    return _result(case, Verdict.FAIL, reply, text, _error_fix(reply.error or ""))


def _grade_no_basic_auth(
    replies: Sequence[Reply], ctx: CaseContext, _end: StreamEnd | None
) -> CaseResult:
    return _grade_refusal(
        CaseId.NO_BASIC_AUTH,
        replies[0],
        ctx,
        what="Without the Authorization header",
        expected=(401, 403),
        accepted_fix=FIX_NO_AUTH,
    )


def _grade_wrong_token(
    replies: Sequence[Reply], ctx: CaseContext, _end: StreamEnd | None
) -> CaseResult:
    accepted: dict[str, Any] = {"accepted_fix": FIX_TOKEN}
    if ctx.basic_auth_enforced:
        # Basic auth guards the handler, which is what Deepgram now recommends [CHG].
        accepted = {
            "accepted_fix": "",
            "accepted_verdict": Verdict.PASS,
            "accepted_note": "dg-token is not checked, but basic auth guards the handler, "
            "as Deepgram recommends since 2026-10-27",
        }
    return _grade_refusal(
        CaseId.WRONG_DG_TOKEN,
        replies[0],
        ctx,
        what="With a dg-token that is not yours",
        expected=(401, 403),
        **accepted,
    )


def _grade_stream_http(
    replies: Sequence[Reply], ctx: CaseContext, end: StreamEnd | None
) -> CaseResult:
    total = end.total if end is not None else len(replies)
    for reply in replies:
        if not _ok(reply.status, ctx) or _late(reply, ctx):
            late = _late_text(reply, ctx, retried=False)
            text = _sentence(f"{reply.label}: {_answered(reply)}.{late}")
            if _ok(reply.status, ctx):
                fix = FIX_PROCESS_LATER
            elif reply.status is not None and reply.status >= 400:
                fix = FIX_STREAM_TYPES
            else:
                fix = _status_fix(reply.status) if reply.status else _error_fix(reply.error or "")
            return _result(CaseId.STREAM_HTTP, Verdict.FAIL, reply, text, fix, replies=replies)
    slowest = max(replies, key=lambda r: r.latency_ms)
    slowest_time = _seconds(slowest.latency_ms)
    text = f"All {total} messages answered 2xx, in order; the slowest in {slowest_time}."
    return _result(CaseId.STREAM_HTTP, Verdict.PASS, slowest, text, replies=replies)


def _grade_stream_ws(
    replies: Sequence[Reply], ctx: CaseContext, end: StreamEnd | None
) -> CaseResult:
    reply = replies[0]
    if reply.status != 101:
        text = "The WebSocket upgrade was refused: " + _answered(reply) + "."
        if reply.status in (401, 403):
            fix = FIX_CREDENTIALS
        elif reply.status is None:
            fix = _error_fix(reply.error or "")
        else:
            fix = FIX_WS_OPEN
        return _result(CaseId.STREAM_WS, Verdict.FAIL, reply, text, fix)
    assert end is not None
    if end.closed_early:
        why = f" ({end.close_code} {end.close_reason})".rstrip() if end.close_code else ""
        text = (
            f"Accepted, then closed by the handler{why} after {end.sent} of {end.total} "
            "messages: the live stream would have died with it."
        )
        return _result(CaseId.STREAM_WS, Verdict.FAIL, reply, text, FIX_WS_OPEN)
    if end.stalled:
        text = (
            f"Accepted, then no pong within the attempt time after {end.sent} of {end.total} "
            "messages: the handler stopped reading the socket."
        )
        return _result(CaseId.STREAM_WS, Verdict.FAIL, reply, text, FIX_WS_OPEN)
    text = (
        f"Accepted in {_seconds(reply.latency_ms)}; open for all {end.total} messages until "
        "the stream ended."
    )
    return _result(CaseId.STREAM_WS, Verdict.PASS, reply, text)


def _grade_unicode(
    replies: Sequence[Reply], ctx: CaseContext, _end: StreamEnd | None
) -> CaseResult:
    return _single(CaseId.UNICODE, replies, ctx, lambda r: FIX_UNICODE if r.status else None)


_GRADERS: dict[CaseId, Grader] = {
    CaseId.ORDINARY: _grade_ordinary,
    CaseId.RETRY: _grade_retry,
    CaseId.PUT: _grade_put,
    CaseId.LONG_TRANSCRIPT: _grade_long,
    CaseId.FAILED_TRANSCRIPTION: _grade_failed,
    CaseId.NO_BASIC_AUTH: _grade_no_basic_auth,
    CaseId.WRONG_DG_TOKEN: _grade_wrong_token,
    CaseId.STREAM_HTTP: _grade_stream_http,
    CaseId.STREAM_WS: _grade_stream_ws,
    CaseId.UNICODE: _grade_unicode,
}


def grade(
    case: CaseId, replies: Sequence[Reply], ctx: CaseContext, end: StreamEnd | None = None
) -> CaseResult:
    """The verdict on `case` from what its requests got (at least one)."""
    if case is CaseId.SLOW:
        raise ValueError("the slow case is graded from the others: grade_slow")
    if not replies:
        raise ValueError(f"case {case.value} sent nothing to grade")
    return _GRADERS[case](replies, ctx, end)


def grade_slow(replies: Sequence[Reply], ctx: CaseContext) -> CaseResult:
    """The slowest reply of the run against the attempt time."""
    timed = [r for r in replies if r.status is not None or "no reply" in (r.error or "")]
    if not timed:
        return CaseResult(
            CaseId.SLOW, Verdict.PASS, None, None, None, "No reply to measure.", None, ()
        )
    slowest = max(timed, key=lambda r: r.latency_ms)
    limit = ctx.attempt_timeout * 1000.0
    where = f" ({slowest.label})" if slowest.label else ""
    text = (
        f"The slowest reply took {_seconds(slowest.latency_ms)}{where}, against an attempt "
        f"time of {ctx.attempt_timeout:g} s."
    )
    if slowest.latency_ms > limit:
        verdict = Verdict.FAIL
    elif slowest.latency_ms > limit * ctx.slow_fraction:
        verdict = Verdict.WARN
        text += " Close to it: a busier moment would go over."
    else:
        verdict = Verdict.PASS
    return _result(CaseId.SLOW, verdict, slowest, text, FIX_PROCESS_LATER)


# -- the run as a whole ------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckSummary:
    url: str
    results: tuple[CaseResult, ...]
    skipped: tuple[tuple[CaseId, str], ...] = ()
    session: str | None = None  # the session file keeping the run's exchanges
    cancelled: bool = False
    error: str | None = None  # why the run could not finish (the payloads, the URL)

    def count(self, verdict: Verdict) -> int:
        return sum(1 for r in self.results if r.verdict is verdict)

    @property
    def verdict(self) -> Verdict:
        if self.error or self.cancelled or self.count(Verdict.FAIL):
            return Verdict.FAIL
        return Verdict.WARN if self.count(Verdict.WARN) else Verdict.PASS

    @property
    def exit_code(self) -> int:
        """0 when nothing failed (warnings allowed), else 1: for CI."""
        return 1 if self.verdict is Verdict.FAIL else 0


@dataclass(frozen=True)
class CheckRequest:
    """One run: the handler's URL and what it expects. `basic_auth` may also come as
    `user:pass@` in the URL, as Deepgram takes it [CB]."""

    url: str
    basic_auth: tuple[str, str] | None = None
    dg_token: str | None = None  # None: the emulator's identifier of its placeholder key
    only: tuple[CaseId, ...] | None = None
    skip: tuple[CaseId, ...] = ()
    settings: HandlerCheckSettings = field(default_factory=HandlerCheckSettings)


# -- events ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckStarted:
    """A run began: what will be contacted (`loopback` False: beyond this machine), which
    cases run and which do not, and where its exchanges are kept."""

    run_id: int
    time: float
    url: str  # without userinfo
    loopback: bool
    cases: tuple[CaseId, ...]
    skipped: tuple[tuple[CaseId, str], ...] = ()
    notes: tuple[str, ...] = ()
    session: str | None = None


@dataclass(frozen=True)
class CheckCaseDone:
    run_id: int
    time: float
    result: CaseResult


@dataclass(frozen=True)
class CheckFinished:
    run_id: int
    time: float
    summary: CheckSummary
