"""The handler check's cases and grading (core/handler_checks.py), over plain replies."""

from __future__ import annotations

import json

import pytest

from inspector.core import handler_checks as hc
from inspector.core.control import (
    CommandError,
    StartHandlerCheck,
    check_command,
    check_request,
    command_from_json,
    command_to_json,
)
from inspector.core.event_json import event_line, event_to_json
from inspector.core.event_read import event_from_line
from inspector.core.handler_checks import (
    CaseContext,
    CaseId,
    CaseResult,
    CheckCaseDone,
    CheckFinished,
    CheckStarted,
    CheckSummary,
    Reply,
    StreamEnd,
    Verdict,
    grade,
    grade_slow,
    plan_cases,
)

CTX = CaseContext(attempt_timeout=2.0)


def reply(status: int | None, ms: float = 5.0, error: str | None = None, **kw) -> Reply:
    return Reply(status, ms, error, exchange_id=kw.pop("exchange_id", 7), **kw)


def test_the_table_names_every_case_once_in_run_order() -> None:
    assert [s.id for s in hc.CASES] == list(CaseId)
    assert hc.CASES[-1].id is CaseId.SLOW  # graded from the others, so last
    ids = [s.id for s in hc.CASES]
    assert ids.index(CaseId.NO_BASIC_AUTH) < ids.index(CaseId.WRONG_DG_TOKEN)


def test_plan_http_url_runs_the_http_cases_and_says_why_not_the_others() -> None:
    plan = plan_cases(websocket=False, basic_auth=False)
    assert CaseId.STREAM_WS not in plan.cases and CaseId.NO_BASIC_AUTH not in plan.cases
    assert dict(plan.skipped) == {
        CaseId.NO_BASIC_AUTH: "no basic auth given; add --basic-auth USER:PASS",
        CaseId.STREAM_WS: "needs a ws(s):// URL, a ws callback's handler",
    }
    with_auth = plan_cases(websocket=False, basic_auth=True)
    assert CaseId.NO_BASIC_AUTH in with_auth.cases


def test_plan_ws_url_runs_the_handshake_cases_only() -> None:
    plan = plan_cases(websocket=True, basic_auth=True)
    assert plan.cases == (
        CaseId.NO_BASIC_AUTH,
        CaseId.WRONG_DG_TOKEN,
        CaseId.STREAM_WS,
        CaseId.SLOW,
    )


def test_plan_only_and_skip() -> None:
    plan = plan_cases(websocket=False, basic_auth=False, only=[CaseId.PUT, CaseId.SLOW])
    assert plan.cases == (CaseId.PUT, CaseId.SLOW)
    assert plan_cases(websocket=False, basic_auth=False, only=[CaseId.SLOW]).cases == ()
    skipped = plan_cases(websocket=False, basic_auth=False, skip=[CaseId.LONG_TRANSCRIPT])
    assert CaseId.LONG_TRANSCRIPT not in skipped.cases
    assert (CaseId.LONG_TRANSCRIPT, "not asked for") in skipped.skipped


def test_case_named_reads_the_cli_spelling_and_lists_the_cases_when_wrong() -> None:
    assert hc.case_named(" Long-Transcript ") is CaseId.LONG_TRANSCRIPT
    with pytest.raises(hc.UnknownCaseError, match="the cases are: ordinary, retry"):
        hc.case_named("longtranscript")


