"""Writing a capture session to disk: `SessionWriter`, on its own thread, in group commits.
(Reading one is `store/session_reader.py`.)

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
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import orjson

from ..core.events import EmulatorEvent, ExchangeAdded, ExchangeUpdated, WsMessageAdded
from ..core.forward import ForwardResult
from ..core.records import Exchange, WsMessage
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


def app_version() -> str:
    try:
        return version("callback-inspector")
    except PackageNotFoundError:
        return "0.0.0+unknown"


_EXCHANGE_COLUMNS = (
    "id, kind, started, finished, client, method, target, http_version, status, body_size, "
    "attempt, request_id, dg_token, ws_end_by, ws_end_code, ws_end_reason, ws_messages, note, "
    "transcript, is_final, message_type, is_error, utf8_valid, json_valid, headers, reply_headers, "
    "probe, rule"
)
# What the user's app replied (issue 13); the reader joins it to each exchange.
_FORWARD_COLUMNS = "url, status, headers, body, body_size, latency_ms, error, timed_out"
_INSERT_FORWARD = (
    f"INSERT OR REPLACE INTO forwards (exchange_id, {_FORWARD_COLUMNS}) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
        x.probe,
        x.rule,
    )


def _forward_row(exchange_id: int, f: ForwardResult) -> tuple[Any, ...]:
    return (
        exchange_id,
        f.url,
        f.status,
        _encode_json(f.headers),
        f.body,
        f.body_size,
        f.latency_ms,
        f.error,
        f.timed_out,
    )


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
        forwards: list[tuple[Any, ...]] = []
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
                if item.forward is not None:
                    forwards.append(_forward_row(item.id, item.forward))
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
            if forwards:
                db.executemany(_INSERT_FORWARD, forwards)
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
