"""Issue 13 over the control API: the window on an engine in another process sets forwarding,
guards and the public URL with commands, and reads the public URL's events back."""

from __future__ import annotations

from inspector.core.control import command_from_json, command_to_json
from inspector.core.event_json import event_to_json
from inspector.core.event_read import event_from_line, exchange_from_record, exchange_to_record
from inspector.core.forward import ForwardResult, ForwardSettings
from inspector.core.guard import GuardSettings
from inspector.core.public_url import PublicUrlEvent, PublicUrlPhase, PublicUrlSettings
from inspector.engine.control import ControlHandler, hello
from tests.core.test_event_json import _exchange


def _apply(engine, command) -> dict:
    handler = ControlHandler(engine, lambda: None)
    line = command_to_json(command, 7)
    return engine.call(handler.handle(line)).result(10)


def test_commands_set_forwarding_guards_and_the_public_url_on_the_engine(start_engine):
    from inspector.core.control import SetForwarding, SetGuards, StartPublicUrl, StopPublicUrl

    engine, log = start_engine()
    forward = ForwardSettings(url="http://127.0.0.1:3000/app", timeout=5.0)
    guards = GuardSettings(basic_auth="dg:pw", dg_token="11111111-2222-3333-4444-555555555555")
    public = PublicUrlSettings(url="http://127.0.0.1:9", probe_timeout=0.5)
    for command in (SetForwarding(forward), SetGuards(guards), StartPublicUrl(public)):
        assert command_from_json(command_to_json(command, 1)) == (1, command)
        assert _apply(engine, command)["ok"] is True
    assert engine.forwarding == forward and engine.guards == guards
    started = log.wait_for(
        lambda e: isinstance(e, PublicUrlEvent) and e.phase is PublicUrlPhase.PROBING
    )
    assert started.callback_url == f"http://dg:pw@127.0.0.1:9{engine.public.prefix}/"
    said = hello(engine)
    assert said["forwarding"]["url"] == forward.url
    assert event_from_line(said["public_url"], {}).callback_url == started.callback_url
    assert _apply(engine, StopPublicUrl())["ok"] is True
    log.wait_for(lambda e: isinstance(e, PublicUrlEvent) and e.phase is PublicUrlPhase.STOPPED)
    bad = _apply(engine, SetForwarding(ForwardSettings(url="ftp://x")))
    assert bad["ok"] is False and "http://" in bad["error"]


def test_public_url_lines_and_forwards_read_back_into_records():
    event = PublicUrlEvent(
        "cloudflared", PublicUrlPhase.REACHABLE, 1.0, "https://a", "https://a/cb/S/"
    )
    assert event_from_line(event_to_json(event), {}) == event
    failed = PublicUrlEvent("ngrok", PublicUrlPhase.FAILED, 2.0, error="no ngrok authtoken")
    assert event_from_line(event_to_json(failed), {}) == failed
    result = ForwardResult(
        "http://app/x", status=202, headers=(("A", "1"),), body=b"ok", body_size=2, latency_ms=3.5
    )
    x = _exchange(forward=result, probe=True)
    assert exchange_from_record(exchange_to_record(x)) == x
    line = event_from_line(event_to_json_request(x), {})
    assert line.exchange.forward == ForwardResult(
        "http://app/x", status=202, body_size=2, latency_ms=3.5
    )
    assert line.exchange.probe


def event_to_json_request(x):
    from inspector.core.events import ExchangeAdded

    return event_to_json(ExchangeAdded(x))
