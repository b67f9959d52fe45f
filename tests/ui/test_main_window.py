"""The real window (offscreen) on a real engine: what arrives is listed, shown and answerable."""

from __future__ import annotations

import http.client
import os
import subprocess
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QHeaderView
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from inspector.core.columns import column_index
from inspector.core.rules_file import rule_from_table
from inspector.ui.main_window import MainWindow
from tests.serve_process import EXE

COL_ATTEMPT = column_index("attempt")
COL_METHOD = column_index("method")
COL_REQUEST_ID = column_index("request_id")
COL_STATUS = column_index("status")
COL_TOKEN = column_index("dg_token")

TIMEOUT_MS = 15_000
RESULT = (
    b'{"metadata":{"request_id":"r-1"},"results":{"channels":[{"alternatives":[{"transcript":'
    b'"one two","confidence":0.9,"words":[{"word":"one","start":0.1,"end":0.4,"confidence":0.8},'
    b'{"word":"two","start":0.5,"end":0.9,"confidence":0.7}]}]}]}}'
)


def _request(url, method, path, body=b"", headers=None):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers or []:
        conn.putheader(name, value)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.fixture
def window(qtbot, qsettings):
    def make(engine):
        w = MainWindow(engine, qsettings)
        qtbot.addWidget(w)
        w.show()
        return w

    return make


def _cell(w, row, col, parent=None):
    from PySide6.QtCore import QModelIndex

    return w.proxy.index(row, col, parent or QModelIndex()).data()


def _select(w, row):
    w.table.setCurrentIndex(w.proxy.index(row, 0))


def test_requests_and_websocket_messages_show_in_list_and_tabs(qtbot, start_engine, window):
    engine, _ = start_engine()
    w = window(engine)
    headers = [
        ("dg-token", "tok-1"),
        ("X-Dup", "a"),
        ("Content-Type", "application/json"),
        ("X-Dup", "b"),
    ]
    assert _request(engine.receiver_url, "POST", "/cb?x=1", RESULT, headers) == 200
    assert _request(engine.receiver_url, "POST", "/bin", bytes([0, 1, 0xFF, 0x41])) == 200
    with connect(engine.receiver_url.replace("http", "ws") + "/stream") as ws:
        ws.send("hello")
        ws.send(b"\x00\x02")
    qtbot.waitUntil(
        lambda: w.model.rowCount() == 3 and "closed" in _cell(w, 2, 3), timeout=TIMEOUT_MS
    )
    assert [
        _cell(w, 0, c) for c in (COL_METHOD, COL_STATUS, COL_REQUEST_ID, COL_ATTEMPT, COL_TOKEN)
    ] == ["POST", "200 ✓", "r-1", "1", "tok-1"]
    assert _cell(w, 2, COL_METHOD) == "WS" and _cell(w, 2, 4) == "2 msg"

    _select(w, 0)
    model = w.detail.headers.model
    names = [model.index(r, 1).data() for r in range(model.rowCount())]
    assert names[:5] == ["Host", "dg-token", "X-Dup", "Content-Type", "X-Dup"]  # wire order
    assert model.index(1, 3).data().startswith("◆ dg-token")
    # The verdict may not fit the Note column (issue 14 item 8): cut in the middle, whole
    # in its tooltip, the column resizable.
    view = w.detail.headers.table
    assert view.textElideMode() is Qt.TextElideMode.ElideMiddle
    note = model.index(1, 3)
    assert note.data() in note.data(Qt.ItemDataRole.ToolTipRole)
    assert view.horizontalHeader().sectionResizeMode(3) is QHeaderView.ResizeMode.Interactive
    tree = w.detail.body.tree_model
    assert [tree.index(r, 0).data() for r in range(tree.rowCount())] == ["metadata", "results"]
    assert '"request_id": "r-1"' in w.detail.body.pretty.toPlainText()
    assert w.detail.transcript.transcript.text() == "one two"
    words = w.detail.transcript.words_model
    assert [words.index(0, c).data() for c in range(4)] == ["one", "0.10", "0.40", "0.800"]

    # The reply's headers as they went on the wire (issue 14 item 6).
    # The list's row is light (the engine is a child process): the detail fetches it whole.
    reply = w.detail.headers.reply_model
    qtbot.waitUntil(
        lambda: {"Content-Length", "Date", "Server"}
        <= {reply.index(r, 0).data() for r in range(reply.rowCount())},
        timeout=TIMEOUT_MS,
    )

    _select(w, 1)  # a binary body: not in the engine's line, fetched once shown
    qtbot.waitUntil(
        lambda: w.detail.body.raw.toPlainText().splitlines()[1:2] != []
        and w.detail.body.raw.toPlainText().splitlines()[1].startswith("00000000  00 01 ff 41"),
        timeout=TIMEOUT_MS,
    )

    _select(w, 2)
    ws_tab = w.detail.websocket
    qtbot.waitUntil(lambda: ws_tab.model.rowCount() == 2, timeout=TIMEOUT_MS)
    assert [ws_tab.model.index(0, c).data() for c in (1, 4, 5)] == ["→ in", "text", "hello"]

    def binary_message_shown() -> bool:  # its bytes come with the row fetched whole
        ws_tab.table.selectRow(1)
        return ws_tab.full.toPlainText().startswith("00000000  00 02")

    qtbot.waitUntil(binary_message_shown, timeout=TIMEOUT_MS)
    assert "closed by client, code 1000 normal" in ws_tab.state.text()


