"""The live list keeps only its newest rows in memory and reads the older ones back from the
session file (issue 16: a live capture of a million exchanges in a few hundred MB).

A real window on a real engine in its own process, a real session file, real POSTs; the
list's memory is shrunk (`KEEP` 40 rows) so that a few hundred requests show what a million
would. Without a session file every row stays in memory.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import urllib.parse

import pytest

from inspector.core.filter_expr import parse_filter
from inspector.core.settings import EngineSettings, ReceiverSettings
from inspector.store.library import SessionLibrary
from inspector.store.session_reader import SessionReader
from inspector.ui import live_rows
from tests.emulator_http import post
from tests.factories import http_exchange

TIMEOUT_MS = 20_000
N = 300
KEEP = 40
CHECK_EVERY = 8
PATH_COLUMN = 2


@pytest.fixture(autouse=True)
def small_memory(monkeypatch):
    monkeypatch.setattr(live_rows, "KEEP", KEEP)
    monkeypatch.setattr(live_rows, "CHECK_EVERY", CHECK_EVERY)
    monkeypatch.setattr(live_rows, "PAGE_ROWS", 16)
    monkeypatch.setattr(live_rows, "READ_CACHE", 32)


def _body(i: int) -> bytes:
    return json.dumps({"metadata": {"request_id": f"live-{i % 100}"}, "note": f"k{i}k"}).encode()


def _send(url: str, n: int) -> None:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        for i in range(n):
            conn.request("POST", f"/cb/{i}", _body(i), {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200
    finally:
        conn.close()


def _paths(w) -> list[str]:
    table = w.table.model()
    return [table.index(r, PATH_COLUMN).data() for r in range(table.rowCount())]


def test_older_rows_leave_memory_and_are_read_back_from_the_session_file(
    qtbot, window_on, tmp_path
):
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0), data_dir=tmp_path / "data"))
    model = w.model
    _send(w.engine.receiver_url, N)
    qtbot.waitUntil(lambda: model.exchange_count() == N, timeout=TIMEOUT_MS)
    # Memory holds the newest rows only; the file holds them all.
    kept = model.recent_exchanges()
    assert len(kept) <= KEEP + 4 * CHECK_EVERY, len(kept)
    assert kept[-1].path == f"/cb/{N - 1}"
    ids = [model.exchange_at(model.index(r, 0)).id for r in range(N)]
    assert not model.in_memory(ids[0]) and model.in_memory(ids[-1])
    path = w.engine.session_path
    assert path is not None
    with SessionReader(path) as reader:
        assert reader.count() == N

    # Every row is listed as it arrived, the old ones read back from the file.
    assert _paths(w) == [f"/cb/{i}" for i in range(N)]
    oldest = model.exchange(ids[0])
    assert oldest is not None and oldest.request_id == "live-0" and not oldest.body  # light

    # The detail pane shows an old row whole: fetched from the engine when selected.
    w.select_exchange(ids[0])
    qtbot.waitUntil(lambda: w.full_rows.get(ids[0]) is not None, timeout=TIMEOUT_MS)
    selected = w.selected_exchange()
    assert selected is not None and selected.body == _body(0)

    # The filter box finds old rows (asked of the file, in SQL) and new ones (in memory),
    # by what only their bodies say.
    assert parse_filter(f"body:k13k OR body:k{N - 2}k").ok
    w.filter_field.setText(f"body:k13k OR body:k{N - 2}k")
    qtbot.waitUntil(lambda: w.proxy.rowCount() == 2, timeout=TIMEOUT_MS)
    assert _paths(w) == ["/cb/13", f"/cb/{N - 2}"]
    w.filter_field.clear()
    qtbot.waitUntil(lambda: w.proxy.rowCount() == N, timeout=TIMEOUT_MS)

    # Grouped by request_id: the attempts of each id together, old and new rows alike.
    w.group_button.click()
    assert model.grouped
    qtbot.waitUntil(lambda: model.rowCount() == 100, timeout=TIMEOUT_MS)
    node = model.index(0, 0)
    attempts = [
        model.exchange_at(model.index(r, 0, node)).path for r in range(model.rowCount(node))
    ]
    assert attempts == ["/cb/0", "/cb/100", "/cb/200"]


def test_without_a_session_file_every_row_stays_in_memory(qtbot, window_on):
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0), data_dir=None))
    assert w.engine.session_path is None
    _send(w.engine.receiver_url, 120)
    qtbot.waitUntil(lambda: w.model.exchange_count() == 120, timeout=TIMEOUT_MS)
    assert len(w.model.recent_exchanges()) == 120
    assert _paths(w) == [f"/cb/{i}" for i in range(120)]


def test_export_from_memory_after_a_storage_failure_has_the_old_rows_bodies(
    qtbot, window_on, tmp_path
):
    """The session file missed a request (locked by another program), so Export HAR takes
    the live list: the rows it let go come back whole from the file, bodies and all."""
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0), data_dir=tmp_path / "data"))
    url = w.engine.receiver_url
    _send(url, 120)
    qtbot.waitUntil(lambda: w.model.exchange_count() == 120, timeout=TIMEOUT_MS)
    assert len(w.model.recent_exchanges()) < 120  # the oldest rows left memory
    path = w.engine.session_path
    assert path is not None
    other = sqlite3.connect(str(path), isolation_level=None)  # another program's lock
    other.execute("BEGIN IMMEDIATE")
    try:
        assert post(url, "/locked", b'{"n":"locked"}') == 200  # after the busy timeout
        qtbot.waitUntil(lambda: w.storage_banner.isVisibleTo(w), timeout=TIMEOUT_MS)
    finally:
        other.execute("ROLLBACK")
        other.close()
    qtbot.waitUntil(lambda: w.model.exchange_count() == 121, timeout=TIMEOUT_MS)
    assert not w.engine.session_complete()
    out = tmp_path / "live.har"
    dialog = w.sessions.show_export()
    dialog.path_field.setText(str(out))
    dialog.export_button.click()
    entries = json.loads(out.read_text())["log"]["entries"]
    paths = [urllib.parse.urlsplit(e["request"]["url"]).path for e in entries]
    assert paths == [f"/cb/{i}" for i in range(120)] + ["/locked"]
    bodies = [e["request"]["postData"]["text"] for e in entries]
    assert bodies == [_body(i).decode() for i in range(120)] + ['{"n":"locked"}']


@pytest.mark.parametrize("where", ["child", "in-process"])
def test_stop_then_start_goes_on_in_the_same_session_and_its_ids(qtbot, window_on, tmp_path, where):
    settings = EngineSettings(receiver=ReceiverSettings(port=0), data_dir=tmp_path / "data")
    w = window_on(settings, in_process=where == "in-process")
    _send(w.engine.receiver_url, 120)
    qtbot.waitUntil(lambda: w.model.exchange_count() == 120, timeout=TIMEOUT_MS)
    first = w.engine.session_path
    for wanted in ("Start", "Stop"):  # Stop, then Start
        w.toggle_running()
        qtbot.waitUntil(
            lambda wanted=wanted: (
                w.start_stop_action.text() == wanted and w.start_stop_action.isEnabled()
            ),
            timeout=TIMEOUT_MS,
        )
    assert w.engine.session_path == first
    _send(w.engine.receiver_url, 10)
    qtbot.waitUntil(lambda: w.model.exchange_count() == 130, timeout=TIMEOUT_MS)
    ids = [w.model.exchange_at(w.model.index(r, 0)).id for r in range(130)]
    assert ids == sorted(set(ids))  # numbered on, not from 1 again
    assert _paths(w) == [f"/cb/{i}" for i in range(120)] + [f"/cb/{i}" for i in range(10)]
    with SessionReader(first) as reader:
        assert reader.count() == 130
    assert [info.path for info in SessionLibrary(tmp_path / "data").list()] == [first]


def test_rows_are_read_back_from_the_file_each_was_captured_into(tmp_path):
    """Two session files numbering from 1 (an engine that opened a new one): each row comes
    back from its own, and the filter asks each file about its own rows."""
    library = SessionLibrary(tmp_path)
    files = {}
    for name in ("a", "b"):
        with library.create(started=1_700_000_000.0 + len(files)) as writer:
            rows = [
                http_exchange(i, started=1_700_000_000.0 + i, target=f"/{name}/{i}")
                for i in range(1, 61)
            ]
            for x in rows:
                writer.submit(x)
        files[name] = (writer.path, rows)
    current = [files["a"][0]]
    live = live_rows.LiveRows(lambda: current[0])
    try:
        live.append(files["a"][1])
        current[0] = files["b"][0]
        live.append(files["b"][1])
        assert len(live.recent()) <= KEEP + CHECK_EVERY
        targets = [f"/a/{i}" for i in range(1, 61)] + [f"/b/{i}" for i in range(1, 61)]
        assert [x.target for x in live] == targets
        assert live.at(0).target == "/a/1" and not live.in_memory(1)  # id 1: the latest, b's
        assert live.get(1).target == "/b/1"
        condition = parse_filter("path:/a/*").condition
        assert condition is not None
        assert [live.file_says(condition, at) for at in (0, 1, 59)] == [True] * 3
        assert [live.file_says(condition, at) for at in (60, 61, 62)] == [False] * 3
    finally:
        live.close()
