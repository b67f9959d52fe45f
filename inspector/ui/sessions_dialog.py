"""File > Sessions…: the session files on disk, and the HAR export dialog.

One unreadable file is listed with its reason and never hides the others
(`SessionLibrary.list`). The session being captured right now is marked and cannot be
deleted. Nothing here blocks on `exec()`: the window opens these with `open()`/`show()`, and
tests drive them by their methods.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.exchange_display import size_text
from ..store.library import SessionInfo, SessionLibrary
from .widgets import item, plain_label, set_rows, table_view

log = logging.getLogger(__name__)


def session_label(info: SessionInfo) -> str:
    """ "2026-11-25 15:04:05 · 312 exchanges" (or the reason it cannot be read)."""
    if info.error is not None:
        return f"{info.id} · unreadable: {info.error}"
    when = datetime.fromtimestamp(info.started or 0).strftime("%Y-%m-%d %H:%M:%S")
    n = info.count or 0
    kind = f" · {info.source.removeprefix('har:')} (imported)" if info.read_only else ""
    return f"{when} · {n:,} exchange{'s' if n != 1 else ''}{kind}"


class ExportHarDialog(QDialog):
    """Where to write the HAR and whether to mask secrets; `accepted` when the user exports."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export HAR")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(f"Export {what} as HAR 1.2", self))
        row = QHBoxLayout()
        self.path_field = QLineEdit(str(Path.home() / "callbacks.har"), self)
        self.path_field.setAccessibleName("HAR file to write")
        self.path_field.setToolTip("Where the HAR file is written")
        browse = QPushButton("Browse…", self)
        browse.setToolTip("Choose where to write the HAR file")
        browse.clicked.connect(self._browse)
        row.addWidget(self.path_field, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.mask_box = QCheckBox("Mask secrets (Authorization values, URL passwords)", self)
        self.mask_box.setChecked(True)
        self.mask_box.setToolTip("Replaces them with *** so the file can be shared")
        layout.addWidget(self.mask_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Ok, self
        )
        self.export_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _browse(self) -> QFileDialog:
        dialog = QFileDialog(
            self, "Export HAR", self.path_field.text(), "HAR files (*.har);;All files (*)"
        )
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("har")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.path_field.setText)
        dialog.open()  # never exec(): nothing blocks on the user
        return dialog

    def path(self) -> Path:
        return Path(self.path_field.text()).expanduser()

    def mask_secrets(self) -> bool:
        return self.mask_box.isChecked()


class SessionsDialog(QDialog):
    """Start time, count, size, kind and state of every session; Open, Delete, Export HAR…"""

    open_requested = Signal(object)  # SessionInfo
    export_requested = Signal(object)  # SessionInfo
    deleted = Signal(str)  # session id

    def __init__(
        self,
        library: SessionLibrary,
        current: Path | None,
        parent: QWidget | None = None,
        shown: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.current = current  # the file the engine is writing now
        self.shown = shown  # the stored session the window's list shows
        self.infos: list[SessionInfo] = []
        self.setWindowTitle("Sessions")
        self.resize(760, 420)
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(f"Kept in {library.directory}", self))
        self.model = QStandardItemModel(0, 4, self)
        self.model.setHorizontalHeaderLabels(["Started", "Exchanges", "Size", "Kind / state"])
        self.table = table_view(self.model, self)
        self.table.setAccessibleName("Sessions")
        self.table.setToolTip("Every session kept on disk; double-click to open one")
        for col, width in enumerate((170, 90, 80)):
            self.table.setColumnWidth(col, width)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.table, 1)
        self.state = plain_label("", self)
        layout.addWidget(self.state)
        buttons = QDialogButtonBox(self)
        role = QDialogButtonBox.ButtonRole.ActionRole
        self.open_button = buttons.addButton("Open", role)
        self.open_button.clicked.connect(self.open_selected)
        self.export_button = buttons.addButton("Export HAR…", role)
        self.export_button.clicked.connect(self._export_selected)
        self.delete_button = buttons.addButton("Delete", role)
        self.delete_button.clicked.connect(self._confirm_delete)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.close)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.infos = self.library.list()
        rows = []
        for info in self.infos:
            if info.error is not None:
                started, count, kind = info.id, "?", f"✗ unreadable: {info.error}"
            else:
                started = datetime.fromtimestamp(info.started or 0).strftime("%Y-%m-%d %H:%M:%S")
                count = str(info.count)
                if info.read_only:
                    kind = f"imported {info.source.removeprefix('har:')} (read-only)"
                else:
                    kind = "capture"
                if info.path == self.current:
                    kind += " · ● being captured now"
                elif info.path == self.shown:
                    kind += " · shown in the list"
            rows.append(
                [
                    item(started, tooltip=str(info.path)),
                    item(count),
                    item(size_text(info.size)),
                    item(kind, tooltip=kind),
                ]
            )
            rows[-1][1].setTextAlignment(
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            )
        set_rows(self.model, rows)
        if self.infos:
            self.table.selectRow(0)
        self.state.setText(f"{len(self.infos)} session{'s' if len(self.infos) != 1 else ''}")
        self._update_buttons()

    def select(self, session_id: str) -> bool:
        for row, info in enumerate(self.infos):
            if info.id == session_id:
                self.table.selectRow(row)
                return True
        return False

    def selected(self) -> SessionInfo | None:
        row = self.table.currentIndex().row()
        return self.infos[row] if 0 <= row < len(self.infos) else None

    def _update_buttons(self) -> None:
        info = self.selected()
        readable = info is not None and info.error is None
        self.open_button.setEnabled(info is not None)
        self.export_button.setEnabled(readable)
        self.delete_button.setEnabled(info is not None and info.path != self.current)

    def open_selected(self) -> None:
        info = self.selected()
        if info is not None:
            self.open_requested.emit(info)

    def _export_selected(self) -> None:
        info = self.selected()
        if info is not None:
            self.export_requested.emit(info)

    def _confirm_delete(self) -> None:
        info = self.selected()
        if info is None:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Delete session",
            f"Delete the session {session_label(info)}?\nIts file is removed from disk.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        yes = box.button(QMessageBox.StandardButton.Yes)
        box.buttonClicked.connect(lambda b: self.delete(info.id) if b is yes else None)
        box.open()  # the dialog, its parent, keeps it

    def delete(self, session_id: str) -> None:
        """Delete without asking (the button asks first); the current capture is kept."""
        info = next((i for i in self.infos if i.id == session_id), None)
        if info is not None and info.path == self.current:
            self.state.setText("The session being captured now cannot be deleted")
            return
        try:
            self.library.delete(session_id)
        except (LookupError, OSError) as exc:
            self.state.setText(f"Could not delete {session_id}: {exc}")
            return
        self.refresh()
        self.state.setText(f"Deleted {session_id}")
        self.deleted.emit(session_id)
