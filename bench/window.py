"""The window under load: arrival-to-visible latency, and UI-thread stalls.

The real `MainWindow` is built the way `gui` builds it (its engine a child process with the
receiver and the emulator on port 0, or with `--in-process` on a thread of this one; the
theme applied, 1440 x 900, offscreen), and listens while another
process sends load to its receiver. Nothing in `inspector/` is patched: the bench only
connects to the list's signals and installs an event filter on the list's viewport.

`latency` (issue 8: p99 < 50 ms at 1,000 req/s for 60 s): `paced.py` sends a steady rate
over 50 keep-alive connections; afterwards the window gets up to 30 s to show the last rows.
Arrival is the `Exchange.started` the receiver stamped (epoch seconds, request head read). A
row is *visible* once the list's viewport has painted after the proxy's `rowsInserted` for
it, with that batch's last row inside the viewport (checked as the Paint event arrives, which
runs the layout the paint would run first); the time is taken when the UI thread is back in
its event loop after that paint (a zero-delay call queued from the Paint event), so
it includes the paint and the flush. Rows of a batch that scrolled past before a paint (the
view follows the newest rows) count as visible with the batch after them.

`stall` (issue 8: longest stall < 100 ms during a 10,000 req/s flood): a 5 ms
`Qt.PreciseTimer` in the UI thread records the gaps between its ticks while `wrk -t2 -c50`
floods the receiver for `--seconds`, plus 2 s after (the window catches up then). The longest
gap is the stall; the rate wrk reached is reported with it.

    QT_QPA_PLATFORM=offscreen python bench/window.py latency [--rate 1000] [--seconds 60]
    QT_QPA_PLATFORM=offscreen python bench/window.py stall [--seconds 10]

Prints one JSON object on its last line (also to `--json PATH`).
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from serve_proc import wait_idle  # noqa: E402

from inspector.core.settings import EmulatorSettings, ReceiverSettings  # noqa: E402
from inspector.engine.child_engine import ChildEngine  # noqa: E402
from inspector.engine.engine import Engine, EngineSettings  # noqa: E402

TAIL_SECONDS = 30.0  # latency: how long to wait after the load for the last rows to show


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def quantile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class PaintWatch(QObject):
    """Marks batches of inserted rows visible after the viewport paints them."""

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.table = window.table
        self.proxy = window.proxy
        # (last proxy row, arrival times of the batch's rows)
        self.pending: list[tuple[int, list[float]]] = []
        self.latencies_ms: list[float] = []  # arrival -> visible, one per exchange
        self.paint_start_ms: list[float] = []  # arrival -> start of that paint
        self.paints = 0
        self._paint_started: float | None = None
        self._seen = -1  # index in `pending` of the newest batch a paint showed
        self.proxy.rowsInserted.connect(self._inserted)
        self.table.viewport().installEventFilter(self)

    def _inserted(self, parent, first: int, last: int) -> None:
        if parent.isValid():
            return
        # Flat list, no filter: proxy rows are the model's rows. The arrival times are read
        # here, once, so the watch adds little to the UI thread it measures.
        model = self.window.model
        rows = getattr(model, "_rows", None)
        if isinstance(rows, list):
            arrivals = [x.started for x in rows[first : last + 1]]
        else:  # another model layout: through its public accessor
            arrivals = [
                model.exchange_at(model.index(r, 0)).started for r in range(first, last + 1)
            ]
        self.pending.append((last, arrivals))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.pending:
            self.paints += 1
            # Which batches this paint shows, asked before it runs: `visualRect` performs the
            # list's pending layout (and the follow-scroll it triggers), which the paint would
            # do first anyway, so asking here adds no layout of its own.
            viewport = self.table.viewport().rect()
            for k in range(len(self.pending) - 1, self._seen, -1):
                rect = self.table.visualRect(self.proxy.index(self.pending[k][0], 0))
                if rect.isValid() and viewport.intersects(rect):
                    self._seen = k
                    break
            if self._paint_started is None:
                self._paint_started = time.time()
                QTimer.singleShot(0, self._painted)
        return False

    def _painted(self) -> None:
        """The UI thread is back in its loop after the paint: those rows are visible."""
        now = time.time()
        started_paint = self._paint_started or now
        self._paint_started = None
        seen, self._seen = self._seen, -1
        for _last, arrivals in self.pending[: seen + 1]:
            self.latencies_ms += [(now - a) * 1000 for a in arrivals]
            self.paint_start_ms += [(started_paint - a) * 1000 for a in arrivals]
        del self.pending[: seen + 1]


def build_window(emulator: bool, in_process: bool = False):
    from inspector.ui.look import apply_theme
    from inspector.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = tempfile.mkdtemp(prefix="ci-bench-window-")
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)  # the session: 2 KB per request
    # As `gui` runs it by default: a session file (here in a temporary folder), the engine
    # in a child process; `--in-process` for the old shape.
    settings = EngineSettings(
        receiver=ReceiverSettings(port=0),
        emulator=EmulatorSettings(port=0) if emulator else None,
        data_dir=Path(tmp) / "sessions",
    )
    engine = Engine(settings) if in_process else ChildEngine(settings)
    engine.start(timeout=60)
    window = MainWindow(engine, QSettings(str(Path(tmp) / "s.ini"), QSettings.Format.IniFormat))
    apply_theme(app, window.theme())
    window.resize(1440, 900)
    window.show()
    for _ in range(20):
        app.processEvents()
        time.sleep(0.01)
    # The emulator's recognition workers (child processes) load their model for a few
    # seconds after the engine starts: measure once they are idle.
    wait_idle(os.getpid(), include_root=False)
    app.processEvents()
    return app, engine, window


def run_until(app: QApplication, done) -> None:
    poll = QTimer()
    poll.setInterval(50)
    poll.timeout.connect(lambda: app.quit() if done() else None)
    poll.start()
    app.exec()
    poll.stop()


def latency(args: argparse.Namespace) -> dict:
    app, engine, window = build_window(not args.no_emulator, args.in_process)
    watch = PaintWatch(window)
    load = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "paced.py"),
            engine.receiver_url,
            "--rate",
            str(args.rate),
            "--seconds",
            str(args.seconds),
            "--connections",
            "50",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    tail: dict[str, float] = {}

    def done() -> bool:
        if load.poll() is None:
            return False
        # After the load: until every row has been painted (the window may be far behind),
        # at most TAIL_SECONDS; rows never painted by then are reported as such.
        until = tail.setdefault("until", time.monotonic() + TAIL_SECONDS)
        seen = len(watch.latencies_ms) >= window.model.rowCount()
        return (seen and not watch.pending) or time.monotonic() > until

    run_until(app, done)
    assert load.stdout is not None
    sent = json.loads(load.stdout.read().strip().splitlines()[-1])
    # Rows still not painted count with a lower bound (now - arrival), not as absent.
    now = time.time()
    unpainted = [(now - a) * 1000 for _last, arrivals in watch.pending for a in arrivals]
    lat = watch.latencies_ms + unpainted
    row_height = window.table.visualRect(window.proxy.index(0, 0)).height()
    rows_on_screen = window.table.viewport().height() // max(1, row_height)
    result = {
        "rate_asked": args.rate,
        "seconds": args.seconds,
        "sent": sent["sent"],
        "rate_sent": round(sent["rate"], 1),
        "late_sends": sent["late"],
        "rows": window.model.rowCount(),
        "rows_measured": len(watch.latencies_ms),
        "rows_unpainted": len(unpainted),
        "rows_on_screen": rows_on_screen,
        "p50_ms": round(quantile(lat, 50), 2),
        "p99_ms": round(quantile(lat, 99), 2),
        "max_ms": round(max(lat, default=0.0), 2),
        "paint_start_p99_ms": round(quantile(watch.paint_start_ms, 99), 2),
        "viewport_paints": watch.paints,
        "client_p99_ms": round(sent["client_p99_ms"], 2),
        "rss_mb": round(rss_mb()),
    }
    window.close()
    engine.stop()
    return result


def stall(args: argparse.Namespace) -> dict:
    from loadgen import measure

    app, engine, window = build_window(not args.no_emulator, args.in_process)
    gaps: list[float] = []
    last = [time.perf_counter()]
    active = [False]

    def tick() -> None:
        now = time.perf_counter()
        if active[0]:
            gaps.append((now - last[0]) * 1000)
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    rate: dict[str, float] = {}
    finished = threading.Event()

    def flood() -> None:
        try:
            rate["rps"] = measure(engine.receiver_url, args.seconds)
        finally:
            time.sleep(2.0)  # the window drains and paints the rest
            finished.set()

    # Measured from the first tick after the flood starts until 2 s after it ends.
    active[0] = True
    last[0] = time.perf_counter()
    threading.Thread(target=flood, daemon=True).start()
    run_until(app, finished.is_set)
    timer.stop()
    ordered = sorted(gaps, reverse=True)
    result = {
        "seconds": args.seconds,
        "rps": round(rate.get("rps", 0.0)),
        "rows": window.model.rowCount(),
        "ticks": len(gaps),
        "max_gap_ms": round(ordered[0], 1) if ordered else 0.0,
        "top5_gaps_ms": [round(g, 1) for g in ordered[:5]],
        "p99_gap_ms": round(quantile(gaps, 99), 1),
        "rss_mb": round(rss_mb()),
    }
    window.close()
    engine.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("latency", "stall"))
    parser.add_argument("--rate", type=float, default=1000, help="latency: requests per second")
    parser.add_argument("--seconds", type=float, help="load time (latency 60, stall 10)")
    parser.add_argument("--no-emulator", action="store_true", help="receiver only")
    parser.add_argument(
        "--in-process", action="store_true", help="the engine on a thread of the window's process"
    )
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = 60.0 if args.mode == "latency" else 10.0
    result = latency(args) if args.mode == "latency" else stall(args)
    text = json.dumps(result)
    if args.json:
        args.json.write_text(text + "\n")
    print(text, flush=True)


if __name__ == "__main__":
    main()
