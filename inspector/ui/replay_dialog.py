"""Replay…: send a captured request again, edited or not, and show the reply.

The request goes out from the engine (`EngineApi.replay`, its result brought back by
`EngineCalls`), so the window never waits for the network and never opens a connection
itself. Every replayed request carries `X-Callback-Inspector-Replay-Of: <id>`: sent to
our own receiver it becomes a new exchange that the detail pane marks "replay of #N"; sent
elsewhere, the app on the other side can tell a replay from Deepgram's own delivery.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.headers import Header
from ..core.records import Exchange
from ..core.replay_reply import ReplayReply, replay_url
from .engine_calls import EngineCalls
from .widgets import mono_font, plain_label, text_view

REPLAY_OF_HEADER = "X-Callback-Inspector-Replay-Of"
REPLY_BODY_SHOWN = 64 * 1024  # characters of the reply body shown in the dialog
# Computed for the URL and body actually sent (engine/replay.py drops them), so not listed.
_COMPUTED = frozenset({"host", "content-length", "transfer-encoding", "connection"})


def replay_of(headers: tuple[Header, ...]) -> int | None:
    """The id of the exchange this one replays, from its marker header; None when not a replay."""
    for name, value in headers:
        if name.lower() == REPLAY_OF_HEADER.lower():
            try:
                return int(value.strip())
            except ValueError:
                return None
    return None


def parse_header_lines(text: str) -> list[Header]:
    """`Name: value` per line, in order, duplicates kept; raises ValueError on a bad line."""
    headers: list[Header] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or name != name.strip():
            raise ValueError(f"header line {number} is not 'Name: value': {line!r}")
        headers.append((name, value.strip()))
    return headers


class ReplayDialog(QDialog):
    """URL, method, headers and body of the captured request, editable; Send; the reply."""

    def __init__(
        self, x: Exchange, base_url: str, calls: EngineCalls, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.exchange = x
        self.calls = calls
        self.reply: ReplayReply | None = None
        self.error: str | None = None
        self.sending = False  # a send is under way: the dialog lives until its reply
        self._closed = False
        self.setWindowTitle(f"Replay #{x.id}")
        self.resize(720, 640)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.url_field = QLineEdit(replay_url(base_url, x), self)
        self.url_field.setToolTip("Where to send it: the receiver itself by default, or any URL")
        self.method_field = QLineEdit(x.method, self)
        self.headers_edit = QPlainTextEdit(self)
        self.headers_edit.setFont(mono_font())
        self.headers_edit.setToolTip(
            "One 'Name: value' per line, in the order they are sent; Host and Content-Length "
            "are computed"
        )
        lines = [
            f"{n}: {v}"
            for n, v in x.headers
            if n.lower() not in _COMPUTED and n.lower() != REPLAY_OF_HEADER.lower()
        ]
        lines.append(f"{REPLAY_OF_HEADER}: {x.id}")
        self.headers_edit.setPlainText("\n".join(lines))
        self.body_edit = QPlainTextEdit(self)
        self.body_edit.setFont(mono_font())
        self._binary = False
        self._shown_body = ""
        try:
            self.body_edit.setPlainText(x.body.decode("utf-8"))
            self._shown_body = self.body_edit.toPlainText()
        except UnicodeDecodeError:
            self._binary = True  # sent as captured, byte for byte
            self.body_edit.setReadOnly(True)
            self.body_edit.setPlaceholderText(
                f"Binary body ({len(x.body)} bytes): sent unchanged, byte for byte"
            )
        form.addRow("URL", self.url_field)
        form.addRow("Method", self.method_field)
        form.addRow("Headers", self.headers_edit)
        form.addRow(
            "", plain_label("Host and Content-Length are set from the URL and the body.", self)
        )
        form.addRow("Body", self.body_edit)
        layout.addLayout(form, 3)
        self.state = plain_label("", self)
        layout.addWidget(self.state)
        layout.addWidget(plain_label("Reply", self))
        self.reply_view = text_view(self, "The reply shows here once sent")
        self.reply_view.setAccessibleName("Reply")
        self.reply_view.setToolTip("The status line, headers and body that came back")
        layout.addWidget(self.reply_view, 2)
        buttons = QDialogButtonBox(self)
        self.send_button = QPushButton("Send", self)
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.close)
        layout.addWidget(buttons)

    def body(self) -> bytes:
        """What is sent: the captured bytes unless edited (a text edit would turn CR LF into
        LF and could not hold every control character)."""
        edited = self.edited_body()
        return self.exchange.body if edited is None else edited

    def edited_body(self) -> bytes | None:
        """The body as edited, or None when it is the captured one (the engine has those
        bytes in full, however large)."""
        if self._binary or self.body_edit.toPlainText() == self._shown_body:
            return None
        return self.body_edit.toPlainText().encode("utf-8")

    def send(self) -> bool:
        """Start sending; False (with the reason shown) when a field is not usable."""
        try:
            headers = parse_header_lines(self.headers_edit.toPlainText())
        except ValueError as exc:
            self.state.setText(str(exc))
            return False
        method = self.method_field.text().strip().upper()
        url = self.url_field.text().strip()
        if not method or not url.startswith(("http://", "https://")):
            self.state.setText("Give a method and an http:// or https:// URL")
            return False
        self.reply, self.error = None, None
        self.sending = True
        self.send_button.setEnabled(False)
        self.state.setText(f"Sending {method} {url} …")
        body = self.edited_body()
        self.calls.send(
            lambda: self.calls.engine.replay(
                self.exchange, url, method=method, headers=tuple(headers), body=body
            ),
            self._on_reply,
        )
        return True

    def done(self, result: int) -> None:
        """Closed (Esc, Close, the window's close button): gone once no reply is awaited,
        so closed dialogs do not pile up."""
        super().done(result)
        self._closed = True
        if not self.sending:
            self.deleteLater()

    def _on_reply(self, reply: ReplayReply | None, error: BaseException | None) -> None:
        self.sending = False
        if self._closed:
            self.deleteLater()
            return
        self.send_button.setEnabled(True)
        if error is not None or reply is None:
            self.error = f"{type(error).__name__}: {error}" if error else "no reply"
            self.state.setText(f"Not sent: {self.error}")
            self.reply_view.setPlainText("")
            return
        self.reply = reply
        self.state.setText(f"Reply: {reply.status}, {len(reply.body)} bytes of body")
        head = "\n".join(f"{n}: {v}" for n, v in reply.headers)
        text = reply.body[:REPLY_BODY_SHOWN].decode("utf-8", errors="backslashreplace")
        self.reply_view.setPlainText(f"{reply.status}\n{head}\n\n{text}")
