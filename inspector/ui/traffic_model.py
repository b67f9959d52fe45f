"""The traffic list's model: light rows of `Exchange`, appended in batches.

The window drains the engine's queue on a timer and hands each batch to `apply_events`,
which does one `beginInsertRows/endInsertRows` for all new rows and one `dataChanged` per
updated row; no per-request signal storm (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ..core.events import Event, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from ..core.records import Exchange, ExchangeKind

COLUMNS = ("Time", "Method", "Path", "Status", "Size", "request_id", "Attempt", "dg-token")

Index = QModelIndex | QPersistentModelIndex


def _size_text(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def status_text(x: Exchange) -> str:
    """Status as text with a word, so it never relies on colour alone."""
    if x.kind is ExchangeKind.WEBSOCKET and x.status == 101:
        if x.ws_end is None:
            return "101 open"
        return f"closed {x.ws_end.code}" if x.ws_end.code is not None else "closed"
    if x.status is None:
        return "pending"
    if x.status < 300:
        return f"{x.status} ✓"
    if x.status < 400:
        return f"{x.status} ↪"
    return f"{x.status} ✗"


class TrafficModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Exchange] = []
        self._row_of: dict[int, int] = {}

    # -- Qt model API -------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        x = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(x, col)
        if role == Qt.ItemDataRole.ToolTipRole and col == 2:
            return x.target
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (4, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _display(x: Exchange, col: int) -> str:
        if col == 0:
            return datetime.fromtimestamp(x.started).strftime("%H:%M:%S.%f")[:-3]
        if col == 1:
            return "WS" if x.kind is ExchangeKind.WEBSOCKET else x.method
        if col == 2:
            return x.target
        if col == 3:
            return status_text(x)
        if col == 4:
            if x.kind is ExchangeKind.WEBSOCKET:
                return f"{x.ws_messages} msg"
            return _size_text(x.body_size)
        if col == 5:
            return x.request_id or ""
        if col == 6:
            return str(x.attempt) if x.kind is ExchangeKind.HTTP else ""
        if col == 7:
            return x.dg_token or ""
        return ""

    # -- feeding ------------------------------------------------------------------------
    def exchange_at(self, row: int) -> Exchange:
        return self._rows[row]

    def apply_events(self, events: Sequence[Event]) -> int:
        """Apply one batch; returns how many rows were added."""
        new: list[Exchange] = []
        pending_new: dict[int, int] = {}
        changed: set[int] = set()
        for event in events:
            if isinstance(event, ExchangeAdded):
                pending_new[event.exchange.id] = len(new)
                new.append(event.exchange)
            elif isinstance(event, ExchangeUpdated):
                x = event.exchange
                if x.id in pending_new:
                    new[pending_new[x.id]] = x
                elif x.id in self._row_of:
                    row = self._row_of[x.id]
                    self._rows[row] = x
                    changed.add(row)
            elif isinstance(event, WsMessageAdded):
                xid = event.message.exchange_id
                if xid in pending_new:
                    x = new[pending_new[xid]]
                    new[pending_new[xid]] = _with_message_count(x)
                elif xid in self._row_of:
                    row = self._row_of[xid]
                    self._rows[row] = _with_message_count(self._rows[row])
                    changed.add(row)
        if new:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, x in enumerate(new):
                self._row_of[x.id] = first + offset
            self._rows.extend(new)
            self.endInsertRows()
        for row in sorted(changed):
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        return len(new)

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._row_of.clear()
        self.endResetModel()


def _with_message_count(x: Exchange) -> Exchange:
    return replace(x, ws_messages=x.ws_messages + 1)
