"""Callback delivery with Deepgram's retry policy: POST or PUT, `dg-token`, basic auth.

One task per job. Each attempt and the outcome are published as emulator events (`attempt`,
`job_done`) so `serve` prints them and the window draws the retry timeline. The API key
itself never leaves: `dg-token` carries its identifier [CB].
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from ..core.basic_auth import encode_basic_auth
from ..core.callback_url import CallbackTarget
from ..core.delivery import (
    Attempt,
    Outcome,
    RetryPolicy,
    attempt_succeeded,
    next_retry_at,
)
from ..core.emulator_events import AttemptMade, JobDone
from ..core.event_json import iso_time
from ..core.events import EmulatorEvent, Event

log = logging.getLogger(__name__)


def callback_headers(target: CallbackTarget, key_id: str, user_agent: str) -> dict[str, str]:
    """What every callback request carries [CB]: JSON type, `dg-token`, pre-emptive basic auth."""
    headers = {"Content-Type": "application/json", "dg-token": key_id, "User-Agent": user_agent}
    if target.username is not None:
        headers["Authorization"] = encode_basic_auth(target.username, target.password or "")
    return headers


class Dispatcher:
    def __init__(
        self,
        policy: RetryPolicy,
        attempt_timeout: float,
        user_agent: str,
        publish: Callable[[Event], None],
    ) -> None:
        self.policy = policy
        self.attempt_timeout = attempt_timeout
        self.user_agent = user_agent
        self._publish = publish
        self._session: aiohttp.ClientSession | None = None
        self._jobs: dict[str, asyncio.Task[Outcome]] = {}

    async def start(self) -> None:
        # No cookie jar, no proxy from the environment: a callback goes straight to its URL.
        self._session = aiohttp.ClientSession(
            cookie_jar=aiohttp.DummyCookieJar(), trust_env=False, auto_decompress=False
        )

    async def stop(self) -> None:
        for task in list(self._jobs.values()):
            task.cancel()
        if self._jobs:
            await asyncio.gather(*self._jobs.values(), return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("dispatcher is not started")
        return self._session

    def _event(self, event: EmulatorEvent) -> None:
        self._publish(event)

    def deliver(
        self,
        request_id: str,
        target: CallbackTarget,
        method: str,
        body: dict[str, Any],
        key_id: str,
        policy: RetryPolicy | None = None,
        hold: Callable[[], Awaitable[None]] | None = None,
    ) -> asyncio.Task[Outcome]:
        """Start delivering `body` under `policy` (default: the dispatcher's now), kept for the
        whole job: a settings change meanwhile applies to the next job, as the `job` event that
        announced this one said. The first attempt waits for `hold()` (an injected late
        callback). The task ends with the outcome."""
        task = asyncio.ensure_future(
            self._deliver(request_id, target, method, body, key_id, policy or self.policy, hold)
        )
        self._jobs[request_id] = task
        task.add_done_callback(lambda _t: self._jobs.pop(request_id, None))
        return task

    async def _deliver(
        self,
        request_id: str,
        target: CallbackTarget,
        method: str,
        body: dict[str, Any],
        key_id: str,
        policy: RetryPolicy,
        hold: Callable[[], Awaitable[None]] | None = None,
    ) -> Outcome:
        data = json.dumps(body).encode()
        headers = callback_headers(target, key_id, self.user_agent)
        number = 0
        try:
            if hold is not None:
                await hold()
            while True:
                number += 1
                attempt = await self.attempt(
                    target.url_without_userinfo, method, data, headers, number
                )
                finished = time.time()
                due = next_retry_at(attempt, finished, policy)
                self._event(
                    AttemptMade(
                        time=time.time(),
                        request_id=request_id,
                        attempt=number,
                        status=attempt.status,
                        error=attempt.error,
                        latency_ms=round(attempt.latency_ms, 3),
                        next_retry_at=iso_time(due) if due is not None else None,
                    )
                )
                if attempt_succeeded(attempt, policy):
                    outcome = Outcome.DELIVERED
                    break
                if due is None:
                    outcome = Outcome.GAVE_UP
                    break
                await asyncio.sleep(max(0.0, due - time.time()))
        except asyncio.CancelledError:
            self._event(
                JobDone(
                    time.time(),
                    request_id=request_id,
                    outcome=Outcome.CANCELLED.value,
                    attempts=number,
                )
            )
            raise
        self._event(
            JobDone(time.time(), request_id=request_id, outcome=outcome.value, attempts=number)
        )
        return outcome

    async def attempt(
        self, url: str, method: str, data: bytes, headers: dict[str, str], number: int
    ) -> Attempt:
        """One request; never raises for network trouble (it is recorded as the error)."""
        started = time.time()
        t0 = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            async with self.session.request(
                method,
                url,
                data=data,
                headers=headers,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self.attempt_timeout),
            ) as response:
                await response.read()
                status = response.status
        except TimeoutError:
            error = f"timed out after {self.attempt_timeout:g} s"
        except aiohttp.ClientError as exc:
            error = str(exc) or type(exc).__name__
        except OSError as exc:
            error = exc.strerror or str(exc)
        latency = (time.perf_counter() - t0) * 1000.0
        return Attempt(
            number=number, started=started, latency_ms=latency, status=status, error=error
        )