def test_filter_narrows_and_grouping_puts_attempts_under_one_node(qtbot, start_engine, window):
    engine, _ = start_engine(rules=(rule_from_table({"fail_first": 2, "status": 503}),))
    w = window(engine)
    for _ in range(3):
        _request(engine.receiver_url, "POST", "/cb", RESULT)
    other = b'{"metadata":{"request_id":"r-2"},"note":"needle-in-body"}'
    _request(engine.receiver_url, "POST", "/cb", other)
    _request(engine.receiver_url, "GET", "/health")
    qtbot.waitUntil(lambda: w.model.rowCount() == 5, timeout=TIMEOUT_MS)

    w.filter_action.trigger()
    assert w.filter_field.hasFocus()
    for text, shown in (("r-1", 3), ("/health", 1), ("503", 4), ("r-2", 1)):
        w.filter_field.setText(text)
        assert w.proxy.rowCount() == shown, text
        assert w.filter_count.text() == f"{shown} of 5"
    qtbot.keyClick(w.filter_field, Qt.Key.Key_Escape)
    assert w.filter_field.text() == "" and w.proxy.rowCount() == 5

    w.group_action.trigger()
    assert w.proxy.rowCount() == 3  # r-1, r-2, GET /health
    group = w.proxy.index(0, 0)
    assert w.proxy.rowCount(group) == 3
    assert _cell(w, 0, COL_STATUS) == "3 attempts, delivered"
    assert [_cell(w, r, COL_STATUS, group) for r in range(3)] == ["503 ✗", "503 ✗", "200 ✓"]
    w.filter_field.setText("r-2")
    assert w.proxy.rowCount() == 1 and w.filter_count.text() == "1 of 5"
    w.filter_field.clear()
    _request(engine.receiver_url, "POST", "/cb", RESULT)  # a 4th attempt while grouped
    qtbot.waitUntil(lambda: w.proxy.rowCount(w.proxy.index(0, 0)) == 4, timeout=TIMEOUT_MS)
    assert w.table.isExpanded(w.proxy.index(0, 0))
    assert _cell(w, 0, COL_STATUS) == "4 attempts, delivered"


