"""The reply controls: what the receiver answers next, and buttons for a live WebSocket.

The form offers the quick choices of `serve`'s shorthand flags; every change builds their
rule tables (`core.rules_file.quick_tables`) and the rules from them (`rule_from_table`, the
one constructor), and hands the rules to the engine at once (`Engine.set_rules` is an atomic
swap), so the very next request gets them. A choice that makes no rule (fail-first with a
2xx status) is said under the form and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.headers import Header
from ..core.records import Exchange, ExchangeKind
from ..core.rule_text import describe_rules
from ..core.rules import Rule
from ..core.rules_file import RuleError, delay_ms, quick_tables, rule_from_table
from .widgets import mono_font, plain_label

COMMON_STATUSES = (
    "200 OK",
    "201 Created",
    "202 Accepted",
    "204 No Content",
    "301 Moved Permanently",
    "302 Found",
    "400 Bad Request",
    "401 Unauthorized",
    "403 Forbidden",
    "404 Not Found",
    "408 Request Timeout",
    "413 Payload Too Large",
    "429 Too Many Requests",
    "500 Internal Server Error",
    "502 Bad Gateway",
    "503 Service Unavailable",
    "504 Gateway Timeout",
)
METHODS = ("any", "POST", "PUT", "GET", "PATCH", "DELETE")
WS_CLOSE_CODES = (1000, 1001, 1008, 1011, 4000)


def parse_status(text: str) -> int | None:
    match = re.match(r"\s*(\d{3})\b", text)
    if not match:
        return None
    value = int(match.group(1))
    return value if 100 <= value <= 999 else None


def parse_header_lines(text: str) -> tuple[Header, ...]:
    """`Name: value` per line; lines without a colon are ignored."""
    headers = []
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers.append((name.strip(), value.strip()))
    return tuple(headers)


def _tip(widget: QWidget, text: str) -> QWidget:
    widget.setToolTip(text)
    return widget


class ReplyControls(QWidget):
    """Builds the receiver's rule from the form and applies it on every change."""

    rules_changed = Signal(object)  # tuple[Rule, ...]

    def __init__(
        self,
        apply_rules: Callable[[Sequence[Rule]], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._apply_rules = apply_rules
        self._building = True
        outer = QVBoxLayout(self)

        http = QGroupBox("HTTP reply", self)
        form = QFormLayout(http)
        self.status = QComboBox(self)
        self.status.setEditable(True)
        self.status.addItems(COMMON_STATUSES)
        _tip(self.status, "Status of every reply; with 'fail first N', the failing status")
        self.delay = QDoubleSpinBox(self)
        self.delay.setRange(0.0, 300.0)
        self.delay.setDecimals(1)
        self.delay.setSuffix(" s")
        _tip(self.delay, "Wait this long before answering (Deepgram times out after 30 s)")
        self.fail_first = QSpinBox(self)
        self.fail_first.setRange(0, 50)
        self.fail_first.setSpecialValueText("off")
        _tip(
            self.fail_first,
            "Answer the status above to the first N attempts of each request_id, then 200",
        )
        self.body = QPlainTextEdit(self)
        self.body.setFont(mono_font())
        self.body.setPlaceholderText("reply body (empty: a short note on failures)")
        self.body.setMaximumHeight(60)
        _tip(self.body, "Body of the reply, sent as is")
        self.headers = QPlainTextEdit(self)
        self.headers.setFont(mono_font())
        self.headers.setPlaceholderText("Name: value, one per line")
        self.headers.setMaximumHeight(50)
        _tip(self.headers, "Extra reply headers, one 'Name: value' per line")
        match = QHBoxLayout()
        self.match_method = QComboBox(self)
        self.match_method.addItems(METHODS)
        _tip(self.match_method, "Apply this rule only to this method (others get 200)")
        self.match_path = QLineEdit(self)
        self.match_path.setPlaceholderText("/path prefix (any)")
        _tip(self.match_path, "Apply this rule only to paths starting with this (others get 200)")
        match.addWidget(self.match_method)
        match.addWidget(self.match_path, 1)
        form.addRow("Status", self.status)
        form.addRow("Delay", self.delay)
        form.addRow("Fail first", self.fail_first)
        form.addRow("Body", self.body)
        form.addRow("Headers", self.headers)
        form.addRow("Only for", match)
        outer.addWidget(http)

        ws = QGroupBox("WebSocket", self)
        wform = QFormLayout(ws)
        refuse = QHBoxLayout()
        self.ws_refuse = QCheckBox("refuse upgrade with", self)
        _tip(self.ws_refuse, "Answer the WebSocket upgrade with an HTTP error instead of 101")
        self.ws_refuse_status = QSpinBox(self)
        self.ws_refuse_status.setRange(400, 599)
        self.ws_refuse_status.setValue(403)
        _tip(self.ws_refuse_status, "HTTP status of the refused upgrade")
        refuse.addWidget(self.ws_refuse)
        refuse.addWidget(self.ws_refuse_status)
        refuse.addStretch(1)
        after = QHBoxLayout()
        self.ws_after_messages = QSpinBox(self)
        self.ws_after_messages.setRange(0, 100000)
        self.ws_after_messages.setSpecialValueText("never")
        self.ws_after_messages.setSuffix(" msgs")
        _tip(self.ws_after_messages, "Close each socket after the client's Nth message")
        self.ws_after_seconds = QDoubleSpinBox(self)
        self.ws_after_seconds.setRange(0.0, 3600.0)
        self.ws_after_seconds.setDecimals(1)
        self.ws_after_seconds.setSpecialValueText("never")
        self.ws_after_seconds.setSuffix(" s")
        _tip(self.ws_after_seconds, "Close each socket this many seconds after it opened")
        after.addWidget(self.ws_after_messages)
        after.addWidget(self.ws_after_seconds)
        code = QHBoxLayout()
        self.ws_code = QComboBox(self)
        self.ws_code.setEditable(True)
        self.ws_code.addItems([str(c) for c in WS_CLOSE_CODES])
        _tip(self.ws_code, "Close code (1000 normal, 1011 server error, 4000-4999 your own)")
        self.ws_reason = QLineEdit(self)
        self.ws_reason.setPlaceholderText("reason")
        _tip(self.ws_reason, "Close reason sent in the close frame")
        code.addWidget(self.ws_code)
        code.addWidget(self.ws_reason, 1)
        wform.addRow("Refuse", refuse)
        wform.addRow("Close after", after)
        wform.addRow("with code", code)
        outer.addWidget(ws)

        live = QGroupBox("Selected live WebSocket", self)
        lv = QVBoxLayout(live)
        self.live_label = plain_label("Select an open WebSocket in the list.", self)
        buttons = QHBoxLayout()
        self.close_button = QPushButton("Close with code", self)
        _tip(self.close_button, "Send a close frame with the code and reason above, now")
        self.drop_button = QPushButton("Drop now", self)
        _tip(self.drop_button, "Abort the TCP connection without a close frame (a crash)")
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.drop_button)
        lv.addWidget(self.live_label)
        lv.addLayout(buttons)
        outer.addWidget(live)

        bottom = QHBoxLayout()
        self.summary = plain_label("", self)
        self.reset_button = QPushButton("Reset", self)
        _tip(self.reset_button, "Back to answering 200 to everything")
        self.reset_button.clicked.connect(self.reset)
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.reset_button)
        outer.addLayout(bottom)
        outer.addStretch(1)

        for signal in (
            self.status.currentTextChanged,
            self.match_method.currentTextChanged,
            self.ws_code.currentTextChanged,
        ):
            signal.connect(self.apply)
        for spin in (self.delay, self.ws_after_seconds):
            spin.valueChanged.connect(self.apply)
        for ispin in (self.fail_first, self.ws_refuse_status, self.ws_after_messages):
            ispin.valueChanged.connect(self.apply)
        for text in (self.body, self.headers):
            text.textChanged.connect(self.apply)
        for line in (self.match_path, self.ws_reason):
            line.textChanged.connect(self.apply)
        self.ws_refuse.toggled.connect(self.apply)
        self.live_exchange: Exchange | None = None
        self.set_live(None)
        self._building = False
        self.summary.setText(describe_rules(self.rules()))

    # -- the rule ---------------------------------------------------------------------
    def ws_close_code(self) -> int:
        try:
            code = int(self.ws_code.currentText().split()[0])
        except (ValueError, IndexError):
            return 1000
        return code if 1000 <= code <= 4999 and code not in (1004, 1005, 1006, 1015) else 1000

    def choices(self) -> dict[str, Any]:
        """The form's quick choices, as `quick_tables` takes them."""
        status = parse_status(self.status.currentText())
        method = self.match_method.currentText()
        return dict(
            status=None if status == 200 else status,
            delay_ms=delay_ms(self.delay.value()) or None,
            fail_first=self.fail_first.value() or None,
            body=self.body.toPlainText() or None,
            headers=parse_header_lines(self.headers.toPlainText()),
            method=None if method == "any" else method,
            path_prefix=self.match_path.text().strip() or None,
            ws_refuse=self.ws_refuse_status.value() if self.ws_refuse.isChecked() else None,
            ws_close_after=self.ws_after_messages.value() or None,
            ws_close_after_seconds=self.ws_after_seconds.value() or None,
            ws_close_code=self.ws_close_code() if self._closes() else None,
            ws_close_reason=(self.ws_reason.text() or None) if self._closes() else None,
        )

    def _closes(self) -> bool:
        return bool(self.ws_after_messages.value() or self.ws_after_seconds.value())

    def rules(self) -> tuple[Rule, ...]:
        """The rules the form describes; RuleError when it describes none."""
        return tuple(rule_from_table(t) for t in quick_tables(**self.choices()))

    def apply(self) -> None:
        if self._building:
            return
        try:
            rules = self.rules()
        except RuleError as exc:
            self.summary.setText(f"⚠ Not applied: {exc.key}: {exc.message}")
            return
        self._apply_rules(rules)
        self.summary.setText(describe_rules(rules))
        self.rules_changed.emit(rules)

    def set_choices(self, **choices: Any) -> None:
        """Show the quick choices `choices` (as `choices()` gives them) and apply them."""
        self._building = True
        self.status.setCurrentText(str(choices.get("status") or 200))
        self.fail_first.setValue(choices.get("fail_first") or 0)
        self.delay.setValue((choices.get("delay_ms") or 0) / 1000)
        self.body.setPlainText(choices.get("body") or "")
        self.headers.setPlainText("\n".join(f"{n}: {v}" for n, v in choices.get("headers", ())))
        self.match_method.setCurrentText(choices.get("method") or "any")
        self.match_path.setText(choices.get("path_prefix") or "")
        refuse = choices.get("ws_refuse")
        self.ws_refuse.setChecked(refuse is not None)
        if refuse is not None:
            self.ws_refuse_status.setValue(refuse)
        self.ws_after_messages.setValue(choices.get("ws_close_after") or 0)
        self.ws_after_seconds.setValue(choices.get("ws_close_after_seconds") or 0.0)
        self.ws_code.setCurrentText(str(choices.get("ws_close_code") or 1000))
        self.ws_reason.setText(choices.get("ws_close_reason") or "")
        self._building = False
        self.apply()

    def reset(self) -> None:
        self.set_choices()

    def show_rules(self, rules: Sequence[Rule]) -> None:
        """Say what `rules` (e.g. those the engine started with) do, form untouched."""
        self.summary.setText(describe_rules(rules))

    # -- the selected live socket -----------------------------------------------------
    def set_live(self, x: Exchange | None) -> None:
        """The exchange selected in the list; buttons work only for an open WebSocket."""
        live = (
            x is not None
            and x.kind is ExchangeKind.WEBSOCKET
            and x.status == 101
            and x.ws_end is None
        )
        self.live_exchange = x if live else None
        self.close_button.setEnabled(live)
        self.drop_button.setEnabled(live)
        if live and x is not None:
            self.live_label.setText(f"WebSocket #{x.id} {x.path}: open, {x.ws_messages} messages")
        elif x is not None and x.kind is ExchangeKind.WEBSOCKET:
            self.live_label.setText(f"WebSocket #{x.id} is not open.")
        else:
            self.live_label.setText("Select an open WebSocket in the list.")
