"""An engine with a data dir keeps a session file per run, answered requests in it, and
honours the retention limit."""

from __future__ import annotations

import socket
import urllib.request
from dataclasses import replace

import pytest

from inspector.core.settings import ReceiverSettings
from inspector.engine.binding import PortInUseError
from inspector.engine.engine import Engine, EngineSettings
from inspector.store.library import SessionLibrary
from inspector.store.session_reader import SessionReader


def test_each_run_keeps_its_requests_and_old_sessions_beyond_the_limit_go(tmp_path):
    paths = []
    for run in range(3):
        engine = Engine(
            EngineSettings(receiver=ReceiverSettings(port=0), data_dir=tmp_path, keep_sessions=2)
        )
        engine.start()
        try:
            request = urllib.request.Request(
                f"{engine.receiver_url}/run/{run}", data=b'{"run": %d}' % run, method="POST"
            )
            with urllib.request.urlopen(request, timeout=10) as reply:
                assert reply.status == 200
            # answered, so already committed: readable while the engine still runs
            with SessionReader(engine.session_path) as reader:
                assert [r.target for r in reader.rows()] == [f"/run/{run}"]
        finally:
            engine.stop()
        paths.append(engine.session_path)

    kept = [info.path for info in SessionLibrary(tmp_path).list()]
    assert kept == [paths[2], paths[1]]  # newest first; the first run's session was pruned


def test_a_start_that_fails_deletes_no_session_and_leaves_no_empty_file(tmp_path):
    settings = EngineSettings(receiver=ReceiverSettings(port=0), data_dir=tmp_path, keep_sessions=2)
    for _ in range(2):  # two captured sessions, the most the limit keeps
        engine = Engine(settings)
        engine.start()
        try:
            request = urllib.request.Request(f"{engine.receiver_url}/r", data=b"{}", method="POST")
            with urllib.request.urlopen(request, timeout=10) as reply:
                assert reply.status == 200
        finally:
            engine.stop()
    before = [(info.path, info.count) for info in SessionLibrary(tmp_path).list()]
    with socket.socket() as other:  # the port is taken: Start fails, twice
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = Engine(replace(settings, receiver=ReceiverSettings(port=other.getsockname()[1])))
        for _ in range(2):
            with pytest.raises(PortInUseError):
                taken.start()
    assert [(info.path, info.count) for info in SessionLibrary(tmp_path).list()] == before
    assert taken.session_path is None and taken.persister is None


def test_start_after_stop_goes_on_in_the_same_session_even_after_a_start_that_failed(tmp_path):
    """Stop, then Start (the window's toolbar): the same file, ids numbered on. A Start that
    fails (another program took the port meanwhile) deletes nothing, and the next goes on."""
    engine = Engine(EngineSettings(receiver=ReceiverSettings(port=0), data_dir=tmp_path))

    def post(path: str) -> None:
        request = urllib.request.Request(f"{engine.receiver_url}{path}", data=b"{}", method="POST")
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.status == 200

    engine.start()
    try:
        post("/first")
    finally:
        engine.stop()
    first, port = engine.session_path, engine.receiver.port
    with socket.socket() as other:  # the port is taken: Start fails
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", port))
        other.listen()
        with pytest.raises(PortInUseError):
            engine.start()
    assert [info.path for info in SessionLibrary(tmp_path).list()] == [first]
    engine.start()
    try:
        post("/second")
    finally:
        engine.stop()
    assert engine.session_path == first
    with SessionReader(first) as reader:
        assert [(r.id, r.target) for r in reader.rows()] == [(1, "/first"), (2, "/second")]