def test_close_with_code_and_drop_now_end_a_live_websocket(qtbot, start_engine, window):
    engine, _ = start_engine()
    w = window(engine)
    controls = w.rules_panel.live
    url = engine.receiver_url.replace("http", "ws")
    with connect(url + "/live") as ws:
        ws.send("hi")
        qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=TIMEOUT_MS)
        _select(w, 0)
        assert controls.close_button.isEnabled()
        controls.ws_code.setCurrentText("4000")
        controls.ws_reason.setText("bye <b>now</b>")
        controls.close_button.click()
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd.code == 4000 and closed.value.rcvd.reason == "bye <b>now</b>"
    qtbot.waitUntil(
        lambda: _cell(w, 0, COL_STATUS) == "closed 4000 application ✗", timeout=TIMEOUT_MS
    )
    assert not controls.close_button.isEnabled()

    with connect(url + "/live2") as ws:
        ws.send("hi")
        qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=TIMEOUT_MS)
        _select(w, 1)
        controls.drop_button.click()
        with pytest.raises(ConnectionClosed) as dropped:
            ws.recv(timeout=10)
    assert dropped.value.rcvd is None  # no close frame: a TCP abort
    qtbot.waitUntil(lambda: _cell(w, 1, COL_STATUS) == "closed 1006 abnormal ✗", timeout=TIMEOUT_MS)
    assert "closed by abort" in w.detail.websocket.state.text()


def test_markup_and_ansi_from_the_network_are_shown_literally(qtbot, start_engine, window):
    engine, _ = start_engine()
    w = window(engine)
    evil = "<b>bold</b> <img src=x> \x1b[31mred"
    as_json = (
        '{"request_id":"<b>r</b>","note":"' + evil.replace("\x1b", "\\u001b") + '"}'
    ).encode()
    _request(
        engine.receiver_url, "POST", "/<b>p</b>", as_json, [("X-Evil", "<img src=x> <b>b</b>")]
    )
    _request(engine.receiver_url, "POST", "/raw", evil.encode())
    qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=TIMEOUT_MS)
    _select(w, 0)
    headers = w.detail.headers
    evil_row = next(
        r for r in range(headers.model.rowCount()) if headers.model.index(r, 1).data() == "X-Evil"
    )
    assert headers.model.index(evil_row, 2).data() == "<img src=x> <b>b</b>"
    assert "/<b>p</b>" in headers.summary.text()
    assert "<b>r</b>" in headers.auth.text()
    for label in (headers.summary, headers.auth, w.detail.transcript.transcript):
        assert label.textFormat() == Qt.TextFormat.PlainText
    assert '"note": "<b>bold</b> <img src=x> \\u001b[31mred"' in w.detail.body.pretty.toPlainText()
    assert _cell(w, 0, 2) == "/<b>p</b>"
    _select(w, 1)
    assert w.detail.body.raw.toPlainText() == evil  # the ESC byte itself, not interpreted
    assert w.detail.body.pretty.toPlainText() == evil


def test_a_flood_is_listed_in_batches(qtbot, start_engine, window):
    engine, log = start_engine()
    w = window(engine)
    inserts = []
    w.model.rowsInserted.connect(lambda *_: inserts.append(1))
    w.timer.stop()  # let the whole flood queue up before the next drain
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: _request(engine.receiver_url, "POST", f"/f{n}", b"{}"), range(600)))
    seen = []
    log.wait_for(lambda e: seen.append(e) or len(seen) == 600, timeout=30)
    w.timer.start()
    qtbot.waitUntil(lambda: w.model.rowCount() == 600, timeout=30_000)
    assert len(inserts) == 1  # one insert for the whole drained batch, not one per request
    assert w.count_label.text().startswith("600 exchanges")


def test_right_click_copies_url_body_and_request_id(qtbot, start_engine, window):
    engine, _ = start_engine()
    w = window(engine)
    _request(engine.receiver_url, "POST", "/cb?a=1", RESULT)
    _request(engine.receiver_url, "GET", "/empty")
    qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=TIMEOUT_MS)
    actions = dict(w.context_actions(w.model.exchange(1)))
    clipboard = QGuiApplication.clipboard()
    actions["Copy URL"]()
    assert clipboard.text() == engine.receiver_url + "/cb?a=1"
    actions["Copy body"]()
    assert clipboard.text() == RESULT.decode()
    actions["Copy request_id"]()
    assert clipboard.text() == "r-1"
    actions["Filter by this request_id"]()
    assert w.proxy.rowCount() == 1
    empty = dict(w.context_actions(w.model.exchange(2)))
    assert empty["Copy body"] is None and empty["Copy request_id"] is None