@pytest.mark.parametrize(
    ("case", "got", "verdict", "fix"),
    [
        (CaseId.ORDINARY, reply(200), Verdict.PASS, None),
        (CaseId.ORDINARY, reply(204, 1999), Verdict.PASS, None),
        (CaseId.ORDINARY, reply(200, 3000), Verdict.FAIL, hc.FIX_PROCESS_LATER),
        (
            CaseId.ORDINARY,
            reply(None, 4000, "no reply within 4 s"),
            Verdict.FAIL,
            hc.FIX_PROCESS_LATER,
        ),
        (
            CaseId.ORDINARY,
            reply(None, 1, "Cannot connect"),
            Verdict.FAIL,
            "make the handler reachable at this URL (is it running, and listening there?)",
        ),
        (CaseId.ORDINARY, reply(401), Verdict.FAIL, hc.FIX_CREDENTIALS),
        (CaseId.ORDINARY, reply(413), Verdict.FAIL, hc.FIX_BODY_LIMIT),
        (CaseId.RETRY, reply(200), Verdict.PASS, None),
        (
            CaseId.RETRY,
            reply(409),
            Verdict.FAIL,
            "answer 2xx to a request_id you already have, "
            "without processing it again: a 409 makes Deepgram retry it up to 10 more times",
        ),
        (
            CaseId.PUT,
            reply(405),
            Verdict.WARN,
            "accept PUT as well as POST if you use callback_method=put (S3 presigned URLs do)",
        ),
        (CaseId.PUT, reply(500), Verdict.FAIL, None),
        (
            CaseId.LONG_TRANSCRIPT,
            reply(413, sent_bytes=21_000_000),
            Verdict.FAIL,
            hc.FIX_BODY_LIMIT,
        ),
        # A server that stops reading at its limit may reset the connection instead.
        (
            CaseId.LONG_TRANSCRIPT,
            reply(None, 30, "Connection reset by peer"),
            Verdict.FAIL,
            hc.FIX_BODY_LIMIT,
        ),
        (CaseId.FAILED_TRANSCRIPTION, reply(200), Verdict.PASS, None),
        (
            CaseId.FAILED_TRANSCRIPTION,
            reply(500),
            Verdict.FAIL,
            "your handler crashed on "
            "Deepgram's error body: check for err_code before reading results (a failed "
            "transcription still gets a callback)",
        ),
        (
            CaseId.FAILED_TRANSCRIPTION,
            reply(422),
            Verdict.WARN,
            f"answer 2xx to an error body too and log its err_msg: {hc.RETRIES}",
        ),
        (CaseId.WRONG_DG_TOKEN, reply(403), Verdict.PASS, None),
        (CaseId.WRONG_DG_TOKEN, reply(200), Verdict.FAIL, hc.FIX_TOKEN),
        (
            CaseId.WRONG_DG_TOKEN,
            reply(500),
            Verdict.FAIL,
            "answer 401 when the credentials are wrong (a 500 is retried)",
        ),
        (CaseId.NO_BASIC_AUTH, reply(401), Verdict.PASS, None),
        (CaseId.NO_BASIC_AUTH, reply(204), Verdict.FAIL, hc.FIX_NO_AUTH),
        (CaseId.UNICODE, reply(200), Verdict.PASS, None),
        (CaseId.UNICODE, reply(400), Verdict.FAIL, hc.FIX_UNICODE),
    ],
)
def test_grade_one_reply(case: CaseId, got: Reply, verdict: Verdict, fix: str | None) -> None:
    result = grade(case, [got], CTX)
    assert result.verdict is verdict, result.detail
    if fix is not None or verdict is Verdict.PASS:
        assert result.fix == fix
    else:
        assert result.fix  # every warning and failure has its fix line
    assert result.exchange_ids == (7,)
    assert result.status == got.status


def test_a_redirect_fails_and_names_where_it_pointed() -> None:
    result = grade(CaseId.ORDINARY, [reply(308, location="https://x.example/hook/")], CTX)
    assert result.verdict is Verdict.FAIL
    assert "308 to https://x.example/hook/" in result.detail
    assert "redirects are not followed" in (result.fix or "")


def test_retry_always_notes_idempotence() -> None:
    assert grade(CaseId.RETRY, [reply(200)], CTX).note == hc.NOTE_IDEMPOTENT


def test_a_late_pass_says_deepgram_would_send_it_again() -> None:
    result = grade(CaseId.FAILED_TRANSCRIPTION, [reply(200, 3000)], CTX)
    assert result.verdict is Verdict.PASS  # graded on its status; timing is the slow case's
    assert "over the 2 s attempt time" in result.detail


def test_wrong_token_accepted_is_fine_when_basic_auth_guards_the_handler() -> None:
    guarded = CaseContext(attempt_timeout=2.0, basic_auth_enforced=True)
    result = grade(CaseId.WRONG_DG_TOKEN, [reply(200)], guarded)
    assert result.verdict is Verdict.PASS and "basic auth guards" in (result.note or "")
    unguarded = CaseContext(attempt_timeout=2.0, basic_auth_enforced=False)
    assert grade(CaseId.WRONG_DG_TOKEN, [reply(200)], unguarded).verdict is Verdict.FAIL


def test_refusals_over_websocket_are_handshake_statuses() -> None:
    ws = CaseContext(attempt_timeout=2.0, websocket=True)
    assert grade(CaseId.WRONG_DG_TOKEN, [reply(101)], ws).verdict is Verdict.FAIL
    assert grade(CaseId.NO_BASIC_AUTH, [reply(401)], ws).verdict is Verdict.PASS


def test_stream_http_fails_at_the_first_bad_message_and_names_it() -> None:
    replies = [
        reply(200, label="message 1 of 3 (SpeechStarted)", exchange_id=1),
        reply(500, label="message 2 of 3 (UtteranceEnd)", exchange_id=2),
    ]
    result = grade(CaseId.STREAM_HTTP, replies, CTX, StreamEnd(2, 3))
    assert result.verdict is Verdict.FAIL and result.fix == hc.FIX_STREAM_TYPES
    assert result.detail.startswith("Message 2 of 3 (UtteranceEnd): answered 500")
    assert result.exchange_ids == (1, 2)
    good = [reply(200, exchange_id=i) for i in (1, 2, 3)]
    passed = grade(CaseId.STREAM_HTTP, good, CTX, StreamEnd(3, 3))
    assert passed.verdict is Verdict.PASS and "All 3 messages" in passed.detail


