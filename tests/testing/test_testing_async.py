"""Async tests: the `*_async` waits leave the test's own event loop running, so an app under
test on that loop (aiohttp, FastAPI's test servers) answers the emulator's callback while the
test awaits it; a blocking wait there would hold the loop, and the app with it."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web

from inspector.testing import WaitTimeout, silence


async def _start_app(seen: list[str]) -> web.AppRunner:
    async def callback(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append(body["metadata"]["request_id"])
        return web.Response(status=503 if len(seen) == 1 else 200)  # one retry

    app = web.Application()
    app.router.add_post("/deepgram", callback)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


def test_an_app_on_the_tests_loop_answers_the_callback_being_awaited(deepgram_emulator_session):
    emulator = deepgram_emulator_session

    async def scenario() -> None:
        seen: list[str] = []
        runner = await _start_app(seen)
        try:
            port = runner.addresses[0][1]
            reply = await asyncio.to_thread(
                emulator.submit, silence(0.3), callback=f"http://127.0.0.1:{port}/deepgram"
            )
            job = await emulator.wait_for_job_async(reply["request_id"], timeout=60)
            assert [a.status for a in job.attempts] == [503, 200] and job.delivered
            assert seen == [reply["request_id"]] * 2
        finally:
            await runner.cleanup()

    asyncio.run(scenario())


def test_the_receivers_async_waits_let_the_loop_send_and_explain_a_timeout(callback_receiver):
    async def scenario() -> None:
        async with aiohttp.ClientSession() as http:

            async def send() -> int:
                async with http.post(callback_receiver.url + "/hook", json={"x": 1}) as reply:
                    return reply.status

            sending = asyncio.create_task(send())  # runs while the test awaits below
            [callback] = await callback_receiver.wait_for_async(timeout=30)
            assert await sending == 200
            assert callback.path == "/hook" and callback.json() == {"x": 1}

            async with http.ws_connect(callback_receiver.ws_url + "/live") as ws:
                await ws.send_str('{"type": "Results"}')
                [message] = await callback_receiver.wait_for_messages_async(timeout=30)
            assert message.type == "Results" and message.path == "/live"

            ticks = 0

            async def tick() -> None:
                nonlocal ticks
                while True:
                    ticks += 1
                    await asyncio.sleep(0.01)

            ticker = asyncio.create_task(tick())
            with pytest.raises(WaitTimeout, match=r"expected 2 callbacks .* 1 request arrived"):
                await callback_receiver.wait_for_async(2, timeout=0.3)
            ticker.cancel()
            assert ticks > 3  # the loop ran other tasks throughout the wait

    asyncio.run(scenario())
