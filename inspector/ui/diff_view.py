"""Two exchanges side by side: every difference one row, left value against right value.

The comparison itself is `store.diff.diff_exchanges` (headers by name, JSON bodies
structurally, by path); this view only lays it out. Each row says what changed with a
symbol (+ added, − removed, ~ changed) as well as a colour, so it never relies on colour.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QStandardItemModel
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from ..core.records import Exchange
from ..store.diff import BodyDiff, BodyKind, Change, ExchangeDiff, HeadersDiff, diff_exchanges
from .widgets import item, mono_font, plain_label, set_rows, table_view

DIFF_VALUE_CHARS = 300  # of a value shown in a cell (the tooltip holds more)
_MARK = {Change.ADDED: "+ added", Change.REMOVED: "− removed", Change.CHANGED: "~ changed"}
_COLOUR = {Change.ADDED: "#2e8b57", Change.REMOVED: "#d0343a", Change.CHANGED: "#b8860b"}

DiffRow = tuple[str, str, Change, str, str]  # part, name or path, change, left, right


def _value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False)


def _header_rows(part: str, d: HeadersDiff) -> list[DiffRow]:
    rows = [(part, h.name, h.change, h.old or "", h.new or "") for h in d.changes]
    if d.order_changed:
        rows.append((part, "(order)", Change.CHANGED, "", "same headers, another order"))
    return rows


def _body_rows(part: str, d: BodyDiff) -> list[DiffRow]:
    if d.kind is BodyKind.SAME:
        return []
    if d.kind is BodyKind.JSON:
        return [(part, j.path or "(whole)", j.change, _value(j.old), _value(j.new)) for j in d.json]
    if d.kind is BodyKind.TEXT:
        return [(part, "(text)", Change.CHANGED, "", "\n".join(d.text))]
    return [(part, "(binary)", Change.CHANGED, f"{d.old_size} bytes", f"{d.new_size} bytes")]


def diff_rows(d: ExchangeDiff) -> list[DiffRow]:
    """The differences in reading order: request line, headers, body, then the reply."""
    rows: list[DiffRow] = [
        ("request", f.name, Change.CHANGED, _value(f.old), _value(f.new)) for f in d.fields
    ]
    rows += _header_rows("request header", d.headers)
    rows += _body_rows("request body", d.body)
    rows += _header_rows("reply header", d.reply_headers)
    rows += _body_rows("reply body", d.reply_body)
    return rows


class DiffDialog(QDialog):
    """`left` against `right` (e.g. attempt 1 against attempt 4 of one request_id)."""

    def __init__(self, left: Exchange, right: Exchange, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.left, self.right = left, right
        self.diff = diff_exchanges(left, right)
        self.rows = diff_rows(self.diff)
        self.setWindowTitle(f"Diff #{left.id} ↔ #{right.id}")
        self.resize(900, 560)
        layout = QVBoxLayout(self)
        n = len(self.rows)
        self.summary = plain_label(
            f"#{left.id} {left.method} {left.target} (attempt {left.attempt})  ↔  "
            f"#{right.id} {right.method} {right.target} (attempt {right.attempt})\n"
            + ("No differences." if self.diff.same else f"{n} difference{'s' if n != 1 else ''}"),
            self,
        )
        layout.addWidget(self.summary)
        self.model = QStandardItemModel(0, 5, self)
        self.model.setHorizontalHeaderLabels(
            ["Part", "Field / path", "Change", f"#{left.id}", f"#{right.id}"]
        )
        table_rows = []
        for part, name, change, old, new in self.rows:
            cells = [
                item(part, tooltip=part),
                item(name, tooltip=name, mono=True),
                item(_MARK[change], tooltip=_MARK[change]),
                item(old[:DIFF_VALUE_CHARS], tooltip=old[:4000], mono=True),
                item(new[:DIFF_VALUE_CHARS], tooltip=new[:4000], mono=True),
            ]
            cells[2].setForeground(QBrush(QColor(_COLOUR[change])))
            table_rows.append(cells)
        set_rows(self.model, table_rows)
        self.table = table_view(self.model, self)
        self.table.setFont(mono_font())
        # A field path's end names the field (results.channels[0].alternatives[0].transcript):
        # cut in the middle; every cell's whole text is its tooltip.
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setAccessibleName("Differences")
        for col, width in enumerate((110, 260, 90, 190)):
            self.table.setColumnWidth(col, width)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
