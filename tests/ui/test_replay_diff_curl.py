"""Row actions in the real window on a real receiver: Replay…, Mark for diff / Diff with
marked, Copy as cURL (run with the real curl when it is installed)."""

from __future__ import annotations

import http.client
import shutil
import subprocess
import urllib.parse

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from inspector.ui.main_window import MainWindow
from inspector.ui.replay_dialog import REPLAY_OF_HEADER, replay_of

TIMEOUT_MS = 15_000


def _post(url: str, path: str, body: bytes, headers: list[tuple[str, str]]) -> int:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", path, body, dict(headers))
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.fixture
def window(qtbot, qsettings):
    def make(engine) -> MainWindow:
        w = MainWindow(engine, qsettings)
        qtbot.addWidget(w)
        w.show()
        return w

    return make


def test_replay_from_the_window_makes_a_new_exchange_linked_to_the_original(
    qtbot, start_engine, window, tmp_path
):
    engine, _ = start_engine()
    w = window(engine)
    headers = [("Content-Type", "application/json"), ("dg-token", "tok-9")]
    assert _post(engine.receiver_url, "/cb?job=1", b'{"a":1}', headers) == 200
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=TIMEOUT_MS)
    original = w.model.exchange(1)
    assert original is not None

    dict(w.context_actions(original))["Replay…"]()
    dialog = w.sessions.replay_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.url_field.text() == engine.receiver_url + "/cb?job=1"
    assert f"{REPLAY_OF_HEADER}: 1" in dialog.headers_edit.toPlainText()
    dialog.body_edit.setPlainText('{"a":2}')  # edited before sending
    dialog.grab().save(str(tmp_path / "replay_dialog.png"))
    dialog.send_button.click()
    qtbot.waitUntil(
        lambda: dialog.reply is not None or dialog.error is not None, timeout=TIMEOUT_MS
    )
    assert dialog.reply is not None and dialog.reply.status == 200
    assert dialog.state.text().startswith("Reply: 200")

    qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=TIMEOUT_MS)
    replayed = w.model.exchange(2)
    assert replayed is not None
    assert replay_of(replayed.headers) == 1
    assert replayed.body == b'{"a":2}' and replayed.target == "/cb?job=1"
    assert ("dg-token", "tok-9") in replayed.headers
    w.select_exchange(2)
    assert "replay of #1" in w.detail.headers.auth.text()


def test_diff_of_attempt_1_and_2_shows_what_changed(qtbot, start_engine, window, tmp_path):
    engine, _ = start_engine()
    w = window(engine)
    url = engine.receiver_url
    first = b'{"metadata":{"request_id":"r-7","created":"t1"},"results":{"n":1}}'
    second = b'{"metadata":{"request_id":"r-7","created":"t2"},"results":{"n":1,"extra":true}}'
    assert _post(url, "/cb", first, [("Content-Type", "application/json")]) == 200
    assert _post(url, "/cb", second, [("Content-Type", "application/json"), ("X-Try", "2")]) == 200
    qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=TIMEOUT_MS)
    one, two = w.model.exchange(1), w.model.exchange(2)
    assert one is not None and two is not None
    assert (one.attempt, two.attempt) == (1, 2) and two.request_id == "r-7"

    dict(w.context_actions(one))["Mark for diff"]()
    actions = dict(w.context_actions(two))
    actions["Diff with marked #1"]()
    dialog = w.sessions.diff_dialog
    assert dialog is not None and dialog.isVisible()
    names = {name for _part, name, *_ in dialog.rows}  # every row's field, header or path
    assert {"attempt", "body_size", "X-Try", "metadata.created", "results.extra"} <= names
    assert "metadata.request_id" not in names  # the same in both
    rows = {(r[1]): r for r in dialog.rows}
    assert rows["metadata.created"][3:] == ("t1", "t2")
    assert rows["attempt"][3:] == ("1", "2")
    assert rows["X-Try"][2].value == "added"
    cells = {dialog.model.index(r, 1).data(): r for r in range(dialog.model.rowCount())}
    assert dialog.model.index(cells["results.extra"], 2).data() == "+ added"
    # A long field path is cut in the middle, whole in its tooltip (issue 14 item 8).
    assert dialog.table.textElideMode() is Qt.TextElideMode.ElideMiddle
    for row in range(dialog.model.rowCount()):
        path = dialog.model.index(row, 1)
        assert path.data() == path.data(Qt.ItemDataRole.ToolTipRole)
    dialog.grab().save(str(tmp_path / "diff_dialog.png"))
    # A row is not diffed with itself.
    assert dict(w.context_actions(one))["Diff with marked #1"] is None


