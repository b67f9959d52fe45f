"""Transcription never delays the receiver: latency during a 60 s transcription, same run.

Starts `callback-inspector serve` (receiver + emulator), measures the receiver's reply latency
to small POSTs (50/s, sequential) while idle, then again while the emulator transcribes ~60 s
of speech (the samples, repeated), and prints the real-time factor of that transcription.

    python bench/emulator.py [--seconds-of-audio 60] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import subprocess
import sys
import time
import wave
from pathlib import Path

import aiohttp

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"


def long_wav(seconds: float) -> bytes:
    """The samples back to back with 0.5 s of silence between, until `seconds` long."""
    frames, rate = [], 16000
    for wav in sorted(SAMPLES.glob("*.wav")):
        with wave.open(str(wav)) as w:
            rate = w.getframerate()
            frames.append(w.readframes(w.getnframes()))
    silence = b"\x00\x00" * (rate // 2)
    out, total = [], 0
    while total < seconds * rate * 2:
        for f in frames:
            out += [f, silence]
            total += len(f) + len(silence)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(out)[: int(seconds * rate) * 2])
    return buf.getvalue()


async def probe(
    session: aiohttp.ClientSession, url: str, until: asyncio.Event, rate: float
) -> list[float]:
    latencies = []
    while not until.is_set():
        t0 = time.perf_counter()
        async with session.post(url + "/probe", data=b'{"probe":true}') as r:
            await r.read()
        latencies.append((time.perf_counter() - t0) * 1000)
        await asyncio.sleep(1 / rate)
    return latencies


def summary(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return f"p50 {q[49]:6.2f} ms  p99 {q[98]:6.2f} ms  max {max(values):6.2f} ms  (n={len(values)})"


async def main_async(seconds: float, json_path: str | None = None) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "inspector", "serve", "--port", "0", "--emulator-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())
    receiver, emulator = first["receiver"], first["emulator"]
    audio = long_wav(seconds)
    try:
        async with aiohttp.ClientSession() as session:
            # warm-up: the ASR worker loads its model on the first request
            async with session.post(
                emulator + "/v1/listen",
                data=(SAMPLES / "numbers.wav").read_bytes(),
                headers={"Authorization": "Token bench", "Content-Type": "audio/wav"},
            ) as r:
                await r.read()
            stop = asyncio.Event()
            task = asyncio.ensure_future(probe(session, receiver, stop, 50))
            await asyncio.sleep(5)
            stop.set()
            idle = await task

            stop = asyncio.Event()
            task = asyncio.ensure_future(probe(session, receiver, stop, 50))
            t0 = time.perf_counter()
            async with session.post(
                emulator + "/v1/listen",
                data=audio,
                headers={"Authorization": "Token bench", "Content-Type": "audio/wav"},
            ) as r:
                body = await r.json()
            elapsed = time.perf_counter() - t0
            stop.set()
            during = await task
    finally:
        proc.terminate()
        proc.wait()
    duration = body["metadata"]["duration"]
    rtf = elapsed / duration
    print(f"audio {duration:.1f} s transcribed in {elapsed:.2f} s: real-time factor {rtf:.3f}")
    print(f"receiver idle:                 {summary(idle)}")
    print(f"receiver during transcription: {summary(during)}")
    q_idle = statistics.quantiles(idle, n=100)[98]
    q_during = statistics.quantiles(during, n=100)[98]
    print(f"p99 ratio during/idle: {q_during / q_idle:.2f}")
    if json_path:
        with open(json_path, "w") as f:
            json.dump(
                {
                    "audio_s": round(duration, 1),
                    "elapsed_s": round(elapsed, 2),
                    "rtf": round(rtf, 3),
                    "idle_p99_ms": round(q_idle, 2),
                    "during_p99_ms": round(q_during, 2),
                },
                f,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds-of-audio", type=float, default=60)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    asyncio.run(main_async(args.seconds_of_audio, args.json))


if __name__ == "__main__":
    main()
