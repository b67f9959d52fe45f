"""A capture session on disk: `SessionWriter` (its own thread, group commits) and
`SessionReader` (light rows for the list, bodies when a row is opened).

The writer batches everything queued since its last commit into one transaction: under a
flood the batches grow and the commits per second stay few, so throughput stays high, and a
lone callback is still committed at once. Each `submit` returns a future resolved once the
item's transaction is committed, which is what lets the receiver hold its reply until the
exchange is on disk (engine/persist.py).

Records hold no API key (a callback's `dg-token` is the key's identifier), and this module
stores records and nothing else, so no key can reach a session file.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import re
import sqlite3
import threading
import time
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from ..core.body_view import BodyView, view_body
from ..core.events import EmulatorEvent, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from ..core.records import ClosedBy, Direction, Exchange, ExchangeKind, WsEnd, WsKind, WsMessage
from .schema import SessionFileError, connect

log = logging.getLogger(__name__)

Item = Exchange | WsMessage | EmulatorEvent | ExchangeAdded | ExchangeUpdated | WsMessageAdded

_encode_json_stdlib = json.JSONEncoder(separators=(",", ":")).encode


def _encode_json(value: Any) -> str:
    """Compact JSON text; orjson when it can (the writer thread encodes every exchange's
    headers, under the GIL the receiver needs too), `json` for what orjson refuses."""
    try:
        return orjson.dumps(value).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return _encode_json_stdlib(value)


WRITE_BUSY_TIMEOUT = 2.0  # seconds a commit waits for a file another program has locked
_KINDS = {k.value: k for k in ExchangeKind}
_CLOSED_BY = {c.value: c for c in ClosedBy}
_DIRECTIONS = {d.value: d for d in Direction}
_WS_KINDS = {k.value: k for k in WsKind}


def app_version() -> str:
    try:
        return version("callback-inspector")
    except PackageNotFoundError:
        return "0.0.0+unknown"


@dataclass(frozen=True)
class SessionMeta:
    started: float
    app_version: str
    read_only: bool  # imported from elsewhere (a HAR): shown, never appended to
    source: str  # "capture", or "har:<file name>" for an import
    schema_version: int


class ExchangeRow(NamedTuple):
    """One line of the traffic list: everything but headers and bodies."""

    id: int
    kind: ExchangeKind
    started: float
    finished: float | None
    client: str
    method: str
    target: str
    status: int | None
    body_size: int
    attempt: int
    request_id: str | None
    dg_token: str | None
    ws_end: WsEnd | None
    ws_messages: int
    note: str
    transcript: str | None
    is_final: bool | None


_ROW_COLUMNS = (
    "id, kind, started, finished, client, method, target, status, body_size, attempt, "
    "request_id, dg_token, ws_end_by, ws_end_code, ws_end_reason, ws_messages, note, "
    "transcript, is_final"
)
_EXCHANGE_COLUMNS = (
    "id, kind, started, finished, client, method, target, http_version, status, body_size, "
    "attempt, request_id, dg_token, ws_end_by, ws_end_code, ws_end_reason, ws_messages, note, "
    "transcript, is_final, message_type, is_error, utf8_valid, json_valid, headers, reply_headers"
)
_INSERT_EXCHANGE = (
    f"INSERT OR REPLACE INTO exchanges ({_EXCHANGE_COLUMNS}) "
    f"VALUES ({', '.join('?' * len(_EXCHANGE_COLUMNS.split(',')))})"
)
_INSERT_BODIES = "INSERT OR REPLACE INTO bodies (exchange_id, body, reply_body) VALUES (?, ?, ?)"
_INSERT_MESSAGE = (
    "INSERT OR REPLACE INTO ws_messages (exchange_id, idx, direction, kind, time, data) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_EVENT = "INSERT INTO emulator_events (name, time, fields) VALUES (?, ?, ?)"


def _exchange_row(x: Exchange) -> tuple[Any, ...]:
    end, view = x.ws_end, x.view
    return (
        x.id,
        x.kind.value,
        x.started,
        x.finished,
        x.client,
        x.method,
        x.target,
        x.http_version,
        x.status,
        x.body_size,
        x.attempt,
        view.request_id,
        x.dg_token,
        end.by.value if end else None,
        end.code if end else None,
        end.reason if end else None,
        x.ws_messages,
        x.note,
        view.transcript,
        view.is_final,
        view.message_type,
        view.is_error,
        view.utf8_valid,
        view.json_valid,
        _encode_json(x.headers),
        _encode_json(x.reply_headers),
    )


def _ws_end(by: str | None, code: int | None, reason: str | None) -> WsEnd | None:
    return None if by is None else WsEnd(_CLOSED_BY[by], code, reason or "")


def _headers(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(n), str(v)) for n, v in json.loads(text))


_RECORDS = (Exchange, WsMessage, EmulatorEvent, ExchangeAdded, ExchangeUpdated, WsMessageAdded)


class SessionWriter:
    """Appends records to a session file from its own thread, in group commits.

    Every item submitted while a commit is under way joins the next transaction, and they
    all share that transaction's future: one future per commit rather than per item keeps
    `submit` cheap on the engine thread (a `concurrent.futures.Future` with its lock and
    condition cost several microseconds each, measured).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        source: str = "capture",
        read_only: bool = False,
        started: float | None = None,
        busy_timeout: float = WRITE_BUSY_TIMEOUT,
    ) -> None:
        self.path = Path(path)
        self._db = connect(self.path, create=True)  # SessionFileError here, on the caller
        # Another program holding the file locked makes a commit wait at most this long,
        # then fail; the engine then stops holding replies for the disk (engine/persist.py).
        self._db.execute(f"PRAGMA busy_timeout = {round(busy_timeout * 1000)}")
        try:
            self._init_meta(source, read_only, started)
        except sqlite3.Error as exc:
            self._db.close()
            raise SessionFileError(self.path, f"cannot be written ({exc})") from None
        self._wake = threading.Condition(threading.Lock())
        self._pending: list[object] = []
        self._future: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._closed = False
        self.committed = 0  # records committed so far (for benches and tests)
        self.commits = 0  # transactions committed so far
        self._thread = threading.Thread(
            target=self._run, name=f"session-writer:{self.path.name}", daemon=True
        )
        self._thread.start()

    def _init_meta(self, source: str, read_only: bool, started: float | None) -> None:
        values = {
            "started": repr(time.time() if started is None else started),
            "app_version": app_version(),
            "read_only": "1" if read_only else "0",
            "source": source,
        }
        # A reopened session keeps its original start and origin.
        self._db.executemany(
            "INSERT OR IGNORE INTO session (key, value) VALUES (?, ?)", values.items()
        )

    def submit(self, item: Item) -> concurrent.futures.Future[None]:
        """Queue `item` (an Exchange, replacing any of the same id; a WsMessage; an
        EmulatorEvent; or the engine event carrying one). The future resolves when its
        transaction has committed, or fails with the error that stopped it; items of one
        transaction share one future. TypeError at once for anything else."""
        if not isinstance(item, _RECORDS):
            raise TypeError(f"cannot store a {type(item).__name__} in a session")
        return self._put(item)

    def _put(self, item: object) -> concurrent.futures.Future[None]:
        with self._wake:
            if self._closed:
                raise RuntimeError(f"session writer for {self.path} is closed")
            self._pending.append(item)
            self._wake.notify()
            return self._future

    def flush(self) -> concurrent.futures.Future[None]:
        """A future resolved once everything submitted before this call is committed."""
        return self._put(None)

    def close(self, timeout: float | None = 30.0) -> None:
        """Commit what is queued, stop the thread, close the file; safe to call twice."""
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout)

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the writer thread ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            while True:
                with self._wake:
                    while not self._pending and not self._closed:
                        self._wake.wait()
                    batch, future = self._pending, self._future
                    if not batch:  # closed, nothing left
                        return
                    self._pending, self._future = [], concurrent.futures.Future()
                try:
                    error = self._write(batch)
                except Exception as exc:  # a malformed record: fail its commit, keep going
                    log.exception("session %s: cannot write a batch", self.path)
                    error = exc
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(error)
        finally:
            try:
                self._db.close()
            except sqlite3.Error:
                log.exception("closing %s", self.path)

    def _write(self, batch: list[object]) -> Exception | None:
        exchanges: list[tuple[Any, ...]] = []
        bodies: list[tuple[int, bytes, bytes]] = []
        messages: list[tuple[Any, ...]] = []
        events: list[tuple[str, float, str]] = []
        for item in batch:
            if isinstance(item, (ExchangeAdded, ExchangeUpdated)):
                item = item.exchange
            elif isinstance(item, WsMessageAdded):
                item = item.message
            if isinstance(item, Exchange):
                exchanges.append(_exchange_row(item))
                bodies.append((item.id, item.body, item.reply_body))
            elif isinstance(item, WsMessage):
                messages.append(
                    (
                        item.exchange_id,
                        item.index,
                        item.direction.value,
                        item.kind.value,
                        item.time,
                        item.data,
                    )
                )
            elif isinstance(item, EmulatorEvent):
                # `repr` for what is not JSON: one odd field must not fail a whole commit.
                events.append((item.name, item.time, _encode_event(item.fields)))
        db = self._db
        try:
            db.execute("BEGIN")
            if exchanges:
                db.executemany(_INSERT_EXCHANGE, exchanges)
                db.executemany(_INSERT_BODIES, bodies)
            if messages:
                db.executemany(_INSERT_MESSAGE, messages)
            if events:
                db.executemany(_INSERT_EVENT, events)
            db.execute("COMMIT")
        except Exception as exc:
            # Debug only: under a full disk every batch fails; the engine's Persister tells
            # the user once (a StorageEvent) rather than a log line per batch.
            log.debug("session %s: a write of %d items failed: %s", self.path, len(batch), exc)
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            return SessionFileError(self.path, f"cannot be written ({exc})")
        self.committed += len(exchanges) + len(messages) + len(events)
        self.commits += 1
        return None