def test_auto_scroll_follows_new_rows_until_the_user_scrolls_up(qtbot, start_engine, window):
    engine, _ = start_engine()
    w = window(engine)
    for n in range(80):
        _request(engine.receiver_url, "POST", f"/n{n}", b"{}")
    qtbot.waitUntil(lambda: w.model.rowCount() == 80, timeout=TIMEOUT_MS)
    bar = w.table.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=TIMEOUT_MS)
    bar.setValue(0)
    assert "Auto-scroll paused" in w.scroll_note.text()
    for n in range(20):
        _request(engine.receiver_url, "POST", f"/m{n}", b"{}")
    qtbot.waitUntil(lambda: w.model.rowCount() == 100, timeout=TIMEOUT_MS)
    assert bar.value() == 0
    bar.setValue(bar.maximum())
    _request(engine.receiver_url, "POST", "/last", b"{}")
    qtbot.waitUntil(lambda: w.model.rowCount() == 101, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: bar.value() == bar.maximum(), timeout=TIMEOUT_MS)
    assert w.scroll_note.text() == ""


def test_status_bar_copy_buttons_and_stop_start(qtbot, start_engine, window):
    engine, _ = start_engine()
    w = window(engine)
    w.copy_button.click()
    assert QGuiApplication.clipboard().text() == engine.receiver_url
    assert w.listening_label.text() == f"● Listening on {engine.receiver_url}"
    _request(engine.receiver_url, "POST", "/x", b"", [])
    engine.set_rules((rule_from_table({"status": 500}),))
    engine.settle()  # the rule is in force before the next request
    _request(engine.receiver_url, "POST", "/y", b"", [])
    qtbot.waitUntil(lambda: w.count_label.text() == "2 exchanges  ·  1 error ✗", timeout=TIMEOUT_MS)
    w.start_stop_action.trigger()
    qtbot.waitUntil(lambda: w.listening_label.text() == "○ Stopped", timeout=TIMEOUT_MS)
    assert w.start_stop_action.text() == "Start"
    # Stopped, the URL stays (Start listens on it again) but no longer looks live.
    assert w.url_field.text() == engine.receiver_url and not w.url_field.isEnabled()
    assert w.url_field.toolTip().startswith("Stopped")
    w.start_stop_action.trigger()
    qtbot.waitUntil(lambda: w.listening_label.text().startswith("● Listening"), timeout=TIMEOUT_MS)
    assert w.url_field.isEnabled() and not w.url_field.toolTip().startswith("Stopped")
    assert _request(engine.receiver_url, "POST", "/z", b"") == 200
    _select(w, 0)
    assert w.detail.headers.table.isVisibleTo(w)
    w.clear_action.trigger()
    assert w.model.rowCount() == 0
    assert not w.detail.headers.table.isVisibleTo(w) and w.detail.exchange is None


def test_geometry_and_last_choices_are_remembered(qtbot, start_engine, qsettings):
    engine, _ = start_engine()
    first = MainWindow(engine, qsettings)
    qtbot.addWidget(first)
    first.group_action.trigger()
    first.submit_panel.model.setText("nova-3")
    first.submit_panel.punctuate.setChecked(True)
    first.close()
    second = MainWindow(engine, qsettings)
    qtbot.addWidget(second)
    assert second.model.grouped
    assert second.submit_panel.model.text() == "nova-3"
    assert second.submit_panel.punctuate.isChecked()


