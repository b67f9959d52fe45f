"""The detail of the selected exchange: Headers, Body, Transcript and WebSocket tabs.

Every piece of network text goes through plain-text labels, `setPlainText` or item-view
cells, never rich text. Tabs are rebuilt only when the exchange changed; a live WebSocket's
message list only appends, so the user's selection in it stays put.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.deepgram_result import TranscriptView, transcript_view
from ..core.exchange_display import is_held, size_text, status_text
from ..core.records import Direction, Exchange, ExchangeKind, WsKind, WsMessage
from ..core.ws_close_codes import close_code_text
from .body_format import hexdump, parse_json
from .body_tab import BodyTab
from .code_view import CodeView
from .forward_view import ForwardTab
from .replay_dialog import REPLAY_OF_HEADER, replay_of
from .widgets import fit_rows, item, mono_font, plain_label, set_rows, table_view

REPLY_ROWS_SHOWN = 7  # reply headers shown without scrolling (what aiohttp sends is 4-5)
DG_TOKEN_MARK = "◆ dg-token"
DG_TOKEN_TIP = (
    "dg-token: the identifier (a uuid) of the Deepgram API key that submitted the job, never "
    "the key itself; checked against the keys this app sends with"
)


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
            # The verdict first: it is what a narrow Note column must not cut off.
            whose = known_tokens.get(value) if known_tokens else None
            if whose:
                note = f"{DG_TOKEN_MARK} ✓ {whose}"
            elif known_tokens:
                note = f"{DG_TOKEN_MARK} ? not one of the keys this app sends with"
            else:
                note = f"{DG_TOKEN_MARK}: Deepgram API key identifier"
        elif lower == REPLAY_OF_HEADER.lower():
            note = f"↻ replay of #{value}: sent again from this app (Replay…)"
        elif lower == "authorization":
            auth = parse_basic_auth(value)
            if auth is not None:
                shown = f"Basic (hidden: user {auth.user!r}, password {_masked(auth.password)})"
                note = f"basic auth: user {auth.user!r}, password {_masked(auth.password)}"
        rows.append((str(number), name, shown, note))
    return rows


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
        self.table.setAccessibleName("Request headers")
        self.reply_label = plain_label("", self)
        self.reply_model = QStandardItemModel(0, 2, self)
        self.reply_model.setHorizontalHeaderLabels(["Name", "Value"])
        self.reply_table = table_view(self.reply_model, self)
        self.reply_table.setToolTip("The headers the receiver answered with, as sent")
        self.reply_table.setAccessibleName("Reply headers")
        for view in (self.table, self.reply_table):
            view.setFont(mono_font())
            view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a URL's or token's end matters
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
        if x.rule is not None:  # which reply rule answered (the Rules panel names it)
            held = is_held(x)
            notes.append(f"rule: {x.rule}" + (" (held: waiting for your answer)" if held else ""))
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
            tip = f"{note}\n\n{DG_TOKEN_TIP}" if note.startswith(DG_TOKEN_MARK) else note
            cells = [
                item(number),
                item(name, tooltip=name),
                item(value, tooltip=value),
                item(note, tooltip=tip),
            ]
            if note.startswith(DG_TOKEN_MARK):
                for cell in cells:
                    font = cell.font()
                    font.setBold(True)
                    cell.setFont(font)
            rows.append(cells)
        set_rows(self.model, rows)
        reply = "pending" if x.status is None else str(x.status)
        self.reply_label.setText(f"Reply: {reply}, {len(x.reply_body)} bytes of body")
        set_rows(
            self.reply_model,
            [[item(n, tooltip=n), item(v, tooltip=v)] for n, v in x.reply_headers],
        )
        fit_rows(self.reply_table, REPLY_ROWS_SHOWN)


def transcript_meta(
    shown: Sequence[TranscriptView], results: Sequence[TranscriptView], websocket: bool
) -> str:
    """The line above a transcript: what kind of result it is, said once and consistently
    ("Pre-recorded result", "Streaming Results message, is_final: true", "Streaming over
    WebSocket: 3 final of 7 Results")."""
    first = shown[0]
    if first.kind == "error":
        return "Deepgram error body"
    conf = f", confidence {first.confidence:.2f}" if first.confidence is not None else ""
    if websocket:
        finals = sum(1 for v in results if v.is_final)
        return f"Streaming over WebSocket: {finals} final of {len(results)} Results{conf}"
    if first.kind == "pre-recorded":
        return f"Pre-recorded result{conf}"
    final = {True: "true", False: "false (interim)", None: "absent"}[first.is_final]
    return f"Streaming Results message{conf}; is_final: {final}"


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
        self.words.setAccessibleName("Transcript words")
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
        results: list[TranscriptView] = []
        if x.kind is ExchangeKind.WEBSOCKET:
            for m in messages:
                ok, value = parse_json(m.data) if m.kind is WsKind.TEXT else (False, None)
                view = transcript_view(value) if ok else None
                if view is not None:
                    results.append(view)
            # A live transcript is its final Results; interim ones are drafts of them.
            views = [v for v in results if v.is_final is not False]
        else:
            ok, value = parse_json(x.body)
            view = transcript_view(value) if ok else None
            results = views = [view] if view is not None else []
        if not views:
            self.meta.setText("")
            self.transcript.setText("No Deepgram transcript in this exchange.")
            set_rows(self.words_model, [])
            return
        self.meta.setText(transcript_meta(views, results, x.kind is ExchangeKind.WEBSOCKET))
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
        self.table.setAccessibleName("WebSocket messages")
        for col, width in enumerate((40, 70, 95, 70, 60)):
            self.table.setColumnWidth(col, width)
        self.full = CodeView(self, "Select a message to see it in full.")
        self.full.setAccessibleName("WebSocket message in full")
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
        # Another exchange, or the same one's messages whole (fetched from the engine in
        # place of the light ones a line carried): drawn again, the selected row kept.
        replaced = bool(self._messages) and bool(messages) and messages[0] is not self._messages[0]
        selected = self.table.currentIndex().row() if replaced else -1
        if x.id != self._exchange_id or replaced:
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
        if 0 <= selected < self.model.rowCount():
            self.table.selectRow(selected)
        if x.kind is not ExchangeKind.WEBSOCKET:
            self.state.setText("Not a WebSocket connection.")
        elif x.ws_end is None:
            open_for = f"{len(messages)} messages so far"
            self.state.setText(f"Open (status {x.status}); {open_for}")
        else:
            end = x.ws_end
            reason = f", reason {end.reason!r}" if end.reason else ""
            code = close_code_text(end.code) or "no code"
            self.state.setText(
                f"Ended: closed by {end.by.value}, code {code}{reason}; {len(messages)} messages"
            )

    def _on_select(self, _s: QItemSelection, _d: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._messages):
            return
        m = self._messages[rows[0].row()]
        ok = False
        if m.text is not None:
            text = m.text
            ok, value = parse_json(m.data)
            if ok:
                text = json.dumps(value, indent=2, ensure_ascii=False)
        else:
            text = hexdump(m.data)
        self.full.show_text(text, json=ok)


class DetailPane(QTabWidget):
    """The tabs for one exchange."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers = HeadersTab(self)
        self.body = BodyTab(self)
        self.transcript = TranscriptTab(self)
        self.websocket = WebSocketTab(self)
        self.forward = ForwardTab(self)  # issue 13: what the user's own app replied
        # Each page scrolls when the pane is lower than the page wants (a 1024 x 700 window
        # with a demo's story and the timeline shown), rather than push the window past
        # the screen's bottom edge.
        for page, title in (
            (self.headers, "Headers"),
            (self.body, "Body"),
            (self.transcript, "Transcript"),
            (self.websocket, "WebSocket"),
            (self.forward, "Your app"),
        ):
            area = QScrollArea(self)
            area.setWidgetResizable(True)
            area.setFrameShape(QScrollArea.Shape.NoFrame)
            area.setWidget(page)
            self.addTab(area, title)
        self.setTabToolTip(4, "What your app replied when the request was forwarded to it")
        self.setTabToolTip(0, "Request line, headers in wire order, dg-token and basic auth")
        self.setTabToolTip(1, "The body as a JSON tree, pretty text or raw bytes / hex")
        self.setTabToolTip(2, "Deepgram transcript and words with timing and confidence")
        self.setTabToolTip(3, "WebSocket messages in order and how the socket ended")
        self._shown: Exchange | None = None
        self._shown_messages = -1
        self.known_tokens: dict[str, str] = {}  # dg-token identifier -> whose key

    def indexOf(self, page: QWidget) -> int:
        """The tab of `page` (its scroll area's, or the page's own)."""
        for i in range(self.count()):
            area = self.widget(i)
            if area is page or (isinstance(area, QScrollArea) and area.widget() is page):
                return i
        return -1

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
                self.forward.reset()
            return
        if x is self._shown and len(messages) == self._shown_messages:
            return
        switched = self._shown is None or self._shown.id != x.id
        self._shown = x
        self._shown_messages = len(messages)
        self.headers.show_exchange(x, self.known_tokens)
        self.forward.show_exchange(x)
        self.setTabEnabled(4, x.forward is not None)
        if switched or x.kind is ExchangeKind.HTTP:
            self.body.show_exchange(x)
        self.transcript.show_exchange(x, messages)
        self.websocket.show_exchange(x, messages)
        self.setTabEnabled(3, x.kind is ExchangeKind.WEBSOCKET)
        if switched and x.kind is ExchangeKind.WEBSOCKET and self.currentIndex() in (1, 2):
            self.setCurrentIndex(3)
        if switched and x.kind is ExchangeKind.HTTP and self.currentIndex() == 3:
            self.setCurrentIndex(0)