def test_copy_as_curl_of_a_binary_body_uses_a_file_and_reproduces_the_request(
    qtbot, start_engine, window
):
    engine, _ = start_engine()
    w = window(engine)
    body = bytes(range(256)) * 4
    headers = [("Content-Type", "application/octet-stream"), ("X-Bin", "1")]
    assert _post(engine.receiver_url, "/bin?x=1", body, headers) == 200
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=TIMEOUT_MS)
    x = w.model.exchange(1)
    assert x is not None
    dict(w.context_actions(x))["Copy as cURL"]()
    command = w.sessions.last_curl
    assert command is not None and command.body_path is not None
    assert QGuiApplication.clipboard().text() == command.command
    assert "--data-binary @" in command.command
    with open(command.body_path, "rb") as f:
        assert f.read() == body
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    subprocess.run(command.command, shell=True, check=True, capture_output=True, timeout=30)
    qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=TIMEOUT_MS)
    row = w.model.exchange(2)
    assert row is not None
    again = w.sessions.full_exchange(row)  # the list's row is light: the engine has it whole
    assert again.body == body and again.target == "/bin?x=1"
    assert ("X-Bin", "1") in again.headers


def test_replay_unedited_sends_the_captured_bytes(qtbot, start_engine, window):
    engine, _ = start_engine()
    w = window(engine)
    body = b"line one\r\nline two\x01\r\n"  # CR LF and a control character: text edits lose them
    assert _post(engine.receiver_url, "/crlf", body, [("Content-Type", "text/plain")]) == 200
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=TIMEOUT_MS)
    x = w.model.exchange(1)
    assert x is not None
    dialog = w.sessions.open_replay(x)
    assert dialog.send()
    qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=TIMEOUT_MS)
    again = w.model.exchange(2)
    assert again is not None and again.body == body


def test_replay_dialogs_do_not_pile_up_and_close_with_esc(qtbot, start_engine, window):
    """Issue 14 item 14: one dialog per exchange, in front and active; Esc closes and
    deletes it (a closed one does not linger as a hidden child of the window)."""
    from PySide6.QtCore import Qt

    from inspector.ui.replay_dialog import ReplayDialog

    engine, _ = start_engine()
    w = window(engine)
    for path in ("/a", "/b"):
        assert _post(engine.receiver_url, path, b"{}", []) == 200
    qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=TIMEOUT_MS)
    first = w.model.exchange(1)
    replay = dict(w.context_actions(first))["Replay…"]
    replay()
    dialog = w.sessions.replay_dialog
    replay()  # asked again: the same dialog comes to the front
    assert w.sessions.replay_dialog is dialog
    assert [d for d in w.findChildren(ReplayDialog) if d.isVisible()] == [dialog]
    dict(w.context_actions(w.model.exchange(2)))["Replay…"]()
    other = w.sessions.replay_dialog
    assert other is not dialog and len(w.sessions.replay_dialogs) == 2
    qtbot.keyClick(dialog.url_field, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: len(w.findChildren(ReplayDialog)) == 1, timeout=TIMEOUT_MS)
    assert list(w.sessions.replay_dialogs.values()) == [other]
    other.send_button.click()  # closed while its reply is on the way: kept until it lands
    other.close()
    qtbot.waitUntil(lambda: not w.findChildren(ReplayDialog), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: w.model.rowCount() == 3, timeout=TIMEOUT_MS)  # it was sent
