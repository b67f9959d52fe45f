"""Open a stored session in the (offscreen) window: how long until rows are on screen, until
every row is listed, scrolling to the end, filtering, and what it costs in memory (issue 6:
100,000 rows in < 2 s; issue 8: 1,000,000 rows, open < 2 s, RSS < 500 MB).

    .venv/bin/python bench/session_open.py [--exchanges 100000] [--body-bytes 1200]
        [--fast-write] [--cache] [--json PATH]

By default writes the session with the real SessionWriter into a temp dir. `--fast-write`
makes the file the writer's way (`SessionLibrary.create`, the same schema and session meta)
but fills the tables with one `executemany` per 50,000 rows, from one record's row tuple
with its id, times, path, request_id and attempt varied: a million rows in well under a
minute instead of several. `--cache` keeps that file under /tmp (`ci-bench-session-N-B-vSCHEMA/`)
and reuses it in later runs. Then opens it the way File > Sessions… does
(`SessionBrowser.open_path`) and times, each to a painted viewport: first rows, all rows
listed, scroll to the end (`scrollToBottom`), the filter box set to text that one path
matches (eleven of a million), the filter cleared, and a filter expression (a comparison, a
glob and a negation: 5,001 rows) set and cleared. Bodies stay on disk: the list holds
light rows, so the output also checks that no body was read. RSS: VmRSS after everything.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from inspector.core.records import Exchange
from inspector.core.settings import ReceiverSettings
from inspector.engine.engine import Engine, EngineSettings
from inspector.store.library import SessionLibrary
from tests.factories import deepgram_result, http_exchange


def rss_mb() -> float:
    """Resident set size now (Linux /proc), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _body(i: int, rid: str, filler: bytes) -> bytes:
    return deepgram_result(
        rid, f"callback {i}", alternative={"confidence": 0.9}, pad=filler.decode()
    )


def _exchange(i: int, started: float, body: bytes) -> Exchange:
    return http_exchange(
        i,
        started=started + i * 0.01,
        client="127.0.0.1:40000",
        target=f"/callback?n={i}",
        headers=(
            ("Content-Type", "application/json"),
            ("dg-token", "0f1e2d3c-key-id"),
            ("User-Agent", "Deepgram/1.0"),
        ),
        body=body,
        attempt=1 + i // 5000,
        reply_headers=(),
        reply_body=b"ok",
        finished=started + i * 0.01 + 0.002,
    )


