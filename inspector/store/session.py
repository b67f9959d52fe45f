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
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NamedTuple

from ..core.body_view import BodyView, view_body
from ..core.events import EmulatorEvent, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from ..core.records import ClosedBy, Direction, Exchange, ExchangeKind, WsEnd, WsKind, WsMessage
from .schema import SessionFileError, connect

log = logging.getLogger(__name__)

Item = Exchange | WsMessage | EmulatorEvent | ExchangeAdded | ExchangeUpdated | WsMessageAdded

_encode_json = json.JSONEncoder(separators=(",", ":")).encode
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


class SessionReader:
    """Reads a session file; safe to use while a writer appends to it (WAL)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._db = connect(self.path)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SessionReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        """Every row of `sql`; a damaged file is a SessionFileError, never a traceback."""
        try:
            with self._lock:
                return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise SessionFileError(self.path, f"damaged ({exc})") from None

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

    def exchanges(self, chunk: int = 500) -> Iterator[Exchange]:
        """Every exchange with its bodies, in id order, read `chunk` at a time."""
        last = None
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
