"""Retry spacing at `--retry-delay 1` as the receiver sees it (issue 8: error < 50 ms).

Starts `callback-inspector serve --emulator-port 0 --relaxed-ports --retry-delay 1
--fail-first N` (its receiver answers 500 to the first N attempts of each request_id, then
200), submits `--jobs` callback-mode requests of `resources/samples/numbers.wav` with
`callback=<receiver>/cb`, and reads serve's `request` lines until every job's callback has
arrived N + 1 times. For each request_id the gaps between consecutive attempts' arrival
times (the receiver's `time`, when it read the request head; millisecond resolution) minus
the 1 s delay are the errors; the figure is the largest |error|. The dispatcher counts the
delay from the end of the failed attempt, so the error includes that attempt's reply time.

    python bench/retry_spacing.py [--jobs 5] [--fail-first 3] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import aiohttp

sys.path.insert(0, os.path.dirname(__file__))
from serve_proc import Serve, wait_for, wait_idle

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "samples" / "numbers.wav"
DELAY = 1.0


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


async def submit(emulator: str, receiver: str, jobs: int) -> list[str]:
    audio = SAMPLE.read_bytes()
    url = f"{emulator}/v1/listen?callback={receiver}/cb"
    headers = {"Authorization": "Token bench", "Content-Type": "audio/wav"}
    ids = []
    async with aiohttp.ClientSession() as session:
        for _ in range(jobs):
            async with session.post(url, data=audio, headers=headers) as r:
                ids.append((await r.json())["request_id"])
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--fail-first", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    attempts = args.fail_first + 1
    flags = ["--emulator-port", "0", "--relaxed-ports", "--retry-delay", str(DELAY)]
    flags += ["--fail-first", str(args.fail_first), "--max-retries", str(attempts + 2)]
    with Serve(*flags) as serve:
        assert serve.emulator is not None
        wait_idle(serve.proc.pid)  # the recognition workers have loaded their model
        ids = asyncio.run(submit(serve.emulator, serve.receiver, args.jobs))

        def arrivals() -> dict[str, list[float]]:
            seen: dict[str, dict[int, float]] = {rid: {} for rid in ids}
            for e in serve.events("request"):
                rid = e.get("request_id")
                if rid in seen:
                    seen[rid][e["id"]] = epoch(e["time"])
            return {rid: sorted(times.values()) for rid, times in seen.items()}

        t0 = time.monotonic()
        complete = wait_for(lambda: all(len(t) >= attempts for t in arrivals().values()), 120)
        waited = time.monotonic() - t0
        got = arrivals()
    errors = [
        (b - a - DELAY) * 1000 for times in got.values() for a, b in itertools.pairwise(times)
    ]
    result = {
        "jobs": args.jobs,
        "attempts_per_job": attempts,
        "complete": complete,
        "gaps": len(errors),
        "max_abs_error_ms": round(max((abs(e) for e in errors), default=float("nan")), 1),
        "mean_error_ms": round(statistics.fmean(errors), 1) if errors else None,
        "errors_ms": [round(e, 1) for e in errors],
        "waited_s": round(waited, 1),
    }
    print(json.dumps(result))
    if args.json:
        args.json.write_text(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