_encode_event = json.JSONEncoder(separators=(",", ":"), default=repr).encode


def _group_index(
    keyed: bytearray,
    first: array[int],
    last: array[int],
    sizes: array[int],
    hit_groups: array[int],
    hit_ids: array[int],
) -> GroupIndex:
    """Lay the listed members out group after group (a counting sort: no list per group),
    leaving out the groups the filter emptied."""
    counts = array("q", bytes(8 * len(keyed)))
    for g in hit_groups:
        counts[g] += 1
    kept = [g for g, n in enumerate(counts) if n]
    starts, at = array("q"), array("q", bytes(8 * len(keyed)))
    pos = 0
    for g in kept:
        starts.append(pos)
        at[g] = pos
        pos += counts[g]
    starts.append(pos)
    members = array("q", bytes(8 * pos))
    for g, xid in zip(hit_groups, hit_ids, strict=True):
        members[at[g]] = xid
        at[g] += 1
    if len(kept) == len(keyed):
        return GroupIndex(members, starts, keyed, first, last, sizes)
    return GroupIndex(
        members,
        starts,
        bytearray(keyed[g] for g in kept),
        array("q", (first[g] for g in kept)),
        array("q", (last[g] for g in kept)),
        array("q", (sizes[g] for g in kept)),
    )


