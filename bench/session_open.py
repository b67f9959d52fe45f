"""Open a stored session of 100,000 exchanges in the (offscreen) window: how long until rows
are on screen, until every row is listed, and what it costs in memory (issue 6, goal < 2 s).

    .venv/bin/python bench/session_open.py [--exchanges 100000] [--body-bytes 1200]

Writes the session with the real SessionWriter into a temp dir, then opens it the way
File > Sessions… does (`SessionBrowser.open_path`). Bodies stay on disk: the list holds
light rows, so the last line also checks that no body was read.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from inspector.core.records import Exchange, ExchangeKind
from inspector.core.settings import ReceiverSettings
from inspector.engine.engine import Engine, EngineSettings
from inspector.store.library import SessionLibrary


def rss_mb() -> float:
    """Resident set size now (Linux /proc), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_session(data_dir: Path, n: int, body_bytes: int) -> Path:
    filler = b"w" * max(0, body_bytes - 160)
    started = time.time() - n
    with SessionLibrary(data_dir).create(started=started) as writer:
        for i in range(1, n + 1):
            rid = f"{i % 5000:08x}-0000-4000-8000-000000000000"
            body = (
                b'{"metadata":{"request_id":"%s"},"results":{"channels":[{"alternatives":'
                b'[{"transcript":"callback %d","confidence":0.9}]}]},"pad":"%s"}'
                % (rid.encode(), i, filler)
            )
            writer.submit(
                Exchange(
                    id=i,
                    kind=ExchangeKind.HTTP,
                    started=started + i * 0.01,
                    client="127.0.0.1:40000",
                    method="POST",
                    target=f"/callback?n={i}",
                    http_version="HTTP/1.1",
                    headers=(
                        ("Content-Type", "application/json"),
                        ("dg-token", "0f1e2d3c-key-id"),
                        ("User-Agent", "Deepgram/1.0"),
                    ),
                    body=body,
                    body_size=len(body),
                    attempt=1 + i // 5000,
                    status=200,
                    reply_body=b"ok",
                    finished=started + i * 0.01 + 0.002,
                )
            )
    return writer.path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exchanges", type=int, default=100_000)
    parser.add_argument("--body-bytes", type=int, default=1200)
    args = parser.parse_args()

    app = QApplication(sys.argv[:1])
    from inspector.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory(prefix="ci-bench-") as tmp:
        data_dir = Path(tmp)
        t = time.perf_counter()
        path = write_session(data_dir / "data", args.exchanges, args.body_bytes)
        size = sum(p.stat().st_size for p in path.parent.iterdir()) / 1e6
        print(
            f"wrote {args.exchanges:,} exchanges ({size:.0f} MB) in {time.perf_counter() - t:.1f} s"
        )

        engine = Engine(EngineSettings(receiver=ReceiverSettings(port=0)))  # no sessions kept
        engine.start()
        window = MainWindow(engine, QSettings(str(data_dir / "s.ini"), QSettings.Format.IniFormat))
        window.resize(1440, 900)
        window.show()
        app.processEvents()
        before = rss_mb()

        t0 = time.perf_counter()
        assert window.sessions.open_path(path)
        app.processEvents()
        window.table.viewport().grab()  # painted: the first rows are on screen
        visible = time.perf_counter() - t0
        shown = window.proxy.rowCount()
        stored = window.sessions.stored
        assert stored is not None
        while not stored.done:
            app.processEvents()
        app.processEvents()
        window.table.viewport().grab()
        listed = time.perf_counter() - t0
        after = rss_mb()

        print(f"open -> first rows visible ({shown:,} rows): {visible * 1000:.0f} ms")
        print(
            f"open -> all {window.proxy.rowCount():,} rows listed: {listed:.2f} s "
            f"(goal < 2 s: {'met' if listed < 2 else 'NOT met'})"
        )
        print(f"RSS: {before:.0f} MB before, {after:.0f} MB after (+{after - before:.0f} MB)")
        print(f"bodies read while listing: {stored.bodies_loaded}")
        window.close()
        engine.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
