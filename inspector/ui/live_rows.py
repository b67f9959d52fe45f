"""The live list's rows: every exchange id in arrival order, the rows themselves in memory only
while they are recent, read back from the session file once they are older (issue 16).

A live capture keeps its session file as it goes (the engine writes each exchange before its
reply), so the window need not keep a million rows to list them: as a stored session's list
does (`ui/stored_model.py`), it keeps the ids (8 bytes each), the `KEEP` newest or latest
changed rows as the engine's events gave them, and a small cache of rows read back a page at a
time. A row leaves memory only once the file is known to hold it; with no session file
(`--no-session`), or once storage has failed, every row stays.

Rows read back are light (`store/light_rows.py`: no bodies), as the list needs; the detail
pane fetches the row it shows in full (`ui/full_rows.py`), and the filter box asks the file
itself about them in SQL (`ui/traffic_model.py`).
"""

from __future__ import annotations

import bisect
import itertools
import logging
import sqlite3
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..core.records import Exchange, ExchangeKind
from ..core.row_expr import Pred
from ..store.schema import SessionFileError
from ..store.session_reader import SessionReader

log = logging.getLogger(__name__)

KEEP = 4096  # rows kept as the events gave them: the newest and the latest changed
PAGE_ROWS = 128  # rows read back together when the list asks for one not in memory
READ_CACHE = 32 * PAGE_ROWS  # rows read back and kept: a few screens' worth
CHECK_EVERY = 256  # rows over KEEP before the file is asked which of the oldest it holds
UNREADABLE_NOTE = "this row could not be read back from the session file"


def unreadable(exchange_id: int) -> Exchange:
    """What the list shows for a row the session file cannot give back (damaged, or gone)."""
    return Exchange(
        id=exchange_id,
        kind=ExchangeKind.HTTP,
        started=0.0,
        client="",
        method="",
        target="",
        http_version="",
        headers=(),
        note=UNREADABLE_NOTE,
    )


