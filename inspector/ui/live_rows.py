"""The live list's rows: every exchange id in arrival order, the rows themselves in memory only
while they are recent, read back from the session file once they are older (issue 16).

A live capture keeps its session file as it goes (the engine writes each exchange before its
reply), so the window need not keep a million rows to list them: as a stored session's list
does (`ui/stored_model.py`), it keeps the ids (8 bytes each), the `KEEP` newest or latest
changed rows as the engine's events gave them, and a small cache of rows read back a page at a
time. A row leaves memory only once the file is known to hold it; with no session file
(`--no-session`), or while storage fails, every row stays. Each row is read back from the
file it was captured into (a Stop and Start of an engine that opens a new session, a new
attach): rows are kept by position, so ids that repeat across files stay apart.

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
    """The rows of the live list, by position (arrival order) and by exchange id (the
    latest position of an id, should one repeat).

    `session()` names the session file the rows arriving now go to (None: no file, or none
    to trust now; those rows never leave memory); it is asked as rows arrive.
    """

    def __init__(self, session: Callable[[], Path | None] = lambda: None) -> None:
        self.session = session
        self._ids = array("q")
        self._index: dict[int, int] | None = None  # id -> position, once ids came out of order
        self._kept: OrderedDict[int, Exchange] = OrderedDict()  # position -> row
        self._read: OrderedDict[int, Exchange] = OrderedDict()  # position -> row read back
        self._file_starts: list[int] = []  # positions where the rows' file changed
        self._files: list[Path | None] = []  # the file of the rows from each of those on
        self._readers: dict[Path, SessionReader] = {}
        self._hits: dict[Path, tuple[Pred, array[int], int]] = {}  # the filter's, per file
        self._next_check = KEEP + CHECK_EVERY
        self._unreadable: set[int] = set()  # positions

    # -- shape ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._ids)

    def position_of(self, exchange_id: int) -> int | None:
        if self._index is not None:
            return self._index.get(exchange_id)
        at = bisect.bisect_left(self._ids, exchange_id)
        return at if at < len(self._ids) and self._ids[at] == exchange_id else None

    def first_id(self) -> int | None:
        """The lowest id listed (ids count up, so all listed rows are from it on), or None."""
        return min(self._ids) if self._ids else None

    def __contains__(self, exchange_id: int) -> bool:
        return self.position_of(exchange_id) is not None

    def in_memory(self, exchange_id: int) -> bool:
        """True when the row is kept as the events gave it (bodies and all)."""
        at = self.position_of(exchange_id)
        return at is not None and at in self._kept

    def in_memory_at(self, position: int) -> bool:
        return position in self._kept

    # -- rows -------------------------------------------------------------------------------
    def get(self, exchange_id: int) -> Exchange:
        """The row of a listed exchange (its latest position): kept, else read back."""
        at = self.position_of(exchange_id)
        return self.at(at) if at is not None else unreadable(exchange_id)

    def at(self, position: int) -> Exchange:
        x = self._kept.get(position)
        if x is not None:
            return x
        x = self._read.get(position)
        if x is not None:
            self._read.move_to_end(position)
            return x
        return self._read_page(position)

    def __iter__(self) -> Iterator[Exchange]:
        """Every row in list order (those not in memory read back a page at a time)."""
        for start in range(0, len(self._ids), PAGE_ROWS):
            end = min(start + PAGE_ROWS, len(self._ids))
            missing = [at for at in range(start, end) if at not in self._kept]
            found = self._from_files(missing)
            for at in range(start, end):
                x = self._kept.get(at) or found.get(at)
                yield x if x is not None else unreadable(self._ids[at])

    def recent(self) -> list[Exchange]:
        """The rows in memory, oldest first: the newest and the latest changed."""
        return list(self._kept.values())

    # -- changes ------------------------------------------------------------------------------
    def append(self, xs: Sequence[Exchange]) -> None:
        if not xs:
            return
        path = self.session()
        if not self._files or self._files[-1] != path:
            self._file_starts.append(len(self._ids))
            self._files.append(path)
        for x in xs:
            if self._index is None and self._ids and x.id <= self._ids[-1]:
                # Out of order, or an id again (a new session file): a dict from here on.
                self._index = {i: at for at, i in enumerate(self._ids)}
            at = len(self._ids)
            if self._index is not None:
                self._index[x.id] = at
            self._ids.append(x.id)
            self._kept[at] = x
        self._trim()

    def replace(self, x: Exchange) -> None:
        """A listed row changed: kept as the event gives it (the file follows later)."""
        at = self.position_of(x.id)
        if at is None:
            return
        self._kept[at] = x
        self._kept.move_to_end(at)
        self._read.pop(at, None)
        self._trim()

    def clear(self) -> None:
        self._ids = array("q")
        self._index = None
        self._kept.clear()
        self._read.clear()
        self._file_starts.clear()
        self._files.clear()
        self._hits.clear()
        self._unreadable.clear()
        self._next_check = KEEP + CHECK_EVERY

    def close(self) -> None:
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()

    def _trim(self) -> None:
        """Let the oldest kept rows go, down to `KEEP`, those their file holds: asked once
        `CHECK_EVERY` rows are over (a row the file has not got yet, as a long upload's,
        waits its turn again at the newest end)."""
        kept = self._kept
        if len(kept) < self._next_check:
            return
        oldest = list(itertools.islice(kept, len(kept) - KEEP))
        held: set[int] = set()  # positions
        for path, positions in self._by_file(oldest).items():
            ids = self._in_file(path, [self._ids[at] for at in positions])
            held.update(at for at in positions if self._ids[at] in ids)
        for at in oldest:
            if at in held:
                del kept[at]
            else:
                kept.move_to_end(at)
        self._next_check = max(len(kept), KEEP) + CHECK_EVERY

    # -- the files ------------------------------------------------------------------------------
    def _segment(self, position: int) -> int:
        """Which run of rows captured into one file `position` is in (-1: before any)."""
        return bisect.bisect_right(self._file_starts, position) - 1

    def _file_of(self, position: int) -> Path | None:
        segment = self._segment(position)
        return self._files[segment] if segment >= 0 else None

    def _segment_span(self, position: int) -> tuple[int, int]:
        """The positions [start, end) captured into the same file as `position`."""
        segment = self._segment(position)
        start = self._file_starts[segment] if segment >= 0 else 0
        end = (
            self._file_starts[segment + 1]
            if segment + 1 < len(self._file_starts)
            else len(self._ids)
        )
        return start, end

    def _by_file(self, positions: Sequence[int]) -> dict[Path, list[int]]:
        """These positions by the file their rows were captured into (none for no file)."""
        by_file: dict[Path, list[int]] = {}
        for at in positions:
            path = self._file_of(at)
            if path is not None:
                by_file.setdefault(path, []).append(at)
        return by_file

    def _reader(self, path: Path | None) -> SessionReader | None:
        if path is None:
            return None
        reader = self._readers.get(path)
        if reader is not None:
            return reader
        try:
            reader = SessionReader(path, read_only=True)
        except (SessionFileError, sqlite3.Error, OSError) as exc:
            log.warning("the live list cannot read its session file back: %s", exc)
            return None
        self._readers[path] = reader
        return reader

    def _in_file(self, path: Path, ids: Sequence[int]) -> set[int]:
        """Which of `ids` the session file `path` holds (none when it cannot be asked)."""
        reader = self._reader(path)
        if reader is None:
            return set()
        try:
            return reader.present(ids)
        except (SessionFileError, sqlite3.Error) as exc:
            log.warning("the live list cannot read its session file back: %s", exc)
            return set()

    def _from_files(self, positions: Sequence[int]) -> dict[int, Exchange]:
        """The rows at these positions, read back light from their files (by position)."""
        readable = [at for at in positions if at not in self._unreadable]
        out: dict[int, Exchange] = {}
        for path, wanted in self._by_file(readable).items():
            rows = {x.id: x for x in self._rows_from_file(path, [self._ids[at] for at in wanted])}
            for at in wanted:
                x = rows.get(self._ids[at])
                if x is not None:
                    out[at] = x
        return out

    def _rows_from_file(self, path: Path, ids: Sequence[int]) -> list[Exchange]:
        reader = self._reader(path)
        if reader is None:
            return []
        try:
            return reader.rows_by_id(ids)
        except (SessionFileError, sqlite3.Error) as exc:
            if len(ids) > 1:  # a damaged page: each row alone, so one bad row blanks itself
                return [x for i in ids for x in self._rows_from_file(path, [i])]
            if not self._unreadable:
                log.warning("the live list cannot read a row back: %s", exc)
            return []

    def _read_page(self, position: int) -> Exchange:
        if position in self._unreadable:
            return unreadable(self._ids[position])
        first, end = self._segment_span(position)
        start = max(first, position - position % PAGE_ROWS)
        page = [at for at in range(start, min(end, start + PAGE_ROWS)) if at not in self._kept]
        if position not in page:
            page.append(position)
        for at, row in self._from_files(page).items():
            self._read[at] = row
        while len(self._read) > READ_CACHE:
            self._read.popitem(last=False)
        found = self._read.get(position)
        if found is None:
            self._unreadable.add(position)
            return unreadable(self._ids[position])
        return found

    def file_says(self, condition: Pred, position: int) -> bool | None:
        """Whether `condition` holds for the row at `position`, asked of the file it was
        captured into in SQL (once per condition and file, again for a row written since);
        None with no file to ask."""
        exchange_id = self._ids[position]
        path = self._file_of(position)
        reader = self._reader(path)
        if path is None or reader is None:
            return None
        hits = self._hits.get(path)
        if hits is None or hits[0] is not condition or exchange_id > hits[2]:
            try:
                upto = reader.last_id()  # first: a row written after it is asked again
                hits = self._hits[path] = (condition, reader.ids(condition), upto)
            except (SessionFileError, sqlite3.Error) as exc:
                log.warning("the live list cannot search its session file: %s", exc)
                return None
        ids = hits[1]
        found = bisect.bisect_left(ids, exchange_id)
        return found < len(ids) and ids[found] == exchange_id
