"""The real window (offscreen) on a real engine: requests sent to its receiver are listed."""

from __future__ import annotations

import http.client
import subprocess
import urllib.parse

from PySide6.QtGui import QGuiApplication, QImage
from websockets.sync.client import connect

from inspector.core.reply_rules import ReplyRule
from inspector.ui.main_window import MainWindow
from tests.serve_process import EXE


def _post(url, path, body, headers=None):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", path, body=body, headers=headers or {})
    status = conn.getresponse().status
    conn.close()
    return status


def test_window_lists_requests_and_shows_detail_as_plain_text(qtbot, start_engine):
    engine, _ = start_engine(rules=(ReplyRule(fail_first=1, fail_status=503),))
    window = MainWindow(engine)
    qtbot.addWidget(window)
    window.show()
    assert window.url_field.text() == engine.receiver_url
    body = b'{"metadata":{"request_id":"r-9"},"note":"<b>bold</b> \\u001b[31m"}'
    assert _post(engine.receiver_url, "/cb", body, {"dg-token": "tok"}) == 503
    assert _post(engine.receiver_url, "/cb", body, {"dg-token": "tok"}) == 200
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=5000)
    model = window.model
    assert [model.index(r, 3).data() for r in range(2)] == ["503 ✗", "200 ✓"]
    assert [model.index(r, 6).data() for r in range(2)] == ["1", "2"]
    assert model.index(0, 5).data() == "r-9" and model.index(0, 7).data() == "tok"
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: "dg-token: tok" in window.detail.toPlainText(), timeout=5000)
    assert "<b>bold</b>" in window.detail.toPlainText()  # shown literally, never as rich text
    assert window.count_label.text() == "2 requests"


def test_window_lists_websockets_with_message_count_and_close(qtbot, start_engine):
    engine, _ = start_engine()
    window = MainWindow(engine)
    qtbot.addWidget(window)
    with connect(engine.receiver_url.replace("http", "ws") + "/stream") as ws:
        ws.send("hello")
        ws.send("world")
    qtbot.waitUntil(
        lambda: window.model.rowCount() == 1 and window.model.index(0, 3).data() == "closed 1000",
        timeout=5000,
    )
    assert window.model.index(0, 1).data() == "WS"
    assert window.model.index(0, 4).data() == "2 msg"
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: "#1 → text 5 B: world" in window.detail.toPlainText(), timeout=5000)


def test_copy_button_puts_receiver_url_on_clipboard(qtbot, start_engine):
    engine, _ = start_engine()
    window = MainWindow(engine)
    qtbot.addWidget(window)
    window.copy_button.click()
    assert QGuiApplication.clipboard().text() == engine.receiver_url


def test_gui_screenshot_writes_a_png_of_the_window(tmp_path):
    out = tmp_path / "shot.png"
    result = subprocess.run(
        [*EXE, "gui", "--port", "0", "--screenshot", str(out), "--quit-after", "1"],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert image.width() >= 800 and image.height() >= 500
