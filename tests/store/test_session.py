"""Session files: real SQLite files in tmp_path, written by the writer thread, read back."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from inspector.core.emulator_events import emulator_event
from inspector.core.events import ExchangeAdded, ExchangeUpdated, WsMessageAdded
from inspector.core.exchange_display import plain_word
from inspector.core.records import Exchange
from inspector.store.library import SessionLibrary, SessionNotFoundError
from inspector.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SessionFileError,
    _create_v1,
    connect,
    migrate,
)
from inspector.store.session import SessionWriter
from inspector.store.session_reader import SessionReader
from tests.factories import BINARY, http_exchange, ws_exchange


def _write(path: Path, *items: object) -> None:
    with SessionWriter(path) as writer:
        futures = [writer.submit(item) for item in items]  # type: ignore[arg-type]
        for future in futures:
            future.result(10)


def test_every_field_of_every_record_reads_back(tmp_path):
    path = tmp_path / "s.cisession"
    http = http_exchange(1, reply_body=b"ok")
    binary = http_exchange(3, body=BINARY, status=500, reply_body=BINARY[:10])
    ws, messages = ws_exchange(2)
    event = emulator_event("attempt", 1.5, {"request_id": "r", "status": 500, "nested": [1, None]})
    _write(path, http, ws, *messages, binary, event)
    with SessionReader(path) as reader:
        assert reader.count() == 3 and reader.last_id() == 3
        assert reader.exchange(1) == http
        assert reader.exchange(2) == ws
        assert reader.exchange(3) == binary
        assert reader.exchange(99) is None
        assert reader.messages(2) == messages
        assert reader.messages(1) == []
        assert reader.events() == [event]
        assert list(reader.exchanges(chunk=2)) == [http, ws, binary]


def test_engine_events_are_accepted_and_an_update_replaces_by_id(tmp_path):
    path = tmp_path / "s.cisession"
    pending = http_exchange(1, status=None)
    done = replace(pending, status=503, finished=pending.started + 1)
    _, messages = ws_exchange(2)
    _write(path, ExchangeAdded(pending), ExchangeUpdated(done), WsMessageAdded(messages[0]))
    with SessionReader(path) as reader:
        assert reader.count() == 1
        assert reader.exchange(1) == done
        assert reader.messages(2) == messages[:1]
        (row,) = reader.rows()
        assert row.status == 503


def test_rows_are_light_and_paged(tmp_path):
    path = tmp_path / "s.cisession"
    ws, _ = ws_exchange(1001)
    _write(path, *(http_exchange(i, attempt=i % 3 + 1) for i in range(1, 1001)), ws)
    with SessionReader(path) as reader:
        assert reader.count() == 1001
        page = reader.rows(10, 5)
        assert [r.id for r in page] == [11, 12, 13, 14, 15]
        row = page[0]
        x = http_exchange(11, attempt=11 % 3 + 1)
        assert isinstance(row, Exchange)
        assert row.body == b"" and row.reply_body == b"" and row.headers == x.headers
        assert (row.method, row.target, row.status, row.body_size, row.attempt) == (
            x.method,
            x.target,
            200,
            x.body_size,
            x.attempt,
        )
        assert (row.request_id, row.dg_token, row.view.transcript) == (
            x.request_id,
            x.dg_token,
            "hello world",
        )
        last = reader.rows(1000)
        assert [r.id for r in last] == [1001]
        assert last[0].ws_end == ws.ws_end
        assert len(reader.rows()) == 1001


def _rid_body(rid: str) -> bytes:
    return b'{"metadata":{"request_id":"%s"},"results":{}}' % rid.encode()


def test_ids_and_groups_follow_list_order_gaps_and_the_filter(tmp_path):
    """What a stored list shows, in SQL: ids in id order (with gaps), the filter box's
    text over path, status text, request_id and dg-token, and request_id groups in the
    order of their first attempt, a WebSocket always on its own."""
    path = tmp_path / "s.cisession"
    ws, _ = ws_exchange(9)
    _write(
        path,
        http_exchange(1, body=_rid_body("r-a"), target="/first"),
        http_exchange(2, body=_rid_body("r-b"), status=500),
        http_exchange(5, body=_rid_body("r-a"), attempt=2, target="/CAFÉ"),
        ws,
        http_exchange(10, body=b"{}", status=None, target="/50%_off"),
        http_exchange(12, body=_rid_body("r-b"), attempt=2),
    )
    with SessionReader(path) as reader:
        assert reader.id_span() == (1, 12, 6)  # 12 - 1 + 1 != 6: not a plain range
        assert list(reader.ids()) == [1, 2, 5, 9, 10, 12]
        assert list(reader.ids(plain_word("/first"))) == [1]
        assert list(reader.ids(plain_word("500 ✗"))) == [2]
        assert list(reader.ids(plain_word("pending"))) == [10]
        assert list(reader.ids(plain_word("café"))) == [5]  # Python lower(), not ASCII only
        assert list(reader.ids(plain_word("50%_"))) == [10]  # LIKE's wildcards are plain text here
        assert list(reader.ids(plain_word("5%_"))) == []
        assert list(reader.ids(plain_word("r-b"))) == [2, 12]
        assert list(reader.ids(plain_word("ws websocket"))) == [9]
        assert list(reader.ids(plain_word("dg-token: 5b0f5a3e"))) == [1, 2, 5, 10, 12]

        groups = reader.groups()
        assert len(groups) == 4
        assert list(groups.keyed) == [1, 1, 0, 0]  # r-a, r-b, the WebSocket, #10
        assert list(groups.members) == [1, 5, 2, 12, 9, 10]
        assert list(groups.starts) == [0, 2, 4, 5, 6]
        assert (list(groups.first), list(groups.last)) == ([1, 2, 9, 10], [5, 12, 9, 10])
        assert list(groups.sizes) == [2, 2, 1, 1]

        only = reader.groups(plain_word("/cafÉ"))  # one attempt of r-a: the group, that attempt
        assert (len(only), list(only.members), list(only.sizes)) == (1, [5], [2])
        assert list(only.first) == [1] and list(only.last) == [5]

        assert [r.id for r in reader.rows_by_id([12, 1, 77])] == [1, 12]


def test_a_read_only_reader_refuses_to_write(tmp_path):
    path = tmp_path / "s.cisession"
    _write(path, http_exchange(1))
    with SessionReader(path, read_only=True) as reader:
        assert list(reader.ids()) == [1]
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader._db.execute("DELETE FROM exchanges")
    with SessionReader(path) as reader:
        assert reader.count() == 1


def test_future_resolves_once_another_connection_can_read_it(tmp_path):
    path = tmp_path / "s.cisession"
    with SessionWriter(path) as writer:
        reader = SessionReader(path)
        for i in range(1, 51):
            writer.submit(http_exchange(i)).result(10)
            assert reader.exchange(i) is not None  # committed, not just queued
        reader.close()


def test_everything_queued_goes_in_few_transactions(tmp_path):
    path = tmp_path / "s.cisession"
    with SessionWriter(path) as writer:
        futures = [writer.submit(http_exchange(i)) for i in range(1, 5001)]
        writer.flush().result(30)
        assert all(f.done() and f.exception() is None for f in futures)
        assert writer.committed == 5000
        assert writer.commits < 5000 / 10  # group commits, not one per item


def test_a_non_record_is_refused_at_once_and_close_is_final(tmp_path):
    path = tmp_path / "s.cisession"
    with SessionWriter(path) as writer:
        with pytest.raises(TypeError, match="cannot store a str"):
            writer.submit("not a record")  # type: ignore[arg-type]
        assert writer.submit(http_exchange(1)).result(10) is None
        odd = emulator_event("job", 1.0, {"not json": {1, 2}})  # repr'd, not a failed commit
        assert writer.submit(odd).result(10) is None
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(http_exchange(2))
    with SessionReader(path) as reader:
        assert reader.events()[0].fields == {"not json": "{1, 2}"}


def test_file_is_wal_normal_sync_and_versioned(tmp_path):
    path = tmp_path / "s.cisession"
    with SessionWriter(path, source="capture") as writer:
        writer.submit(http_exchange(1)).result(10)
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
        db.close()
    with SessionReader(path) as reader:
        meta = reader.meta()
    assert (meta.schema_version, meta.read_only, meta.source) == (3, False, "capture")
    assert meta.started > 0 and meta.app_version


def test_a_next_migration_upgrades_a_current_file_in_place(tmp_path):
    path = tmp_path / "s.cisession"
    _write(path, http_exchange(1))

    def next_version(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE exchanges ADD COLUMN replay_of INTEGER")

    nxt = SCHEMA_VERSION + 1
    db = sqlite3.connect(path, isolation_level=None)
    assert migrate(db, path, {**MIGRATIONS, nxt: next_version}) == nxt
    assert db.execute("PRAGMA user_version").fetchone()[0] == nxt
    assert db.execute("SELECT id, replay_of FROM exchanges").fetchall() == [(1, None)]
    db.close()
    # This version reads up to SCHEMA_VERSION: a newer file is refused, not misread.
    with pytest.raises(SessionFileError, match="newer callback-inspector"):
        SessionReader(path)


def test_a_v1_file_gains_the_rule_column_and_reads_as_no_rule(tmp_path):
    """v3 (issue 17): which reply rule answered. A v1 session opens, upgraded in place."""
    path = tmp_path / "v1.cisession"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    assert migrate(db, path, {1: _create_v1}) == 1
    db.execute(
        "INSERT INTO session (key, value) VALUES ('started', '1.0'), ('app_version', '0.1.0'), "
        "('read_only', '0'), ('source', 'capture')"
    )
    db.close()
    with SessionWriter(path) as writer:  # opening it migrates; then a record with a rule
        writer.submit(replace(http_exchange(1), rule="slow PUT")).result(10)
        writer.submit(http_exchange(2)).result(10)
    with SessionReader(path) as reader:
        assert reader.meta().schema_version == SCHEMA_VERSION
        assert [x.rule for x in reader.exchanges()] == ["slow PUT", None]
        assert [x.rule for x in reader.rows_by_id([1, 2])] == ["slow PUT", None]  # light rows


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(4096))


def _truncated(path: Path) -> None:
    _write(path, *(http_exchange(i, body=BINARY * 4) for i in range(1, 200)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _short(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00\x10\x00")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _foreign(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (_garbage, "not SQLite"),
        (_truncated, "truncated"),
        (_short, "truncated"),
        (_empty, "empty file"),
        (_foreign, "not a callback-inspector session"),
    ],
)
def test_a_bad_file_is_a_session_file_error_with_a_reason(tmp_path, spoil, reason):
    path = tmp_path / "bad.cisession"
    spoil(path)
    with pytest.raises(SessionFileError, match=reason) as caught:
        SessionReader(path)
    assert caught.value.path == path and reason in caught.value.reason


def test_library_create_list_latest_open_delete(tmp_path):
    library = SessionLibrary(tmp_path)
    assert library.list() == [] and library.latest() is None
    first = library.create(started=1_790_000_000.0)
    first.submit(http_exchange(1)).result(10)
    first.close()
    second = library.create(started=1_790_000_000.0)  # same second: a distinct name
    for i in range(1, 4):
        second.submit(http_exchange(i))
    second.close()
    infos = library.list()
    assert [i.id for i in infos] == ["2026-09-21_14-13-20_2", "2026-09-21_14-13-20"]
    assert [i.count for i in infos] == [3, 1]
    assert all(i.size > 0 and i.error is None and i.path.exists() for i in infos)
    assert library.latest() == infos[0]
    with library.open("latest") as reader:
        assert reader.count() == 3
    with library.open(infos[1].id) as reader:
        assert reader.count() == 1
    library.delete(infos[1].id)
    assert [i.id for i in library.list()] == [infos[0].id]
    with pytest.raises(SessionNotFoundError):
        library.open(infos[1].id)
    with pytest.raises(SessionNotFoundError):
        library.open("../escape")


def test_library_lists_a_bad_file_and_keeps_the_others(tmp_path):
    library = SessionLibrary(tmp_path)
    good = library.create(started=1_790_000_000.0)
    good.submit(http_exchange(1)).result(10)
    good.close()
    bad = library.directory / "2099-01-01_00-00-00.cisession"
    _garbage(bad)
    infos = {i.id: i for i in library.list()}
    assert infos["2099-01-01_00-00-00"].error is not None
    assert "not SQLite" in infos["2099-01-01_00-00-00"].error
    assert infos[good.path.stem].count == 1
    assert library.latest() is not None and library.latest().id == good.path.stem  # type: ignore[union-attr]
    with pytest.raises(SessionFileError):
        library.open("2099-01-01_00-00-00")


def test_connect_refuses_a_missing_file_without_creating_it(tmp_path):
    path = tmp_path / "missing.cisession"
    with pytest.raises(SessionFileError, match="no such session file"):
        connect(path)
    assert not path.exists()


def test_a_crash_mid_checkpoint_is_not_called_truncated_while_its_wal_remains(tmp_path):
    # A short main file with a WAL beside it is what SIGKILL during a checkpoint leaves;
    # SQLite completes it from the WAL, so the header check must not refuse it.
    path = tmp_path / "s.cisession"
    _truncated(path)
    path.with_name(path.name + "-wal").write_bytes(b"\x00" * 32)
    try:
        SessionReader(path).close()
    except SessionFileError as exc:
        assert "truncated" not in exc.reason  # SQLite's own verdict, whatever it is


def test_damage_inside_a_file_is_a_session_file_error_too(tmp_path):
    path = tmp_path / "s.cisession"
    _write(path, *(http_exchange(i, body=BINARY) for i in range(1, 300)))
    data = bytearray(path.read_bytes())
    for offset in range(4096 * 2, len(data), 4096 * 3):
        data[offset : offset + 2000] = os.urandom(2000)
    path.write_bytes(bytes(data))
    with pytest.raises(SessionFileError, match="damaged"):
        reader = SessionReader(path)
        reader.count()
        reader.rows()
        list(reader.exchanges())


_CRASHING_WRITER = """
import sys
from inspector.store.session import SessionWriter
from tests.factories import BINARY, http_exchange
writer = SessionWriter(sys.argv[1])
i = 0
while True:
    futures = [(n, writer.submit(http_exchange(n, body=BINARY))) for n in range(i + 1, i + 51)]
    for n, future in futures:
        future.result()
        print(n, flush=True)  # "answered": only after its commit
    i += 50
