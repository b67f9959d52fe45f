"""Sessions on disk in the real window (offscreen), on a real engine and real SQLite files:
the previous session at start-up, light rows until a row is opened, damaged files, the
sessions dialog, HAR export and import."""

from __future__ import annotations

import http.client
import json
import sqlite3
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from inspector.core.settings import ReceiverSettings
from inspector.engine.engine import EngineSettings
from inspector.store.library import SessionLibrary
from inspector.store.session_reader import SessionReader
from inspector.ui.main_window import MainWindow
from inspector.ui.stored_session import StoredSession
from tests.factories import write_capture_session

TIMEOUT_MS = 15_000


def _post(url: str, path: str, body: bytes) -> int:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", path, body, {"Content-Type": "application/json"})
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def session_window(window_on, data_dir) -> Callable[[], MainWindow]:
    """A window on a real engine that keeps sessions in `data_dir`."""
    return lambda: window_on(EngineSettings(receiver=ReceiverSettings(port=0), data_dir=data_dir))


def test_previous_session_shown_at_start_with_light_rows_until_a_row_is_opened(
    qtbot, session_window, data_dir
):
    n = 5_000  # many pages of rows: only those on screen are read
    path = write_capture_session(SessionLibrary(data_dir), n, started=1_700_000_000.0)
    w = session_window()
    stored = w.sessions.stored
    assert isinstance(stored, StoredSession) and stored.path == path
    assert "read-only" in w.windowTitle()
    assert w.sessions.banner.isVisible()
    banner = w.sessions.banner_label.text()
    assert banner.count("exchanges") == 1 and "5,000 exchanges: read-only" in banner
    # A stored session is listed as it is (it filters itself, in SQL): no proxy per row.
    assert w.table.model() is w.sessions.stored_model
    qtbot.waitUntil(lambda: stored.done and w.table.model().rowCount() == n, timeout=TIMEOUT_MS)
    assert "5,000 total" in w.filter_count.text()
    # The list holds light rows (headers, no bodies), and only those read for the screen:
    # not one per exchange of the session.
    model = w.sessions.stored_model
    assert model is not None and w.traffic.model is model
    assert w.table.model().index(41, 2).data() == "/cb/42"
    light = model.exchange(42)
    assert light is not None and not light.body and not light.reply_body
    assert light.dg_token == "tok-1"
    assert 0 < stored.rows_built < n
    assert stored.bodies_loaded == 0

    w.table.setCurrentIndex(w.table.model().index(41, 0))
    assert stored.bodies_loaded == 1
    shown = w.detail.exchange
    assert shown is not None and shown.id == 42
    assert shown.body == b'{"n":42,"text":"%s"}' % (b"x" * 50)
    assert ("Content-Type", "application/json") in shown.headers

    w.sessions.back_button.click()
    assert w.sessions.stored is None and w.traffic.model is w.model
    assert w.table.model() is w.proxy
    assert w.windowTitle() == "Callback Inspector"
    assert not w.sessions.banner.isVisible()
    # One click away: the previous session is the first entry of Open recent.
    recent = w.sessions.recent_actions()
    assert recent and "5,000 exchanges" in recent[0].text()
    recent[0].trigger()
    assert w.sessions.stored is not None and w.sessions.stored.path == path


def test_first_live_exchange_brings_back_the_live_list(qtbot, session_window, data_dir):
    write_capture_session(SessionLibrary(data_dir), 3, started=1_700_000_000.0)
    w = session_window()
    assert w.sessions.stored is not None
    assert _post(w.engine.receiver_url, "/live", b"{}") == 200
    qtbot.waitUntil(lambda: w.sessions.stored is None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: w.proxy.rowCount() == 1, timeout=TIMEOUT_MS)
    assert w.proxy.index(0, 2).data() == "/live"


