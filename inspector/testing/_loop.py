"""A plain asyncio loop on a background thread: where the testing API runs its servers.

The test's own thread stays free (and so does its event loop, for async tests). Stopping
joins everything the loop started: the servers' teardown, the default executor's threads,
the thread itself, so a test suite that starts hundreds of servers leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Self, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
S = TypeVar("S", bound="DataclassInstance")

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0  # the emulator's stop may wait a few seconds for its recognition processes


def changed_settings(
    base: S, changes: dict[str, Any], what: str, fixed: tuple[str, ...] = ("host", "port")
) -> S:
    """`base` (a settings dataclass) with `changes`; a name it does not have, or one a test
    cannot set (`fixed`: the server listens on 127.0.0.1 and a free port), is a `TypeError`
    listing the settings there are."""
    known = {f.name for f in dataclasses.fields(base)} - set(fixed)
    unknown = sorted(set(changes) - known)
    if unknown:
        raise TypeError(
            f"unknown {what} setting {', '.join(map(repr, unknown))}; the settings are "
            f"{', '.join(sorted(known))}"
        )
    return dataclasses.replace(base, **changes)


class LoopThread:
    def __init__(self, name: str) -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(
        self,
        setup: Callable[[], Coroutine[Any, Any, None]],
        teardown: Callable[[], Coroutine[Any, Any, None]],
    ) -> None:
        """Start the thread, run `setup()` on its loop and wait for it (its exception is
        raised here, after `teardown()` ran); `teardown()` runs when the loop stops."""
        if self._thread is not None:
            raise RuntimeError(f"{self.name} is already running")
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._run, args=(ready, setup, teardown), name=self.name, daemon=True
        )
        self._thread.start()
        try:
            ready.result(START_TIMEOUT)
        except BaseException:
            self._join()
            raise

    def _run(
        self,
        ready: concurrent.futures.Future[None],
        setup: Callable[[], Coroutine[Any, Any, None]],
        teardown: Callable[[], Coroutine[Any, Any, None]],
    ) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            try:
                loop.run_until_complete(setup())
            except BaseException as exc:
                ready.set_exception(exc)
                return
            ready.set_result(None)
            loop.run_forever()
        finally:
            try:
                loop.run_until_complete(teardown())
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()
                self._loop = None

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run `coro` on the loop and wait for its result."""
        loop = self._loop
        if loop is None:
            coro.close()
            raise RuntimeError(f"{self.name} is not running (use it inside `with`)")
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    def stop(self) -> None:
        """Stop the loop (teardown runs) and join the thread; safe to call twice."""
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(loop.stop)
            except RuntimeError:  # closed meanwhile
                pass
        self._join()

    def _join(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(STOP_TIMEOUT)
            if thread.is_alive():
                raise RuntimeError(f"{self.name} did not stop within {STOP_TIMEOUT:g} s")


class HostedServer:
    """What `DeepgramEmulator` and `CallbackReceiver` share: a server (an object with async
    `start()`, `stop()` and a `port`) made on a `LoopThread` by `with` and stopped at its end."""

    _what = "server"  # in messages: "the emulator is not running"

    def __init__(self, name: str) -> None:
        self._thread = LoopThread(name)
        self._server: Any = None

    def _make_server(self) -> Any:
        """The server object, made on the loop thread (subclasses)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Listen on a free port of 127.0.0.1 (also what `with` does)."""

        async def setup() -> None:
            self._server = self._make_server()
            await self._server.start()

        async def teardown() -> None:
            if self._server is not None:
                await self._server.stop()

        self._thread.start(setup, teardown)

    def stop(self) -> None:
        """Stop the server and everything it started; safe to call twice."""
        self._thread.stop()

    @property
    def running(self) -> bool:
        return self._server is not None and self._thread.running

    @property
    def _running(self) -> Any:
        if not self.running:
            raise RuntimeError(f"the {self._what} is not running: use it inside `with`")
        return self._server

    @property
    def port(self) -> int:
        return int(self._running.port)

    @property
    def url(self) -> str:
        """The HTTP base URL, e.g. `http://127.0.0.1:41234`."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        """The WebSocket base URL, e.g. `ws://127.0.0.1:41234`."""
        return f"ws://127.0.0.1:{self.port}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url if self.running else 'stopped'}>"
