"""Every QAction of every menu, triggered in a safe state: the live list with traffic, then a
stored session; no exception, no crash report, no traceback on stderr (issue 14 acceptance
2: the class of bug behind File > Export HAR..., whose triggered(checked) argument landed
in a path parameter).

A real window (offscreen) on a real engine with the emulator and a session library; the
app's own crash handler is installed, as `main()` installs it. What an action opens (a
dialog, a message box, a file dialog) is closed again, or used: the HAR export writes.
"""

from __future__ import annotations

import http.client
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QWidget
from websockets.sync.client import connect

from inspector import redact
from inspector.core.settings import EmulatorSettings, ReceiverSettings
from inspector.engine.engine import EngineSettings
from inspector.store.library import SessionLibrary
from inspector.ui.demos import paced_emulator_settings
from inspector.ui.look import apply_theme
from inspector.ui.main_window import MainWindow
from inspector.ui.sessions_dialog import ExportHarDialog
from tests.factories import write_capture_session
from tests.ui.window_engine import window_engine

TIMEOUT_MS = 20_000
RESULT = b'{"metadata":{"request_id":"r-menu"},"results":{"channels":[]}}'


def _post(url: str, path: str, body: bytes) -> int:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("POST", path, body, {"Content-Type": "application/json", "dg-token": "t-1"})
    status = conn.getresponse().status
    conn.close()
    return status


def menu_actions(menu: QMenu) -> list[QAction]:
    """Every action of `menu` and its submenus, as a user meets them (filled on show)."""
    menu.aboutToShow.emit()  # e.g. Open recent lists the sessions when it opens
    found: list[QAction] = []
    for action in menu.actions():
        if action.isSeparator():
            continue
        sub = action.menu()
        if isinstance(sub, QMenu):
            found += menu_actions(sub)
        else:
            found.append(action)
    return found


@pytest.fixture
def crash_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app's crash handler, as main() installs it, writing into a folder of the test's."""
    folder = tmp_path / "crash-reports"
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    redact.install_crash_handler(lambda: folder)
    return folder


@pytest.fixture
def window(qtbot, qsettings, tmp_path: Path) -> Iterator[MainWindow]:
    data = tmp_path / "data"
    write_capture_session(SessionLibrary(data), 25, started=1_700_000_000.0)  # an earlier session
    # The emulator refuses audio over 1 KB (--max-audio): each demo runs its whole UI path
    # (rule, panel, send, the emulator's answer) but starts no transcription, so Stop and
    # Start wait for none. The demos' full runs are in test_submit_and_demos.py.
    small = EmulatorSettings(port=0, max_audio_bytes=1024)
    emulator = paced_emulator_settings(small, pace=1.0)  # 1-s retries, not an audience's 3
    engine = window_engine(
        EngineSettings(receiver=ReceiverSettings(port=0), emulator=emulator, data_dir=data)
    )
    engine.start(timeout=60)
    w = MainWindow(engine, qsettings)
    qtbot.addWidget(w)
    w.show()
    yield w
    engine.stop()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, "light")  # the theme actions changed the whole application


def demos_answered(w: MainWindow) -> bool:
    """Every demo's submission got its reply (or its stream ended)."""
    subs = w.submit_panel.submissions
    return len(subs) >= 6 and all(sub.replied is not None for sub in subs)


