"""The emulator's reply to a callback-mode request (issue 8: p99 < 20 ms).

With `callback=` the emulator answers `{"request_id"}` at once and transcribes and delivers
later, so the reply must not wait for recognition. Starts `callback-inspector serve
--emulator-port 0 --relaxed-ports` (its own receiver is the callback target), sends one
warm-up request, then `--requests` POSTs of `resources/samples/numbers.wav` (5 s of speech,
160 KB) to `/v1/listen?callback=<receiver>/cb`, paced at `--rate` per second on one
keep-alive aiohttp session, each on its own schedule (not waiting for the previous reply).
The time is from just before the request is sent until its reply body is read. Every request
starts a transcription, so the recognition workers are busy during the whole run, as in a
load test of the emulator.

    python bench/emulator_reply.py [--requests 200] [--rate 20] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, os.path.dirname(__file__))
from serve_proc import Serve, wait_idle

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "samples" / "numbers.wav"
HEADERS = {"Authorization": "Token bench", "Content-Type": "audio/wav"}


async def one(session: aiohttp.ClientSession, url: str, audio: bytes) -> tuple[float, int]:
    t0 = time.perf_counter()
    async with session.post(url, data=audio, headers=HEADERS) as r:
        await r.read()
        status = r.status
    return (time.perf_counter() - t0) * 1000, status


async def run(serve: Serve, requests: int, rate: float) -> dict:
    audio = SAMPLE.read_bytes()
    url = f"{serve.emulator}/v1/listen?callback={serve.receiver}/cb"
    async with aiohttp.ClientSession() as session:
        # Warm-up: one request without a callback is answered once transcribed, so the
        # recognition workers have loaded their model; then until serve's processes idle.
        await one(session, f"{serve.emulator}/v1/listen", audio)
        await asyncio.to_thread(wait_idle, serve.proc.pid)
        t0 = time.perf_counter() + 0.1

        async def scheduled(i: int) -> tuple[float, int]:
            await asyncio.sleep(max(0.0, t0 + i / rate - time.perf_counter()))
            return await one(session, url, audio)

        results = await asyncio.gather(*(scheduled(i) for i in range(requests)))
    times = [t for t, _ in results]
    bad = sum(1 for _, s in results if s != 200)
    q = statistics.quantiles(times, n=100, method="inclusive")
    return {
        "requests": requests,
        "rate": rate,
        "non_200": bad,
        "p50_ms": round(q[49], 2),
        "p99_ms": round(q[98], 2),
        "max_ms": round(max(times), 2),
        "slowest": [
            [i, round(times[i], 1)] for i in sorted(range(requests), key=times.__getitem__)[-12:]
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with Serve("--emulator-port", "0", "--relaxed-ports") as serve:
        assert serve.emulator is not None
        result = asyncio.run(run(serve, args.requests, args.rate))
        result["jobs_seen"] = len(serve.events("job"))
    print(json.dumps(result))
    if args.json:
        args.json.write_text(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