def _py_lower(value: object) -> str | None:
    """SQL `py_lower(x)`: Python's lower() (Unicode), of a value's text as SQLite gives it."""
    return None if value is None else str(value).lower()


class ReadInterrupted(Exception):
    """A query stopped by `SessionReader.interrupt` (a newer search replaced it)."""


# What the traffic list's filter box matches for a stored row, as SQL: the same text as
# `ui.traffic_model.search_text` gives for a light row (path, method, "ws websocket",
# status text, status, request_id, dg-token, note, the dg-token header; no other headers
# and no bodies: those are read when a row is opened), the parts joined by newlines.
_STATUS_TEXT_SQL = (
    "CASE WHEN kind = 'websocket' AND status = 101 THEN"
    " CASE WHEN ws_end_by IS NULL THEN '101 open \u21c4'"
    " WHEN ws_end_code IS NULL THEN 'closed'"
    " ELSE 'closed ' || ws_end_code || CASE WHEN ws_end_code = 1000 THEN ' \u2713'"
    " ELSE ' \u2717' END END"
    " WHEN status IS NULL THEN 'pending \u2026'"
    " WHEN status < 300 THEN status || ' \u2713'"
    " WHEN status < 400 THEN status || ' \u21aa'"
    " ELSE status || ' \u2717' END"
)
_SEARCH_PARTS_SQL = (
    "target",
    "method",
    "CASE WHEN kind = 'websocket' THEN 'ws websocket' ELSE '' END",
    f"({_STATUS_TEXT_SQL})",
    "CASE WHEN status IS NULL OR status = 0 THEN '' ELSE status END",
    "coalesce(request_id, '')",
    "coalesce(dg_token, '')",
    "note",
    "CASE WHEN coalesce(dg_token, '') = '' THEN '' ELSE 'dg-token: ' || dg_token END",
)
_STATUS_TEXT_CHARS = frozenset("0123456789 \u2713\u21aa\u2717\u21c4\u2026opencldsig")
_TOKEN_PREFIX = "dg-token: "


