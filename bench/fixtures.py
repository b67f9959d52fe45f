"""What one use of the testing fixtures costs (issue 18): start, one request each, stop.

Ours: `with DeepgramEmulator() as deepgram, CallbackReceiver() as receiver:` as the
`deepgram_emulator` and `callback_receiver` fixtures do, then one injected 429 from the
emulator and one POST answered by the receiver, then both stopped (threads joined, ports
closed). Baseline, in the same run and interleaved with ours: the same shape with two bare
aiohttp servers (`web.AppRunner` + `TCPSite` on port 0, each on its own thread and event loop,
stopped and joined), one request each. Also: one test's cost with the session emulator
(`reset()` and the same requests), and the first transcription of a fresh emulator (its
recognition process spawned, the speech model loaded) against its second. Medians and p95 over
`--uses`; threads and fds of this process before and after are printed too (they must match).

    python bench/fixtures.py [--uses 50]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from aiohttp import web

from inspector.testing import CallbackReceiver, DeepgramEmulator, silence


def _post(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", path, body=b'{"metadata":{"request_id":"b"}}')
    status = conn.getresponse().status
    conn.close()
    return status


def _listen(url: str) -> int:
    request = urllib.request.Request(
        url + "/v1/listen", data=b"x", headers={"Authorization": "Token k"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


class BareServer:
    """A bare aiohttp server on a thread of its own, started and stopped like ours."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.port = 0

    async def _start(self) -> None:
        async def handle(request: web.Request) -> web.Response:
            await request.read()
            return web.Response(status=200)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]

    def __enter__(self) -> BareServer:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(30)
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)
        self.loop.close()


def ours() -> None:
    with DeepgramEmulator() as deepgram, CallbackReceiver() as receiver:
        deepgram.fail_next(429)
        assert _listen(deepgram.url) == 429
        assert _post(receiver.port, "/hook") == 200


def bare() -> None:
    with BareServer() as first, BareServer() as second:
        assert _post(first.port, "/v1/listen") == 200
        assert _post(second.port, "/hook") == 200


def _timed(use: Callable[[], None]) -> float:
    started = time.perf_counter()
    use()
    return (time.perf_counter() - started) * 1000


def _summary(ms: list[float]) -> str:
    p95 = sorted(ms)[max(0, round(len(ms) * 0.95) - 1)]
    return f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms"


def _held() -> tuple[int, int]:
    return threading.active_count(), len(os.listdir("/proc/self/fd"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uses", type=int, default=50)
    args = parser.parse_args()
    if not 1 <= args.uses <= 1000:
        raise SystemExit("--uses must be 1-1000: the run is bounded")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    ours(), bare()  # warm-up: imports, first sockets
    before = _held()
    our_ms, bare_ms = [], []
    for _ in range(args.uses):  # interleaved, so both see the same machine
        our_ms.append(_timed(ours))
        bare_ms.append(_timed(bare))
    after = _held()
    ratio = statistics.median(our_ms) / statistics.median(bare_ms)
    print(f"one use of both fixtures ({args.uses} uses): {_summary(our_ms)}")
    print(f"two bare aiohttp servers, same shape:     {_summary(bare_ms)}")
    print(f"ratio (medians): {ratio:.2f}")
    print(f"threads, fds before {before}, after {after}")

    with DeepgramEmulator() as session, CallbackReceiver() as receiver:

        def one_test() -> None:
            session.fail_next(429)
            assert _listen(session.url) == 429
            assert _post(receiver.port, "/hook") == 200
            session.reset()

        session_ms = [_timed(one_test) for _ in range(args.uses)]
        print(f"one test on the session emulator (reset after): {_summary(session_ms)}")
        audio = silence(0.5)
        first = _timed(lambda: session.submit(audio))
        second = _timed(lambda: session.submit(audio))
        print(
            f"first transcription (recognition process started): {first:.0f} ms; "
            f"second: {second:.0f} ms"
        )


if __name__ == "__main__":
    main()
