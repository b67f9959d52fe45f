"""Paced load: N requests per second to a receiver on 127.0.0.1, for a bounded time.

`wrk` sends as fast as it can; the latency bench (`window.py latency`) needs a steady rate
instead. Each of `--connections` keep-alive connections sends the 2 KB JSON POST of
`loadgen.BODY` on its own schedule (connection j sends its i-th request at
t0 + (i * connections + j) / rate), so together they send `rate` requests per second. A
connection whose previous reply is late sends as soon as it comes (the lateness is counted).
Raw asyncio streams, not aiohttp's client: 1,000 req/s cost about a tenth of a core.

    python bench/paced.py URL [--rate 1000] [--seconds 60] [--connections 20]

Prints one JSON object: sent, errors, late, achieved rate, client-side latency p50/p99/max.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(__file__))
from loadgen import BODY, _check_local


def request_bytes(host: str, port: int, path: str = "/bench") -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n"
    ).encode()
    return head + BODY


async def one_connection(
    host: str, port: int, j: int, n: int, rate: float, t0: float, end: float, out: dict
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    request = request_bytes(host, port)
    i = 0
    loop = asyncio.get_running_loop()
    try:
        while True:
            due = t0 + (i * n + j) / rate
            if due >= end:
                return
            now = loop.time()
            if due > now:
                await asyncio.sleep(due - now)
            elif now - due > 0.01:
                out["late"] += 1
            sent = loop.time()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            if not head.startswith(b"HTTP/1.1 2"):
                out["errors"] += 1
            out["latencies"].append((loop.time() - sent) * 1000)
            i += 1
    finally:
        writer.close()


async def run(url: str, rate: float, seconds: float, connections: int) -> dict:
    _check_local(url)
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    out: dict = {"late": 0, "errors": 0, "latencies": []}
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.2
    end = t0 + seconds
    await asyncio.gather(
        *(
            one_connection(host, port, j, connections, rate, t0, end, out)
            for j in range(connections)
        )
    )
    elapsed = loop.time() - t0
    lat = out.pop("latencies")
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
    return {
        "sent": len(lat),
        "errors": out["errors"],
        "late": out["late"],
        "rate": len(lat) / elapsed,
        "client_p50_ms": q[49],
        "client_p99_ms": q[98],
        "client_max_ms": max(lat, default=0.0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    if not 0 < args.seconds <= 600:
        raise SystemExit("--seconds must be in (0, 600]: load is bounded in time")
    result = asyncio.run(run(args.url, args.rate, args.seconds, args.connections))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
