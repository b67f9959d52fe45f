"""The traffic list of a stored session: rows straight from the SQLite file, built when shown.

A session of a million exchanges must open in well under two seconds and a few hundred MB
(issue 8), so the list keeps no object per row:

- the rows are exchange ids in list order: the range lowest..highest id when the file has
  no gaps (the usual case, no memory at all), else an `array('q')` (8 MB per million);
- the shape the view walks on every layout (row count, indexes, parents) is that of a
  `QStandardItemModel` without items (only request_id nodes have one, to hold their
  attempts), so a `QTreeView` laying out a million rows never calls into Python: this
  model overrides `data()` alone, which the view asks for the rows on screen. The list
  shows it directly: a `QSortFilterProxyModel` in between would ask Python about every row
  on every layout (`TrafficPane.show_model`);
- those rows are light `Exchange`s read a page at a time by id and kept in a small LRU
  cache (`ROW_CACHE` rows);
- the filter box and "Group by request_id" are SQL (`SessionReader.ids`/`groups`). Over
  `SYNC_SEARCH_ROWS` exchanges a search runs on a worker thread with its own read-only
  connection, a newer search interrupts the older one, and the result replaces the shape in
  one reset; until then the list shows the previous result and `busy` is true.
"""

from __future__ import annotations

import bisect
import concurrent.futures
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QStandardItem, QStandardItemModel

from ..core.columns import COLUMNS
from ..core.exchange_display import GroupSummary
from ..core.records import Exchange
from ..core.row_expr import Pred
from ..store.group_index import GroupIndex
from ..store.schema import SessionFileError
from ..store.session_reader import ReadInterrupted, SessionReader
from .list_cells import EXCHANGE_ROLE, cell_roles, fill_span, header_data
from .stored_session import StoredSession

log = logging.getLogger(__name__)

PAGE_ROWS = 128  # rows read together when the view asks for one that is not cached
ROW_CACHE = 64 * PAGE_ROWS  # light rows kept: a few screens' worth
SYNC_SEARCH_ROWS = 20_000  # up to this many exchanges a search takes a few ms: no thread

Index = QModelIndex | QPersistentModelIndex
_NCOLS = len(COLUMNS)


