"""The traffic list's model: light rows of `Exchange`, appended in batches, flat or grouped.

The window drains the engine's queue on a timer and hands each batch to `apply_events`,
which makes one `rowsInserted` for all new top-level rows (and one per group that got new
attempts) and one `dataChanged` per updated row; no per-request signal storm (DESIGN.md).
The views walk the model's shape without calling Python (`TrafficModel`). Grouped by
request_id, the attempts of one callback sit under one node whose status reads
"3 attempts, delivered".
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
from PySide6.QtGui import QBrush, QColor, QFont, QFontDatabase, QStandardItem, QStandardItemModel

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
_BRUSHES: dict[str, QBrush] = {}
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


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
        colour = status_colour(x)
        brush = _BRUSHES.get(colour)
        if brush is None:
            brush = _BRUSHES[colour] = QBrush(QColor(colour))
        return brush
    if role == Qt.ItemDataRole.FontRole and col in (COL_REQUEST_ID, COL_TOKEN):
        return mono
    if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_SIZE, COL_ATTEMPT):
        return _RIGHT
    return None


_TIP, _FG, _FONT, _ALIGN = (
    int(Qt.ItemDataRole.ToolTipRole),
    int(Qt.ItemDataRole.ForegroundRole),
    int(Qt.ItemDataRole.FontRole),
    int(Qt.ItemDataRole.TextAlignmentRole),
)


def row_cells(x: Exchange, mono: QFont) -> list[dict[int, Any]]:
    """Every cell of a row showing `x` (not a request_id's node) at once, by role: what
    `row_data` answers one role at a time (tests hold the two to the same answers), built
    in one pass because the live list builds one for every row it paints."""
    token = x.dg_token
    cells: list[dict[int, Any]] = [
        {_DISPLAY: text, EXCHANGE_ROLE: x.id} for text in _texts(x, token)
    ]
    cells[COL_PATH][_TIP] = x.target
    cells[COL_STATUS][_TIP] = x.note or status_text(x)
    colour = status_colour(x)
    brush = _BRUSHES.get(colour)
    if brush is None:
        brush = _BRUSHES[colour] = QBrush(QColor(colour))
    cells[COL_STATUS][_FG] = brush
    if x.request_id:
        cells[COL_REQUEST_ID][_TIP] = x.request_id
    if token:
        cells[COL_TOKEN][_TIP] = (
            f"dg-token {token}: the identifier of the API key that submitted the job"
        )
    cells[COL_REQUEST_ID][_FONT] = cells[COL_TOKEN][_FONT] = mono
    cells[COL_SIZE][_ALIGN] = cells[COL_ATTEMPT][_ALIGN] = _RIGHT
    return cells


def _texts(x: Exchange, token: str | None) -> list[str]:
    """`display(x, col)` for every column, in order."""
    ws = x.kind is ExchangeKind.WEBSOCKET
    return [
        datetime.fromtimestamp(x.started).strftime("%H:%M:%S.%f")[:-3],
        "WS" if ws else x.method,
        x.target,
        status_text(x),
        f"{x.ws_messages} msg" if ws else size_text(x.body_size),
        short_id(x.request_id),
        "" if ws else str(x.attempt),
        token or "",
    ]


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


_ROLES = frozenset(
    int(r)
    for r in (
        Qt.ItemDataRole.DisplayRole,
        EXCHANGE_ROLE,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.FontRole,
        Qt.ItemDataRole.TextAlignmentRole,
    )
)
_Node = tuple[Exchange, Callable[[], str], int]  # a request_id node: first, summary, count
CELL_CACHE = 4096  # rows whose cells are kept (a few screens' worth, repainted often)


class TrafficModel(QStandardItemModel):
    """Flat list (every exchange a top-level row) or grouped by request_id (two levels).

    The shape the views walk on every layout (row counts, indexes, parents, flags) is that
    of a `QStandardItemModel` without items, as in `stored_model`: only request_id nodes
    have an item, to hold their attempts. So laying out or filtering-through-the-proxy a
    list of any length never calls into Python; `data()` alone is Python, and the view asks
    it for the rows on screen. Rows are added with `setRowCount` (one `rowsInserted` per
    batch at the top level) and attempts under a node with the node's `setRowCount`.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(0, _NCOLS, parent)
        self._rows: list[Exchange] = []
        self._row_of: dict[int, int] = {}
        self._search: dict[int, str] = {}
        # exchange id -> per column, what the cell shows ({role: value}), for recent rows
        self._cells: dict[int, list[dict[int, Any]]] = {}
        self._grouped = False
        self._groups: list[_Group] = []
        self._group_row: dict[str, int] = {}
        self._where: dict[int, tuple[int, int]] = {}  # exchange id -> (group row, position)
        self._outcomes: dict[str, str] = {}  # request_id -> emulator's job outcome
        self._mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)

    # -- structure ----------------------------------------------------------------------
    @property
    def grouped(self) -> bool:
        return self._grouped

    def set_grouped(self, grouped: bool) -> None:
        if grouped == self._grouped:
            return
        self._grouped = grouped
        self._rebuild_groups()
        self._reset_shape()

    def _rebuild_groups(self) -> None:
        self._groups.clear()
        self._group_row.clear()
        self._where.clear()
        for x in self._rows:
            self._place(x)

    def _reset_shape(self) -> None:
        """Make the item-less shape match the rows, in one reset."""
        self.beginResetModel()
        self.blockSignals(True)
        try:
            self.setRowCount(0)
            if self._grouped:
                self.setRowCount(len(self._groups))
                for g, group in enumerate(self._groups):
                    if group.request_id:
                        self.setItem(g, 0, _node(len(group.members)))
            else:
                self.setRowCount(len(self._rows))
        finally:
            self.blockSignals(False)
        self.endResetModel()

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
            self._where[x.id] = (row, 0)
            return row, True
        members = self._groups[row].members
        self._where[x.id] = (row, len(members))
        members.append(x.id)
        return row, False

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
        if not self._grouped or not index.isValid() or index.parent().isValid():
            return None
        return self._groups[index.row()]

    def exchange_at(self, index: Index) -> Exchange:
        """The exchange a row shows; a group row shows its latest attempt."""
        if not self._grouped:
            return self._rows[index.row()]
        parent = index.parent()
        if not parent.isValid():
            group = self._groups[index.row()]
            return self._rows[self._row_of[group.members[-1]]]
        group = self._groups[parent.row()]
        return self._rows[self._row_of[group.members[index.row()]]]

    def index_of(self, exchange_id: int) -> QModelIndex:
        """The row of an exchange (a child row when grouped under a request_id)."""
        if exchange_id not in self._row_of:
            return QModelIndex()
        if not self._grouped:
            return self.index(self._row_of[exchange_id], 0)
        g_row, at = self._where[exchange_id]
        top = self.index(g_row, 0)
        if self._groups[g_row].request_id is None:
            return top
        return self.index(at, 0, top)

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
                self.dataChanged.emit(self.index(row, 0), self.index(row, _NCOLS - 1))

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
    def _shown(self, index: Index) -> tuple[Exchange, _Node | None]:
        """The exchange a row shows, and its node's cells when it is a request_id's node."""
        if not self._grouped:
            return self._rows[index.row()], None
        parent = index.parent()
        if parent.isValid():
            group = self._groups[parent.row()]
            return self._rows[self._row_of[group.members[index.row()]]], None
        group = self._groups[index.row()]
        x = self._rows[self._row_of[group.members[-1]]]
        if group.request_id is None:  # a lone exchange shows as itself
            return x, None
        first = self._rows[self._row_of[group.members[0]]]
        return x, (first, partial(self.group_summary, group), len(group.members))

    def _values(self, x: Exchange, node: _Node | None, col: int) -> dict[int, Any]:
        """What cell `col` of a row showing `x` shows, by role; kept for the rows shown
        lately (the list repaints them on every tick that adds rows)."""
        if node is not None:  # a request_id's node: its summary changes with its attempts
            return self._cell(x, col, node)
        cells = self._cells.get(x.id)
        if cells is None:
            if len(self._cells) >= CELL_CACHE:
                self._cells.clear()
            cells = row_cells(x, self._mono)
            self._cells[x.id] = cells
        return cells[col]

    def _cell(self, x: Exchange, col: int, node: _Node | None) -> dict[int, Any]:
        values = {}
        for role in _ROLES:
            value = row_data(x, col, role, self._mono, node)
            if value is not None:
                values[role] = value
        return values

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():  # most roles the delegate asks: none
            return None
        x, node = self._shown(index)
        return self._values(x, node, index.column()).get(role)

    def multiData(self, index: Index, roleDataSpan: Any) -> None:
        """Every role the delegate asks of a cell, in one call (Qt's default asks `data()`
        once per role: seven calls into Python per cell per paint, each one taking the GIL
        from the engine thread). The delegate reuses its span from cell to cell, so every
        role is set or cleared."""
        if not index.isValid():
            for cell in roleDataSpan:
                cell.clearData()
            return
        x, node = self._shown(index)
        values = self._values(x, node, index.column())
        for cell in roleDataSpan:
            value = values.get(cell.role())
            if value is None:
                cell.clearData()
            else:
                cell.setData(value)

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
                    self._cells.pop(xid, None)
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
        if not self._grouped:
            self._append_rows(new)
            self.setRowCount(len(self._rows))  # one rowsInserted for the batch
            return
        # Grouped: attempts of existing groups in one insert per group (their rows do not
        # move), then new groups at the top level in one insert per run of the same kind.
        old_count = len(self._groups)
        into_existing: dict[int, list[Exchange]] = {}
        fresh: list[Exchange] = []
        for x in new:
            row = self._group_row.get(self._group_key(x)[0])
            if row is not None and row < old_count:
                into_existing.setdefault(row, []).append(x)
            else:
                fresh.append(x)
        for row, xs in into_existing.items():
            self._append_rows(xs)
            for x in xs:
                self._place(x)
            node = self.item(row, 0)
            node.setRowCount(len(self._groups[row].members))
            self.dataChanged.emit(self.index(row, 0), self.index(row, _NCOLS - 1))
        if fresh:
            self._append_rows(fresh)
            for x in fresh:
                self._place(x)
            self._add_group_rows(old_count)

    def _add_group_rows(self, start: int) -> None:
        """Top-level rows for the groups from `start` on: lone exchanges without items, a
        run of request_id nodes inserted with theirs."""
        root = self.invisibleRootItem()
        total = len(self._groups)
        g = start
        while g < total:
            keyed = self._groups[g].request_id is not None
            end = g
            while end < total and (self._groups[end].request_id is not None) == keyed:
                end += 1
            if keyed:
                root.insertRows(g, [_node(len(self._groups[k].members)) for k in range(g, end)])
            else:
                self.setRowCount(end)
            g = end

    def _append_rows(self, xs: list[Exchange]) -> None:
        for x in xs:
            self._row_of[x.id] = len(self._rows)
            self._rows.append(x)

    def _emit_changed(self, exchange_id: int) -> None:
        index = self.index_of(exchange_id)
        if not index.isValid():
            return
        last = index.siblingAtColumn(_NCOLS - 1)
        self.dataChanged.emit(index, last)
        parent = index.parent()
        if parent.isValid():
            self.dataChanged.emit(parent, parent.siblingAtColumn(_NCOLS - 1))

    def clear(self) -> None:
        self._rows.clear()
        self._row_of.clear()
        self._search.clear()
        self._cells.clear()
        self._groups.clear()
        self._group_row.clear()
        self._where.clear()
        self._outcomes.clear()
        self._reset_shape()


