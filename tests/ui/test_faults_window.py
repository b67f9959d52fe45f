"""Issue 9 in the real window (offscreen): the exposure badge for a non-loopback bind, and
the storage banner when the session file stops (and starts again) taking the capture."""

from __future__ import annotations

import http.client
import json
import socket
import sqlite3
import urllib.parse
from pathlib import Path

from PySide6.QtCore import Qt

from inspector.core.rules_file import rule_from_table
from inspector.core.settings import EmulatorSettings, ReceiverSettings
from inspector.engine.engine import EngineSettings
from inspector.ui.main_window import MainWindow
from inspector.ui.submit_panel import SOURCE_SAMPLE, TARGET_EMULATOR
from tests.ui.window_engine import window_engine

TIMEOUT_MS = 15_000
ASR_TIMEOUT_MS = 45_000  # speech recognition on a loaded 2-core machine
KEY = "dg-secret-key-0123456789abcdef"


def _post(url: str, path: str, body: bytes) -> int:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=30)
    conn.request("POST", path, body, {"Content-Type": "application/json"})
    status = conn.getresponse().status
    conn.close()
    return status


def test_a_loopback_receiver_shows_no_exposure_badge(window_on):
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0)))
    assert not w.exposure_action.isVisible()
    assert not w.exposure_badge.isVisibleTo(w)


def test_a_receiver_bound_beyond_loopback_shows_the_exposure_badge(window_on):
    # Bound on every interface for the length of this test; only 127.0.0.1 is sent to.
    w = window_on(EngineSettings(receiver=ReceiverSettings(host="0.0.0.0", port=0)))
    assert w.exposure_action.isVisible() and w.exposure_badge.isVisibleTo(w)
    assert w.exposure_badge.text() == "⚠ Exposed on 0.0.0.0"
    assert "anyone who can reach it" in w.exposure_badge.toolTip()


def test_a_data_dir_that_cannot_be_written_shows_the_banner_and_capture_goes_on(
    window_on, qtbot, tmp_path
):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0), data_dir=blocker / "data"))
    assert w.storage_banner.isVisibleTo(w)
    assert w.storage_banner.text().startswith("⚠ Sessions cannot be saved in ")
    assert "Capture goes on in memory only" in w.storage_banner.text()
    assert w.storage_banner.textFormat().name == "PlainText"
    assert _post(w.engine.receiver_url, "/in-memory", b'{"a":1}') == 200
    qtbot.waitUntil(lambda: len(w.model.exchanges()) == 1, timeout=TIMEOUT_MS)


def test_a_locked_session_file_shows_the_banner_then_recovery_and_export_has_everything(
    window_on, qtbot, tmp_path
):
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0), data_dir=tmp_path / "data"))
    url = w.engine.receiver_url
    assert _post(url, "/before", b'{"n":1}') == 200
    assert not w.storage_banner.isVisibleTo(w)
    path = w.engine.session_path
    assert isinstance(path, Path)
    other = sqlite3.connect(str(path), isolation_level=None)  # another instance's lock
    other.execute("BEGIN IMMEDIATE")
    try:
        assert _post(url, "/locked", b'{"n":2}') == 200  # answered after the busy timeout
        qtbot.waitUntil(lambda: w.storage_banner.isVisibleTo(w), timeout=TIMEOUT_MS)
        text = w.storage_banner.text()
        assert text.startswith("⚠ The session file cannot be written (database is locked)")
        assert "Capture goes on in memory" in text
        assert _post(url, "/still-locked", b'{"n":3}') == 200
    finally:
        other.execute("ROLLBACK")
        other.close()
    # The next commit goes through: the banner goes, the status bar says what was missed.
    assert _post(url, "/after", b'{"n":4}') == 200
    qtbot.waitUntil(lambda: not w.storage_banner.isVisibleTo(w), timeout=TIMEOUT_MS)
    assert "takes writes again" in w.statusBar().currentMessage()
    qtbot.waitUntil(lambda: len(w.model.exchanges()) >= 4, timeout=TIMEOUT_MS)
    # The session file missed requests: Export HAR takes the live capture from memory, and
    # masks the key typed in the submit panel wherever it appears.
    w.submit_panel.key.setText(KEY)
    assert _post(url, "/with-key", json.dumps({"leaked": KEY}).encode()) == 200
    qtbot.waitUntil(lambda: len(w.model.exchanges()) == 5, timeout=TIMEOUT_MS)
    out = tmp_path / "live.har"
    dialog = w.sessions.show_export()
    dialog.path_field.setText(str(out))
    dialog.mask_box.setChecked(True)
    dialog.export_button.click()
    text = out.read_text()
    paths = [
        urllib.parse.urlsplit(e["request"]["url"]).path for e in json.loads(text)["log"]["entries"]
    ]
    assert paths == ["/before", "/locked", "/still-locked", "/after", "/with-key"]
    assert KEY not in text and urllib.parse.quote(KEY) not in text


