"""Forwarding in the window: the toolbar's "Forward to" field with its switch, and the
detail pane's "Your app" tab (what the user's own handler replied, and how fast).

The field drives the same engine setting as `serve --forward-to` (`Engine.set_forwarding`
with a `ForwardSettings`); the app's reply is network text and is shown as plain text only.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ..core.forward import ForwardSettings, ForwardUrlError
from ..core.records import Exchange
from .body_format import hexdump, is_binary, pretty_text
from .widgets import item, mono_font, plain_label, set_rows, table_view, text_view

SETTINGS_URL = "forward/url"
PLACEHOLDER = "http://127.0.0.1:3000/deepgram"


class ForwardControl(QWidget):
    """ "Forward to [URL] [on]": every request goes on to the user's app when on."""

    message = Signal(str)  # what to say in the status bar

    def __init__(
        self,
        current: ForwardSettings,
        apply: Callable[[ForwardSettings], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._apply = apply
        self._timeout = current.timeout
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        label = QLabel("Forward to", self)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText(PLACEHOLDER)
        self.url.setMinimumWidth(150)
        self.url.setMaximumWidth(280)
        self.url.setAccessibleName("Forward to URL")
        self.url.setToolTip(
            "Your own callback handler: each request is sent on to it (same method, path "
            "appended, headers, body byte for byte) and its reply is what the sender gets. "
            "Reply rules that answer come first."
        )
        label.setBuddy(self.url)
        self.switch = QCheckBox("on", self)
        self.switch.setAccessibleName("Forward to your app")
        self.switch.setToolTip("Forward every request to your app (off: the reply rules answer)")
        layout.addWidget(label)
        layout.addWidget(self.url)
        layout.addWidget(self.switch)
        layout.addStretch(1)
        self.url.setText(current.url or "")
        self.url.setCursorPosition(0)  # the start of the URL, not its tail
        self.switch.setChecked(current.active)
        self.switch.toggled.connect(self._changed)
        self.url.editingFinished.connect(self._changed)

    def settings(self) -> ForwardSettings:
        return ForwardSettings(
            url=self.url.text().strip() or None,
            timeout=self._timeout,
            enabled=self.switch.isChecked(),
        )

    def _changed(self) -> None:
        settings = self.settings()
        if settings.enabled and not settings.url:
            self.switch.setChecked(False)
            self.message.emit("Type your app's URL first, e.g. " + PLACEHOLDER)
            return
        try:
            self._apply(settings)
        except ForwardUrlError as exc:
            self.url.setToolTip(str(exc))
            self.url.setStyleSheet("QLineEdit { border: 1px solid #b3261e; }")
            self.message.emit(str(exc))
            if self.switch.isChecked():
                self.switch.setChecked(False)
            return
        self.url.setStyleSheet("")
        if settings.active:
            self.message.emit(f"Forwarding every request to {settings.url}")
        elif settings.url:
            self.message.emit("Forwarding is off: the reply rules answer")

    def load_settings(self, s: QSettings) -> None:
        """The last URL typed (off until switched on), when the engine has none."""
        if not self.url.text():
            self.url.setText(str(s.value(SETTINGS_URL, "") or ""))

    def save_settings(self, s: QSettings) -> None:
        s.setValue(SETTINGS_URL, self.url.text().strip())


class ForwardTab(QWidget):
    """The detail pane's "Your app" section: status, latency, headers, body of the app's
    reply to the selected request, or why it gave none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = plain_label("", self)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.where = plain_label("", self)
        self.where.setFont(mono_font())
        self.model = QStandardItemModel(0, 2, self)
        self.model.setHorizontalHeaderLabels(["Name", "Value"])
        self.table = table_view(self.model, self)
        self.table.setFont(mono_font())
        self.table.setToolTip("The headers your app answered with, in the order it sent them")
        self.table.setAccessibleName("Your app's reply headers")
        self.table.setColumnWidth(0, 170)
        self.body = text_view(self, "Your app's reply body")
        self.body.setAccessibleName("Your app's reply body")
        self.body.setToolTip("The body your app answered with (pretty JSON, text, or hex)")
        layout.addWidget(self.summary)
        layout.addWidget(self.where)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.body, 2)
        self.reset()

    def reset(self) -> None:
        self.summary.setText("Not forwarded: this request was answered here.")
        self.where.setText("Switch on “Forward to” in the toolbar to send requests to your app.")
        set_rows(self.model, [])
        self.body.setPlainText("")

    def show_exchange(self, x: Exchange) -> None:
        f = x.forward
        if f is None:
            self.reset()
            return
        self.summary.setText(f.summary)
        self.summary.setAccessibleName(f.summary)
        sent = "" if f.status is None else f"; the sender got {x.status}"
        self.where.setText(f"{x.method} {f.url}{sent}")
        set_rows(self.model, [[item(n), item(v, tooltip=v)] for n, v in f.headers])
        if f.status is None:
            self.body.setPlainText(f.error or "")
        elif is_binary(f.body):
            self.body.setPlainText(hexdump(f.body))
        else:
            self.body.setPlainText(pretty_text(f.body))