"""


def test_sigkill_loses_nothing_that_was_committed(tmp_path):
    path = tmp_path / "s.cisession"
    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASHING_WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert proc.stdout is not None
    answered = 0
    for line in proc.stdout:
        answered = int(line)
        if answered >= 2000:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    for line in proc.stdout:  # what it printed before dying was committed too
        answered = int(line)
    with SessionReader(path) as reader:
        assert reader.count() >= answered
        ids = {row.id for row in reader.rows()}
        assert set(range(1, answered + 1)) <= ids
        assert reader.exchange(answered) == http_exchange(answered, body=BINARY)


def test_a_malformed_record_fails_its_commit_and_the_writer_goes_on(tmp_path):
    path = tmp_path / "s.cisession"
    with SessionWriter(path) as writer:
        broken = replace(http_exchange(1), kind="http")  # type: ignore[arg-type]
        with pytest.raises(AttributeError):
            writer.submit(broken).result(10)
        assert writer.submit(http_exchange(2)).result(10) is None
    with SessionReader(path) as reader:
        assert [row.id for row in reader.rows()] == [2]


def test_prune_keeps_the_newest_captures_and_never_imports_or_bad_files(tmp_path):
    from inspector.store.library import SessionLibrary

    library = SessionLibrary(tmp_path)
    ids = []
    for n in range(5):
        writer = library.create(source="capture", started=1_000_000.0 + n)
        writer.close()
        ids.append(writer.path.stem)
    imported = library.create(source="har-import", read_only=True, started=900_000.0)
    imported.close()
    broken = library.directory / "1999-01-01_00-00-00.cisession"
    broken.write_bytes(b"not a database at all" * 100)

    deleted = library.prune(2, current=ids[-1])

    assert sorted(deleted) == sorted(ids[:3])  # the current one plus the newest other
    left = {i.id for i in library.list()}
    assert left == {ids[3], ids[4], imported.path.stem, broken.stem}