def test_a_restart_keeps_the_port_and_says_so_when_another_program_took_it(window_on, qtbot):
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0)))
    url = w.engine.receiver_url
    port = urllib.parse.urlsplit(url).port
    w.toggle_running()  # Stop
    qtbot.waitUntil(lambda: w.start_stop_action.text() == "Start", timeout=TIMEOUT_MS)
    with socket.socket() as other:  # another program takes the port meanwhile
        other.bind(("127.0.0.1", port))
        other.listen()
        w.toggle_running()  # Start: refused, said, still stopped, still usable
        qtbot.waitUntil(
            lambda: "Could not start" in w.statusBar().currentMessage(), timeout=TIMEOUT_MS
        )
        message = w.statusBar().currentMessage()
        assert f"port {port} on 127.0.0.1 is in use" in message and "--port 0" in message
        assert w.start_stop_action.text() == "Start" and w.start_stop_action.isEnabled()
    w.toggle_running()  # the port is free again: listening on the same URL
    qtbot.waitUntil(lambda: w.start_stop_action.text() == "Stop", timeout=TIMEOUT_MS)
    assert w.engine.receiver_url == url
    assert _post(url, "/back", b"{}") == 200
    qtbot.waitUntil(lambda: len(w.model.exchanges()) == 1, timeout=TIMEOUT_MS)


def test_the_window_shows_before_the_servers_start_and_fills_in_once_they_do(qtbot, qsettings):
    engine = window_engine(EngineSettings(receiver=ReceiverSettings(port=0)))
    w = MainWindow(engine, qsettings)  # what run_gui does: the window first...
    qtbot.addWidget(w)
    w.show()
    assert w.url_field.text() == "" and w.start_stop_action.text() == "Start"
    try:
        w.toggle_running()  # ...then the servers, on a helper thread
        assert w.listening_label.text() == "Starting…"
        qtbot.waitUntil(lambda: w.start_stop_action.text() == "Stop", timeout=TIMEOUT_MS)
        assert w.url_field.text() == engine.receiver_url
        assert w.submit_panel.callback.text() == engine.receiver_url + "/callback"
        assert w.listening_label.text() == f"● Listening on {engine.receiver_url}"
    finally:
        engine.stop()


def test_a_port_in_use_at_start_is_shown_in_the_window_which_stays_usable(qtbot, qsettings):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        engine = window_engine(EngineSettings(receiver=ReceiverSettings(port=port)))
        w = MainWindow(engine, qsettings)
        qtbot.addWidget(w)
        w.show()
        w.toggle_running()
        qtbot.waitUntil(lambda: getattr(w, "start_error_box", None) is not None, timeout=TIMEOUT_MS)
    box = w.start_error_box
    assert f"receiver port {port} on 127.0.0.1 is in use" in box.text()
    assert box.textFormat() == Qt.TextFormat.PlainText and box.isVisible()
    assert w.start_stop_action.text() == "Start" and w.start_stop_action.isEnabled()
    box.close()
    w.toggle_running()  # the port is free now
    qtbot.waitUntil(lambda: w.start_stop_action.text() == "Stop", timeout=TIMEOUT_MS)
    engine.stop()


def test_stopping_with_a_callback_job_waiting_to_retry_shows_it_cancelled(window_on, qtbot):
    """The emulator shut down with a job in flight: the job ends "cancelled", in the retry
    timeline and the delivery tracker, instead of vanishing."""
    w = window_on(
        EngineSettings(
            receiver=ReceiverSettings(port=0),
            emulator=EmulatorSettings(port=0, relaxed_ports=True, retry_delay=30.0),
            # every attempt fails: the job waits 30 s to retry
            rules=(rule_from_table({"status": 500}),),
        )
    )
    panel = w.submit_panel
    panel.target.setCurrentText(TARGET_EMULATOR)
    panel.source.setCurrentText(SOURCE_SAMPLE)
    panel.sample.setCurrentText("numbers")
    panel.streaming.setChecked(False)
    panel.reset_callback("/fails")
    panel.send.click()
    qtbot.waitUntil(
        lambda: w.timeline.job is not None and "next retry in" in w.timeline.summary.text(),
        timeout=ASR_TIMEOUT_MS,
    )
    request_id = w.timeline.job.request_id
    w.toggle_running()  # Stop: the emulator shuts down with the job waiting
    qtbot.waitUntil(lambda: w.tracker.get(request_id).outcome == "cancelled", timeout=TIMEOUT_MS)
    assert w.timeline.summary.text().endswith(", cancelled")
    qtbot.waitUntil(lambda: w.start_stop_action.text() == "Start", timeout=TIMEOUT_MS)