def test_stream_late_message_is_lost_not_retried() -> None:
    result = grade(CaseId.STREAM_HTTP, [reply(200, 2500, label="message 1 of 9")], CTX)
    assert result.verdict is Verdict.FAIL and "not retried" in result.detail


@pytest.mark.parametrize(
    ("got", "end", "verdict", "fix"),
    [
        (reply(101), StreamEnd(9, 9), Verdict.PASS, None),
        (
            reply(101),
            StreamEnd(2, 9, closed_early=True, close_code=1000),
            Verdict.FAIL,
            hc.FIX_WS_OPEN,
        ),
        (reply(404), None, Verdict.FAIL, hc.FIX_WS_OPEN),
        (reply(403), None, Verdict.FAIL, hc.FIX_CREDENTIALS),
    ],
)
def test_grade_ws_callback(got: Reply, end: StreamEnd | None, verdict: Verdict, fix) -> None:
    ws = CaseContext(attempt_timeout=2.0, websocket=True)
    result = grade(CaseId.STREAM_WS, [got], ws, end)
    assert (result.verdict, result.fix) == (verdict, fix)


def test_slow_against_the_attempt_time_with_margin() -> None:
    assert grade_slow([reply(200, 900), reply(200, 10)], CTX).verdict is Verdict.PASS
    warn = grade_slow([reply(200, 1500, label="message 4 of 9")], CTX)
    assert warn.verdict is Verdict.WARN and "(message 4 of 9)" in warn.detail
    assert grade_slow([reply(200, 2100)], CTX).verdict is Verdict.FAIL
    # Refused connections are not reply times.
    assert grade_slow([reply(None, 1, "Cannot connect")], CTX).latency_ms is None


def test_summary_exit_code_is_1_only_when_something_fails() -> None:
    def result(verdict: Verdict) -> CaseResult:
        return CaseResult(CaseId.PUT, verdict, 200, 1.0, None, "")

    warned = CheckSummary("http://x", (result(Verdict.PASS), result(Verdict.WARN)))
    assert (warned.verdict, warned.exit_code) == (Verdict.WARN, 0)
    failed = CheckSummary("http://x", (result(Verdict.PASS), result(Verdict.FAIL)))
    assert failed.exit_code == 1
    assert CheckSummary("http://x", (), cancelled=True).exit_code == 1
    assert CheckSummary("http://x", (), error="no recogniser").exit_code == 1


def test_json_forms_of_the_check_events() -> None:
    started = event_to_json(
        CheckStarted(3, 0.0, "http://h/x", False, (CaseId.ORDINARY,), ((CaseId.PUT, "why"),))
    )
    assert started is not None
    assert (started["event"], started["run"], started["loopback"]) == ("check_start", 3, False)
    assert started["skipped"] == [{"case": "put", "reason": "why"}]
    done = grade(CaseId.PUT, [reply(405)], CTX)
    line = event_to_json(CheckCaseDone(3, 0.0, done))
    assert line is not None
    assert {k: line[k] for k in ("event", "case", "verdict", "status", "latency_ms")} == {
        "event": "check_case",
        "case": "put",
        "verdict": "warn",
        "status": 405,
        "latency_ms": 5.0,
    }
    assert line["fix"] == done.fix and line["exchanges"] == [7]
    summary = event_to_json(CheckFinished(3, 0.0, CheckSummary("http://h/x", (done,))))
    assert summary is not None
    assert (summary["verdict"], summary["warn"], summary["exit_code"]) == ("warn", 1, 0)


def test_check_events_read_back_from_their_json_lines() -> None:
    """What a window attached to an engine elsewhere gets (core/event_read.py)."""
    result = grade(CaseId.PUT, [reply(405)], CTX)
    events = [
        CheckStarted(2, 10.0, "http://h/x", True, (CaseId.PUT,), ((CaseId.SLOW, "why"),), ("n",)),
        CheckCaseDone(2, 11.0, result),
        CheckFinished(2, 12.0, CheckSummary("http://h/x", (result,), session="/d/s.cisession")),
    ]
    for event in events:
        line = json.loads(event_line(event) or "")
        assert event_from_line(line, {}) == event


def test_start_handler_check_command_round_trips_the_request() -> None:
    request = hc.CheckRequest(
        "http://127.0.0.1:9/hook",
        basic_auth=("user", "pa:ss"),
        dg_token="t",
        only=(CaseId.PUT, CaseId.RETRY),
        skip=(CaseId.SLOW,),
        settings=hc.HandlerCheckSettings(attempt_timeout=2.0, stream_speed=0.0),
    )
    wire = json.loads(json.dumps(command_to_json(check_command(request), 5)))
    command_id, command = command_from_json(wire)
    assert command_id == 5 and isinstance(command, StartHandlerCheck)
    assert check_request(command) == request
    wire["only"] = "put,nope"
    with pytest.raises(CommandError, match="no case 'nope'"):
        check_request(command_from_json(wire)[1])  # type: ignore[arg-type]