def _parts_that_can_match(needle: str) -> list[str]:
    """The search parts that can hold `needle` (a needle without a newline). The ones made
    of our own words (the status text, "ws websocket", "dg-token: ") are left out when the
    needle cannot be in them: a path such as "?n=99999" is looked for in five columns, not
    in nine expressions built for every row."""
    target, method, ws, status_text, status, rid, token, note, token_header = _SEARCH_PARTS_SQL
    parts = [target, method, rid, token, note]
    if needle in "ws websocket":
        parts.append(ws)
    if set(needle) <= _STATUS_TEXT_CHARS:
        parts.append(status_text)
    if needle.isdigit():
        parts.append(status)
    # "dg-token: <token>" adds a match only where the needle runs into "dg-token: ".
    if any(_TOKEN_PREFIX.endswith(needle[:k]) for k in range(1, len(needle) + 1)) or (
        needle in _TOKEN_PREFIX
    ):
        parts.append(token_header)
    return parts


def _search_condition(needle: str) -> tuple[str, tuple[str]]:
    """SQL true when `needle` (lower case) is in a row's search text, and its parameter.

    A needle without a newline cannot span two parts, so each part that can hold it is
    tried on its own: SQLite stops at the first that matches, several times faster than
    building the whole text per row. An ASCII needle goes through LIKE, which folds ASCII
    case as lower() does, without building a lower-case copy of every value; any other
    needle is compared with Python's lower(), as the live list does (`py_lower`).
    """
    if "\n" in needle:
        text = " || char(10) || ".join(f"py_lower({p})" for p in _SEARCH_PARTS_SQL)
        return f"instr({text}, ?1) > 0", (needle,)
    parts = _parts_that_can_match(needle)
    if needle.isascii():
        pattern = "%" + re.sub(r"([%_\\])", r"\\\1", needle) + "%"
        return " OR ".join(f"{p} LIKE ?1 ESCAPE '\\'" for p in parts), (pattern,)
    return " OR ".join(f"instr(py_lower({p}), ?1) > 0" for p in parts), (needle,)


# Grouped by request_id the way the live list groups: HTTP exchanges with a request_id
# share a group; every other exchange is a group of its own.
_GROUP_RID_SQL = "CASE WHEN kind = 'http' AND coalesce(request_id, '') != '' THEN request_id END"


@dataclass(frozen=True)
class GroupIndex:
    """Exchanges grouped by request_id, groups in order of their first exchange.

    Group g's listed members are `members[starts[g]:starts[g + 1]]` (those the filter
    kept, all when there is none); `keyed[g]` says whether it is a request_id's group (a
    node with its attempts under it) or one exchange on its own; `first`, `last` and
    `sizes` describe the whole group, filter or not (the node shows its latest attempt).
    """

    members: array[int]
    starts: array[int]
    keyed: bytearray
    first: array[int]
    last: array[int]
    sizes: array[int]

    def __len__(self) -> int:
        return len(self.keyed)


