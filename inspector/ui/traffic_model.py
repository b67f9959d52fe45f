"""The traffic list's model: light rows of `Exchange`, appended in batches, flat or grouped.

The window drains the engine's queue on a timer and hands each batch to `apply_events`,
which makes one `rowsInserted` for all new top-level rows (and one per group that got new
attempts) and one `dataChanged` per updated row; no per-request signal storm (DESIGN.md).
The views walk the model's shape without calling Python (`TrafficModel`). Grouped by
request_id, the attempts of one callback sit under one node whose status reads
"3 attempts, delivered". The filter box's proxy over it is `ui/traffic_filter.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    Qt,
)
from PySide6.QtGui import QFontDatabase, QStandardItem, QStandardItemModel

from ..core.columns import COLUMNS
from ..core.events import Event, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from ..core.exchange_display import (
    GroupSummary,
    group_key,
    search_texts,
)
from ..core.records import Exchange
from ..core.row_expr import Pred
from ..core.row_python import compile_python
from .list_cells import (
    EXCHANGE_ROLE,
    Index,
    cell_roles,
    fill_span,
    header_data,
    row_cells,
)
from .live_rows import LiveRows

_NCOLS = len(COLUMNS)


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
CELL_CACHE = 4096  # rows whose cells are kept (a few screens' worth, repainted often)
SEARCH_CACHE = 65_536  # rows whose search texts are kept (the filter box asks again per row)


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
        self._rows = LiveRows()  # in memory while recent, else read back from the session
        self._search: dict[int, list[str]] = {}  # exchange id -> what a plain word looks in
        # exchange id -> per column, what the cell shows ({role: value}), for recent rows
        self._cells: dict[int, list[dict[int, Any]]] = {}
        self._marks: dict[int, str] = {}  # exchange id -> why its row is marked (demos)
        self._filter: Pred | None = None  # the filter box's condition, as last compiled
        self._grouped = False
        self._groups: list[_Group] = []
        self._group_row: dict[str, int] = {}
        self._where: dict[int, tuple[int, int]] = {}  # exchange id -> (group row, position)
        self._outcomes: dict[str, str] = {}  # request_id -> emulator's job outcome
        self._summaries: dict[int, GroupSummary] = {}  # group row -> its node's summary
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
        self._summaries.clear()
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
        request_id = group_key(x)
        if request_id is not None:
            return f"id:{request_id}", request_id
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
        return header_data(section, orientation, role)

    # -- what a row is --------------------------------------------------------------------
    def set_session(self, session: Callable[[], Path | None]) -> None:
        """Where the listed rows are stored, asked when rows could leave memory (None: no
        file, or none to trust now; every row is then kept): `ui/live_rows.py`."""
        self._rows.session = session

    def exchange(self, exchange_id: int) -> Exchange | None:
        return self._rows.get(exchange_id) if exchange_id in self._rows else None

    def exchanges(self) -> list[Exchange]:
        """Every row of the list (those no longer in memory read back light)."""
        return list(self._rows)

    def first_id(self) -> int | None:
        """The lowest id listed (None: the list is empty); what a Clear left out is below."""
        return self._rows.first_id()

    def in_memory(self, exchange_id: int) -> bool:
        """True when the list holds the row as the engine's event gave it; False when it
        was read back from the session file (light: no bodies)."""
        return self._rows.in_memory(exchange_id)

    def recent_exchanges(self) -> list[Exchange]:
        """The rows in memory, oldest first: the newest and the latest changed."""
        return self._rows.recent()

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
        return self._rows.at(self._position_at(index))

    def index_of(self, exchange_id: int) -> QModelIndex:
        """The row of an exchange (a child row when grouped under a request_id)."""
        position = self._rows.position_of(exchange_id)
        if position is None:
            return QModelIndex()
        if not self._grouped:
            return self.index(position, 0)
        g_row, at = self._where[exchange_id]
        top = self.index(g_row, 0)
        if self._groups[g_row].request_id is None:
            return top
        return self.index(at, 0, top)

    def group_summary(self, group: _Group) -> GroupSummary:
        """What a request_id's node says of its attempts (kept until the group changes)."""
        row = self._group_row[group.key]
        summary = self._summaries.get(row)
        if summary is None:
            xs = [self._rows.get(i) for i in group.members]
            summary = GroupSummary(
                count=len(xs),
                first=xs[0],
                last=xs[-1],
                outcome=self._outcomes.get(group.request_id or "", ""),
                messages=all(x.view.message_type for x in xs),
            )
            self._summaries[row] = summary
        return summary

    def set_outcome(self, request_id: str, outcome: str) -> None:
        """The emulator's final word on a job (delivered, gave_up, cancelled)."""
        self._outcomes[request_id] = outcome
        row = self._group_row.get(f"id:{request_id}")
        if row is not None:
            self._summaries.pop(row, None)
            if self._grouped:
                self.dataChanged.emit(self.index(row, 0), self.index(row, _NCOLS - 1))

    def search_texts_of(self, x: Exchange) -> list[str]:
        """What a plain word in the filter box looks in, for `x` (kept per exchange)."""
        texts = self._search.get(x.id)
        if texts is None:
            if len(self._search) >= SEARCH_CACHE:
                self._search.clear()
            texts = self._search[x.id] = search_texts(x)
        return texts

    def accepts(self, index: Index, condition: Callable[[Exchange], bool]) -> bool:
        """Whether the filter's `condition` shows this row. A request_id's node is shown
        for its attempts that match (the proxy filters recursively), never for itself."""
        group = self.group_at(index)
        if group is not None and group.request_id:
            return False
        if self._filter is not None:
            at = self._position_at(index)
            if not self._rows.in_memory_at(at):
                # Read back from the file, a row has no bodies: the file answers for it, in
                # SQL, and the row itself is not read at all.
                said = self._rows.file_says(self._filter, at)
                if said is not None:
                    return said
        return condition(self.exchange_at(index))

    def _position_at(self, index: Index) -> int:
        """The list position of the exchange a row shows (a group row: its latest)."""
        if not self._grouped:
            return index.row()
        parent = index.parent()
        group = self._groups[parent.row() if parent.isValid() else index.row()]
        member = group.members[index.row()] if parent.isValid() else group.members[-1]
        at = self._rows.position_of(member)
        assert at is not None  # a group's members are listed
        return at

    def compile(self, condition: Pred) -> Callable[[Exchange], bool]:
        """`condition` as a function of an exchange, reading this model's kept texts (rows
        no longer in memory are asked of the session file, with the same condition)."""
        self._filter = condition
        return compile_python(condition, self.search_texts_of)

    # -- data -----------------------------------------------------------------------------
    def _shown(self, index: Index) -> tuple[Exchange, GroupSummary | None]:
        """The exchange a row shows, and its node's summary when it is a request_id's node."""
        x = self.exchange_at(index)
        group = self.group_at(index)
        if group is None or group.request_id is None:  # an attempt, or a lone exchange
            return x, None
        return x, self.group_summary(group)

    def _values(self, x: Exchange, node: GroupSummary | None, col: int) -> dict[int, Any]:
        """What cell `col` of a row showing `x` shows, by role; kept for the rows shown
        lately (the list repaints them on every tick that adds rows)."""
        if node is not None:  # a request_id's node: its summary changes with its attempts
            return cell_roles(COLUMNS[col], x, self._mono, node)
        cells = self._cells.get(x.id)
        if cells is None:
            if len(self._cells) >= CELL_CACHE:
                self._cells.clear()
            cells = row_cells(x, self._mono)
            mark = self._marks.get(x.id)
            if mark is not None:  # where a demo's run starts: the first cell says so
                first = cells[0] = dict(cells[0])
                display, tip = int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.ToolTipRole)
                first[display] = f"▶ {first.get(display)}"
                first[tip] = mark
            self._cells[x.id] = cells
        return cells[col]

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
            fill_span(roleDataSpan, {})
            return
        x, node = self._shown(index)
        fill_span(roleDataSpan, self._values(x, node, index.column()))

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
                elif xid in self._rows:
                    old = self._rows.get(xid)
                    self._rows.replace(updated or replace(old, ws_messages=old.ws_messages + 1))
                    if updated is not None:
                        self._search.pop(xid, None)
                    self._cells.pop(xid, None)
                    changed.add(xid)
        if new or changed:
            self._summaries.clear()  # rebuilt for the nodes shown, when they are painted
        if new:
            self._insert(new)
        for xid in changed:
            self._emit_changed(xid)
        return len(new)

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
        self._rows.append(xs)

    def set_mark(self, exchange_id: int, text: str) -> None:
        """Mark a row (a demo's run starts here): ▶ in its first cell, `text` as its tip."""
        self._marks[exchange_id] = text
        self.refresh_rows([exchange_id])

    def refresh_rows(self, exchange_ids: Sequence[int]) -> None:
        """Repaint these rows from their records (a held request's countdown)."""
        for xid in exchange_ids:
            self._cells.pop(xid, None)
            self._emit_changed(xid)

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
        self._search.clear()
        self._cells.clear()
        self._marks.clear()
        self._groups.clear()
        self._group_row.clear()
        self._where.clear()
        self._outcomes.clear()
        self._summaries.clear()
        self._reset_shape()


def _node(rows: int) -> QStandardItem:
    """A request_id's node: an item only to hold its attempts' (item-less) rows."""
    node = QStandardItem()
    node.setColumnCount(_NCOLS)
    node.setRowCount(rows)
    return node
