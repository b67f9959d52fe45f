"""The handler check's runner (engine/handler_check.py) and its `Engine` methods.

Real engine, real recogniser (the sample is recognised once for the whole pytest process),
real handlers on 127.0.0.1 written in `tests/check_handlers.py`.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from inspector.core import handler_checks as hc
from inspector.core.event_json import event_to_json
from inspector.core.events import Event, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from inspector.core.handler_checks import (
    CaseId,
    CheckCaseDone,
    CheckFinished,
    CheckRequest,
    CheckStarted,
    HandlerCheckSettings,
    Verdict,
)
from inspector.core.records import ClosedBy, ExchangeKind
from inspector.core.settings import ReceiverSettings
from inspector.engine.check_recognition import SampleRecognition
from inspector.engine.engine import Engine, EngineSettings
from inspector.engine.handler_check import HandlerCheckRun
from inspector.store.library import SessionLibrary
from tests.check_handlers import HandlerServer, Seen, scripted_app
from tests.conftest import EventLog

FAST = HandlerCheckSettings(attempt_timeout=5.0, stream_speed=0.0)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[tuple[Engine, EventLog]]:
    settings = EngineSettings(receiver=ReceiverSettings(port=0), data_dir=tmp_path)
    engine = Engine(settings)
    log = EventLog(engine.subscribe())
    engine.start()
    yield engine, log
    engine.stop()


def _finished(log: EventLog, run_id: int, timeout: float = 90) -> hc.CheckSummary:
    event = log.wait_for(
        lambda e: isinstance(e, CheckFinished) and e.run_id == run_id, timeout=timeout
    )
    assert isinstance(event, CheckFinished)
    return event.summary


def _run(engine: Engine, log: EventLog, request: CheckRequest) -> hc.CheckSummary:
    return _finished(log, engine.start_handler_check(request).result(10))


def test_a_check_on_the_engine_is_listed_beside_the_receivers_traffic(
    engine: tuple[Engine, EventLog], tmp_path: Path
) -> None:
    """The engine's own receiver is the handler: it captures what the check sends, and the
    check captures what it sent and got; every id is unique in the one list."""
    eng, log = engine
    only = (CaseId.ORDINARY, CaseId.RETRY, CaseId.PUT)
    summary = _run(eng, log, CheckRequest(f"{eng.receiver_url}/hook", only=only, settings=FAST))
    assert [r.case for r in summary.results] == list(only)
    assert summary.verdict is Verdict.PASS
    first = [e for e in log.events if isinstance(e, CheckStarted | CheckCaseDone | CheckFinished)]
    assert isinstance(first[0], CheckStarted) and first[0].loopback
    added = [e.exchange for e in log.events if isinstance(e, ExchangeAdded)]
    ids = [x.id for x in added]
    assert len(ids) == len(set(ids)) == 6  # 3 sent by the check, 3 received by the receiver
    sent = [x for x in added if x.note.startswith("check-handler")]
    assert [x.method for x in sent] == ["POST", "POST", "PUT"]
    done = {e.exchange.id: e.exchange for e in log.events if isinstance(e, ExchangeUpdated)}
    for result in summary.results:
        (xid,) = result.exchange_ids
        assert done[xid].status == 200 and done[xid].reply_headers
    # One session of the run's own, beside the capture's.
    assert summary.session is not None
    with SessionLibrary(tmp_path).open(Path(summary.session).stem) as reader:
        assert sorted(x.id for x in reader.exchanges()) == sorted(x.id for x in sent)
        assert reader.meta().source == f"check:{eng.receiver_url}/hook"


def test_a_ws_handler_that_closes_mid_stream_fails_the_ws_case(
    engine: tuple[Engine, EventLog],
) -> None:
    eng, log = engine
    seen = Seen()
    with HandlerServer(scripted_app(seen, ws_close_after=2)) as handler:
        request = CheckRequest(handler.url("ws"), only=(CaseId.STREAM_WS,), settings=FAST)
        summary = _run(eng, log, request)
    (result,) = summary.results
    assert result.verdict is Verdict.FAIL and result.fix == hc.FIX_WS_OPEN
    assert "closed by the handler (1000 enough) after 2 of" in result.detail
    (xid,) = result.exchange_ids
    # Listed once answered, so that serve's lines (and a window on a child engine) have it.
    (opened,) = [e for e in log.events if isinstance(e, ExchangeAdded)]
    assert (opened.exchange.id, opened.exchange.status) == (xid, 101)
    assert (event_to_json(opened) or {}).get("event") == "ws_open"
    final = [e.exchange for e in log.events if isinstance(e, ExchangeUpdated)][-1]
    assert final.id == xid and final.kind is ExchangeKind.WEBSOCKET
    assert final.ws_end is not None and final.ws_end.by is ClosedBy.SERVER
    messages = [e.message for e in log.events if isinstance(e, WsMessageAdded)]
    assert [m.exchange_id for m in messages] == [xid, xid]
    assert seen.ws_messages == ["SpeechStarted", "Results"]


def test_a_refused_ws_upgrade_and_a_redirect_fail_with_their_fixes(
    engine: tuple[Engine, EventLog],
) -> None:
    eng, log = engine
    with HandlerServer(scripted_app(Seen(), ws_refuse=404)) as handler:
        ws = _run(eng, log, CheckRequest(handler.url("ws"), only=(CaseId.STREAM_WS,)))
    assert (ws.results[0].verdict, ws.results[0].status) == (Verdict.FAIL, 404)
    assert ws.results[0].fix == hc.FIX_WS_OPEN
    moved = scripted_app(Seen(), status=301, location="https://example.invalid/hook/")
    with HandlerServer(moved) as handler:
        summary = _run(eng, log, CheckRequest(handler.url(), only=(CaseId.ORDINARY,)))
    (result,) = summary.results
    assert result.verdict is Verdict.FAIL
    assert "301 to https://example.invalid/hook/" in result.detail  # not followed
    assert "redirects are not followed" in (result.fix or "")


def test_nothing_listening_fails_with_how_to_reach_it(engine: tuple[Engine, EventLog]) -> None:
    eng, log = engine
    with socket.socket() as s:  # a port just freed: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    request = CheckRequest(f"http://127.0.0.1:{port}/hook", only=(CaseId.ORDINARY,))
    (result,) = _run(eng, log, request).results
    assert result.verdict is Verdict.FAIL and result.status is None
    assert result.fix == (
        "make the handler reachable at this URL (is it running, and listening there?)"
    )
    # The attempt is still listed (serve prints it): no status, its note says why.
    final = [e for e in log.events if isinstance(e, ExchangeUpdated)][-1]
    line = event_to_json(final)
    assert line is not None and line["event"] == "request" and line["status"] is None
    assert "Cannot connect" in line["note"] or "refused" in line["note"]


def test_cancel_ends_the_run_cancelled(engine: tuple[Engine, EventLog]) -> None:
    eng, log = engine
    with HandlerServer(scripted_app(Seen(), delay=60)) as handler:
        request = CheckRequest(handler.url(), only=(CaseId.ORDINARY,), settings=FAST)
        run_id = eng.start_handler_check(request).result(10)
        log.wait_for(lambda e: isinstance(e, ExchangeAdded), timeout=90)  # sent, waiting
        eng.cancel_handler_check(run_id)
        summary = _finished(log, run_id)
    assert summary.cancelled and summary.exit_code == 1


def test_a_url_beyond_this_machine_is_named_before_anything_is_sent(tmp_path: Path) -> None:
    """The payloads fail here (no recogniser), so nothing is ever sent: the test sends
    nothing off the machine, and shows CheckStarted naming the URL comes first."""
    events: list[Event] = []

    async def no_recogniser() -> tuple[object, bool]:
        raise RuntimeError("no recogniser in this test")

    recognition = SampleRecognition(no_recogniser, sample=tmp_path / "never-read.wav")  # type: ignore[arg-type]
    run = HandlerCheckRun(
        CheckRequest("https://callbacks.example.com/deepgram"),
        run_id=1,
        publish=events.append,
        next_id=iter(range(1, 100)).__next__,
        recognition=recognition,
    )
    summary = asyncio.run(run.run())
    assert [type(e) for e in events] == [CheckStarted, CheckFinished]
    started = events[0]
    assert isinstance(started, CheckStarted)
    assert (started.url, started.loopback) == ("https://callbacks.example.com/deepgram", False)
    assert summary.error is not None and "no recogniser" in summary.error


def test_the_windows_child_engine_runs_a_check_through_the_control_api(tmp_path: Path) -> None:
    """`serve --control-stdio` as the window will run it (issue 16): the check is a command,
    its progress comes back as the same records, its exchanges as the list's rows."""
    from inspector.engine.child_engine import ChildEngine

    engine = ChildEngine(EngineSettings(receiver=ReceiverSettings(port=0), data_dir=tmp_path))
    log = EventLog(engine.subscribe())
    engine.start()
    try:
        with HandlerServer(scripted_app(Seen(), status=405)) as handler:
            request = CheckRequest(
                handler.url(), basic_auth=("u", "p"), only=(CaseId.PUT,), settings=FAST
            )
            run_id = engine.start_handler_check(request).result(30)
            summary = _finished(log, run_id)
    finally:
        engine.stop()
    (result,) = summary.results
    assert (result.case, result.verdict, result.status) == (CaseId.PUT, Verdict.WARN, 405)
    assert result.fix and summary.session and summary.exit_code == 0
    started = [e for e in log.events if isinstance(e, CheckStarted)]
    assert [s.run_id for s in started] == [run_id] and started[0].cases == (CaseId.PUT,)
    (put,) = [e.exchange for e in log.events if isinstance(e, ExchangeAdded)]
    assert (put.id, put.method) == (result.exchange_ids[0], "PUT")


def test_older_check_sessions_beyond_keep_sessions_are_deleted(
    engine: tuple[Engine, EventLog], tmp_path: Path
) -> None:
    eng, log = engine
    keep_one = HandlerCheckSettings(attempt_timeout=5.0, keep_sessions=1)
    request = CheckRequest(f"{eng.receiver_url}/hook", only=(CaseId.PUT,), settings=keep_one)
    first = _run(eng, log, request).session
    second = _run(eng, log, request).session
    assert first and second and first != second
    sources = {i.id: i.source for i in SessionLibrary(tmp_path).list()}
    checks = [sid for sid, source in sources.items() if source.startswith("check:")]
    assert checks == [Path(second).stem]
    assert "capture" in sources.values()  # the engine's own capture is not a check's to prune