def test_damaged_session_files_give_a_message_and_others_still_open(
    qtbot, session_window, data_dir
):
    library = SessionLibrary(data_dir)
    good = write_capture_session(library, 20, started=1_700_000_000.0)
    garbage = library.directory / "2025-01-01_00-00-00.cisession"
    garbage.write_bytes(b"this is not a database\n" * 200)
    truncated = library.directory / "2025-01-02_00-00-00.cisession"
    source = write_capture_session(library, 2_000, started=1_600_000_000.0)
    data = source.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    library.delete(source.stem)  # keep only the truncated copy

    w = session_window()  # starts fine, on the good previous session
    assert w.sessions.stored is not None and w.sessions.stored.path == good

    dialog = w.sessions.show_sessions()
    assert dialog is not None
    states = {info.id: info.error for info in dialog.infos}
    assert states["2025-01-01_00-00-00"] and states["2025-01-02_00-00-00"]
    column = [dialog.model.index(r, 3).data() for r in range(dialog.model.rowCount())]
    assert sum("unreadable" in text for text in column) == 2

    for session_id in ("2025-01-01_00-00-00", "2025-01-02_00-00-00"):
        assert dialog.select(session_id)
        dialog.open_button.click()
        error = w.sessions.last_error or ""
        assert session_id in error and ("not" in error or "truncated" in error), error
        assert isinstance(w.sessions.error_box, QMessageBox) and w.sessions.error_box.isVisible()
        assert w.sessions.stored is not None and w.sessions.stored.path == good  # unchanged
        w.sessions.error_box.close()

    # A damaged file on its own path, too (Open recent / a file opened directly).
    assert not w.sessions.open_path(garbage)
    assert "2025-01-01_00-00-00" in (w.sessions.last_error or "")
    w.sessions.error_box.close()

    w.sessions.show_live()
    assert dialog.select(good.stem)
    dialog.open_button.click()
    assert w.sessions.stored is not None and w.sessions.stored.path == good
    assert w.table.model().rowCount() == 20


def test_sessions_dialog_lists_and_deletes(qtbot, session_window, data_dir):
    library = SessionLibrary(data_dir)
    older = write_capture_session(library, 2, started=1_600_000_000.0)
    newer = write_capture_session(library, 7, started=1_700_000_000.0)
    w = session_window()
    dialog = w.sessions.show_sessions()
    assert dialog is not None
    ids = [info.id for info in dialog.infos]
    assert ids[1:] == [newer.stem, older.stem]  # newest first; the live capture on top
    assert dialog.infos[0].path == w.engine.session_path
    assert "being captured now" in dialog.model.index(0, 3).data()
    assert dialog.model.index(1, 1).data() == "7"
    assert dialog.model.index(2, 1).data() == "2"
    assert not dialog.delete_button.isEnabled()  # the live capture is selected
    dialog.grab().save(str(data_dir / "sessions_dialog.png"))

    assert dialog.select(older.stem)
    assert dialog.delete_button.isEnabled()
    dialog.delete_button.click()  # asks first
    (box,) = [b for b in dialog.findChildren(QMessageBox) if b.isVisible()]
    assert box.isVisible() and older.exists()
    box.button(QMessageBox.StandardButton.Yes).click()
    assert not older.exists()
    assert [info.id for info in dialog.infos][1:] == [newer.stem]
    assert all(older.stem not in a.text() for a in w.sessions.recent_actions())


def test_export_har_then_import_it_as_a_read_only_session(qtbot, session_window, data_dir):
    path = write_capture_session(SessionLibrary(data_dir), 12, started=1_700_000_000.0)
    w = session_window()
    out = data_dir / "out.har"
    dialog = w.sessions.show_export()  # the session shown: the previous one
    dialog.path_field.setText(str(out))
    dialog.export_button.click()
    assert out.exists() and "/cb/12" in out.read_text()

    assert w.sessions.import_har_file(out)
    stored = w.sessions.stored
    assert stored is not None and stored.path != path and stored.meta.read_only
    assert w.table.model().rowCount() == 12
    assert "imported" in w.windowTitle() and "read-only" in w.windowTitle()
    w.table.setCurrentIndex(w.table.model().index(4, 0))
    assert w.detail.exchange is not None and w.detail.exchange.body.startswith(b'{"n":5,')

    bad = data_dir / "bad.har"
    bad.write_text("{not json")
    assert not w.sessions.import_har_file(bad)
    assert "bad.har" in (w.sessions.last_error or "")