class LiveRows:
    """The rows of the live list, by position (arrival order) and by exchange id.

    `session()` names the session file that holds the rows (None: no file, or none to
    trust now): it is asked whenever rows could leave memory, so a storage failure keeps
    every row from then on.
    """

    def __init__(self, session: Callable[[], Path | None] = lambda: None) -> None:
        self.session = session
        self._ids = array("q")
        self._index: dict[int, int] | None = None  # id -> position, once ids came out of order
        self._kept: OrderedDict[int, Exchange] = OrderedDict()
        self._read: OrderedDict[int, Exchange] = OrderedDict()
        self._reader: SessionReader | None = None
        self._next_check = KEEP + CHECK_EVERY
        self._unreadable: set[int] = set()

    # -- shape ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ids)

    def id_at(self, position: int) -> int:
        return self._ids[position]

    def position_of(self, exchange_id: int) -> int | None:
        if self._index is not None:
            return self._index.get(exchange_id)
        at = bisect.bisect_left(self._ids, exchange_id)
        return at if at < len(self._ids) and self._ids[at] == exchange_id else None

    def __contains__(self, exchange_id: int) -> bool:
        return self.position_of(exchange_id) is not None

    def in_memory(self, exchange_id: int) -> bool:
        """True when the row is kept as the events gave it (bodies and all)."""
        return exchange_id in self._kept

    # -- rows -------------------------------------------------------------------------------
    def at(self, position: int) -> Exchange:
        return self.get(self._ids[position])

    def get(self, exchange_id: int) -> Exchange:
        """The row of a listed exchange: kept, else read back (light) from the file."""
        x = self._kept.get(exchange_id)
        if x is not None:
            return x
        x = self._read.get(exchange_id)
        if x is not None:
            self._read.move_to_end(exchange_id)
            return x
        return self._read_page(exchange_id)

    def __iter__(self) -> Iterator[Exchange]:
        """Every row in list order (those not in memory read back a page at a time)."""
        for start in range(0, len(self._ids), PAGE_ROWS):
            ids = self._ids[start : start + PAGE_ROWS]
            missing = [i for i in ids if i not in self._kept and i not in self._read]
            found = {x.id: x for x in self._rows_from_file(missing)} if missing else {}
            for i in ids:
                x = self._kept.get(i) or self._read.get(i) or found.get(i)
                yield x if x is not None else unreadable(i)

    def recent(self) -> list[Exchange]:
        """The rows in memory, oldest first: the newest and the latest changed."""
        return list(self._kept.values())

    # -- changes ------------------------------------------------------------------------------
    def append(self, xs: Sequence[Exchange]) -> None:
        for x in xs:
            if self._index is None and self._ids and x.id <= self._ids[-1]:
                # Out of order (not seen from an engine): a dict from here on.
                self._index = {i: at for at, i in enumerate(self._ids)}
            if self._index is not None:
                self._index[x.id] = len(self._ids)
            self._ids.append(x.id)
            self._kept[x.id] = x
        self._trim()

    def replace(self, x: Exchange) -> None:
        """A listed row changed: kept as the event gives it (the file follows later)."""
        self._kept[x.id] = x
        self._kept.move_to_end(x.id)
        self._read.pop(x.id, None)
        self._trim()

    def clear(self) -> None:
        self._ids = array("q")
        self._index = None
        self._kept.clear()
        self._read.clear()
        self._unreadable.clear()
        self._next_check = KEEP + CHECK_EVERY

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _trim(self) -> None:
        """Let the oldest kept rows go, down to `KEEP`, those the file holds: asked once
        `CHECK_EVERY` rows are over (a row the file has not got yet, as a long upload's,
        waits its turn again at the newest end)."""
        kept = self._kept
        if len(kept) < self._next_check:
            return
        oldest = list(itertools.islice(kept, len(kept) - KEEP))
        held = self._in_file(oldest) if self._open() is not None else None
        if held is not None:
            for i in oldest:
                if i in held:
                    del kept[i]
                else:
                    kept.move_to_end(i)
        self._next_check = max(len(kept), KEEP) + CHECK_EVERY

    # -- the file -------------------------------------------------------------------------------
    def _open(self) -> SessionReader | None:
        path = self.session()
        if path is None:
            self.close()
            return None
        reader = self._reader
        if reader is not None and reader.path == Path(path):
            return reader
        self.close()
        try:
            self._reader = SessionReader(path, read_only=True)
        except (SessionFileError, sqlite3.Error, OSError) as exc:
            log.warning("the live list cannot read its session file back: %s", exc)
            return None
        return self._reader

    def _in_file(self, ids: Sequence[int]) -> set[int]:
        """Which of `ids` the session file holds (none with no file to ask)."""
        reader = self._open()
        if reader is None:
            return set()
        try:
            return reader.present(ids)
        except (SessionFileError, sqlite3.Error) as exc:
            log.warning("the live list cannot read its session file back: %s", exc)
            return set()

    def _rows_from_file(self, ids: Sequence[int]) -> list[Exchange]:
        reader = self._open()
        if reader is None:
            return []
        try:
            return reader.rows_by_id(ids)
        except (SessionFileError, sqlite3.Error) as exc:
            if len(ids) > 1:  # a damaged page: each row alone, so one bad row blanks itself
                return [x for i in ids for x in self._rows_from_file([i])]
            if not self._unreadable:
                log.warning("the live list cannot read a row back: %s", exc)
            self._unreadable.update(ids)
            return []

    def _read_page(self, exchange_id: int) -> Exchange:
        if exchange_id in self._unreadable:
            return unreadable(exchange_id)
        at = self.position_of(exchange_id)
        start = 0 if at is None else at - at % PAGE_ROWS
        page = {i for i in self._ids[start : start + PAGE_ROWS] if i not in self._kept}
        page.add(exchange_id)
        for row in self._rows_from_file(sorted(page)):
            self._read[row.id] = row
        while len(self._read) > READ_CACHE:
            self._read.popitem(last=False)
        found = self._read.get(exchange_id)
        if found is None:
            self._unreadable.add(exchange_id)
            return unreadable(exchange_id)
        return found

    def file_matches(self, condition: Pred) -> tuple[array[int], int] | None:
        """The ids of the session file's rows that `condition` holds for (sorted), and the
        file's highest id when asked; None with no file to ask."""
        reader = self._open()
        if reader is None:
            return None
        try:
            upto = reader.last_id()  # first: a row written after it is asked about again
            return reader.ids(condition), upto
        except (SessionFileError, sqlite3.Error) as exc:
            log.warning("the live list cannot search its session file: %s", exc)
            return None
