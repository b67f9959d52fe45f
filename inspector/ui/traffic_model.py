"""The traffic list's model: light rows of `Exchange`, appended in batches, flat or grouped.

The window drains the engine's queue on a timer and hands each batch to `apply_events`,
which does one `beginInsertRows/endInsertRows` for all new top-level rows (and one per group
that got new attempts) and one `dataChanged` per updated row; no per-request signal storm
(DESIGN.md). Grouped by request_id, the attempts of one callback sit under one node whose
status reads "3 attempts, delivered".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase

from ..core.events import Event, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from ..core.records import Exchange, ExchangeKind

COLUMNS = ("Time", "Method", "Path", "Status", "Size", "request_id", "Attempt", "dg-token")
COL_TIME, COL_METHOD, COL_PATH, COL_STATUS, COL_SIZE, COL_REQUEST_ID, COL_ATTEMPT, COL_TOKEN = (
    range(len(COLUMNS))
)
_NCOLS = len(COLUMNS)
SEARCH_BODY_LIMIT = 1024 * 1024  # bytes of a body the filter looks into
EXCHANGE_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex

# Colours only add to the text symbols (✓ ↪ ✗ …), never replace them.
_OK, _REDIRECT, _FAIL, _PENDING = "#2e8b57", "#b8860b", "#d0343a", "#6a7b8c"


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def short_id(value: str | None, keep: int = 8) -> str:
    """A uuid shortened for the list ("097de0cb…"); the full id is in the tooltip."""
    if not value:
        return ""
    return value if len(value) <= keep + 5 else value[:keep] + "…"


def status_text(x: Exchange) -> str:
    """Status as text with a symbol, so it never relies on colour alone."""
    if x.kind is ExchangeKind.WEBSOCKET and x.status == 101:
        if x.ws_end is None:
            return "101 open ⇄"
        code = x.ws_end.code
        mark = "✓" if code == 1000 else "✗"
        return f"closed {code} {mark}" if code is not None else "closed"
    if x.status is None:
        return "pending …"
    if x.status < 300:
        return f"{x.status} ✓"
    if x.status < 400:
        return f"{x.status} ↪"
    return f"{x.status} ✗"


def status_colour(x: Exchange) -> str:
    if x.kind is ExchangeKind.WEBSOCKET and x.status == 101:
        if x.ws_end is None:
            return _PENDING
        return _OK if x.ws_end.code == 1000 else _FAIL
    if x.status is None:
        return _PENDING
    if x.status < 300:
        return _OK
    if x.status < 400:
        return _REDIRECT
    return _FAIL


def search_text(x: Exchange) -> str:
    """Everything the filter box matches: path, method, status, request_id, headers, body."""
    parts = [
        x.target,
        x.method,
        "ws websocket" if x.kind is ExchangeKind.WEBSOCKET else "",
        status_text(x),
        str(x.status or ""),
        x.request_id or "",
        x.dg_token or "",
        x.note,
    ]
    parts += [f"{n}: {v}" for n, v in x.headers]
    parts.append(x.body[:SEARCH_BODY_LIMIT].decode("utf-8", errors="replace"))
    return "\n".join(parts).lower()


def row_data(
    x: Exchange,
    col: int,
    role: int,
    mono: QFont,
    group: tuple[Exchange, Callable[[], str], int] | None = None,
) -> Any:
    """What a list cell shows of `x`, for `role`: the one place both the live and the
    stored lists take their columns from. `group` is (first attempt, its summary when
    asked, attempts) when the row is a request_id's node (then `x` is its latest attempt)."""
    if role == Qt.ItemDataRole.DisplayRole:
        if group is not None:
            first, summary, count = group
            if col == COL_TIME:
                return display(first, col)
            if col == COL_STATUS:
                return summary()
            if col == COL_ATTEMPT:
                return str(count)
        return display(x, col)
    if role == EXCHANGE_ROLE:
        return x.id
    if role == Qt.ItemDataRole.ToolTipRole:
        if col == COL_PATH:
            return x.target
        if col == COL_STATUS:
            return x.note or (group[1]() if group else status_text(x))
        if col == COL_REQUEST_ID and x.request_id:
            return x.request_id
        if col == COL_TOKEN and x.dg_token:
            return f"dg-token {x.dg_token}: the identifier of the API key that submitted the job"
        return None
    if role == Qt.ItemDataRole.ForegroundRole and col == COL_STATUS:
        return QBrush(QColor(status_colour(x)))
    if role == Qt.ItemDataRole.FontRole and col in (COL_REQUEST_ID, COL_TOKEN):
        return mono
    if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_SIZE, COL_ATTEMPT):
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return None


