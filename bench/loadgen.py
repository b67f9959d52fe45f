"""Load for benchmarks: `wrk` when installed, else our own generator of the same shape.

Shape (issue 8): 2 processes, 50 connections in all, 2 KB JSON POST bodies, to 127.0.0.1 only,
bounded in time. Returns requests per second.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import tempfile
import time

BODY = json.dumps(
    {"metadata": {"request_id": "bench-0000"}, "padding": "x" * 1950}, separators=(",", ":")
).encode()
assert 1900 < len(BODY) < 2200


def _check_local(url: str) -> None:
    if not url.startswith(("http://127.0.0.1:", "http://localhost:")):
        raise SystemExit(f"benchmarks only send load to 127.0.0.1, not {url}")


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, seconds: float, connections: int = 50, threads: int = 2) -> float:
    _check_local(url)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            'wrk.method = "POST"\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
            f"wrk.body = {json.dumps(BODY.decode())}\n"
        )
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds:.0f}s",
                "-s",
                script.name,
                url + "/bench",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(script.name)
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        raise RuntimeError(f"could not read wrk output:\n{out}")
    return float(match.group(1))


def _worker(url: str, seconds: float, connections: int, result: multiprocessing.Queue) -> None:
    import aiohttp

    async def main() -> int:
        done = 0
        deadline = time.monotonic() + seconds
        connector = aiohttp.TCPConnector(limit=connections)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one_connection() -> None:
                nonlocal done
                while time.monotonic() < deadline:
                    async with session.post(
                        url + "/bench", data=BODY, headers={"Content-Type": "application/json"}
                    ) as r:
                        await r.read()
                    done += 1

            await asyncio.gather(*(one_connection() for _ in range(connections)))
        return done

    result.put(asyncio.run(main()))


def run_python(url: str, seconds: float, connections: int = 50, processes: int = 2) -> float:
    _check_local(url)
    result: multiprocessing.Queue = multiprocessing.Queue()
    procs = [
        multiprocessing.Process(
            target=_worker, args=(url, seconds, connections // processes, result)
        )
        for _ in range(processes)
    ]
    start = time.monotonic()
    for p in procs:
        p.start()
    total = sum(result.get(timeout=seconds + 60) for _ in procs)
    for p in procs:
        p.join()
    return total / (time.monotonic() - start)


def measure(url: str, seconds: float) -> float:
    return run_wrk(url, seconds) if wrk_available() else run_python(url, seconds)
