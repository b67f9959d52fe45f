"""A session file shown in the window: light rows for the list, bodies only for the open row.

The traffic list's model speaks `Exchange`; a stored row becomes a *light* `Exchange` (no
headers but its dg-token, no bodies, the decoded request_id/transcript kept) so the list,
its filter and its grouping work unchanged, while 100,000 rows cost a few tens of MB. The
whole exchange, bodies and WebSocket messages included, is read with `SessionReader.exchange`
when a row is opened, and kept for that one row only.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from ..core.body_view import BodyView
from ..core.records import Exchange, ExchangeKind, WsMessage
from ..store.schema import SessionFileError
from ..store.session import ExchangeRow, SessionMeta, SessionReader

log = logging.getLogger(__name__)

# Rows read per step, growing: the list view lays out every row again after each insert, so
# few large steps cost less than many equal ones, and the first small one is on screen at once.
FIRST_PAGE_ROWS = 2_000
PAGE_GROWTH = 4


_EXCHANGE_DEFAULTS = Exchange(
    id=0,
    kind=ExchangeKind.HTTP,
    started=0.0,
    client="",
    method="",
    target="",
    http_version="",
    headers=(),
).__dict__
_VIEW_DEFAULTS = BodyView(utf8_valid=True, json_valid=False).__dict__
_new = object.__new__


def light_exchange(row: ExchangeRow) -> Exchange:
    """The list's stand-in for a stored exchange: what the columns and the filter need.

    Built by filling the instance dict of the frozen dataclasses directly (same fields, same
    values as the constructor would give): three times faster than `Exchange(...)` with its
    keyword arguments, which is most of the time it takes to list 100,000 rows.
    """
    (xid, kind, started, finished, client, method, target, status, body_size, attempt,
     request_id, dg_token, ws_end, ws_messages, note, transcript, is_final) = row  # fmt: skip
    view = _new(BodyView)
    view.__dict__.update(
        _VIEW_DEFAULTS, request_id=request_id, transcript=transcript, is_final=is_final
    )
    x = _new(Exchange)
    x.__dict__.update(
        _EXCHANGE_DEFAULTS,
        id=xid,
        kind=kind,
        started=started,
        client=client,
        method=method,
        target=target,
        headers=(("dg-token", dg_token),) if dg_token else (),
        body_size=body_size,
        attempt=attempt,
        status=status,
        finished=finished,
        ws_end=ws_end,
        ws_messages=ws_messages,
        note=note,
        view=view,
    )
    return x


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
            self.count = self.reader.count()
        except SessionFileError:
            self.reader.close()
            raise
        self.loaded = 0  # rows handed to the list so far
        self.bodies_loaded = 0  # full exchanges read (one per opened row): kept for tests
        self._open: tuple[Exchange, list[WsMessage]] | None = None

    @property
    def done(self) -> bool:
        return self.loaded >= self.count

    def next_page(self, limit: int | None = None) -> list[Exchange]:
        """The next `limit` light rows (default: growing pages); empty when all are loaded."""
        if limit is None:
            limit = max(FIRST_PAGE_ROWS, self.loaded * (PAGE_GROWTH - 1))
        # Tens of thousands of new objects would trigger the cyclic GC over and over (each
        # pass walking every row already loaded); these records hold no cycles.
        enabled = gc.isenabled()
        gc.disable()
        try:
            rows = self.reader.rows(self.loaded, limit)
            page = [light_exchange(r) for r in rows]
        finally:
            if enabled:
                gc.enable()
        self.loaded += len(rows)
        if len(rows) < limit:
            self.count = self.loaded  # the file had fewer rows than counted (or more: read on)
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
