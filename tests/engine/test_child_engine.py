"""The engine as the window's child process: the real `serve --control-stdio`, driven
through `ChildEngine` exactly as the window drives it."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

import pytest

from inspector.core.events import (
    EngineProcessEvent,
    Event,
    ExchangeAdded,
    ExchangeUpdated,
    WsMessageAdded,
)
from inspector.core.settings import EngineSettings, ReceiverSettings
from inspector.engine.child_engine import ChildEngine, EngineStartError, serve_arguments
from inspector.engine.event_queue import EventQueue
from inspector.store.library import SessionLibrary
from inspector.store.session_reader import SessionReader


def _post(url: str, body: bytes) -> int:
    req = urllib.request.Request(url, data=body, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _wait(listener: EventQueue, predicate: Callable[[Event], bool], timeout: float = 20) -> Event:
    end = time.monotonic() + timeout
    while (left := end - time.monotonic()) > 0:
        event = listener.get(timeout=left)
        if event is not None and predicate(event):
            return event
    raise AssertionError("no matching event")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie (not reaped yet) is gone too
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture
def child(tmp_path) -> Iterator[Callable[..., ChildEngine]]:
    engines: list[ChildEngine] = []

    def make(**settings) -> ChildEngine:
        engine = ChildEngine(EngineSettings(receiver=ReceiverSettings(port=0), **settings))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.stop()


def test_traffic_reaches_the_window_side_and_bodies_come_on_request(child, tmp_path):
    engine = child(data_dir=tmp_path / "data")
    listener = engine.subscribe()
    engine.start()
    body = json.dumps({"metadata": {"request_id": "child-1"}, "pad": "x" * 70_000}).encode()
    assert _post(engine.receiver_url + "/big", body) == 200
    added = _wait(listener, lambda e: isinstance(e, ExchangeAdded))
    light = added.exchange
    assert (light.target, light.request_id, light.body_size) == ("/big", "child-1", len(body))
    assert light.body == b""  # over what the lines carry inline: fetched when opened
    full, messages = engine.fetch_exchange(light.id).result(10)
    assert full.body == body and messages == []
    assert engine.session_path is not None and engine.session_path.parent.parent == (
        tmp_path / "data"
    )


def test_websocket_messages_close_and_the_engines_close_command(child):
    from websockets.sync.client import connect

    engine = child()
    listener = engine.subscribe()
    engine.start()
    with connect(engine.receiver_url.replace("http", "ws") + "/live", open_timeout=10) as ws:
        ws.send("hello")
        opened = _wait(listener, lambda e: isinstance(e, ExchangeAdded)).exchange
        message = _wait(listener, lambda e: isinstance(e, WsMessageAdded)).message
        assert message.data == b"hello"
        assert engine.close_websocket(opened.id, 1011, "enough").result(10) is True
        closed = _wait(listener, lambda e: isinstance(e, ExchangeUpdated)).exchange
    assert (closed.ws_end.code, closed.ws_end.reason) == (1011, "enough")


def test_a_killed_engine_is_restarted_on_the_same_port_into_the_same_session(child, tmp_path):
    engine = child(data_dir=tmp_path / "data")
    listener = engine.subscribe()
    engine.start()
    url, session, first_pid = engine.receiver_url, engine.session_path, engine.pid
    answered = [n for n in range(20) if _post(f"{url}/before/{n}", b"{}") == 200]
    assert len(answered) == 20
    os.kill(first_pid, signal.SIGKILL)
    lost = _wait(listener, lambda e: isinstance(e, EngineProcessEvent))
    assert lost.state == "lost"
    restarted = _wait(listener, lambda e: isinstance(e, EngineProcessEvent), timeout=60)
    assert restarted.state == "restarted" and engine.pid != first_pid
    assert engine.receiver_url == url and engine.session_path == session
    assert _post(url + "/after", b"{}") == 200
    after = _wait(
        listener, lambda e: isinstance(e, ExchangeAdded) and e.exchange.target == "/after"
    )
    with SessionReader(session) as reader:
        targets = [x.target for x in reader.exchanges()]
    assert [f"/before/{n}" for n in range(20)] == targets[:20]  # all answered before: kept
    assert "/after" in targets and after.exchange.id > 20  # ids go on after the last
    assert len(SessionLibrary(tmp_path / "data").list()) == 1  # the same session file


def test_stop_leaves_no_engine_process(child):
    engine = child()
    engine.start()
    pid = engine.pid
    assert pid is not None and not _gone(pid)
    engine.stop()
    assert _gone(pid)


def test_a_port_in_use_is_said_as_serve_says_it(child):
    first = child()
    first.start()
    port = int(first.receiver_url.rsplit(":", 1)[1])
    second = ChildEngine(EngineSettings(receiver=ReceiverSettings(port=port)))
    with pytest.raises(EngineStartError) as error:
        second.start()
    assert f"port {port}" in str(error.value) and "in use" in str(error.value)


def test_the_key_is_never_on_the_command_line():
    from inspector.core.settings import EmulatorSettings

    args = serve_arguments(
        EngineSettings(emulator=EmulatorSettings(api_key="secret-key-123", retry_delay=2.0))
    )
    assert "secret-key-123" not in " ".join(args) and "--retry-delay" in args


def test_the_window_side_imports_no_network_stack():
    import subprocess
    import sys

    probe = (
        "import sys, inspector.engine.child_engine, inspector.engine.control_client\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aiohttp', 'websockets')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


def test_submit_and_replay_run_in_the_engine_process(child):
    from inspector.core.control import Submit
    from inspector.core.settings import EmulatorSettings
    from tests.samples import shortest_sample

    engine = child(emulator=EmulatorSettings(port=0, relaxed_ports=True))
    listener = engine.subscribe()
    engine.start()
    reply = engine.submit(
        Submit(
            base_url=engine.emulator_url,
            key="k",
            path=str(shortest_sample()),
            params=(("callback", engine.receiver_url + "/from-child"),),
        )
    ).result(60)
    assert reply["status"] == 200 and list(reply["body"]) == ["request_id"]
    callback = _wait(
        listener,
        lambda e: isinstance(e, ExchangeAdded) and e.exchange.target == "/from-child",
        timeout=60,
    ).exchange
    assert callback.request_id == reply["request_id"]

    echoed = engine.replay(
        callback,
        engine.receiver_url + "/again",
        headers=(("X-Callback-Inspector-Replay-Of", str(callback.id)),),
    ).result(30)
    assert echoed.status == 200
    again = _wait(
        listener, lambda e: isinstance(e, ExchangeAdded) and e.exchange.target == "/again"
    ).exchange
    full, _ = engine.fetch_exchange(again.id).result(10)
    original, _ = engine.fetch_exchange(callback.id).result(10)
    assert full.body == original.body  # the replay sent the captured body byte for byte