def display(x: Exchange, col: int) -> str:
    """The text of column `col` for `x`."""
    if col == COL_TIME:
        return datetime.fromtimestamp(x.started).strftime("%H:%M:%S.%f")[:-3]
    if col == COL_METHOD:
        return "WS" if x.kind is ExchangeKind.WEBSOCKET else x.method
    if col == COL_PATH:
        return x.target
    if col == COL_STATUS:
        return status_text(x)
    if col == COL_SIZE:
        if x.kind is ExchangeKind.WEBSOCKET:
            return f"{x.ws_messages} msg"
        return size_text(x.body_size)
    if col == COL_REQUEST_ID:
        return short_id(x.request_id)
    if col == COL_ATTEMPT:
        return str(x.attempt) if x.kind is ExchangeKind.HTTP else ""
    if col == COL_TOKEN:
        return x.dg_token or ""
    return ""


def group_state(count: int, last: Exchange, outcome: str = "") -> str:
    """A request_id node's status text: "3 attempts, delivered"."""
    if outcome:
        state = outcome.replace("_", " ")
    elif last.status is None:
        state = "pending"
    elif 200 <= last.status < 300:
        state = "delivered"
    else:
        state = "failing"
    return f"{count} attempt{'s' if count != 1 else ''}, {state}"


@dataclass
class _Group:
    """One top-level row when grouped: all attempts of a request_id, or a lone exchange."""

    key: str
    request_id: str | None
    members: list[int] = field(default_factory=list)  # exchange ids, arrival order


