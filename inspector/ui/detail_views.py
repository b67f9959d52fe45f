"""The detail of the selected exchange: Headers, Body, Transcript and WebSocket tabs.

Every piece of network text goes through plain-text labels, `setPlainText` or item-view
cells, never rich text. Tabs are rebuilt only when the exchange changed; a live WebSocket's
message list only appends, so the user's selection in it stays put.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QSplitter,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..core.records import Direction, Exchange, ExchangeKind, WsKind, WsMessage
from .body_format import hexdump, parse_json, pretty_text, raw_text, transcript_view
from .replay_dialog import REPLAY_OF_HEADER, replay_of
from .traffic_model import size_text, status_text
from .widgets import item, mono_font, plain_label, set_rows, table_view, text_view

JSON_TREE_MAX_ITEMS = 20_000  # a huge transcript is still readable in Pretty/Raw
DG_TOKEN_MARK = "◆ dg-token"


def _time(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%H:%M:%S.%f")[:-3]


def _masked(password: str) -> str:
    return "•" * max(len(password), 4)


def header_rows(
    headers: Sequence[tuple[str, str]], known_tokens: Mapping[str, str] | None = None
) -> list[tuple[str, str, str, str]]:
    """(#, name, value, note) per header in wire order; dg-token marked and checked against
    the key identifiers this app knows (`known_tokens`: identifier -> whose); a Basic
    authorization shown decoded with the password masked (the base64 would reveal it)."""
    from ..core.basic_auth import parse_basic_auth

    rows = []
    for number, (name, value) in enumerate(headers, 1):
        note = ""
        shown = value
        lower = name.lower()
        if lower == "dg-token":
            note = DG_TOKEN_MARK + ": Deepgram API key identifier"
            if known_tokens:
                whose = known_tokens.get(value)
                note += f" ✓ {whose}" if whose else " ? not one of the keys this app sends with"
        elif lower == REPLAY_OF_HEADER.lower():
            note = f"↻ replay of #{value}: sent again from this app (Replay…)"
        elif lower == "authorization":
            auth = parse_basic_auth(value)
            if auth is not None:
                shown = f"Basic (hidden: user {auth.user!r}, password {_masked(auth.password)})"
                note = f"basic auth: user {auth.user!r}, password {_masked(auth.password)}"
        rows.append((str(number), name, shown, note))
    return rows


def json_tree_items(
    value: Any, parent: QStandardItem | QStandardItemModel, budget: list[int]
) -> None:
    """Append (key, value, type) rows for `value` under `parent`; stops when budget runs out."""
    entries: list[tuple[str, Any]]
    if isinstance(value, dict):
        entries = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list):
        entries = [(f"[{i}]", v) for i, v in enumerate(value)]
    else:
        return
    for key, child in entries:
        if budget[0] <= 0:
            parent.appendRow([item("…"), item("(tree truncated; see Pretty)"), item("")])
            return
        budget[0] -= 1
        if isinstance(child, dict):
            row = [item(key), item(f"{{{len(child)} keys}}"), item("object")]
        elif isinstance(child, list):
            row = [item(key), item(f"[{len(child)} items]"), item("array")]
        else:
            kind = "null" if child is None else type(child).__name__.replace("str", "string")
            text = json.dumps(child, ensure_ascii=False) if not isinstance(child, str) else child
            row = [item(key), item(text, mono=True), item(kind)]
        parent.appendRow(row)
        if isinstance(child, dict | list):
            json_tree_items(child, row[0], budget)


class HeadersTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = plain_label("", self)
        self.summary.setFont(mono_font())
        self.auth = plain_label("", self)
        self.model = QStandardItemModel(0, 4, self)
        self.model.setHorizontalHeaderLabels(["#", "Name", "Value", "Note"])
        self.table = table_view(self.model, self)
        self.table.setToolTip("Request headers in the order they arrived, duplicates kept")
        self.reply_label = plain_label("", self)
        self.reply_model = QStandardItemModel(0, 2, self)
        self.reply_model.setHorizontalHeaderLabels(["Name", "Value"])
        self.reply_table = table_view(self.reply_model, self)
        self.reply_table.setToolTip("The headers the receiver answered with")
        self.reply_table.setMaximumHeight(110)
        for view in (self.table, self.reply_table):
            view.setFont(mono_font())
        self.table.setColumnWidth(0, 30)
        self.table.setColumnWidth(1, 130)
        self.table.setColumnWidth(2, 230)
        self.reply_table.setColumnWidth(0, 170)
        self.summary.setText("Select a request or WebSocket in the list to see it here.")
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        for w in (self.auth, self.table, self.reply_label, self.reply_table):
            w.setVisible(False)
        layout.addWidget(self.summary)
        layout.addWidget(self.auth)
        layout.addWidget(self.table, 3)
        layout.addWidget(self.reply_label)
        layout.addWidget(self.reply_table, 1)

    def reset(self) -> None:
        self.summary.setText("Select a request or WebSocket in the list to see it here.")
        for w in (self.auth, self.table, self.reply_label, self.reply_table):
            w.setVisible(False)

    def show_exchange(self, x: Exchange, known_tokens: Mapping[str, str]) -> None:
        took = f" in {x.duration_ms:.0f} ms" if x.duration_ms is not None else ""
        self.summary.setText(
            f"{x.method} {x.target} {x.http_version}\nfrom {x.client} at {_time(x.started)}"
            f" → {status_text(x)}{took}"
        )
        notes = []
        auth = x.basic_auth
        if auth is not None:
            notes.append(f"Basic auth: user {auth.user!r}, password {_masked(auth.password)}")
        if x.dg_token:
            notes.append(f"dg-token: {x.dg_token}")
        if x.request_id:
            notes.append(f"request_id: {x.request_id} (attempt {x.attempt})")
        if x.note:
            notes.append(f"note: {x.note}")
        original = replay_of(x.headers)
        if original is not None:
            notes.append(f"↻ replay of #{original}")
        for w in (self.table, self.reply_label, self.reply_table):
            w.setVisible(True)
        self.auth.setText("\n".join(notes))
        self.auth.setVisible(bool(notes))
        rows = []
        for number, name, value, note in header_rows(x.headers, known_tokens):
            cells = [item(number), item(name), item(value, tooltip=value), item(note)]
            if note.startswith(DG_TOKEN_MARK):
                for cell in cells:
                    font = cell.font()
                    font.setBold(True)
                    cell.setFont(font)
            rows.append(cells)
        set_rows(self.model, rows)
        reply = "pending" if x.status is None else str(x.status)
        self.reply_label.setText(f"Reply: {reply}, {len(x.reply_body)} bytes of body")
        set_rows(self.reply_model, [[item(n), item(v, tooltip=v)] for n, v in x.reply_headers])


class BodyTab(QWidget):
    """Request or reply body as a JSON tree, pretty text, or raw (hex for binary)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.which = QComboBox(self)
        self.which.addItems(["Request body", "Reply body"])
        self.which.setToolTip("Show the body that arrived, or the one the receiver answered")
        self.which.currentIndexChanged.connect(self._render)
        self.info = plain_label("", self, wrap=False)
        top.addWidget(self.which)
        top.addWidget(self.info, 1)
        layout.addLayout(top)
        self.views = QTabWidget(self)
        self.tree_model = QStandardItemModel(0, 3, self)
        self.tree_model.setHorizontalHeaderLabels(["Key", "Value", "Type"])
        self.tree = QTreeView(self)
        self.tree.setModel(self.tree_model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        self.tree.setToolTip("The JSON body as an expandable tree")
        self.pretty = text_view(self, "No body.")
        self.pretty.setToolTip("JSON indented; other text as received")
        self.raw = text_view(self, "No body.")
        self.raw.setToolTip("The bytes as received; binary bodies as a hex dump")
        self.views.addTab(self.tree, "Tree")
        self.views.addTab(self.pretty, "Pretty")
        self.views.addTab(self.raw, "Raw / hex")
        layout.addWidget(self.views)
        self._x: Exchange | None = None

    def show_exchange(self, x: Exchange | None) -> None:
        self._x = x
        self._render()

    def body(self) -> bytes:
        if self._x is None:
            return b""
        return self._x.reply_body if self.which.currentIndex() == 1 else self._x.body

    def _render(self) -> None:
        data = self.body()
        ok, value = parse_json(data)
        kind = "JSON" if ok else ("empty" if not data else "not JSON")
        self.info.setText(f"{size_text(len(data))}, {kind}")
        self.tree_model.removeRows(0, self.tree_model.rowCount())
        if ok and isinstance(value, dict | list):
            json_tree_items(value, self.tree_model, [JSON_TREE_MAX_ITEMS])
            self.tree.expandToDepth(1)
            self.tree.resizeColumnToContents(0)
        self.pretty.setPlainText(pretty_text(data))
        self.raw.setPlainText(raw_text(data))
        if not ok and self.views.currentWidget() is self.tree:
            self.views.setCurrentWidget(self.pretty)


class TranscriptTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.meta = plain_label("", self)
        self.transcript = plain_label("Select a Deepgram result to see its transcript.", self)
        font = self.transcript.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.transcript.setFont(font)
        self.words_model = QStandardItemModel(0, 5, self)
        self.words_model.setHorizontalHeaderLabels(
            ["Word", "Start (s)", "End (s)", "Confidence", "Speaker"]
        )
        self.words = table_view(self.words_model, self)
        self.words.setToolTip("Each recognised word with its timing and confidence")
        for col, width in enumerate((130, 75, 75, 85)):
            self.words.setColumnWidth(col, width)
        layout.addWidget(self.meta)
        layout.addWidget(self.transcript)
        layout.addWidget(self.words, 1)

    def reset(self) -> None:
        self.meta.setText("")
        self.transcript.setText("Select a Deepgram result to see its transcript.")
        set_rows(self.words_model, [])

    def show_exchange(self, x: Exchange, messages: Sequence[WsMessage]) -> None:
        views = []
        if x.kind is ExchangeKind.WEBSOCKET:
            for m in messages:
                ok, value = parse_json(m.data) if m.kind is WsKind.TEXT else (False, None)
                view = transcript_view(value) if ok else None
                if view is not None and view.is_final is not False:
                    views.append(view)
        else:
            ok, value = parse_json(x.body)
            view = transcript_view(value) if ok else None
            if view is not None:
                views.append(view)
        if not views:
            self.meta.setText("")
            self.transcript.setText("No Deepgram transcript in this exchange.")
            set_rows(self.words_model, [])
            return
        first = views[0]
        finals = ", ".join(
            "final" if v.is_final else "interim" for v in views if v.is_final is not None
        )
        conf = f", confidence {first.confidence:.2f}" if first.confidence is not None else ""
        count = f"{len(views)} final Results, " if x.kind is ExchangeKind.WEBSOCKET else ""
        self.meta.setText(
            f"{first.kind}{conf}; {count}is_final: {finals or 'n/a (pre-recorded)'}"
            if first.kind != "error"
            else "Deepgram error body"
        )
        self.transcript.setText(" ".join(v.transcript for v in views if v.transcript) or "(empty)")

        def fmt(value: float | None, spec: str) -> str:
            return "" if value is None else format(value, spec)

        rows = [
            [
                item(w.word),
                item(fmt(w.start, ".2f")),
                item(fmt(w.end, ".2f")),
                item(fmt(w.confidence, ".3f")),
                item("" if w.speaker is None else str(w.speaker)),
            ]
            for v in views
            for w in v.words
        ]
        set_rows(self.words_model, rows)


class WebSocketTab(QWidget):
    """Messages in order (direction, time, size, kind), one in full, and how the socket ended."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.state = plain_label("Select a WebSocket connection.", self)
        self.model = QStandardItemModel(0, 6, self)
        self.model.setHorizontalHeaderLabels(["#", "Dir", "Time", "Size", "Kind", "Preview"])
        self.table = table_view(self.model, self)
        self.table.setToolTip("Messages in order; → from the client, ← from the receiver")
        for col, width in enumerate((40, 70, 95, 70, 60)):
            self.table.setColumnWidth(col, width)
        self.full = text_view(self, "Select a message to see it in full.")
        self.full.setToolTip("The selected message in full (binary as a hex dump)")
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.full)
        layout.addWidget(self.state)
        layout.addWidget(split, 1)
        layout.setStretch(1, 1)
        self._exchange_id: int | None = None
        self._messages: list[WsMessage] = []
        self.table.selectionModel().selectionChanged.connect(self._on_select)

    def reset(self) -> None:
        self._exchange_id = None
        self._messages = []
        self.model.removeRows(0, self.model.rowCount())
        self.full.setPlainText("")
        self.state.setText("Select a WebSocket connection.")

    def show_exchange(self, x: Exchange, messages: Sequence[WsMessage]) -> None:
        if x.id != self._exchange_id:
            self._exchange_id = x.id
            self._messages = []
            self.model.removeRows(0, self.model.rowCount())
            self.full.setPlainText("")
        for m in messages[len(self._messages) :]:
            self._messages.append(m)
            arrow = "→ in" if m.direction is Direction.IN else "← out"
            preview = m.text if m.text is not None else f"<{len(m.data)} bytes>"
            self.model.appendRow(
                [
                    item(str(m.index)),
                    item(arrow),
                    item(_time(m.time)),
                    item(size_text(len(m.data))),
                    item(m.kind.value),
                    item(preview[:200].replace("\n", " "), mono=True),
                ]
            )
        if x.kind is not ExchangeKind.WEBSOCKET:
            self.state.setText("Not a WebSocket connection.")
        elif x.ws_end is None:
            open_for = f"{len(messages)} messages so far"
            self.state.setText(f"Open (status {x.status}); {open_for}")
        else:
            end = x.ws_end
            reason = f", reason {end.reason!r}" if end.reason else ""
            self.state.setText(
                f"Ended: closed by {end.by.value}, code {end.code}{reason}; "
                f"{len(messages)} messages"
            )

    def _on_select(self, _s: QItemSelection, _d: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._messages):
            return
        m = self._messages[rows[0].row()]
        if m.text is not None:
            text = m.text
            ok, value = parse_json(m.data)
            if ok:
                text = json.dumps(value, indent=2, ensure_ascii=False)
        else:
            text = hexdump(m.data)
        self.full.setPlainText(text)


class DetailPane(QTabWidget):
    """The tabs for one exchange."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers = HeadersTab(self)
        self.body = BodyTab(self)
        self.transcript = TranscriptTab(self)
        self.websocket = WebSocketTab(self)
        self.addTab(self.headers, "Headers")
        self.addTab(self.body, "Body")
        self.addTab(self.transcript, "Transcript")
        self.addTab(self.websocket, "WebSocket")
        self.setTabToolTip(0, "Request line, headers in wire order, dg-token and basic auth")
        self.setTabToolTip(1, "The body as a JSON tree, pretty text or raw bytes / hex")
        self.setTabToolTip(2, "Deepgram transcript and words with timing and confidence")
        self.setTabToolTip(3, "WebSocket messages in order and how the socket ended")
        self._shown: Exchange | None = None
        self._shown_messages = -1
        self.known_tokens: dict[str, str] = {}  # dg-token identifier -> whose key

    @property
    def exchange(self) -> Exchange | None:
        return self._shown

    def show_exchange(self, x: Exchange | None, messages: Sequence[WsMessage] = ()) -> None:
        if x is None:
            if self._shown is not None:
                self._shown = None
                self._shown_messages = -1
                self.headers.reset()
                self.body.show_exchange(None)
                self.transcript.reset()
                self.websocket.reset()
            return
        if x is self._shown and len(messages) == self._shown_messages:
            return
        switched = self._shown is None or self._shown.id != x.id
        self._shown = x
        self._shown_messages = len(messages)
        self.headers.show_exchange(x, self.known_tokens)
        if switched or x.kind is ExchangeKind.HTTP:
            self.body.show_exchange(x)
        self.transcript.show_exchange(x, messages)
        self.websocket.show_exchange(x, messages)
        self.setTabEnabled(3, x.kind is ExchangeKind.WEBSOCKET)
        if switched and x.kind is ExchangeKind.WEBSOCKET and self.currentIndex() in (1, 2):
            self.setCurrentIndex(3)
        if switched and x.kind is ExchangeKind.HTTP and self.currentIndex() == 3:
            self.setCurrentIndex(0)