class StoredTrafficModel(QStandardItemModel):
    """A stored session's list, flat or grouped by request_id, filtered in SQL."""

    searched = Signal()  # a filter or grouping result is now shown
    search_failed = Signal(str)  # the file could not be searched (damaged): why
    _found = Signal(int, object)  # from the worker: (search number, result)

    def __init__(self, stored: StoredSession, parent: Any = None) -> None:
        super().__init__(0, _NCOLS, parent)
        self.stored = stored
        self._mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self._all: Sequence[int] = (
            range(stored.low_id, stored.high_id + 1) if stored.contiguous else stored.reader.ids()
        )
        self._ids: Sequence[int] = self._all  # the flat list shown
        self._groups: GroupIndex | None = None  # the grouped list shown
        self._grouped = False  # asked for
        self._condition: Pred | None = None
        self._outcomes: dict[str, str] | None = None  # request_id -> the emulator's last word
        self._cache: OrderedDict[int, Exchange] = OrderedDict()
        self._unreadable: set[int] = set()  # ids whose rows the file cannot give
        self._search_no = 0
        self.busy = False
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._worker_reader: SessionReader | None = None
        self._found.connect(self._on_found)
        self.setRowCount(len(self._ids))

    # -- what the pane asks ---------------------------------------------------------------
    @property
    def grouped(self) -> bool:
        return self._grouped

    @property
    def condition(self) -> Pred | None:
        return self._condition

    def set_grouped(self, grouped: bool) -> None:
        if grouped != self._grouped:
            self._grouped = grouped
            self._search()

    def set_condition(self, condition: Pred | None) -> None:
        """Show only the rows `condition` holds for (all with None), as SQL."""
        if condition != self._condition:
            self._condition = condition
            self._search()

    def exchange_count(self) -> int:
        """Every exchange of the session, filter or not."""
        return len(self._all)

    def shown_exchanges(self) -> int:
        """Exchanges (attempts, not groups) the list shows now."""
        return len(self._groups.members) if self._groups is not None else len(self._ids)

    def exchange(self, exchange_id: int) -> Exchange | None:
        """The light row of an exchange of this session."""
        return self._row(exchange_id, (exchange_id,), 0)

    def exchange_at(self, index: Index) -> Exchange:
        x = self._at(index)
        if x is None:
            raise SessionFileError(self.stored.path, f"row {index.row()} is missing")
        return x

    def index_of(self, exchange_id: int) -> QModelIndex:
        """The row of an exchange (a child row under its request_id when grouped)."""
        groups = self._groups
        if groups is None:
            row = bisect.bisect_left(self._ids, exchange_id)
            if row < len(self._ids) and self._ids[row] == exchange_id:
                return self.index(row, 0)
            return QModelIndex()
        try:
            at = groups.members.index(exchange_id)
        except ValueError:
            return QModelIndex()
        group = bisect.bisect_right(groups.starts, at) - 1
        top = self.index(group, 0)
        return self.index(at - groups.starts[group], 0, top) if groups.keyed[group] else top

    # -- cells ----------------------------------------------------------------------------
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == EXCHANGE_ROLE:  # known from the list itself: no row to read
            return self._id_at(index)
        return self._cell(index).get(role)

    def multiData(self, index: Index, roleDataSpan: Any) -> None:
        """Every role the delegate asks of a cell in one call (as `TrafficModel` does)."""
        fill_span(roleDataSpan, self._cell(index) if index.isValid() else {})

    def _cell(self, index: Index) -> dict[int, Any]:
        """What a cell shows, by role (empty when its row cannot be read)."""
        column = COLUMNS[index.column()]
        groups = self._groups
        if groups is not None and not index.parent().isValid() and groups.keyed[index.row()]:
            g = index.row()
            last = self._row(groups.last[g], groups.last, g)
            first = self._row(groups.first[g], groups.first, g)
            if last is None or first is None:
                return {}
            node = GroupSummary(
                count=groups.sizes[g],
                first=first,
                last=last,
                outcome=self._outcome(last.request_id),
                messages=bool(groups.messages[g]),
            )
            return cell_roles(column, last, self._mono, node)
        x = self._at(index)
        return {} if x is None else cell_roles(column, x, self._mono)

    def _outcome(self, request_id: str | None) -> str:
        """The emulator's last word on a job, from the session's events (read once)."""
        if self._outcomes is None:
            try:
                self._outcomes = self.stored.reader.outcomes()
            except SessionFileError:
                self._outcomes = {}
        return self._outcomes.get(request_id or "", "")

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return header_data(section, orientation, role)

    def _id_at(self, index: Index) -> int:
        groups = self._groups
        if groups is None:
            return self._ids[index.row()]
        parent = index.parent()
        if not parent.isValid():
            g = index.row()
            return groups.last[g] if groups.keyed[g] else groups.members[groups.starts[g]]
        return groups.members[groups.starts[parent.row()] + index.row()]

    def _at(self, index: Index) -> Exchange | None:
        """The exchange a row shows (a request_id's node: its latest attempt)."""
        groups = self._groups
        if groups is None:
            return self._row(self._ids[index.row()], self._ids, index.row())
        parent = index.parent()
        if not parent.isValid():
            g = index.row()
            if groups.keyed[g]:
                return self._row(groups.last[g], groups.last, g)
            at = groups.starts[g]
        else:
            at = groups.starts[parent.row()] + index.row()
        return self._row(groups.members[at], groups.members, at)

    def _row(self, exchange_id: int, around: Sequence[int], at: int) -> Exchange | None:
        """The light row of `exchange_id`, which is `around[at]`; on a miss, the page of
        `around` it is on is read with it."""
        cache = self._cache
        x = cache.get(exchange_id)
        if x is not None:
            cache.move_to_end(exchange_id)
            return x
        if exchange_id in self._unreadable:
            return None
        start = at - at % PAGE_ROWS
        wanted = set(around[start : start + PAGE_ROWS])
        wanted.add(exchange_id)
        try:
            rows = self.stored.light_rows(sorted(wanted))
        except SessionFileError:
            # A damaged page: read this row alone, so one bad row blanks only itself. Never
            # raised into Qt's paint (an exception per cell per repaint).
            try:
                rows = self.stored.light_rows([exchange_id])
            except SessionFileError as exc:
                self._unreadable.add(exchange_id)
                if len(self._unreadable) == 1:  # said once, and after the paint, not in it
                    why = f"some rows cannot be read ({exc.reason})"
                    QTimer.singleShot(0, lambda: self.search_failed.emit(why))
                return None
        for row in rows:
            cache[row.id] = row
        while len(cache) > ROW_CACHE:
            cache.popitem(last=False)
        return cache.get(exchange_id)

    # -- searching --------------------------------------------------------------------------
    def _search(self) -> None:
        self._search_no += 1
        condition, grouped = self._condition, self._grouped
        if condition is None and not grouped:
            self._stop_worker_query()
            self._show(False, self._all)
            return
        if len(self._all) <= SYNC_SEARCH_ROWS:
            self._stop_worker_query()
            try:
                self._show(grouped, _run_search(self.stored.reader, condition, grouped))
            except SessionFileError as exc:
                self.busy = False
                self.search_failed.emit(exc.reason)
            return
        self._stop_worker_query()
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(1, "stored-session-search")
        self.busy = True
        self._pool.submit(self._work, self._search_no, condition, grouped)

    def _stop_worker_query(self) -> None:
        if self._worker_reader is not None:
            self._worker_reader.interrupt()

    def _work(self, number: int, condition: Pred | None, grouped: bool) -> None:
        """On the worker thread: run one search unless a newer one replaced it already."""
        if number != self._search_no:
            return
        result: object
        try:
            if self._worker_reader is None:
                self._worker_reader = SessionReader(self.stored.path, read_only=True)
            result = (grouped, _run_search(self._worker_reader, condition, grouped))
        except ReadInterrupted:
            return
        except SessionFileError as exc:
            result = exc
        try:
            self._found.emit(number, result)
        except RuntimeError:  # the model is gone (the list moved on)
            pass

    def _on_found(self, number: int, result: object) -> None:
        if number != self._search_no:
            return  # a newer search is under way
        if isinstance(result, SessionFileError):
            self.busy = False
            self.search_failed.emit(result.reason)
            return
        assert isinstance(result, tuple)
        self._show(*result)

    def _show(self, grouped: bool, found: Sequence[int] | GroupIndex) -> None:
        """Make `found` the list, in one reset (row by row signals would cost a Python call
        per row in the proxy and the view)."""
        self.beginResetModel()
        self.blockSignals(True)
        try:
            self.setRowCount(0)
            if grouped:
                assert isinstance(found, GroupIndex)
                self.setRowCount(len(found))
                starts = found.starts
                for g, keyed in enumerate(found.keyed):
                    if keyed:  # a node with its attempts under it
                        node = QStandardItem()
                        node.setColumnCount(_NCOLS)
                        node.setRowCount(starts[g + 1] - starts[g])
                        self.setItem(g, 0, node)
                self._groups = found
            else:
                assert not isinstance(found, GroupIndex)
                self.setRowCount(len(found))
                self._groups = None
                self._ids = found
        finally:
            self.blockSignals(False)
        self.endResetModel()
        self.busy = False
        self.searched.emit()

    def close(self) -> None:
        """Stop any search; the worker's connection closes on its thread."""
        self._search_no += 1
        self._stop_worker_query()
        if self._pool is not None:
            reader = self._worker_reader
            if reader is not None:
                self._pool.submit(reader.close)
            self._pool.shutdown(wait=False, cancel_futures=False)
            self._pool = None


def _run_search(
    reader: SessionReader, condition: Pred | None, grouped: bool
) -> Sequence[int] | GroupIndex:
    return reader.groups(condition) if grouped else reader.ids(condition)