def test_replay_of_a_stored_row_arrives_live_with_the_stored_body(qtbot, session_window, data_dir):
    write_capture_session(SessionLibrary(data_dir), 30, started=1_700_000_000.0)
    w = session_window()
    stored, model = w.sessions.stored, w.sessions.stored_model
    assert stored is not None and model is not None
    row = model.exchange(7)
    assert row is not None and row.body == b""  # a light row
    actions = dict(w.context_actions(row))
    assert actions["Copy body"] is not None  # the menu works on the whole exchange
    actions["Replay…"]()
    dialog = w.sessions.replay_dialog
    assert dialog is not None
    assert dialog.body() == b'{"n":7,"text":"%s"}' % (b"x" * 50)
    dialog.url_field.setText(w.engine.receiver_url + "/again")
    dialog.send_button.click()
    qtbot.waitUntil(
        lambda: dialog.reply is not None or dialog.error is not None, timeout=TIMEOUT_MS
    )
    assert dialog.reply is not None and dialog.reply.status == 200, dialog.error
    # The first live exchange brings the live list back (nothing was opened in the old one).
    qtbot.waitUntil(
        lambda: w.sessions.stored is None and w.proxy.rowCount() == 1, timeout=TIMEOUT_MS
    )
    live = w.model.exchange(1)
    assert live is not None and live.target == "/again" and live.body == dialog.body()
    w.select_exchange(1)
    assert "replay of #7" in w.detail.headers.auth.text()


def test_a_damaged_row_blanks_only_itself_and_is_said_once(qtbot, session_window, data_dir):
    path = write_capture_session(SessionLibrary(data_dir), 40, started=1_700_000_000.0)
    db = sqlite3.connect(str(path))
    db.execute("UPDATE exchanges SET kind = 'bogus' WHERE id = 7")  # a row the list can't read
    db.commit()
    db.close()
    w = session_window()
    assert w.sessions.open_path(path)
    shown = w.table.model()
    w.table.scrollToTop()  # the damaged row on screen (a window fitted to a small screen)
    qtbot.waitUntil(lambda: "rows cannot be read" in (w.sessions.last_error or ""), timeout=5000)
    paths = [shown.index(r, 2).data() for r in range(shown.rowCount())]  # Qt's paint asks too
    assert paths[5] == "/cb/6" and paths[6] is None and paths[7] == "/cb/8"
    assert paths.count(None) == 1
    w.table.viewport().repaint()
    assert w.sessions.last_error.count("rows cannot be read") == 1


def test_file_export_har_from_the_menu_writes_the_live_capture(qtbot, session_window, data_dir):
    """Issue 14 item 1: the menu's triggered(checked) once landed in the path parameter."""
    w = session_window()
    assert _post(w.engine.receiver_url, "/menu-export", b'{"a":1}') == 200
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=TIMEOUT_MS)
    w.sessions.export_action.trigger()  # exactly what File > Export HAR... does
    dialog = w.sessions.export_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Export HAR"
    texts = [label.text() for label in dialog.findChildren(type(w.sessions.banner_label))]
    assert "Export the live capture as HAR 1.2" in texts
    out = data_dir / "from-menu.har"
    dialog.path_field.setText(str(out))
    dialog.export_button.click()
    assert "/menu-export" in out.read_text()
    assert "Exported 1 entries" in w.statusBar().currentMessage()


def test_the_live_capture_exported_after_clear_holds_what_the_list_shows(
    qtbot, session_window, data_dir
):
    """Clear takes rows off the list, not out of the session file (Sessions… still opens
    them); the live capture's export holds the list: what came after the Clear."""
    w = session_window()
    assert _post(w.engine.receiver_url, "/before-clear", b'{"a":1}') == 200
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=TIMEOUT_MS)
    w.clear_action.trigger()
    assert w.model.rowCount() == 0
    empty = data_dir / "empty.har"
    w.sessions.show_export().path_field.setText(str(empty))
    w.sessions.export_dialog.export_button.click()
    assert json.loads(empty.read_text())["log"]["entries"] == []
    assert _post(w.engine.receiver_url, "/after-clear", b'{"b":2}') == 200
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=TIMEOUT_MS)
    out = data_dir / "after-clear.har"
    w.sessions.show_export().path_field.setText(str(out))
    w.sessions.export_dialog.export_button.click()
    urls = [e["request"]["url"] for e in json.loads(out.read_text())["log"]["entries"]]
    assert [u.rsplit("/", 1)[1] for u in urls] == ["after-clear"]
    with SessionReader(w.engine.session_path) as reader:  # the file keeps both
        assert [x.path for x in reader.exchanges()] == ["/before-clear", "/after-clear"]