class SessionReader:
    """Reads a session file; safe to use while a writer appends to it (WAL).

    `read_only` makes the connection refuse writes (a worker's own connection for
    searches); `interrupt` stops the query under way from another thread.
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self._db = connect(self.path)
        if read_only:
            self._db.execute("PRAGMA query_only = 1")
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

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Every row of `sql` (errors as `_reading` says)."""
        with self._reading(), self._lock:
            return self._db.execute(sql, params).fetchall()

    def meta(self) -> SessionMeta:
        values = dict(self._query("SELECT key, value FROM session"))
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

    def ids(self, needle: str = "") -> array[int]:
        """Exchange ids in list order (id order); with `needle` (lower case), only the
        exchanges the filter box would show for it."""
        condition, params = self._match(needle)
        out: array[int] = array("q")
        sql = f"SELECT id FROM exchanges WHERE {condition} ORDER BY id"
        for (xid,) in self._scan(sql, params):
            out.append(xid)
        return out

    def groups(self, needle: str = "") -> GroupIndex:
        """The list grouped by request_id (see GroupIndex), filtered by `needle`.

        One scan in id order: a group's number is the order of its first exchange, which is
        the order the live list gives its groups. (SQL window functions over the request_id
        sort the whole table: three times slower on a million rows.)
        """
        hit, params = self._match(needle)
        group_of: dict[str, int] = {}
        keyed = bytearray()
        first, last, sizes = array("q"), array("q"), array("q")
        hit_groups, hit_ids = array("q"), array("q")
        sql = f"SELECT id, {_GROUP_RID_SQL}, {hit} FROM exchanges ORDER BY id"
        for xid, rid, matched in self._scan(sql, params):
            g = None if rid is None else group_of.get(rid)
            if g is None:
                if rid is None and not matched:
                    continue  # a lone exchange the filter hides: no group at all
                g = len(keyed)
                if rid is not None:
                    group_of[rid] = g
                keyed.append(rid is not None)
                first.append(xid)
                last.append(xid)
                sizes.append(1)
            else:
                last[g] = xid
                sizes[g] += 1
            if matched:
                hit_groups.append(g)
                hit_ids.append(xid)
        return _group_index(keyed, first, last, sizes, hit_groups, hit_ids)

    def _scan(self, sql: str, params: tuple[Any, ...] = (), chunk: int = 10_000) -> Iterator[Any]:
        """The rows of `sql` a chunk at a time (a million rows never all in memory)."""
        with self._reading(), self._lock:
            cursor = self._db.execute(sql, params)
            while rows := cursor.fetchmany(chunk):
                yield from rows

    def _match(self, needle: str) -> tuple[str, tuple[Any, ...]]:
        """The condition of the filter box's `needle` (lower case), and its parameter."""
        if not needle:
            return "1", ()
        self._db.create_function("py_lower", 1, _py_lower, deterministic=True)
        return _search_condition(needle)

    def rows_by_id(self, ids: Sequence[int]) -> list[ExchangeRow]:
        """Light rows of these exchange ids, in id order (missing ids are left out)."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        raw = self._query(
            f"SELECT {_ROW_COLUMNS} FROM exchanges WHERE id IN ({marks}) ORDER BY id", tuple(ids)
        )
        try:
            return self._rows(raw)
        except (KeyError, TypeError) as exc:
            raise SessionFileError(self.path, f"a row is damaged ({exc})") from None

    def rows(self, offset: int = 0, limit: int | None = None) -> list[ExchangeRow]:
        """Light rows in id order, without headers or bodies (the list's model)."""
        raw = self._query(
            f"SELECT {_ROW_COLUMNS} FROM exchanges ORDER BY id LIMIT ? OFFSET ?",
            (-1 if limit is None else limit, offset),
        )
        try:
            return self._rows(raw)
        except (KeyError, TypeError) as exc:
            raise SessionFileError(self.path, f"a row is damaged ({exc})") from None

    @staticmethod
    def _rows(raw: list[Any]) -> list[ExchangeRow]:
        # tuple.__new__ over a tuple display: about twice as fast as ExchangeRow(...) with
        # 17 arguments, which showed when listing 100,000 rows.
        new, cls, kinds, end = tuple.__new__, ExchangeRow, _KINDS, _ws_end
        return [
            new(
                cls,
                (
                    r[0],
                    kinds[r[1]],
                    *r[2:12],
                    None if r[12] is None else end(r[12], r[13], r[14]),
                    r[15],
                    r[16],
                    r[17],
                    None if r[18] is None else bool(r[18]),
                ),
            )
            for r in raw
        ]

    def exchange(self, exchange_id: int) -> Exchange | None:
        """The whole exchange with its bodies, or None when the session has no such id."""
        found = self._exchanges("WHERE e.id = ?", (exchange_id,))
        return found[0] if found else None

    def exchanges(self, chunk: int = 500, after: int | None = None) -> Iterator[Exchange]:
        """Every exchange with its bodies (with an id above `after`, when given), in id order,
        read `chunk` at a time."""
        last = after
        while True:
            if last is None:
                batch = self._exchanges("ORDER BY e.id LIMIT ?", (chunk,))
            else:
                batch = self._exchanges("WHERE e.id > ? ORDER BY e.id LIMIT ?", (last, chunk))
            yield from batch
            if len(batch) < chunk:
                return
            last = batch[-1].id

    def _exchanges(self, where: str, params: tuple[Any, ...]) -> list[Exchange]:
        columns = ", ".join(f"e.{c.strip()}" for c in _EXCHANGE_COLUMNS.split(","))
        raw = self._query(
            f"SELECT {columns}, b.body, b.reply_body FROM exchanges e "
            f"LEFT JOIN bodies b ON b.exchange_id = e.id {where}",
            params,
        )
        return [self._exchange(r) for r in raw]

    def _exchange(self, r: tuple[Any, ...]) -> Exchange:
        body = bytes(r[26] or b"")
        view = (
            view_body(body)
            if body
            else BodyView(
                utf8_valid=bool(r[22]),
                json_valid=bool(r[23]),
                request_id=r[11],
                transcript=r[18],
                is_final=None if r[19] is None else bool(r[19]),
                message_type=r[20],
                is_error=bool(r[21]),
            )
        )
        try:
            return Exchange(
                id=r[0],
                kind=_KINDS[r[1]],
                started=r[2],
                finished=r[3],
                client=r[4],
                method=r[5],
                target=r[6],
                http_version=r[7],
                status=r[8],
                body_size=r[9],
                attempt=r[10],
                ws_end=_ws_end(r[13], r[14], r[15]),
                ws_messages=r[16],
                note=r[17],
                headers=_headers(r[24]),
                reply_headers=_headers(r[25]),
                body=body,
                reply_body=bytes(r[27] or b""),
                view=view,
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise SessionFileError(self.path, f"exchange {r[0]} is damaged ({exc})") from None

    def messages(self, exchange_id: int) -> list[WsMessage]:
        """The WebSocket messages of one exchange, in order."""
        raw = self._query(
            "SELECT exchange_id, idx, direction, kind, data, time FROM ws_messages "
            "WHERE exchange_id = ? ORDER BY idx",
            (exchange_id,),
        )
        try:
            return [
                WsMessage(r[0], r[1], _DIRECTIONS[r[2]], _WS_KINDS[r[3]], bytes(r[4]), r[5])
                for r in raw
            ]
        except KeyError as exc:
            raise SessionFileError(self.path, f"a message is damaged ({exc})") from None

    def events(self) -> list[EmulatorEvent]:
        raw = self._query("SELECT name, time, fields FROM emulator_events ORDER BY seq")
        try:
            return [EmulatorEvent(r[0], r[1], json.loads(r[2])) for r in raw]
        except ValueError as exc:
            raise SessionFileError(self.path, f"an emulator event is damaged ({exc})") from None