def test_gui_rejects_an_unknown_demo_with_the_list_of_names():
    result = subprocess.run(
        [*EXE, "gui", "--port", "0", "--demo", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 2
    assert "no demo named 'nope'" in result.stderr and "retry-storm" in result.stderr


def test_gui_screenshot_writes_a_png_of_the_window(tmp_path):
    out = tmp_path / "shot.png"
    result = subprocess.run(
        [
            *EXE,
            "gui",
            "--port",
            "0",
            "--emulator-port",
            "0",
            "--demo",
            "retry-storm",  # quitting mid-demo, with a job in flight, still exits 0
            "--screenshot",
            str(out),
            "--quit-after",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=90,
        env={
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_CONFIG_HOME": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert image.width() >= 800 and image.height() >= 500


def test_a_backlog_is_listed_over_several_ticks_in_order(qtbot, start_engine, window):
    engine, log = start_engine(
        rules=(rule_from_table({"status": 500, "match": {"path": "/bad*"}}),)
    )
    w = window(engine)
    w.timer.stop()  # the backlog builds up; each drain below is one tick
    w.drain_slice = 100
    w.drain_budget_s = 0.0  # one slice per tick, whatever the machine's speed
    inserts = []
    w.model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    paths = [f"/bad{n}" if n % 10 == 0 else f"/ok{n}" for n in range(250)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda p: _request(engine.receiver_url, "POST", p, b"{}"), paths))
    seen = []
    log.wait_for(lambda e: seen.append(e) or len(seen) == 250, timeout=30)
    w.drain_events()
    assert w.model.rowCount() == 100 and w.count_label.text().startswith("100 exchanges")
    w.drain_events()
    assert w.model.rowCount() == 200
    w.timer.start()  # the rest on the next tick
    qtbot.waitUntil(lambda: w.model.rowCount() == 250, timeout=TIMEOUT_MS)
    assert inserts == [(0, 99), (100, 199), (200, 249)]
    ids = [w.model.exchange_at(w.model.index(r, 0)).id for r in range(250)]
    assert ids == [e.exchange.id for e in seen]  # none lost, none twice, in arrival order
    assert sorted(w.model.index(r, 2).data() for r in range(250)) == sorted(paths)
    assert w.count_label.text().startswith("250 exchanges  ·  25 errors ✗")
    assert w.filter_count.text() == "250 total"
    w.filter_field.setText("/bad")
    assert w.filter_count.text() == "25 of 250"


def test_the_flat_list_is_a_table_and_grouping_shows_a_tree_keeping_the_selection(
    qtbot, start_engine, window
):
    engine, _ = start_engine()
    w = window(engine)
    for _ in range(2):
        _request(engine.receiver_url, "POST", "/cb", RESULT)
    _request(engine.receiver_url, "GET", "/health")
    qtbot.waitUntil(lambda: w.model.rowCount() == 3, timeout=TIMEOUT_MS)
    assert w.table is w.traffic.flat_view and w.table.model() is w.proxy
    assert w.traffic.tree_view.model() is None  # the hidden view does no work
    w.table.horizontalHeader().resizeSection(COL_STATUS, 222)  # Path stretches: not resized by hand
    _select(w, 1)
    assert w.detail.exchange is not None and w.detail.exchange.id == 2
    w.group_action.trigger()
    assert w.table is w.traffic.tree_view and w.table.model() is w.proxy
    assert w.traffic.flat_view.model() is None
    assert w.table.header().sectionSize(COL_STATUS) == 222  # the width the user chose
    current = w.table.currentIndex()
    assert current.parent().isValid() and w.traffic.exchange_at(current).id == 2
    assert w.table.isExpanded(current.parent())
    w.group_action.trigger()
    assert w.table is w.traffic.flat_view
    assert w.table.horizontalHeader().sectionSize(COL_STATUS) == 222
    assert w.traffic.exchange_at(w.table.currentIndex()).id == 2
    assert _cell(w, 2, 2) == "/health"


def test_a_refused_head_shows_the_method_and_path_that_were_read(qtbot, start_engine, window):
    """Issue 14 item 5: a 431 on POST /hugeheader was a row with no method and no path."""
    import socket

    engine, _ = start_engine(max_field_size=200)
    w = window(engine)
    parts = urllib.parse.urlsplit(engine.receiver_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(b"POST /hugeheader HTTP/1.1\r\nHost: a\r\nX-Big: " + b"y" * 500 + b"\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.0 431")
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert [_cell(w, 0, c) for c in (COL_METHOD, 2, COL_STATUS)] == ["POST", "/hugeheader", "431 ✗"]
    _select(w, 0)
    headers = w.detail.headers.model
    assert [headers.index(r, 1).data() for r in range(headers.rowCount())] == ["Host", "X-Big"]
    assert "header over the 200-byte limit" in w.detail.headers.auth.text()
