"""`RemoteEngine`, the window's side of `gui --attach`, on a real `serve --control-port`."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable

import pytest

from inspector.core.events import Event, ExchangeAdded
from inspector.engine.event_queue import EventQueue
from inspector.engine.remote_engine import AttachError, RemoteEngine, read_token
from inspector.store.session_reader import SessionReader


def _post(url: str, body: bytes) -> int:
    req = urllib.request.Request(url, data=body, method="POST")
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10) as r:
        return r.status


def _wait(listener: EventQueue, predicate: Callable[[Event], bool], timeout: float = 20) -> Event:
    end = time.monotonic() + timeout
    while (left := end - time.monotonic()) > 0:
        event = listener.get(timeout=left)
        if event is not None and predicate(event):
            return event
    raise AssertionError("no matching event")


@pytest.fixture
def remote(control_serve):
    return control_serve


def test_attach_lists_the_remote_traffic_and_mirrors_it_to_a_local_session(remote, tmp_path):
    serve, token_file = remote
    engine = RemoteEngine(serve.listening["control"], read_token(token_file), tmp_path / "mine")
    listener = engine.subscribe()
    engine.start()
    try:
        assert engine.receiver_url == serve.url and engine.hello.pid == serve.proc.pid
        big = b'{"request_id":"remote-1","pad":"' + b"y" * 80_000 + b'"}'
        assert _post(serve.url + "/there", big) == 200
        x = _wait(listener, lambda e: isinstance(e, ExchangeAdded)).exchange
        assert (x.target, x.request_id) == ("/there", "remote-1")
        full, _ = engine.fetch_exchange(x.id).result(10)
        assert full.body == big
        mirror = engine.session_path
    finally:
        engine.stop()
    assert serve.proc.poll() is None  # detaching leaves the remote running
    with SessionReader(mirror) as reader:
        kept = reader.exchange(x.id)
    assert kept is not None and kept.body == big  # the body the line did not carry, fetched


def test_a_wrong_token_is_refused_with_a_reason(remote):
    serve, _ = remote
    engine = RemoteEngine(serve.listening["control"], "not-the-token")
    with pytest.raises(AttachError) as error:
        engine.start()
    assert "refused the token (401)" in str(error.value)
    assert "not-the-token" not in str(error.value)


def test_nothing_listening_is_a_reason_not_a_hang(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(AttachError) as error:
        RemoteEngine(f"ws://127.0.0.1:{port}/control", "t").start(timeout=5)
    assert "cannot reach" in str(error.value)


def test_attaching_lists_what_the_remote_had_before_once(remote, tmp_path):
    serve, token_file = remote
    for n in range(3):
        assert _post(serve.url + f"/before/{n}", b'{"request_id":"early"}') == 200
    engine = RemoteEngine(serve.listening["control"], read_token(token_file), tmp_path / "mine")
    listener = engine.subscribe()
    engine.start()
    try:
        assert _post(serve.url + "/after", b"{}") == 200
        listed: list[str] = []

        def added(e: Event) -> bool:
            if isinstance(e, ExchangeAdded):
                listed.append(e.exchange.target)
            return listed[-1:] == ["/after"]

        _wait(listener, added)
        mirror = engine.session_path
    finally:
        engine.stop()
    with SessionReader(mirror) as reader:
        kept = [x.target for x in reader.exchanges()]
    assert listed == ["/before/0", "/before/1", "/before/2", "/after"]  # each once, in order
    assert sorted(kept) == sorted(listed)