class TrafficModel(QAbstractItemModel):
    """Flat list (every exchange a top-level row) or grouped by request_id (two levels)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Exchange] = []
        self._row_of: dict[int, int] = {}
        self._search: dict[int, str] = {}
        self._grouped = False
        self._groups: list[_Group] = []
        self._group_row: dict[str, int] = {}
        self._outcomes: dict[str, str] = {}  # request_id -> emulator's job outcome
        self._mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

    # -- structure ----------------------------------------------------------------------
    @property
    def grouped(self) -> bool:
        return self._grouped

    def set_grouped(self, grouped: bool) -> None:
        if grouped == self._grouped:
            return
        self.beginResetModel()
        self._grouped = grouped
        self._rebuild_groups()
        self.endResetModel()

    def _rebuild_groups(self) -> None:
        self._groups.clear()
        self._group_row.clear()
        for x in self._rows:
            self._place(x)

    @staticmethod
    def _group_key(x: Exchange) -> tuple[str, str | None]:
        if x.kind is ExchangeKind.HTTP and x.request_id:
            return f"id:{x.request_id}", x.request_id
        return f"x:{x.id}", None

    def _place(self, x: Exchange) -> tuple[int, bool]:
        """Put `x` in its group; (group row, whether the group is new)."""
        key, request_id = self._group_key(x)
        row = self._group_row.get(key)
        if row is None:
            row = len(self._groups)
            self._groups.append(_Group(key, request_id, [x.id]))
            self._group_row[key] = row
            return row, True
        self._groups[row].members.append(x.id)
        return row, False

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self._grouped:  # the common case, first: the view calls this per row per layout
            if 0 <= row < len(self._rows) and 0 <= column < _NCOLS and not parent.isValid():
                return self.createIndex(row, column, 0)
            return QModelIndex()
        if row < 0 or column < 0 or column >= len(COLUMNS):
            return QModelIndex()
        if not parent.isValid():
            if row >= self.rowCount():
                return QModelIndex()
            return self.createIndex(row, column, 0)
        if self._grouped and parent.internalId() == 0:
            if row >= self.rowCount(parent):
                return QModelIndex()
            return self.createIndex(row, column, parent.row() + 1)
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups) if self._grouped else len(self._rows)
        if self._grouped and parent.internalId() == 0 and parent.column() == 0:
            group = self._groups[parent.row()]
            return len(group.members) if group.request_id else 0
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if not self._grouped:
            return not parent.isValid() and bool(self._rows)
        return self.rowCount(parent) > 0

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    # -- what a row is --------------------------------------------------------------------
    def exchange(self, exchange_id: int) -> Exchange | None:
        row = self._row_of.get(exchange_id)
        return self._rows[row] if row is not None else None

    def exchanges(self) -> list[Exchange]:
        return list(self._rows)

    def exchange_count(self) -> int:
        """Every exchange of the list, filter or not."""
        return len(self._rows)

    def group_at(self, index: Index) -> _Group | None:
        """The group of a top-level row in grouped mode (None otherwise)."""
        if not self._grouped or not index.isValid() or index.internalId() != 0:
            return None
        return self._groups[index.row()]

    def exchange_at(self, index: Index) -> Exchange:
        """The exchange a row shows; a group row shows its latest attempt."""
        if not self._grouped:
            return self._rows[index.row()]
        if index.internalId() == 0:
            group = self._groups[index.row()]
            return self._rows[self._row_of[group.members[-1]]]
        group = self._groups[index.internalId() - 1]
        return self._rows[self._row_of[group.members[index.row()]]]

    def index_of(self, exchange_id: int) -> QModelIndex:
        """The row of an exchange (a child row when grouped under a request_id)."""
        if exchange_id not in self._row_of:
            return QModelIndex()
        if not self._grouped:
            return self.index(self._row_of[exchange_id], 0)
        for g_row, group in enumerate(self._groups):
            if exchange_id in group.members:
                top = self.index(g_row, 0)
                if group.request_id is None:
                    return top
                return self.index(group.members.index(exchange_id), 0, top)
        return QModelIndex()

    def group_summary(self, group: _Group) -> str:
        xs = [self._rows[self._row_of[i]] for i in group.members]
        n = len(xs)
        if all(x.view.message_type for x in xs):
            return f"{n} message{'s' if n != 1 else ''}"
        return group_state(n, xs[-1], self._outcomes.get(group.request_id or "") or "")

    def set_outcome(self, request_id: str, outcome: str) -> None:
        """The emulator's final word on a job (delivered, gave_up, cancelled)."""
        self._outcomes[request_id] = outcome
        if self._grouped:
            row = self._group_row.get(f"id:{request_id}")
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def search_text_of(self, exchange_id: int) -> str:
        text = self._search.get(exchange_id)
        if text is None:
            x = self.exchange(exchange_id)
            text = search_text(x) if x is not None else ""
            self._search[exchange_id] = text
        return text

    def matches(self, index: Index, needle: str) -> bool:
        """Whether the filter text (lower case) matches this row."""
        group = self.group_at(index)
        if group is not None and group.request_id:
            return needle in group.request_id.lower()
        x = self.exchange_at(index)
        return needle in self.search_text_of(x.id)

    # -- data -----------------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        x = self.exchange_at(index)
        group = self.group_at(index)
        if group is not None and group.request_id is None:
            group = None  # a lone exchange shows as itself
        cell = None
        if group is not None:
            first = self._rows[self._row_of[group.members[0]]]
            cell = (first, partial(self.group_summary, group), len(group.members))
        return row_data(x, index.column(), role, self._mono, cell)

    # -- feeding --------------------------------------------------------------------------
    def apply_events(self, events: Sequence[Event]) -> int:
        """Apply one batch; returns how many exchanges were added."""
        new: list[Exchange] = []
        pending_new: dict[int, int] = {}
        changed: set[int] = set()  # exchange ids
        for event in events:
            if isinstance(event, ExchangeAdded):
                pending_new[event.exchange.id] = len(new)
                new.append(event.exchange)
            elif isinstance(event, ExchangeUpdated | WsMessageAdded):
                if isinstance(event, ExchangeUpdated):
                    xid = event.exchange.id
                    updated: Exchange | None = event.exchange
                else:
                    xid = event.message.exchange_id
                    updated = None
                if xid in pending_new:
                    old = new[pending_new[xid]]
                    new[pending_new[xid]] = updated or replace(old, ws_messages=old.ws_messages + 1)
                elif xid in self._row_of:
                    row = self._row_of[xid]
                    old = self._rows[row]
                    self._rows[row] = updated or replace(old, ws_messages=old.ws_messages + 1)
                    if updated is not None:
                        self._search.pop(xid, None)
                    changed.add(xid)
        if new:
            self._insert(new)
        for xid in changed:
            self._emit_changed(xid)
        return len(new)

    def append_exchanges(self, xs: list[Exchange]) -> None:
        """Add rows with new ids in one insert."""
        if xs:
            self._insert(xs)

    def _insert(self, new: list[Exchange]) -> None:
        first = len(self._rows)
        if not self._grouped:
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self._append_rows(new)
            self.endInsertRows()
            return
        # Grouped: new groups in one insert at the top level; attempts of existing groups in
        # one insert per group. Existing groups first (their rows do not move).
        old_count = len(self._groups)
        into_existing: dict[int, list[Exchange]] = {}
        fresh: list[Exchange] = []
        fresh_keys: set[str] = set()
        for x in new:
            key, _ = self._group_key(x)
            row = self._group_row.get(key)
            if row is not None and row < old_count:
                into_existing.setdefault(row, []).append(x)
            else:
                fresh.append(x)
                fresh_keys.add(key)
        for row, xs in into_existing.items():
            top = self.index(row, 0)
            count = len(self._groups[row].members)
            self.beginInsertRows(top, count, count + len(xs) - 1)
            self._append_rows(xs)
            for x in xs:
                self._place(x)
            self.endInsertRows()
            self.dataChanged.emit(top, self.index(row, len(COLUMNS) - 1))
        if fresh:
            groups_after = old_count + len(fresh_keys)
            self.beginInsertRows(QModelIndex(), old_count, groups_after - 1)
            self._append_rows(fresh)
            for x in fresh:
                self._place(x)
            self.endInsertRows()

    def _append_rows(self, xs: list[Exchange]) -> None:
        for x in xs:
            self._row_of[x.id] = len(self._rows)
            self._rows.append(x)

    def _emit_changed(self, exchange_id: int) -> None:
        index = self.index_of(exchange_id)
        if not index.isValid():
            return
        last = index.siblingAtColumn(len(COLUMNS) - 1)
        self.dataChanged.emit(index, last)
        if index.parent().isValid():
            parent = index.parent()
            self.dataChanged.emit(parent, parent.siblingAtColumn(len(COLUMNS) - 1))

    def clear(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._row_of.clear()
        self._search.clear()
        self._groups.clear()
        self._group_row.clear()
        self._outcomes.clear()
        self.endResetModel()


class TrafficFilter(QSortFilterProxyModel):
    """The filter box over the live list: a case-insensitive substring over path, method,
    status, request_id, header values and body text. A group is shown when its request_id
    or any attempt matches (a matching group shows all its attempts). (A stored session's
    list filters itself, in SQL: `stored_model`.)"""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)

    @property
    def needle(self) -> str:
        return self._needle

    def set_needle(self, text: str) -> None:
        needle = text.strip().lower()
        if needle == self._needle:
            return
        self.beginFilterChange()
        self._needle = needle
        self.endFilterChange()

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        # The view asks this of every row on every layout; flat, the answer needs no mapping
        # to the source (which costs two calls into Python per row).
        model = self.sourceModel()
        if isinstance(model, TrafficModel) and not model.grouped:
            return not parent.isValid() and self.rowCount() > 0
        return super().hasChildren(parent)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._needle:
            return True
        model = self.sourceModel()
        assert isinstance(model, TrafficModel)
        index = model.index(source_row, 0, source_parent)
        return index.isValid() and model.matches(index, self._needle)

    def shown_exchanges(self) -> int:
        """How many exchanges (attempts, not groups) are visible through the filter."""
        total = 0
        for row in range(self.rowCount()):
            total += self.rowCount(self.index(row, 0)) or 1
        return total
