"""A long live capture with the window open: memory of window and engine, and whether the
receiver slows down as the list grows (issue 16: 1,000,000 exchanges, window and engine
together under 500 MB RSS, the rate over the last tenth at least 0.9 of the first tenth).

Starts the real `callback-inspector gui` (offscreen, its engine a child process, the session
file in a temporary data folder, as a user's window keeps one), then sends `--exchanges` 2 KB
JSON POSTs over 50 keep-alive connections from 2 load processes, one tenth at a time; after
each tenth it reads from /proc the RSS of the window, of its engine process, and apart of the
emulator's speech recognition processes (a fixed cost, not the capture's). Prints one JSON
object on its last line.

    QT_QPA_PLATFORM=offscreen python bench/live_capture.py [--exchanges 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from loadgen import BODY  # noqa: E402
from serve_proc import (  # noqa: E402
    child_pids,
    free_port,
    gui_env,
    tree_pids,
    wait_idle,
    wait_port,
)

CONNECTIONS = 50
PROCESSES = 2


def _engine_pid(window: int) -> int | None:
    """The window's engine: its child running `serve` (None with --engine-in-process)."""
    for pid in child_pids(window):
        try:
            if b"serve" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                return pid
        except OSError:
            continue
    return None


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _worker(url: str, count: int, connections: int, out: multiprocessing.Queue) -> None:
    import aiohttp

    async def main() -> int:
        left = count
        errors = 0
        connector = aiohttp.TCPConnector(limit=connections)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one() -> None:
                nonlocal left, errors
                while left > 0:
                    left -= 1
                    async with session.post(
                        url + "/live", data=BODY, headers={"Content-Type": "application/json"}
                    ) as r:
                        await r.read()
                        errors += r.status != 200

            await asyncio.gather(*(one() for _ in range(connections)))
        return errors

    out.put(asyncio.run(main()))


def send(url: str, count: int) -> tuple[float, int]:
    """Send `count` requests; (requests per second, replies that were not 200)."""
    out: multiprocessing.Queue = multiprocessing.Queue()
    share = count // PROCESSES
    procs = [
        multiprocessing.Process(
            target=_worker, args=(url, share, CONNECTIONS // PROCESSES, out), daemon=True
        )
        for _ in range(PROCESSES)
    ]
    start = time.monotonic()
    for p in procs:
        p.start()
    errors = sum(out.get(timeout=3600) for _ in procs)
    elapsed = time.monotonic() - start
    for p in procs:
        p.join()
    return share * PROCESSES / elapsed, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--exchanges", type=int, default=1_000_000)
    parser.add_argument("--in-process", action="store_true", help="gui --engine-in-process")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="ci-bench-live-") as home:
        env = gui_env(home)
        command = [
            sys.executable, "-m", "inspector", "gui", "--port", str(port),
            "--emulator-port", "0", "--data-dir", os.path.join(home, "sessions"),
        ]  # fmt: skip
        if args.in_process:
            command.append("--engine-in-process")
        proc = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        tenths: list[dict[str, float]] = []
        try:
            wait_port(port, 120)
            wait_idle(proc.pid)
            url = f"http://127.0.0.1:{port}"
            for k in range(10):
                rate, errors = send(url, args.exchanges // 10)
                tree = tree_pids(proc.pid)
                window = _rss_mb(proc.pid)
                engine_pid = _engine_pid(proc.pid)
                engine = _rss_mb(engine_pid) if engine_pid is not None else 0.0
                total = sum(_rss_mb(p) for p in tree)
                tenths.append(
                    {
                        "tenth": k + 1,
                        "rate": rate,
                        "errors": errors,
                        "window_mb": window,
                        "engine_mb": engine,
                        # the emulator's speech recognition processes, apart: not the capture
                        "speech_mb": total - window - engine,
                    }
                )
                print(json.dumps(tenths[-1]), flush=True)
            alive = proc.poll() is None
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    result = {
        "exchanges": args.exchanges,
        "shape": "in-process" if args.in_process else "child engine",
        "first_rate": tenths[0]["rate"],
        "last_rate": tenths[-1]["rate"],
        "rate_ratio": tenths[-1]["rate"] / tenths[0]["rate"],
        "rss_mb": tenths[-1]["window_mb"] + tenths[-1]["engine_mb"],
        "window_rss_mb": tenths[-1]["window_mb"],
        "engine_rss_mb": tenths[-1]["engine_mb"],
        "speech_rss_mb": tenths[-1]["speech_mb"],
        "errors": sum(t["errors"] for t in tenths),
        "window_alive": alive,
        "tenths": tenths,
    }
    text = json.dumps(result)
    if args.json:
        args.json.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
