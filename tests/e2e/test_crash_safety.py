"""Issue 6, acceptance 1: `serve --data-dir` killed with SIGKILL under a flood loses nothing
that had been answered."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess

import aiohttp

from tests.serve_process import EXE, ServeProcess

CONNECTIONS = 20
ANSWERED_BEFORE_KILL = 600


async def _flood(url: str, answered: dict[str, bytes], enough: asyncio.Event) -> None:
    """20 connections POSTing unique bodies until told to stop; records what got a reply."""
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker(n: int) -> None:
            i = 0
            while not enough.is_set():
                i += 1
                key = f"w{n}-{i}"
                body = json.dumps(
                    {"metadata": {"request_id": key}, "pad": "é" * (n + i % 50)}
                ).encode()
                try:
                    async with session.post(f"{url}/flood/{key}", data=body) as response:
                        await response.read()
                except aiohttp.ClientError:
                    return  # the server was killed mid-request: that one had no reply
                answered[key] = body
                if len(answered) >= ANSWERED_BEFORE_KILL:
                    enough.set()

        await asyncio.gather(*(worker(n) for n in range(CONNECTIONS)))


def test_sigkill_under_flood_keeps_every_answered_request(tmp_path):
    data = tmp_path / "data"
    serve = ServeProcess("--port", "0", "--no-emulator", "--data-dir", str(data))
    answered: dict[str, bytes] = {}

    async def run() -> None:
        enough = asyncio.Event()
        flood = asyncio.ensure_future(_flood(serve.url, answered, enough))
        await enough.wait()
        serve.proc.send_signal(signal.SIGKILL)  # while the other workers are mid-request
        await flood

    asyncio.run(run())
    serve.proc.wait(10)
    assert len(answered) >= ANSWERED_BEFORE_KILL

    har_path = tmp_path / "out.har"
    result = subprocess.run(
        [*EXE, "export", "--data-dir", str(data), "--session", "latest", "--har", str(har_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    har = json.loads(har_path.read_text())
    stored = {}
    for entry in har["log"]["entries"]:
        target = entry["request"]["url"].split("/flood/", 1)[-1]
        stored[target] = entry["request"].get("postData", {}).get("text", "").encode()
    missing = [k for k in answered if k not in stored]
    assert not missing, f"{len(missing)} answered requests lost, e.g. {missing[:3]}"
    assert all(stored[k] == body for k, body in answered.items())
