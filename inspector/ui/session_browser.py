"""The window's side of sessions on disk: File > Sessions…, Open recent, HAR import/export,
a stored session shown read-only in the traffic list, and the row actions that work on any
exchange (Copy as cURL, Replay…, Mark for diff / Diff with marked).

What the user sees at start-up, and why: HTTP Toolkit and browser devtools open on a clean
list, and an inspector is started to capture *now*; but a callback that arrived while the
app was closing is exactly what the user came back for (issue 6). So when sessions are kept
the window opens on the **previous session's traffic**, read-only and marked as such in a
banner, the title and the status bar, with "Back to live capture" one click away. Live
capture runs underneath all along, and the first new exchange switches the list back to
live unless the user has already opened a row of the old session (then the banner counts
what arrived instead of pulling the list away from under them). The previous session stays
in File > Open recent.

A stored session's list reads its rows from the file as it shows them, filters and groups
in SQL (`stored_model`), and holds light rows only (`store/light_rows.py`); a
body is read when its row is opened.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.events import Event, ExchangeAdded
from ..core.records import Exchange, ExchangeKind, WsMessage
from ..store.curl import CurlCommand, to_curl
from ..store.har import HarError, import_har, to_har, write_har
from ..store.library import SessionInfo, SessionLibrary
from ..store.schema import SessionFileError
from ..store.session_reader import SessionReader
from .diff_view import DiffDialog
from .replay_dialog import ReplayDialog
from .sessions_dialog import ExportHarDialog, SessionsDialog, session_label
from .stored_model import StoredTrafficModel
from .stored_session import StoredSession
from .widgets import plain_label

if TYPE_CHECKING:
    from .main_window import MainWindow

log = logging.getLogger(__name__)

RECENT_SESSIONS = 8  # entries in File > Open recent
APP_TITLE = "Callback Inspector"


class SessionBrowser(QObject):
    """The list's stored sessions and row actions. It tells the window what changed through
    signals (issue 15 item 5), never by calling its private parts: `view_changed` (another
    session, or live again: the selection is gone) and `state_changed` (the banner and the
    counts to say again). The window wires `full_exchange` and `row_actions` into its list."""

    view_changed = Signal()
    state_changed = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        data_dir = window.engine.data_dir
        self.library = SessionLibrary(data_dir) if data_dir is not None else None
        self.stored: StoredSession | None = None
        self.stored_model: StoredTrafficModel | None = None
        self.auto_back = False  # the start-up view: back to live on the first new exchange
        self.new_live = 0  # live exchanges that arrived while a stored session was shown
        self.marked: Exchange | None = None
        self._marked_key: tuple[str, int] | None = None
        self.last_error: str | None = None
        self.last_curl: CurlCommand | None = None
        # A live row whole (the window fetches it from its engine); as it is by default.
        self.resolve_live: Callable[[Exchange], Exchange] = lambda x: x
        self.replay_dialog: ReplayDialog | None = None  # the latest one opened
        self.replay_dialogs: dict[tuple[str, int], ReplayDialog] = {}  # open ones, by row
        self.diff_dialog: DiffDialog | None = None
        self.sessions_dialog: SessionsDialog | None = None
        self.export_dialog: ExportHarDialog | None = None
        self.error_box: QMessageBox | None = None
        self._build_banner()

    # -- building -------------------------------------------------------------------------
    def _build_banner(self) -> None:
        banner = QWidget(self.window.traffic)
        banner.setObjectName("stored_banner")
        banner.setStyleSheet("#stored_banner { background: rgba(184, 134, 11, 0.18); }")
        row = QHBoxLayout(banner)
        row.setContentsMargins(6, 3, 6, 3)
        self.banner_label = plain_label("", banner)
        self.back_button = QPushButton("Back to live capture", banner)
        self.back_button.setToolTip("Show the traffic being captured now")
        self.back_button.clicked.connect(self.show_live)
        row.addWidget(self.banner_label, 1)
        row.addWidget(self.back_button)
        banner.setVisible(False)
        layout = self.window.traffic.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, banner)
        self.banner = banner

    def add_file_actions(self, menu: QMenu) -> None:
        """Sessions…, Open recent, Import/Export HAR, Back to live capture."""
        menu.setToolTipsVisible(True)
        self.sessions_action = menu.addAction("Sessions…")
        self.sessions_action.triggered.connect(self.show_sessions)
        self.recent_menu = menu.addMenu("Open recent")
        self.recent_menu.aboutToShow.connect(self.fill_recent)
        self.import_action = menu.addAction("Import HAR…")
        self.import_action.triggered.connect(self._ask_import)
        self.export_action = menu.addAction("Export HAR…")
        self.export_action.setToolTip("Export the session shown in the list")
        # Not connected straight to show_export: triggered(checked) would land its bool in
        # `path` (issue 14 item 1).
        self.export_action.triggered.connect(lambda: self.show_export())
        self.live_action = menu.addAction("Back to live capture")
        self.live_action.triggered.connect(self.show_live)
        self.live_action.setEnabled(False)
        if self.library is None:
            off = "Sessions are not kept (started with --no-session)"
            for action in (self.sessions_action, self.import_action, self.recent_menu.menuAction()):
                action.setEnabled(False)
                action.setToolTip(off)
        else:
            self.fill_recent()

    def fill_recent(self) -> None:
        self.recent_menu.clear()
        if self.library is None:
            return
        current = self.window.engine.session_path
        # Empty captures (the app opened and closed) would crowd out the useful ones; they are
        # still in Sessions….
        infos = [i for i in self.library.list() if i.path != current and (i.count or i.error)][
            :RECENT_SESSIONS
        ]
        for info in infos:
            action = self.recent_menu.addAction(session_label(info))
            action.triggered.connect(lambda _=False, i=info: self.open_info(i))
        if not infos:
            self.recent_menu.addAction("(no earlier sessions)").setEnabled(False)

    def recent_actions(self) -> list[QAction]:
        return [a for a in self.recent_menu.actions() if a.isEnabled()]

    # -- start-up ---------------------------------------------------------------------------
    def show_previous_session(self) -> bool:
        """Show the last earlier session with traffic (see the module docstring)."""
        if self.library is None:
            return False
        current = self.window.engine.session_path
        for info in self.library.list():
            if info.path != current and info.error is None and info.count:
                if self.open_info(info):
                    self.auto_back = True
                    return True
                return False
        return False

    # -- showing a stored session -----------------------------------------------------------
    def open_info(self, info: SessionInfo) -> bool:
        if info.error is not None:
            self.show_error(f"Cannot open the session {info.id}: {info.error}")
            return False
        if info.path == self.window.engine.session_path:
            self.show_live()  # the capture in progress is the live list
            return True
        return self.open_path(info.path, session_label(info))

    def open_path(self, path: Path, title: str = "") -> bool:
        """Show the session file at `path`, read-only; False (and a message) if it is damaged."""
        try:
            stored = StoredSession(path, title)
        except SessionFileError as exc:
            self.show_error(f"Cannot open the session {Path(path).name}: {exc.reason}")
            return False
        except OSError as exc:
            self.show_error(f"Cannot open {path}: {exc}")
            return False
        try:
            model = StoredTrafficModel(stored, self.window)
        except SessionFileError as exc:
            stored.close()
            self.show_error(f"Cannot open the session {Path(path).name}: {exc.reason}")
            return False
        model.search_failed.connect(
            lambda why: self.show_error(f"Cannot search the session {stored.title}: {why}")
        )
        old = self._close_stored()
        self.stored, self.stored_model = stored, model
        self.auto_back = False
        self.new_live = 0
        self.window.traffic.show_model(model)
        if old is not None:
            old.deleteLater()  # its rows go once the list no longer shows it
        self._forget_selection()
        self._show_state()
        return True

    def show_live(self) -> None:
        """Back to the traffic being captured now."""
        if self.stored is None:
            return
        old = self._close_stored()
        self.window.traffic.show_model(self.window.model)
        if old is not None:
            old.deleteLater()
        self._forget_selection()
        self._show_state()

    def _close_stored(self) -> StoredTrafficModel | None:
        """Close the file; returns its model, for the caller to drop once it is not shown."""
        old = self.stored_model
        if old is not None:
            old.close()
        if self.stored is not None:
            self.stored.close()
        self.stored, self.stored_model = None, None
        self.auto_back = False
        return old

    def _forget_selection(self) -> None:
        self.view_changed.emit()

    def _show_state(self) -> None:
        stored = self.stored
        self.state_changed.emit()
        self.banner.setVisible(stored is not None)
        self.live_action.setEnabled(stored is not None)
        if stored is None:
            self.window.setWindowTitle(APP_TITLE)
            return
        kind = "imported" if stored.meta.read_only else "earlier session"
        new = f"  ·  {self.new_live} new live" if self.new_live else ""
        # The title may name the count already (session_label): it is said once.
        count = f"{stored.count:,} exchange{'s' if stored.count != 1 else ''}"
        what = stored.title if count in stored.title else f"{stored.title} · {count}"
        self.banner_label.setText(
            f"Viewing {kind} {what}: read-only. Live capture goes on in the background{new}."
        )
        self.window.setWindowTitle(f"{APP_TITLE} — {stored.title} (read-only)")

    def on_live_events(self, events: Sequence[Event], nothing_selected: bool) -> None:
        """Called with each drained batch: count or show what arrives while a session is shown
        (the start-up view goes back to live while the user has selected nothing in it)."""
        if self.stored is None:
            return
        added = sum(isinstance(e, ExchangeAdded) for e in events)
        if not added:
            return
        if self.auto_back and nothing_selected:
            self.show_live()
            return
        self.auto_back = False
        self.new_live += added
        self._show_state()

    # -- whole exchanges --------------------------------------------------------------------
    def full_exchange(self, x: Exchange) -> Exchange:
        """The exchange behind a row, bodies included (a stored row is read now; a live one
        as `resolve_live` gives it: fetched from the engine when its rows are light)."""
        if self.stored is None or self.stored_model is None:
            return self.resolve_live(x)
        if self.stored_model.exchange(x.id) != x:
            return self.resolve_live(x)  # not a row of the stored session (a live one)
        found = self._read(x.id)
        return found[0] if found is not None else x

    def selected(self, exchange_id: int) -> tuple[Exchange, Sequence[WsMessage]] | None:
        """For a stored session: the opened row, bodies and messages included."""
        return self._read(exchange_id)

    def _read(self, exchange_id: int) -> tuple[Exchange, list[WsMessage]] | None:
        if self.stored is None:
            return None
        try:
            return self.stored.exchange(exchange_id)
        except SessionFileError as exc:
            self.show_error(f"Cannot read exchange #{exchange_id}: {exc.reason}")
            return None

    # -- row actions ------------------------------------------------------------------------
    def row_actions(self, row: Exchange) -> list[tuple[str, Callable[[], object] | None]]:
        http = row.kind is ExchangeKind.HTTP
        key = self._key(row)
        marked = self.marked
        can_diff = marked is not None and self._marked_key != key
        diff_text = f"Diff with marked #{marked.id}" if marked else "Diff with marked (none)"
        return [
            ("Copy as cURL", (lambda: self.copy_as_curl(row)) if http else None),
            ("Replay…", (lambda: self.open_replay(row)) if http else None),
            ("Mark for diff", lambda: self.mark_for_diff(row)),
            (diff_text, (lambda: self.diff_with_marked(row)) if can_diff else None),
        ]

    def _key(self, row: Exchange) -> tuple[str, int]:
        return (str(self.stored.path) if self.stored else "live", row.id)

    def copy_as_curl(self, row: Exchange) -> CurlCommand:
        """The command to the receiver's URL; a binary or large body goes to a temp file."""
        x = self.full_exchange(row)
        folder = Path(tempfile.gettempdir()) / "callback-inspector"
        body_path = folder / f"body-{x.id}-{int(time.time() * 1000)}.bin"
        command = to_curl(x, self.window.url_field.text(), body_path=str(body_path))
        if command.body is not None:
            folder.mkdir(parents=True, exist_ok=True)
            body_path.write_bytes(command.body)
        QGuiApplication.clipboard().setText(command.command)
        where = f"; body in {body_path}" if command.body is not None else ""
        self.window.statusBar().showMessage(f"Copied #{x.id} as cURL{where}", 8000)
        self.last_curl = command
        return command

    def open_replay(self, row: Exchange) -> ReplayDialog:
        """The Replay dialog of `row`: one per exchange (asked again, the open one comes to
        the front instead of another piling up), on top of the window and active, so Esc
        closes it (issue 14 item 14)."""
        key = self._key(row)
        dialog = self.replay_dialogs.get(key)
        if dialog is None:
            x = self.full_exchange(row)
            dialog = ReplayDialog(x, self.window.url_field.text(), self.window.calls, self.window)
            self.replay_dialogs[key] = dialog
            dialog.finished.connect(lambda _r, k=key: self.replay_dialogs.pop(k, None))
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.replay_dialog = dialog
        return dialog

    def mark_for_diff(self, row: Exchange) -> None:
        self.marked = self.full_exchange(row)
        self._marked_key = self._key(row)
        self.window.statusBar().showMessage(
            f"#{row.id} marked: right-click another row, Diff with marked", 8000
        )

    def diff_with_marked(self, row: Exchange) -> DiffDialog | None:
        if self.marked is None:
            return None
        if self.diff_dialog is not None:  # one diff at a time: the new pair replaces it
            self.diff_dialog.close()
        dialog = DiffDialog(self.marked, self.full_exchange(row), self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _o=None: self._forget_diff(dialog))
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.diff_dialog = dialog
        return dialog

    def _forget_diff(self, dialog: DiffDialog) -> None:
        if self.diff_dialog is dialog:
            self.diff_dialog = None

    # -- dialogs ----------------------------------------------------------------------------
    def show_sessions(self) -> SessionsDialog | None:
        if self.library is None:
            return None
        shown = self.stored.path if self.stored is not None else None
        dialog = SessionsDialog(self.library, self.window.engine.session_path, self.window, shown)
        dialog.open_requested.connect(self._open_from_dialog)
        dialog.export_requested.connect(lambda info: self.show_export(info.path, info.id))
        dialog.deleted.connect(lambda _id: self.fill_recent())
        dialog.show()
        self.sessions_dialog = dialog
        return dialog

    def _open_from_dialog(self, info: SessionInfo) -> None:
        if self.open_info(info) and self.sessions_dialog is not None:
            self.sessions_dialog.close()

    def show_export(self, path: Path | None = None, what: str = "") -> ExportHarDialog:
        """Export `path` (default: the session shown in the list) as HAR."""
        after: int | None = None
        if path is None and self.stored is not None:
            path, what = self.stored.path, what or self.stored.title
        elif path is None:
            # The live capture, as the list shows it: a Clear takes rows off the list, not out
            # of the session file, so the file's rows from the list's first on. From memory
            # (path None), which has everything, when the file missed some (a full disk) or
            # the list is empty.
            engine, first = self.window.engine, self.window.model.first_id()
            if first is not None and engine.session_complete():
                path, after = engine.session_path, first - 1
            what = what or "the live capture"
        dialog = ExportHarDialog(what or str(path), self.window)
        dialog.accepted.connect(
            lambda: self.export_har(dialog.path(), dialog.mask_secrets(), path, after)
        )
        dialog.open()
        self.export_dialog = dialog
        return dialog

    def _live_for_export(
        self,
    ) -> tuple[list[Exchange], Callable[[int], Sequence[WsMessage]]]:
        """The live list for an export from memory (its session file missed some of it):
        the rows the list holds, and those it read back light from the file whole from the
        file again (`ui/live_rows.py` lets a row go only once the file has it)."""
        w = self.window
        listed = w.model.exchanges()
        older = {x.id for x in listed if not w.model.in_memory(x.id)}
        path = w.engine.session_path
        if not older or path is None:
            return listed, w.live_messages
        whole: dict[int, Exchange] = {}
        messages: dict[int, list[WsMessage]] = {}
        with SessionReader(path, read_only=True) as reader:
            for x in reader.exchanges(after=min(older) - 1):  # one pass, a chunk at a time
                if x.id in older:
                    whole[x.id] = x
                    if x.kind is ExchangeKind.WEBSOCKET:
                        messages[x.id] = reader.messages(x.id)
        return (
            [whole.get(x.id, x) for x in listed],
            lambda xid: messages[xid] if xid in messages else w.live_messages(xid),
        )

    def export_har(
        self, out: Path, mask: bool, source: Path | None, after: int | None = None
    ) -> int | None:
        """Write `source` (a session file, its exchanges above id `after` when given; None:
        the live list in memory) to `out`."""
        try:
            secrets = self.window.submit_panel.secrets()
            if source is not None:
                with SessionReader(source) as reader:
                    n = write_har(reader, out, mask_secrets=mask, secrets=secrets, after=after)
            else:
                exchanges, messages_of = self._live_for_export()
                har = to_har(exchanges, messages_of, mask_secrets=mask, secrets=secrets)
                out.write_text(json.dumps(har, indent=1, ensure_ascii=False), encoding="utf-8")
                n = len(har["log"]["entries"])
        except (SessionFileError, OSError) as exc:
            self.show_error(f"Export failed: {exc}")
            return None
        masked = ", secrets masked" if mask else ""
        self.window.statusBar().showMessage(f"Exported {n} entries to {out}{masked}", 8000)
        return n

    def _ask_import(self) -> QFileDialog:
        """The file dialog, opened without blocking (never exec: nothing waits on the user)."""
        dialog = QFileDialog(
            self.window,
            "Import HAR",
            str(Path.home()),
            "HAR files (*.har *.zhar *.har.gz);;All files (*)",
        )
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.import_har_file(Path(path)))
        dialog.open()
        return dialog

    def import_har_file(self, path: Path) -> bool:
        """Make a read-only session of a HAR file and show it."""
        if self.library is None:
            return False
        try:
            session_id, _count = import_har(path, self.library)
        except (HarError, SessionFileError, OSError) as exc:
            self.show_error(f"Cannot import {path.name}: {exc}")
            return False
        self.fill_recent()
        return self.open_path(self.library.path_of(session_id), f"{path.name} (imported)")

    def show_error(self, text: str) -> None:
        """A message the user can act on; the window and other sessions stay usable."""
        log.warning("%s", text)
        self.last_error = text
        self.window.statusBar().showMessage(text, 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, "Sessions", text, parent=self.window)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.open()
        self.error_box = box

    def close(self) -> None:
        self._close_stored()
