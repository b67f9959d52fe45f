"""The session file: opening it, checking it is one, and its schema with migrations.

A session is one SQLite file in WAL mode with `synchronous=NORMAL`: a commit is durable
against an application crash (the WAL is in the OS's hands once `write` returns), which is
what "written before its reply leaves" needs; an OS crash may lose the last commits.

The schema version lives in `PRAGMA user_version`. `MIGRATIONS[n]` turns a version n-1 file
into version n; opening a file runs the missing ones in one transaction each, so a v1 file
opened by a later version is upgraded in place, and a file from a newer version is refused
with a message instead of being misread.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_HEADER_SIZE = 100


class SessionFileError(Exception):
    """A session file that cannot be used: missing, garbage, truncated, from a newer version."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


_V1 = (
    """CREATE TABLE session (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    # Light columns only: the list reads these; bodies live in `bodies` so listing 100,000
    # rows never walks a body's overflow pages. The view columns (request_id, transcript...)
    # are what `core.body_view` derived from the body when it was captured.
    """CREATE TABLE exchanges (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        started REAL NOT NULL,
        finished REAL,
        client TEXT NOT NULL,
        method TEXT NOT NULL,
        target TEXT NOT NULL,
        http_version TEXT NOT NULL,
        status INTEGER,
        body_size INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        request_id TEXT,
        dg_token TEXT,
        ws_end_by TEXT,
        ws_end_code INTEGER,
        ws_end_reason TEXT,
        ws_messages INTEGER NOT NULL,
        note TEXT NOT NULL,
        transcript TEXT,
        is_final INTEGER,
        message_type TEXT,
        is_error INTEGER NOT NULL,
        utf8_valid INTEGER NOT NULL,
        json_valid INTEGER NOT NULL,
        headers TEXT NOT NULL,
        reply_headers TEXT NOT NULL
    )""",
    """CREATE TABLE bodies (
        exchange_id INTEGER PRIMARY KEY,
        body BLOB NOT NULL,
        reply_body BLOB NOT NULL
    )""",
    """CREATE TABLE ws_messages (
        exchange_id INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        direction TEXT NOT NULL,
        kind TEXT NOT NULL,
        time REAL NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (exchange_id, idx)
    )""",
    """CREATE TABLE emulator_events (
        seq INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        time REAL NOT NULL,
        fields TEXT NOT NULL
    )""",
)


def _create_v1(db: sqlite3.Connection) -> None:
    for statement in _V1:
        db.execute(statement)


def _v1_to_v2(db: sqlite3.Connection) -> None:
    """Issue 13: what the user's app replied to a forwarded request (one row per forwarded
    exchange, its body kept like a request body), and the public URL's probe marked."""
    db.execute("ALTER TABLE exchanges ADD COLUMN probe INTEGER NOT NULL DEFAULT 0")
    db.execute(
        """CREATE TABLE forwards (
            exchange_id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            status INTEGER,
            headers TEXT NOT NULL,
            body BLOB NOT NULL,
            body_size INTEGER NOT NULL,
            latency_ms REAL,
            error TEXT,
            timed_out INTEGER NOT NULL
        )"""
    )


def _v2_to_v3(db: sqlite3.Connection) -> None:
    """The reply rule that answered each exchange (issue 17; NULL: no rule, or an older file)."""
    db.execute("ALTER TABLE exchanges ADD COLUMN rule TEXT")


Migration = Callable[[sqlite3.Connection], None]

MIGRATIONS: Mapping[int, Migration] = {1: _create_v1, 2: _v1_to_v2, 3: _v2_to_v3}
"""Version n -> the function that turns a version n-1 file into version n. To add v4, write
`_v3_to_v4(db)` (ALTER TABLE ...) and add `4: _v3_to_v4`; SCHEMA_VERSION follows."""

SCHEMA_VERSION = max(MIGRATIONS)