def fast_write_session(data_dir: Path, n: int, body_bytes: int) -> Path:
    """The same rows as `write_session`, written with executemany (see the module doc)."""
    from inspector.store import session as store_session

    filler = b"w" * max(0, body_bytes - 160)
    started = time.time() - n
    writer = SessionLibrary(data_dir).create(started=started)
    path = writer.path
    writer.close()  # the file exists with its schema and meta; fill it directly
    columns = [c.strip() for c in store_session._EXCHANGE_COLUMNS.split(",")]
    at = {name: columns.index(name) for name in columns}
    template = list(store_session._exchange_row(_exchange(1, started, _body(1, "x", filler))))
    db = sqlite3.connect(str(path), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    chunk = 50_000
    for low in range(1, n + 1, chunk):
        rows, bodies = [], []
        for i in range(low, min(n, low + chunk - 1) + 1):
            rid = f"{i % 5000:08x}-0000-4000-8000-000000000000"
            body = _body(i, rid, filler)
            row = template.copy()
            row[at["id"]] = i
            row[at["started"]] = started + i * 0.01
            row[at["finished"]] = started + i * 0.01 + 0.002
            row[at["target"]] = f"/callback?n={i}"
            row[at["body_size"]] = len(body)
            row[at["attempt"]] = 1 + i // 5000
            row[at["request_id"]] = rid
            row[at["transcript"]] = f"callback {i}"
            rows.append(row)
            bodies.append((i, body, b"ok"))
        db.execute("BEGIN")
        db.executemany(store_session._INSERT_EXCHANGE, rows)
        db.executemany(store_session._INSERT_BODIES, bodies)
        db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return path


def cached_session(n: int, body_bytes: int) -> tuple[Path, bool]:
    """A fast-written session kept under /tmp between runs; (path, whether it was reused)."""
    from inspector.store.schema import SCHEMA_VERSION

    root = Path(tempfile.gettempdir()) / f"ci-bench-session-{n}-{body_bytes}-v{SCHEMA_VERSION}"
    done = root / "complete"
    if done.exists():
        found = sorted((root / "data" / "sessions").glob("*.cisession"))
        if found:
            return found[0], True
    shutil.rmtree(root, ignore_errors=True)
    path = fast_write_session(root / "data", n, body_bytes)
    done.write_text("ok\n")
    return path, False


def write_session(data_dir: Path, n: int, body_bytes: int) -> Path:
    filler = b"w" * max(0, body_bytes - 160)
    started = time.time() - n
    with SessionLibrary(data_dir).create(started=started) as writer:
        for i in range(1, n + 1):
            rid = f"{i % 5000:08x}-0000-4000-8000-000000000000"
            writer.submit(_exchange(i, started, _body(i, rid, filler)))
    return writer.path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=int, default=100_000)
    parser.add_argument("--body-bytes", type=int, default=1200)
    parser.add_argument("--fast-write", action="store_true", help="executemany, not the writer")
    parser.add_argument("--cache", action="store_true", help="fast-write once, keep under /tmp")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument(
        "--max-open-seconds",
        type=float,
        default=180,
        help="stop waiting for every row after this long (the figure then says so)",
    )
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    from inspector.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory(prefix="ci-bench-") as tmp:
        data_dir = Path(tmp)
        t = time.perf_counter()
        reused = False
        if args.cache:
            path, reused = cached_session(args.exchanges, args.body_bytes)
        elif args.fast_write:
            path = fast_write_session(data_dir / "data", args.exchanges, args.body_bytes)
        else:
            path = write_session(data_dir / "data", args.exchanges, args.body_bytes)
        size = sum(p.stat().st_size for p in path.parent.iterdir()) / 1e6
        how = "reused" if reused else "wrote"
        print(
            f"{how} {args.exchanges:,} exchanges ({size:.0f} MB) in "
            f"{time.perf_counter() - t:.1f} s: {path}"
        )

        engine = Engine(EngineSettings(receiver=ReceiverSettings(port=0)))  # no sessions kept
        engine.start()
        window = MainWindow(engine, QSettings(str(data_dir / "s.ini"), QSettings.Format.IniFormat))
        window.resize(1440, 900)
        window.show()
        app.processEvents()
        before = rss_mb()

        def shown() -> int:  # rows in the list as the view sees them (model or proxy)
            return window.table.model().rowCount()

        def settle(done, timeout: float) -> bool:
            """Process events until `done()` (or `timeout` s), then paint the list. The UI
            thread sleeps between events, as a window's does (a loop of processEvents()
            would spin a core the search worker needs): a 5 ms timer wakes it to look."""
            end = time.perf_counter() + timeout
            tick = QTimer()
            tick.start(5)
            try:
                while not done() and time.perf_counter() < end:
                    app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
            finally:
                tick.stop()
            app.processEvents()
            window.table.viewport().grab()  # painted
            return bool(done())

        n = args.exchanges
        t0 = time.perf_counter()
        assert window.sessions.open_path(path)
        app.processEvents()
        window.table.viewport().grab()  # painted: the first rows are on screen
        visible = time.perf_counter() - t0
        first_shown = shown()
        stored = window.sessions.stored
        assert stored is not None
        all_listed = settle(
            lambda: getattr(stored, "done", True) and shown() >= n,
            t0 + args.max_open_seconds - time.perf_counter(),
        )
        listed = time.perf_counter() - t0
        rows_listed = shown()

        t1 = time.perf_counter()
        window.table.scrollToBottom()
        settle(lambda: True, 0)
        scrolled = time.perf_counter() - t1
        model = window.table.model()
        last = model.index(model.rowCount() - 1, 0)
        end_shown = window.table.viewport().rect().intersects(window.table.visualRect(last))

        needle = "?n=99999"  # the paths /callback?n=99999 and, with a million, n=999990..999999
        expected = sum(1 for i in range(99999, n + 1) if str(i).startswith("99999"))
        t2 = time.perf_counter()
        window.filter_field.setText(needle)
        filter_done = settle(lambda: shown() == expected, 300)
        filtered = time.perf_counter() - t2
        matches = shown()
        t3 = time.perf_counter()
        window.filter_field.setText("")
        settle(lambda: shown() >= n, 300)
        unfiltered = time.perf_counter() - t3

        # A filter expression: a field comparison, a glob and a negation, all as SQL.
        last = n // 5000 - 1  # the rows whose attempt (1 + i // 5000) is above `last`
        expression = f"attempt:>{last} path:/callback* -status:5xx"
        expr_expected = n - max(last, 0) * 5000 + (1 if last > 0 else 0)
        t4 = time.perf_counter()
        window.filter_field.setText(expression)
        expr_done = settle(lambda: shown() == expr_expected, 300)
        expr_filtered = time.perf_counter() - t4
        expr_matches = shown()
        window.filter_field.setText("")
        settle(lambda: shown() >= n, 300)
        after = rss_mb()
        bodies = getattr(stored, "bodies_loaded", None)

        print(f"open -> first rows visible ({first_shown:,} rows): {visible * 1000:.0f} ms")
        print(
            f"open -> all {rows_listed:,} rows listed: {listed:.2f} s "
            f"(goal < 2 s: {'met' if listed < 2 else 'NOT met'})"
        )
        print(f"scroll to the end (last row shown: {end_shown}): {scrolled * 1000:.0f} ms")
        print(f"filter {needle!r} ({matches:,} rows of {expected}): {filtered * 1000:.0f} ms")
        print(f"filter cleared: {unfiltered * 1000:.0f} ms")
        print(
            f"filter {expression!r} ({expr_matches:,} rows of {expr_expected:,}): "
            f"{expr_filtered * 1000:.0f} ms"
        )
        print(f"RSS: {before:.0f} MB before, {after:.0f} MB after (+{after - before:.0f} MB)")
        print(f"bodies read while listing: {bodies}")
        if args.json:
            figures = {
                "exchanges": args.exchanges,
                "rows_listed": rows_listed,
                "all_listed": all_listed,
                "first_rows_s": round(visible, 3),
                "open_s": round(listed, 3),
                "scroll_end_s": round(scrolled, 3),
                "end_shown": end_shown,
                "filter_s": round(filtered, 3),
                "filter_rows": matches,
                "filter_expected": expected,
                "filter_done": filter_done,
                "filter_clear_s": round(unfiltered, 3),
                "expr_filter": expression,
                "expr_filter_s": round(expr_filtered, 3),
                "expr_filter_rows": expr_matches,
                "expr_filter_expected": expr_expected,
                "expr_filter_done": expr_done,
                "rss_before_mb": round(before),
                "rss_mb": round(after),
                "bodies_read": bodies,
                "file_mb": round(size),
            }
            args.json.write_text(json.dumps(figures) + "\n")
        window.close()
        engine.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
