"""The Body tab: a request or reply body as a JSON tree, pretty JSON or raw bytes / hex.

The tree is collapsible, with each value's type as JSON names it (`number`, `string`,
`array [3]`, `object {2}`) and every cell's whole text in its tooltip. Pretty and Raw are
`CodeView`s: line numbers, wrap on or off (remembered), JSON in colour. A body the receiver
refused keeps only its first bytes: the line above the views says how many of how many.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, QSettings, Qt
from PySide6.QtGui import QGuiApplication, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..core.exchange_display import size_text
from ..core.records import Exchange
from .body_format import (
    json_preview,
    json_scalar_text,
    json_type,
    parse_json,
    pretty_text,
    raw_text,
)
from .code_view import CodeView
from .widgets import item, plain_label

JSON_TREE_MAX_ITEMS = 20_000  # a huge transcript is still readable in Pretty/Raw
TOOLTIP_CHARS = 4000  # of a value shown in its tooltip
PATH_ROLE = Qt.ItemDataRole.UserRole + 7  # a node's path, as jq writes it (.results.channels[0])
VALUE_ROLE = Qt.ItemDataRole.UserRole + 8  # the parsed value itself, for Copy value
WRAP_SETTING = "view/body_wrap"


def _path_step(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    plain = key.isidentifier()
    return f"{parent}.{key}" if plain else f'{parent}["{key}"]'


def json_tree_items(
    value: Any, parent: QStandardItem | QStandardItemModel, budget: list[int], path: str = ""
) -> None:
    """Append (key, value, type) rows for `value` under `parent`; stops when budget runs out."""
    entries: list[tuple[str, str, Any]]
    if isinstance(value, dict):
        entries = [(str(k), _path_step(path, str(k)), v) for k, v in value.items()]
    elif isinstance(value, list):
        entries = [(f"[{i}]", _path_step(path, i), v) for i, v in enumerate(value)]
    else:
        return
    for key, child_path, child in entries:
        if budget[0] <= 0:
            parent.appendRow([item("…"), item("(tree truncated; see Pretty)"), item("")])
            return
        budget[0] -= 1
        container = isinstance(child, dict | list)
        text = json_preview(child) if container else json_scalar_text(child)
        tip = text if container else text[:TOOLTIP_CHARS]
        row = [
            item(key, tooltip=f"{child_path or '.'}"),
            item(text, tooltip=tip, mono=True),
            item(json_type(child)),
        ]
        row[0].setData(child_path or ".", PATH_ROLE)
        row[0].setData(child, VALUE_ROLE)
        parent.appendRow(row)
        if container:
            json_tree_items(child, row[0], budget, child_path)


def body_summary(x: Exchange | None, reply: bool) -> str:
    """ "1.2 KB, JSON" / "first 1.0 KB of 1.2 MB kept (refused) — not JSON"."""
    if x is None:
        return ""
    data = x.reply_body if reply else x.body
    ok, _value = parse_json(data)
    kind = "JSON" if ok else ("empty" if not data else "not JSON")
    if not reply and x.body_size > len(x.body):
        if not data:
            return f"{size_text(x.body_size)} arrived; none of it was kept ({x.note or 'refused'})"
        return (
            f"first {size_text(len(data))} of {size_text(x.body_size)} kept, the rest was cut "
            f"({x.note or 'refused'}); {kind}"
        )
    if not reply and x.status == 413 and x.note:  # refused, but small enough to keep whole
        return f"{size_text(len(data))}, {kind}; refused ({x.note})"
    return f"{size_text(len(data))}, {kind}"


class BodyTab(QWidget):
    """Request or reply body as a JSON tree, pretty text, or raw (hex for binary)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.which = QComboBox(self)
        self.which.addItems(["Request body", "Reply body"])
        self.which.setToolTip("Show the body that arrived, or the one the receiver answered")
        self.which.setAccessibleName("Which body")
        self.which.currentIndexChanged.connect(self._render)
        self.info = plain_label("", self, wrap=True)
        self.info.setAccessibleName("Body size and kind")
        self.wrap = QCheckBox("Wrap lines", self)
        self.wrap.setToolTip("Wrap long lines in Pretty and Raw / hex")
        self.wrap.setAccessibleName("Wrap lines")
        self.wrap.toggled.connect(self._set_wrap)
        top.addWidget(self.which)
        top.addWidget(self.info, 1)
        top.addWidget(self.wrap)
        layout.addLayout(top)
        self.views = QTabWidget(self)
        self.views.setAccessibleName("Body views")
        self.tree_model = QStandardItemModel(0, 3, self)
        self.tree_model.setHorizontalHeaderLabels(["Key", "Value", "Type"])
        self.tree = QTreeView(self)
        self.tree.setModel(self.tree_model)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.tree.setToolTip("The JSON body as a collapsible tree; right-click to copy")
        self.tree.setAccessibleName("JSON tree")
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.pretty = CodeView(self, "No body.")
        self.pretty.setToolTip("JSON indented and in colour; other text as received")
        self.pretty.setAccessibleName("Pretty body")
        self.raw = CodeView(self, "No body.")
        self.raw.setToolTip("The bytes as received; binary bodies as a hex dump")
        self.raw.setAccessibleName("Raw body")
        self.views.addTab(self.tree, "Tree")
        self.views.addTab(self.pretty, "Pretty")
        self.views.addTab(self.raw, "Raw / hex")
        layout.addWidget(self.views)
        self._x: Exchange | None = None

    # -- remembered choice -------------------------------------------------------------
    def load_settings(self, s: QSettings) -> None:
        self.wrap.setChecked(str(s.value(WRAP_SETTING, "false")).lower() == "true")

    def save_settings(self, s: QSettings) -> None:
        s.setValue(WRAP_SETTING, self.wrap.isChecked())

    def _set_wrap(self, on: bool) -> None:
        self.pretty.set_wrap(on)
        self.raw.set_wrap(on)

    # -- content -----------------------------------------------------------------------
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
        self.info.setText(body_summary(self._x, self.which.currentIndex() == 1))
        self.tree_model.removeRows(0, self.tree_model.rowCount())
        if ok and isinstance(value, dict | list):
            json_tree_items(value, self.tree_model, [JSON_TREE_MAX_ITEMS])
            self.tree.expandToDepth(0)
            self.tree.resizeColumnToContents(0)
            self.tree.resizeColumnToContents(2)
        self.pretty.show_text(pretty_text(data), json=ok)
        self.raw.show_text(raw_text(data))
        if not ok and self.views.currentWidget() is self.tree:
            self.views.setCurrentWidget(self.pretty)

    # -- the tree's right-click menu --------------------------------------------------
    def tree_actions(self, index: QModelIndex) -> list[tuple[str, Any]]:
        key = index.siblingAtColumn(0)
        value = key.data(VALUE_ROLE)
        text = (
            json.dumps(value, indent=2, ensure_ascii=False)
            if isinstance(value, dict | list)
            else json_scalar_text(value)
        )
        path = key.data(PATH_ROLE) or ""
        clipboard = QGuiApplication.clipboard()
        return [
            ("Copy value", lambda: clipboard.setText(text)),
            ("Copy path", lambda: clipboard.setText(str(path))),
            ("Expand all below", lambda: self.tree.expandRecursively(key)),
            ("Expand all", self.tree.expandAll),
            ("Collapse all", self.tree.collapseAll),
        ]

    def _tree_menu(self, pos: QPoint) -> None:
        index = self.tree.indexAt(pos)
        if not index.isValid():
            return
        menu = QMenu(self)
        for text, action in self.tree_actions(index):
            menu.addAction(text).triggered.connect(action)
        menu.exec(self.tree.viewport().mapToGlobal(pos))
