"""Receiver throughput: `callback-inspector serve` against a bare aiohttp server, same run.

Both run as their own processes on 127.0.0.1 and get the same load (bench/loadgen.py). The
serve process's JSON lines are read and counted (as a script consuming them would). Prints the
req/s of each, medians of interleaved trials, the ratio (goal >= 0.90), and how many JSON lines
serve printed per second (it must keep up: one line per request).

`--gui` adds `callback-inspector gui` (offscreen, `--no-session`, emulator on port 0) with its
window open and listing every request, in the same interleaved trials. `--json PATH` writes
the medians and every trial. `--printing-baseline` adds another server: the bare catch-all
that also prints one JSON line per request (body inline, written in 50 ms batches, one
thread). It shows what printing every
request costs by itself, apart from serve's own work. Method and last results: bench/README.md.

    python bench/receiver.py [--seconds 5] [--trials 3] [--gui] [--json PATH] [--printing-baseline]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from loadgen import measure, wrk_available
from serve_proc import free_port, gui_env, wait_idle, wait_port

# The reference for --printing-baseline: bare_aiohttp.py plus a JSON line per request with
# the fields that make most of serve's line (headers, body, request_id), batched like serve.
PRINTING_BARE = """
import asyncio, json, sys, time
from datetime import UTC, datetime
from aiohttp import web

encode = json.JSONEncoder(separators=(",", ":")).encode
lines = []

async def handle(request):
    body = await request.read()
    data = json.loads(body)
    lines.append(encode({
        "event": "request",
        "time": datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="milliseconds"),
        "method": request.method,
        "path": request.raw_path,
        "headers": [[n.decode(), v.decode()] for n, v in request.raw_headers],
        "body_size": len(body),
        "body": body.decode(),
        "status": 200,
        "request_id": data.get("metadata", {}).get("request_id"),
    }))
    return web.Response(status=200)

async def main():
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", int(sys.argv[1]))
    await site.start()
    print(json.dumps({"receiver": "http://127.0.0.1:" + sys.argv[1]}), flush=True)
    while True:
        await asyncio.sleep(0.05)
        if lines:
            sys.stdout.write("\\n".join(lines) + "\\n")
            sys.stdout.flush()
            lines.clear()

asyncio.run(main())
"""


def bench_bare(seconds: float) -> float:
    port = free_port()
    script = os.path.join(os.path.dirname(__file__), "bare_aiohttp.py")
    proc = subprocess.Popen([sys.executable, script, str(port)], stdout=subprocess.DEVNULL)
    try:
        wait_port(port)
        return measure(f"http://127.0.0.1:{port}", seconds)
    finally:
        proc.terminate()
        proc.wait()


def bench_printing(command: list[str], seconds: float) -> tuple[float, int]:
    """req/s of a server that announces its URL on its first line and then prints JSON
    lines, which are read and counted while the load runs; and how many were printed."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
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
        wait_port(int(first["receiver"].rsplit(":", 1)[1]))
        rps = measure(first["receiver"], seconds)
    finally:
        proc.terminate()  # serve prints what is queued before it exits: counted too
        proc.wait()
        reader.join(10)
    return rps, lines


def bench_serve(seconds: float, *extra: str) -> tuple[float, int]:
    command = [sys.executable, "-m", "inspector", "serve", "--port", "0", "--no-emulator", *extra]
    return bench_printing(command, seconds)


def bench_gui(seconds: float) -> float:
    """req/s of `gui` with its window open (offscreen), listing every request."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="ci-bench-gui-") as home:
        env = gui_env(home)
        command = [
            sys.executable, "-m", "inspector", "gui", "--port", str(port), "--no-session",
            "--emulator-port", "0", "--quit-after", str(seconds + 120),
        ]  # fmt: skip
        proc = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its group: the emulator's workers stop with it
        )
        try:
            wait_port(port, 60)
            # The emulator's recognition workers load their model for a few seconds after
            # the port opens; load starts once the whole process tree is idle.
            wait_idle(proc.pid)
            time.sleep(0.5)
            return measure(f"http://127.0.0.1:{port}", seconds)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--printing-baseline", action="store_true")
    parser.add_argument("--gui", action="store_true", help="also measure `gui` (offscreen)")
    parser.add_argument("--json", help="write medians and trials to this file")
    args = parser.parse_args()
    load = "wrk" if wrk_available() else "python loadgen"
    loadavg = os.getloadavg()[0]
    print(
        f"load: {load}, 50 connections, 2 KB JSON POST, {args.seconds:.0f} s x {args.trials} "
        f"trials, {os.cpu_count()} cores; load average {loadavg:.2f} before "
        "(other work on the machine skews the ratio)"
    )
    bare: list[float] = []
    serve: list[float] = []
    printed: list[float] = []
    printing: list[float] = []
    kept: list[float] = []
    gui: list[float] = []
    for _ in range(args.trials):  # interleaved so drift hits all alike
        bare.append(bench_bare(args.seconds))
        rps, lines = bench_serve(args.seconds)
        serve.append(rps)
        printed.append(lines / args.seconds)
        with tempfile.TemporaryDirectory() as data_dir:  # every request committed before reply
            kept.append(bench_serve(args.seconds, "--data-dir", data_dir)[0])
        trial = (
            f"  trial: bare {bare[-1]:.0f}, serve {rps:.0f} req/s ({lines} lines), "
            f"serve --data-dir {kept[-1]:.0f} req/s"
        )
        if args.gui:
            gui.append(bench_gui(args.seconds))
            trial += f", gui {gui[-1]:.0f} req/s"
        if args.printing_baseline:
            port = str(free_port())
            printing.append(
                bench_printing([sys.executable, "-c", PRINTING_BARE, port], args.seconds)[0]
            )
            trial += f", bare + printing {printing[-1]:.0f} req/s"
        print(trial, flush=True)
    b, s = statistics.median(bare), statistics.median(serve)
    print(f"{'measure':<40}{'req/s':>10}")
    print(f"{'bare aiohttp catch-all (baseline)':<40}{b:>10.0f}")
    print(f"{'callback-inspector serve':<40}{s:>10.0f}")
    print(f"{'  JSON lines printed per second':<40}{statistics.median(printed):>10.0f}")
    k = statistics.median(kept)
    print(f"{'callback-inspector serve --data-dir':<40}{k:>10.0f}")
    if printing:
        p = statistics.median(printing)
        print(f"{'bare + one JSON line per request (ref.)':<40}{p:>10.0f}")
        print(f"ratio bare+printing/baseline: {p / b:.2f}; serve/bare+printing: {s / p:.2f}")
    print(f"ratio serve/baseline: {s / b:.2f} (goal >= 0.90)")
    print(f"ratio serve --data-dir/baseline: {k / b:.2f} (goal >= 0.80)")
    g = statistics.median(gui) if gui else None
    if g is not None:
        print(f"{'callback-inspector gui (window listing)':<40}{g:>10.0f}")
        print(f"ratio gui/baseline: {g / b:.2f} (goal >= 0.90)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "load": load,
                    "seconds": args.seconds,
                    "trials": args.trials,
                    "loadavg_before": loadavg,
                    "bare": b,
                    "serve": s,
                    "serve_data_dir": k,
                    "gui": g,
                    "lines_per_s": statistics.median(printed),
                    "trials_bare": bare,
                    "trials_serve": serve,
                    "trials_serve_data_dir": kept,
                    "trials_gui": gui,
                },
                f,
            )


if __name__ == "__main__":
    main()
