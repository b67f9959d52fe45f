"""Receiver throughput: `callback-inspector serve` against a bare aiohttp server, same run.

Both run as their own processes on 127.0.0.1 and get the same load (bench/loadgen.py). The
serve process's JSON lines are read and counted (as a script consuming them would). Prints the
req/s of each, medians of repeated trials, and the ratio (goal >= 0.90).

    python bench/receiver.py [--seconds 5] [--trials 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from loadgen import measure, wrk_available  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


def bench_bare(seconds: float) -> float:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "bare_aiohttp.py"), str(port)],
                            stdout=subprocess.DEVNULL)
    try:
        _wait_port(port)
        return measure(f"http://127.0.0.1:{port}", seconds)
    finally:
        proc.terminate()
        proc.wait()


def bench_serve(seconds: float, *extra: str) -> tuple[float, int]:
    proc = subprocess.Popen([sys.executable, "-m", "inspector", "serve", "--port", "0", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())
    lines = 0

    def count() -> None:
        nonlocal lines
        for _ in proc.stdout:  # type: ignore[union-attr]
            lines += 1

    reader = threading.Thread(target=count, daemon=True)
    reader.start()
    try:
        rps = measure(first["receiver"], seconds)
    finally:
        proc.terminate()
        proc.wait()
        reader.join(10)
    return rps, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    print(f"load: {'wrk' if wrk_available() else 'python loadgen'}, 50 connections, 2 KB JSON POST, "
          f"{args.seconds:.0f} s x {args.trials} trials, {os.cpu_count()} cores")
    bare, serve = [], []
    for _ in range(args.trials):  # interleaved so drift hits both alike
        bare.append(bench_bare(args.seconds))
        rps, lines = bench_serve(args.seconds)
        serve.append(rps)
    b, s = statistics.median(bare), statistics.median(serve)
    print(f"{'measure':<34}{'req/s':>10}")
    print(f"{'bare aiohttp catch-all (baseline)':<34}{b:>10.0f}")
    print(f"{'callback-inspector serve':<34}{s:>10.0f}")
    print(f"ratio serve/baseline: {s / b:.2f} (goal >= 0.90)")


if __name__ == "__main__":
    main()