class Walker:
    """Triggers actions one by one and tidies up after each: dialogs closed (the HAR export
    used), the live or stored state put back, traffic sent again after Clear."""

    def __init__(self, qtbot, w: MainWindow, out: Path) -> None:
        self.qtbot, self.w, self.out = qtbot, w, out
        self.stored_path: Path | None = None  # the stored phase's session, or None: live
        self.exports: list[Path] = []
        self.triggered: list[str] = []

    def traffic(self) -> None:
        """A few requests and a WebSocket in the live list, one row selected."""
        w = self.w
        url = w.engine.receiver_url
        for path in ("/cb", "/cb", "/other"):
            assert _post(url, path, RESULT) == 200
        with connect(url.replace("http", "ws") + "/ws") as ws:
            ws.send('{"type":"Results","is_final":true}')
        self.qtbot.waitUntil(lambda: w.model.exchange_count() >= 4, timeout=TIMEOUT_MS)
        w.select_exchange(w.model.exchanges()[0].id)

    def settle(self) -> None:
        w = self.w
        QApplication.processEvents()
        if not w.start_stop_action.isEnabled():  # Stop / Start under way on its thread
            self.qtbot.waitUntil(w.start_stop_action.isEnabled, timeout=TIMEOUT_MS)
        for top in QApplication.topLevelWidgets():
            if top is w or not top.isVisible() or not isinstance(top, QWidget):
                continue
            if isinstance(top, ExportHarDialog):
                target = self.out / f"export-{len(self.exports)}.har"
                top.path_field.setText(str(target))
                top.export_button.click()
                assert target.exists(), "File > Export HAR wrote nothing"
                self.exports.append(target)
            elif isinstance(top, QDialog):
                top.reject()
            else:
                top.close()
        QApplication.processEvents()
        assert w.isVisible()
        if self.stored_path is None:
            if w.sessions.stored is not None:  # Open recent showed a stored session
                w.sessions.show_live()
            if w.model.exchange_count() == 0 and w.engine.running:  # after Clear
                self.traffic()
        elif w.sessions.stored is None or w.sessions.stored.path != self.stored_path:
            assert w.sessions.open_path(self.stored_path)  # Back to live capture, Clear...
            w.select_exchange(3)

    def trigger(self, action: QAction) -> None:
        self.triggered.append(action.text())
        action.trigger()
        self.settle()
        if action is self.w.start_stop_action and not self.w.engine.running:
            self.trigger(action)  # Stop was tried: Start again, for the actions after it

    def rows(self) -> None:
        """The selected row's right-click menu, every entry (Mark for diff first)."""
        w = self.w
        w.select_exchange(3 if self.stored_path else w.model.exchanges()[0].id)
        x = w.selected_exchange()
        assert x is not None
        entries = dict(w.traffic.context_actions(x))
        entries["Mark for diff"]()
        for text, run in w.traffic.context_actions(x):
            if run is not None:
                self.triggered.append(text)
                run()
                self.settle()
        w.filter_field.clear()
        del entries

    def all_menus(self, skip: tuple[QAction, ...]) -> None:
        for top in self.w.menuBar().actions():
            menu = top.menu()
            assert isinstance(menu, QMenu)
            for action in menu_actions(menu):
                if action not in skip:
                    self.trigger(action)


@pytest.mark.timeout(180)
def test_every_menu_action_live_then_on_a_stored_session(
    qtbot, window: MainWindow, crash_dir: Path, tmp_path: Path, capfd
):
    w = window
    walker = Walker(qtbot, w, tmp_path)
    quit_action = next(a for a in w.menuBar().findChildren(QAction) if a.text() == "Quit")
    stored = w.sessions.stored  # the earlier session, shown at start
    assert stored is not None
    walker.stored_path = None
    w.sessions.show_live()
    walker.traffic()

    walker.all_menus(skip=(quit_action,))
    walker.rows()
    menus = [a.text() for a in w.menuBar().actions()]
    assert {"&File", "&View", "&Demos", "&Help"} <= set(menus)
    for name in ("Export HAR…", "Import HAR…", "Sessions…", "Stop", "How callbacks work"):
        assert name in walker.triggered, name
    assert walker.exports, "File > Export HAR… was never exported"
    # Each demo sent its audio and got the emulator's answer (here a refusal: see `window`).
    qtbot.waitUntil(lambda: demos_answered(w), timeout=TIMEOUT_MS)

    earlier = next(i for i in w.sessions.library.list() if i.count == 25)
    walker.stored_path = earlier.path
    walker.settle()  # opens it
    assert w.sessions.stored is not None and w.table.model().rowCount() == 25
    walker.all_menus(skip=(quit_action,))
    walker.rows()

    quit_action.trigger()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=TIMEOUT_MS)
    assert not crash_dir.exists() or not any(crash_dir.iterdir()), list(crash_dir.iterdir())
    err = capfd.readouterr().err
    assert "Traceback" not in err and "unexpected error" not in err, err