def _node(rows: int) -> QStandardItem:
    """A request_id's node: an item only to hold its attempts' (item-less) rows."""
    node = QStandardItem()
    node.setColumnCount(_NCOLS)
    node.setRowCount(rows)
    return node


class TrafficFilter(QSortFilterProxyModel):
    """The filter box over the live list: a case-insensitive substring over path, method,
    status, request_id, header values and body text. A group is shown when its request_id
    or any attempt matches (a matching group shows all its attempts). (A stored session's
    list filters itself, in SQL: `stored_model`.)"""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self._traffic: TrafficModel | None = None
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

    def multiData(self, index: Index, roleDataSpan: Any) -> None:
        # Qt's proxy answers `multiData` with one `data()` per role, each mapped to the
        # source: one call into Python per cell instead (`TrafficModel.multiData`).
        model = self._traffic
        if model is not None:
            model.multiData(self.mapToSource(index), roleDataSpan)
        else:
            super().multiData(index, roleDataSpan)

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        self._traffic = model if isinstance(model, TrafficModel) else None
        super().setSourceModel(model)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._needle:
            return True
        model = self.sourceModel()
        assert isinstance(model, TrafficModel)
        index = model.index(source_row, 0, source_parent)
        return index.isValid() and model.matches(index, self._needle)

    def shown_exchanges(self) -> int:
        """How many exchanges (attempts, not groups) are visible through the filter."""
        model = self.sourceModel()
        if isinstance(model, TrafficModel) and not model.grouped:
            return self.rowCount()  # flat: a row is an exchange
        total = 0
        for row in range(self.rowCount()):
            total += self.rowCount(self.index(row, 0)) or 1
        return total