def check_header(path: Path) -> None:
    """Refuse, with a reason a user can act on, a file that is not a whole SQLite file.

    SQLite opens any file lazily and fails on the first query with "file is not a database"
    or "database disk image is malformed"; the header says more, and cheaply.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            header = f.read(SQLITE_HEADER_SIZE)
    except FileNotFoundError:
        raise SessionFileError(path, "no such session file") from None
    except OSError as exc:
        raise SessionFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    if size == 0:
        raise SessionFileError(path, "empty file (0 bytes), not a session")
    if not header.startswith(SQLITE_MAGIC[: min(len(header), len(SQLITE_MAGIC))]):
        raise SessionFileError(path, "not a session file (not SQLite: garbage or another format)")
    if size < SQLITE_HEADER_SIZE:
        raise SessionFileError(path, f"truncated: {size} bytes, shorter than an SQLite header")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    change_counter = int.from_bytes(header[24:28], "big")
    page_count = int.from_bytes(header[28:32], "big")
    valid_for = int.from_bytes(header[92:96], "big")
    # The in-header page count is only meaningful when "version-valid-for" matches the
    # change counter (SQLite file format, section 1.3.7). With a WAL beside the file (a
    # crash, possibly mid-checkpoint) the file may legitimately be short: SQLite completes
    # it from the WAL, so only a file without one is judged by its size.
    wal = path.with_name(path.name + "-wal")
    has_wal = wal.exists() and wal.stat().st_size > 0
    if page_count and valid_for == change_counter and not has_wal and size < page_count * page_size:
        raise SessionFileError(
            path, f"truncated: {size} bytes, its header says {page_count * page_size}"
        )


def connect(path: Path, *, create: bool = False) -> sqlite3.Connection:
    """An open, checked, migrated connection in autocommit mode (we BEGIN ourselves)."""
    fresh = create and (not path.exists() or path.stat().st_size == 0)
    if not fresh:
        check_header(path)
    try:
        db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise SessionFileError(path, f"cannot be opened ({exc})") from None
    try:
        if not fresh and not db.execute("PRAGMA user_version").fetchone()[0]:
            raise SessionFileError(path, "an SQLite file, but not a callback-inspector session")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        migrate(db, path)
        if not fresh:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            missing = {"session", "exchanges", "bodies"} - tables
            if missing:
                raise SessionFileError(path, "an SQLite file, but not a callback-inspector session")
    except sqlite3.Error as exc:
        db.close()
        raise SessionFileError(path, f"damaged or not a session ({exc})") from None
    except SessionFileError:
        db.close()
        raise
    return db


def connect_reader(path: Path) -> sqlite3.Connection:
    """A connection for reading a session file that another process may be writing.

    While a writer has the file open its WAL file exists; then the connection is read-only
    (SQLite's `mode=ro`). That matters: a read-write connection that closes while the writer
    sits between two commits takes itself for the file's last user and deletes the WAL, which
    the writer in the other process goes on appending to, unseen by every later reader. A file
    with no WAL (closed, or never opened in WAL mode) is opened as `connect` opens it, so an
    older schema is migrated and no -wal/-shm files are left beside it."""
    if not Path(f"{path}-wal").exists():
        return connect(path)
    check_header(path)
    db = _open_read_only(path)
    try:
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.Error as exc:
        db.close()
        raise SessionFileError(path, f"damaged or not a session ({exc})") from None
    latest = max(MIGRATIONS)
    problem = None
    if version > latest:
        problem = (
            f"made by a newer callback-inspector (schema {version}; this one reads up to "
            f"{latest}): upgrade to open it"
        )
    elif version < latest:  # being written by an older callback-inspector: not ours to change
        problem = f"written by an older callback-inspector right now (schema {version})"
    elif {"session", "exchanges", "bodies"} - tables:
        problem = "an SQLite file, but not a callback-inspector session"
    if problem is not None:
        db.close()
        raise SessionFileError(path, problem)
    return db


def _open_read_only(path: Path) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise SessionFileError(path, f"cannot be opened ({exc})") from None


def migrate(
    db: sqlite3.Connection, path: Path, migrations: Mapping[int, Migration] = MIGRATIONS
) -> int:
    """Bring the file to the latest version in `migrations`; returns that version."""
    latest = max(migrations)
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version == 0:
        # A file at version 0 with tables is someone else's SQLite database, not ours.
        if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise SessionFileError(path, "an SQLite file, but not a callback-inspector session")
    if version > latest:
        raise SessionFileError(
            path,
            f"made by a newer callback-inspector (schema {version}; this one reads up to "
            f"{latest}): upgrade to open it",
        )
    for target in range(version + 1, latest + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            migrations[target](db)
            db.execute(f"PRAGMA user_version = {int(target)}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return latest
