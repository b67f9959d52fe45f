"""A session file shown in the window: light rows for the list, bodies only for the open row.

The traffic list's columns speak `Exchange`; a stored row becomes a *light* `Exchange` (no
bodies, the decoded request_id/transcript kept: `store/light_rows.py`), built only when the
list shows it (`ui.stored_model` asks for pages of them). The whole exchange,
bodies and WebSocket messages included, is read with `SessionReader.exchange` when a row
is opened, and kept for that one row only.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Sequence
from pathlib import Path

from ..core.records import Exchange, WsMessage
from ..store.schema import SessionFileError
from ..store.session_reader import SessionMeta, SessionReader

log = logging.getLogger(__name__)


class StoredSession:
    """An open session file, read-only from the window's point of view.

    Raises `SessionFileError` (with a reason a user can read) when the file is damaged, from
    the constructor or from any read.
    """

    def __init__(self, path: str | Path, title: str = "") -> None:
        self.path = Path(path)
        self.title = title or self.path.stem
        self.reader = SessionReader(self.path)
        try:
            self.meta: SessionMeta = self.reader.meta()
            self.low_id, self.high_id, self.count = self.reader.id_span()
        except SessionFileError:
            self.reader.close()
            raise
        self.rows_built = 0  # light rows made for the list so far: kept for tests
        self.bodies_loaded = 0  # full exchanges read (one per opened row): kept for tests
        self._open: tuple[Exchange, list[WsMessage]] | None = None

    @property
    def done(self) -> bool:
        """Every row is listed: at once, as the list reads rows only when it shows them."""
        return True

    @property
    def contiguous(self) -> bool:
        """The ids are exactly low_id..high_id (no gaps): row i is id low_id + i."""
        return self.high_id - self.low_id + 1 == self.count

    def light_rows(self, ids: Sequence[int]) -> list[Exchange]:
        """The light rows of these exchange ids, in id order (ids not in the file are left out)."""
        # These records hold no cycles: no need for the cyclic GC to walk a page of them.
        enabled = gc.isenabled()
        gc.disable()
        try:
            page = self.reader.rows_by_id(ids)
        finally:
            if enabled:
                gc.enable()
        self.rows_built += len(page)
        return page

    def exchange(self, exchange_id: int) -> tuple[Exchange, list[WsMessage]] | None:
        """The whole exchange and its messages; read once per opened row."""
        if self._open is not None and self._open[0].id == exchange_id:
            return self._open
        x = self.reader.exchange(exchange_id)
        if x is None:
            return None
        self.bodies_loaded += 1
        self._open = (x, self.reader.messages(exchange_id))
        return self._open

    def close(self) -> None:
        self._open = None
        self.reader.close()
