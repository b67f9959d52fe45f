"""Reading a session file: the list's light rows, ids and groups (filtered in SQL), and whole
exchanges with their bodies and messages when a row is opened or exported.

Safe beside a writer appending to the same file (WAL). Rows are read by column name
(`sqlite3.Row`); a filter is a `core.row_expr` condition compiled to SQL by `core.row_sql`
(the same tree the live list evaluates in Python).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..core.body_view import view_body, view_body_prefix
from ..core.emulator_events import EmulatorEvent, emulator_event
from ..core.exchange_display import GROUP_KEY_SQL
from ..core.forward import ForwardResult
from ..core.records import Direction, Exchange, WsKind, WsMessage
from ..core.row_expr import Pred
from ..core.row_sql import SQL_FUNCTIONS, to_sql
from .group_index import GroupIndex, group_rows
from .light_rows import LIGHT_SELECT, headers_of, light_exchange
from .schema import SessionFileError, connect_reader

_DIRECTIONS = {d.value: d for d in Direction}
_WS_KINDS = {k.value: k for k in WsKind}
_MESSAGE_SQL = "coalesce(message_type, '') != ''"  # a streaming message (not an attempt)


@dataclass(frozen=True)
class SessionMeta:
    started: float
    app_version: str
    read_only: bool  # imported from elsewhere (a HAR): shown, never appended to
    source: str  # "capture", or "har:<file name>" for an import
    schema_version: int


class ReadInterrupted(Exception):
    """A query stopped by `SessionReader.interrupt` (a newer search replaced it)."""


class SessionReader:
    """Reads a session file; safe to use while a writer appends to it (WAL).

    `read_only` makes the connection refuse writes (a worker's own connection for
    searches); `interrupt` stops the query under way from another thread.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self._db = connect_reader(self.path)
        self._db.row_factory = sqlite3.Row
        if read_only:
            self._db.execute("PRAGMA query_only = 1")
        for name, (nargs, function) in SQL_FUNCTIONS.items():
            self._db.create_function(name, nargs, function, deterministic=True)
        self._json1 = _has_json1(self._db)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def interrupt(self) -> None:
        """Stop the query running now (from any thread); it raises ReadInterrupted."""
        self._db.interrupt()

    def __enter__(self) -> SessionReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """A damaged file is a SessionFileError, never a traceback; an interrupted read (a
        newer search, `interrupt()`) is ReadInterrupted."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc):
                raise ReadInterrupted(str(exc)) from None
            raise SessionFileError(self.path, f"damaged ({exc})") from None
        except sqlite3.DatabaseError as exc:
            raise SessionFileError(self.path, f"damaged ({exc})") from None

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Every row of `sql` (errors as `_reading` says)."""
        with self._reading(), self._lock:
            return self._db.execute(sql, tuple(params)).fetchall()

    def _scan(self, sql: str, params: Sequence[Any] = (), chunk: int = 10_000) -> Iterator[Any]:
        """The rows of `sql` a chunk at a time (a million rows never all in memory), as
        plain tuples: a `sqlite3.Row` per row of a million-row scan costs seconds."""
        with self._reading(), self._lock:
            cursor = self._db.cursor()
            cursor.row_factory = None
            cursor.execute(sql, tuple(params))
            while rows := cursor.fetchmany(chunk):
                yield from rows

    # -- the session ------------------------------------------------------------------------
    def meta(self) -> SessionMeta:
        values = {r["key"]: r["value"] for r in self._query("SELECT key, value FROM session")}
        try:
            started = float(values.get("started", "0"))
        except ValueError:
            started = 0.0
        return SessionMeta(
            started=started,
            app_version=values.get("app_version", ""),
            read_only=values.get("read_only") == "1",
            source=values.get("source", ""),
            schema_version=int(self._query("PRAGMA user_version")[0][0]),
        )

    def count(self) -> int:
        return int(self._query("SELECT count(*) FROM exchanges")[0][0])

    def last_id(self) -> int:
        """The highest exchange id (0 when none): where a continued capture must start, as
        an exchange submitted with an existing id replaces that exchange."""
        return int(self._query("SELECT coalesce(max(id), 0) FROM exchanges")[0][0])

    def id_span(self) -> tuple[int, int, int]:
        """(lowest id, highest id, count): when highest - lowest + 1 == count the ids are
        exactly that range, and a list needs no array of them."""
        # Two queries: min() and max() together would scan the table, each alone is a seek.
        low = self._query("SELECT coalesce(min(id), 1) FROM exchanges")[0][0]
        high = self._query("SELECT coalesce(max(id), 0) FROM exchanges")[0][0]
        return int(low), int(high), self.count()

    # -- the list ---------------------------------------------------------------------------
    def ids(self, where: Pred | None = None) -> array[int]:
        """Exchange ids in list order (id order); with `where`, only those it holds for."""
        condition, params = self._condition(where)
        out: array[int] = array("q")
        sql = f"SELECT id FROM exchanges WHERE {condition} ORDER BY id"
        for row in self._scan(sql, params):
            out.append(row[0])
        return out

    def groups(self, where: Pred | None = None) -> GroupIndex:
        """The list grouped by request_id (see GroupIndex), filtered by `where`.

        One scan in id order: a group's number is the order of its first exchange, which is
        the order the live list gives its groups. (SQL window functions over the request_id
        sort the whole table: three times slower on a million rows.)
        """
        condition, params = self._condition(where)
        sql = f"SELECT id, {GROUP_KEY_SQL}, {condition}, {_MESSAGE_SQL} FROM exchanges ORDER BY id"
        return group_rows(self._scan(sql, params))

    def outcomes(self) -> dict[str, str]:
        """request_id -> the emulator's last word on its job (delivered, gave_up, ...)."""
        rows = self._query(
            "SELECT fields FROM emulator_events WHERE name = 'job_done' ORDER BY seq"
        )
        out: dict[str, str] = {}
        for row in rows:
            try:
                fields = json.loads(row[0])
            except ValueError:
                continue
            if isinstance(fields, dict) and isinstance(fields.get("request_id"), str):
                out[fields["request_id"]] = str(fields.get("outcome") or "")
        return out

    def present(self, ids: Sequence[int]) -> set[int]:
        """Which of these exchange ids the file holds."""
        found: set[int] = set()
        for start in range(0, len(ids), 500):  # under SQLite's oldest limit of 999 parameters
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._query(f"SELECT id FROM exchanges WHERE id IN ({marks})", part)
            found.update(int(r[0]) for r in rows)
        return found

    def rows_by_id(self, ids: Sequence[int]) -> list[Exchange]:
        """Light rows (`store.light_rows`) of these exchange ids, in id order (missing ids
        are left out)."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return self._light(
            self._query(
                f"SELECT {LIGHT_SELECT} FROM exchanges WHERE id IN ({marks}) ORDER BY id", ids
            )
        )

    def rows(self, offset: int = 0, limit: int | None = None) -> list[Exchange]:
        """Light rows in id order, without bodies (the list's model)."""
        return self._light(
            self._query(
                f"SELECT {LIGHT_SELECT} FROM exchanges ORDER BY id LIMIT ? OFFSET ?",
                (-1 if limit is None else limit, offset),
            )
        )

    def _light(self, raw: list[sqlite3.Row]) -> list[Exchange]:
        try:
            return [light_exchange(r) for r in raw]
        except (KeyError, ValueError, TypeError) as exc:
            raise SessionFileError(self.path, f"a row is damaged ({exc})") from None

    def _condition(self, where: Pred | None) -> tuple[str, tuple[Any, ...]]:
        """The SQL of a filter condition and its parameters (`1` without one)."""
        if where is None:
            return "1", ()
        return to_sql(where, json1=self._json1)

    # -- whole exchanges --------------------------------------------------------------------
    def exchange(self, exchange_id: int) -> Exchange | None:
        """The whole exchange with its bodies, or None when the session has no such id."""
        found = self._exchanges("WHERE exchanges.id = ?1", (exchange_id,))
        return found[0] if found else None

    def exchanges(
        self, chunk: int = 500, after: int | None = None, where: Pred | None = None
    ) -> Iterator[Exchange]:
        """Every exchange with its bodies (with an id above `after`, when given; with
        `where`, those it holds for), in id order, read `chunk` at a time."""
        condition, params = self._condition(where)
        above, limit = f"?{len(params) + 1}", f"?{len(params) + 2}"
        last = -(2**63) if after is None else after
        while True:
            batch = self._exchanges(
                f"WHERE exchanges.id > {above} AND {condition} ORDER BY exchanges.id LIMIT {limit}",
                (*params, last, chunk),
            )
            yield from batch
            if len(batch) < chunk:
                return
            last = batch[-1].id

    def _exchanges(self, where: str, params: tuple[Any, ...]) -> list[Exchange]:
        raw = self._query(
            "SELECT exchanges.*, b.body AS body, b.reply_body AS reply_body, f.* FROM exchanges "
            "LEFT JOIN bodies b ON b.exchange_id = exchanges.id "
            # Renamed in a subquery: a filter's bare `status` must stay the exchange's.
            f"LEFT JOIN ({_FORWARD_SELECT}) f ON f.forward_id = exchanges.id {where}",
            params,
        )
        return [self._exchange(r) for r in raw]

    def _exchange(self, r: sqlite3.Row) -> Exchange:
        """A whole exchange: its light row with the bodies, reply headers and the body's
        view (decoded again from the body, or as stored when the body was not kept)."""
        try:
            light = light_exchange(r)
            body = bytes(r["body"] or b"")
            cut = light.body_size > len(body)  # a refused body's kept start (its request_id)
            view = (
                (view_body_prefix(body) if cut else view_body(body))
                if body
                else replace(
                    light.view,
                    utf8_valid=bool(r["utf8_valid"]),
                    json_valid=bool(r["json_valid"]),
                    is_error=bool(r["is_error"]),
                )
            )
            return replace(
                light,
                http_version=r["http_version"],
                reply_headers=headers_of(r["reply_headers"]),
                body=body,
                reply_body=bytes(r["reply_body"] or b""),
                view=view,
                probe=bool(r["probe"]),
                forward=_forward_of(r),
            )
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            raise SessionFileError(self.path, f"exchange {r['id']} is damaged ({exc})") from None

    def messages(self, exchange_id: int) -> list[WsMessage]:
        """The WebSocket messages of one exchange, in order."""
        raw = self._query(
            "SELECT exchange_id, idx, direction, kind, data, time FROM ws_messages "
            "WHERE exchange_id = ? ORDER BY idx",
            (exchange_id,),
        )
        try:
            return [
                WsMessage(
                    r["exchange_id"],
                    r["idx"],
                    _DIRECTIONS[r["direction"]],
                    _WS_KINDS[r["kind"]],
                    bytes(r["data"]),
                    r["time"],
                )
                for r in raw
            ]
        except KeyError as exc:
            raise SessionFileError(self.path, f"a message is damaged ({exc})") from None

    def events(self) -> list[EmulatorEvent]:
        raw = self._query("SELECT name, time, fields FROM emulator_events ORDER BY seq")
        try:
            return [emulator_event(r["name"], r["time"], json.loads(r["fields"])) for r in raw]
        except ValueError as exc:
            raise SessionFileError(self.path, f"an emulator event is damaged ({exc})") from None


def _has_json1(db: sqlite3.Connection) -> bool:
    """Whether this SQLite has its JSON functions (built in since 3.38, unless left out)."""
    try:
        db.execute("SELECT json_extract('[1]', '$[0]')").fetchone()
    except sqlite3.Error:
        return False
    return True


# What the user's app replied (issue 13, schema v2): joined to each whole exchange.
_FORWARD_FIELDS = (
    "url",
    "status",
    "headers",
    "body",
    "body_size",
    "latency_ms",
    "error",
    "timed_out",
)
_FORWARD_SELECT = (
    "SELECT exchange_id AS forward_id, "
    + ", ".join(f"{name} AS forward_{name}" for name in _FORWARD_FIELDS)
    + " FROM forwards"
)


def _forward_of(r: sqlite3.Row) -> ForwardResult | None:
    """The forward of a joined row, None when the request was not forwarded."""
    if r["forward_url"] is None:
        return None
    return ForwardResult(
        url=r["forward_url"],
        status=r["forward_status"],
        headers=headers_of(r["forward_headers"]),
        body=bytes(r["forward_body"] or b""),
        body_size=r["forward_body_size"],
        latency_ms=r["forward_latency_ms"],
        error=r["forward_error"],
        timed_out=bool(r["forward_timed_out"]),
    )
