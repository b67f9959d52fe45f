"""The engine: one thread, one plain asyncio loop, all the networking.

Receiver, emulator, dispatcher and submit client live on this loop. Other threads (`serve`'s
printer and control API, or the Qt UI with `gui --engine-in-process`) talk to it through its
methods (engine/api.py) and read what happened from their own `EventQueue`. The window's
usual engine is this one in a `serve` child process (engine/child_engine.py). Measured:
aiohttp on a plain loop answers about twice as many requests as on a qasync loop, and a flood
never waits for a repaint (docs/ARCHITECTURE.md).

Why this module is long: `Engine` is the one facade the window, `serve` and the control API call
(issue 16): one small method per thing they ask, each a hop onto the engine loop; the facade is
long because the list of asks is, not because it holds logic of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from ..core.control import Submit
from ..core.emulator_faults import EmulatorFaults, change_faults
from ..core.events import EmulatorEvent, Event, StorageEvent
from ..core.forward import ForwardSettings
from ..core.guard import GuardSettings
from ..core.handler_checks import CheckRequest, CheckSummary
from ..core.public_url import PublicUrlEvent, PublicUrlSettings
from ..core.records import Exchange, WsMessage
from ..core.replay_reply import ReplayReply
from ..core.rules import HoldAnswer, Respond, Rule
from ..core.settings import EmulatorSettings, EngineSettings, ReceiverSettings
from ..store.library import SessionLibrary
from ..store.schema import SessionFileError
from ..store.session import SessionWriter
from ..store.session_reader import SessionReader
from .binding import is_loopback
from .emulator.faults import FaultInjector
from .event_queue import EventQueue
from .forwarder import Forwarder
from .persist import Persister
from .public_url.access import PublicAccess
from .recall import Recall
from .receiver import Receiver

log = logging.getLogger(__name__)
T = TypeVar("T")


class Engine:
    """Owns the engine thread and the servers on it."""

    def __init__(self, settings: EngineSettings | None = None) -> None:
        self.settings = settings or EngineSettings()
        self._listeners: list[EventQueue] = []
        self._listeners_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.receiver = Receiver(self.settings.receiver, self.publish, self.settings.rules)
        self.emulator: Any = None  # engine.emulator.Emulator when settings.emulator is set
        # Injected failures outlive a restart (Stop, Start), as the emulator settings do.
        self._faults = FaultInjector(self._publish_emulator_event, self.settings.faults)
        self.persister: Persister | None = None  # set when settings.data_dir is given
        self.session_path: Path | None = None
        self._created: Path | None = None  # the session file this start created, if it did
        self.running = False  # between a successful start() and stop()
        self._lifecycle = threading.Lock()  # start() and stop() one at a time
        # Why the session file is not taking the capture now (a StorageEvent), or None.
        self.storage_problem: StorageEvent | None = None
        self.recall = Recall(lambda: self.session_path)
        self._recalling = self.settings.recall or self.settings.control is not None
        self.control: Any = None  # engine.control_server.ControlServer when settings.control
        # What the `stop` command does: `serve` sets it to end its process.
        self.on_stop_requested: Callable[[], None] = lambda: None
        self._check_ids = itertools.count(1)
        self._checks: dict[int, concurrent.futures.Future[CheckSummary]] = {}
        self._check_tasks: set[asyncio.Task[Any]] = set()  # on the loop, cancelled at stop
        self.public = PublicAccess(self.receiver, self.publish)
        self.public.set_guard(self.settings.guard.check())
        self._public_settings = self.settings.public  # started with the servers, when set
        self.set_forwarding(self.settings.forward)

    # -- events ---------------------------------------------------------------------------
    def subscribe(self) -> EventQueue:
        """A new queue that receives every event from now on."""
        listener = EventQueue()
        with self._listeners_lock:
            self._listeners = [*self._listeners, listener]
        return listener

    def unsubscribe(self, listener: EventQueue) -> None:
        with self._listeners_lock:
            self._listeners = [q for q in self._listeners if q is not listener]

    def publish(self, event: Event) -> None:
        """Called on the engine thread; fans the event out to every listener."""
        if self._recalling:
            self.recall.observe(event)
        for listener in self._listeners:  # copy-on-write list: no lock needed to read
            listener.put(event)

    # -- lifecycle ------------------------------------------------------------------------
    def start(self, timeout: float = 30.0) -> None:
        """Start the thread and the servers; raises what binding raised (e.g. PortInUseError).

        Any thread may call it (the window does, from a helper thread); a `stop()` meanwhile
        waits until the start is over, then stops."""
        with self._lifecycle:
            if self._thread is not None:
                raise RuntimeError("engine already started")
            ready: concurrent.futures.Future[None] = concurrent.futures.Future()
            self._thread = threading.Thread(
                target=self._run, args=(ready,), name="inspector-engine", daemon=True
            )
            self._thread.start()
            try:
                ready.result(timeout)
            except BaseException:
                self._join()
                raise
            self.running = True

    def _run(self, ready: concurrent.futures.Future[None]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._start_servers())
        except BaseException as exc:  # reported to start()'s caller
            ready.set_exception(exc)
            loop.run_until_complete(self._stop_servers())
            self._discard_unused_session()
            loop.close()
            self._loop = None
            return
        ready.set_result(None)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._stop_servers())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())  # its threads joined
            loop.close()

    async def _start_servers(self) -> None:
        self._created = None
        await self.receiver.start()
        # The session file once the receiver listens (a port in use makes no empty file), and
        # before any request can be handled: no `await` in between.
        # A restart (Stop, Start) goes on in the session the last run captured into, and its
        # ids with it, as a restarted child engine does (engine/child_engine.py).
        last = self.session_path
        if self.settings.session_file is not None:
            self._open_session(self.settings.session_file.parent, self.settings.session_file)
        elif last is not None and last.exists():
            self._open_session(last.parent, last)
        elif self.settings.data_dir is not None:
            self._open_session(self.settings.data_dir)
            self._created = self.session_path
        # A restart (Stop, Start) listens on the same port, even when port 0 chose it: the
        # URL given to Deepgram stays valid. If something took the port meanwhile, start()
        # raises PortInUseError and the caller says so.
        bound = self.receiver.port
        assert bound is not None  # start() bound it
        self.receiver.settings = replace(self.receiver.settings, port=bound)
        if not is_loopback(self.settings.receiver.host):  # the window shows a badge too
            log.warning(
                "the receiver listens on %s: anyone who can reach this machine can send it "
                "requests and read what it replies",
                self.settings.receiver.host,
            )
        if self.settings.emulator is not None:
            from .emulator.server import Emulator  # the ASR stack loads only when needed

            # On a restart: the settings applied since (set_emulator_settings), its port.
            previous = self.emulator
            settings = previous.settings if previous is not None else self.settings.emulator
            self.emulator = Emulator(settings, self._publish_emulator_event, faults=self._faults)
            await self.emulator.start()
            self.emulator.settings = replace(self.emulator.settings, port=self.emulator.port)
        control = self.settings.control
        if control is not None and control.port is not None:
            from .control_server import ControlServer

            token = self.settings.control_token
            if token is None:
                raise RuntimeError("the control API needs a token")
            if self.control is not None:  # a restart: the port bound the first time
                control = replace(control, port=self.control.port)
            self.control = ControlServer(self, control, token)
            await self.control.start()
        self._prune_sessions()  # only once everything started: a failed start deletes nothing
        if self._public_settings is not None:  # in the background: `listening` does not wait
            await self.public.start(self._public_settings)

    async def _stop_servers(self) -> None:
        for task in list(self._check_tasks):  # handler checks in flight end "cancelled"
            task.cancel()
        if self._check_tasks:
            await asyncio.gather(*self._check_tasks, return_exceptions=True)
        await self.public.stop()  # the tunnel never outlives the engine
        if self.control is not None:
            await self.control.stop()
        if self.emulator is not None:
            await self.emulator.stop()
        await self.receiver.stop()
        if self.persister is not None:
            self.persister.writer.close()  # commits what is queued

    def _open_session(self, data_dir: Path, existing: Path | None = None) -> None:
        """A new session file; the receiver awaits each commit before it answers (issue 6).

        A data dir that cannot hold one (read-only, full, not a directory) does not stop the
        engine: the capture stays in memory and a "unavailable" StorageEvent says why."""
        library = SessionLibrary(data_dir)
        # Nothing of a previous run's file (a restart): it is closed.
        self.persister, self.session_path, self.receiver.persist = None, None, None
        earlier_problem, self.storage_problem = self.storage_problem, None
        try:
            if existing is not None:
                writer = SessionWriter(existing)
                with SessionReader(existing) as reader:
                    self.receiver.continue_after(reader.last_id())
            else:
                writer = library.create(source="capture")
        except (OSError, SessionFileError) as exc:
            reason = exc.reason if isinstance(exc, SessionFileError) else str(exc)
            message = (
                f"sessions cannot be saved in {data_dir} ({reason}). Capture goes on in memory only"
            )
            log.error("%s", message)
            self.storage_problem = StorageEvent("unavailable", time.time(), message, str(data_dir))
            self.publish(self.storage_problem)
            return
        self.persister = Persister(writer, self._on_storage_event)
        self.session_path = writer.path
        self.receiver.persist = self.persister.persist
        if earlier_problem is not None:  # a restart after a storage fault: it is over
            self.publish(
                StorageEvent("recovered", time.time(), "sessions are saved again", str(writer.path))
            )

    def _prune_sessions(self) -> None:
        """Retention: delete the oldest captured sessions beyond `keep_sessions`."""
        if self.settings.keep_sessions is None or self.session_path is None:
            return
        library = SessionLibrary(self.settings.data_dir)  # a session file: a data dir
        pruned = library.prune(self.settings.keep_sessions, current=self.session_path.stem)
        if pruned:
            log.info(
                "deleted %d old session(s) beyond the last %d",
                len(pruned),
                self.settings.keep_sessions,
            )

    def _discard_unused_session(self) -> None:
        """After a failed start: a session file this start created goes if nothing reached
        it. One it went on in (given, or an earlier run's) stays, and the next Start goes on
        in it."""
        persister, path, self._created = self.persister, self._created, None
        self.persister, self.receiver.persist = None, None
        if path is None:
            return
        self.session_path = None
        if persister is not None and persister.writer.committed == 0:
            try:
                SessionLibrary(self.settings.data_dir).delete(path.stem)
            except (OSError, LookupError) as exc:
                log.warning("could not remove the unused session %s: %s", path, exc)

    def _on_storage_event(self, event: StorageEvent) -> None:
        self.storage_problem = None if event.state == "recovered" else event
        self.publish(event)

    def _publish_emulator_event(self, event: Event) -> None:
        """Emulator events are kept in the session too, without holding anything up."""
        if isinstance(event, EmulatorEvent) and self.persister is not None:
            self.persister.persist_later(event)
        self.publish(event)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the servers and the thread; safe to call twice."""
        with self._lifecycle:
            self.running = False
            loop = self._loop
            if loop is not None and loop.is_running():
                loop.call_soon_threadsafe(loop.stop)
            self._join(timeout)

    def _join(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # -- calls from other threads ---------------------------------------------------------
    def call(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run `coro` on the engine loop; a concurrent future for its result."""
        if self._loop is None:
            coro.close()
            raise RuntimeError("engine is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    # -- the commands a client gives (the same names as engine/control_client.py's, so the
    # window drives an engine in this process or in another alike) -----------------------
    def close_websocket(
        self, exchange_id: int, code: int = 1000, reason: str = ""
    ) -> concurrent.futures.Future[bool]:
        return self.call(self.receiver.close_websocket(exchange_id, code, reason))

    def drop_websocket(self, exchange_id: int) -> concurrent.futures.Future[bool]:
        return self.call(self.receiver.drop_websocket(exchange_id))

    def send_websocket_text(self, exchange_id: int, text: str) -> concurrent.futures.Future[None]:
        return self.call(self.receiver.send_websocket_text(exchange_id, text))

    def clear_attempts(self) -> concurrent.futures.Future[None]:
        async def clear() -> None:
            self.receiver.reset_attempts()

        return self.call(clear())

    def submit(self, command: Submit) -> concurrent.futures.Future[dict[str, Any]]:
        from .submission import submit

        return self.call(submit(command))

    def replay(
        self,
        exchange: Exchange,
        url: str,
        *,
        method: str | None = None,
        headers: tuple[tuple[str, str], ...] | None = None,
        body: bytes | None = None,
    ) -> concurrent.futures.Future[ReplayReply]:
        from .replay import replay

        return self.call(replay(exchange, url, method=method, headers=headers, body=body))

    def set_rules(self, rules: Sequence[Rule]) -> None:
        """Replace the reply rules; the next request uses them (atomic swap, any thread)."""
        self.receiver.rules = tuple(rules)

    def rules(self) -> tuple[Rule, ...]:
        """The reply rules in force now, in order."""
        return self.receiver.rules

    def answer_held(
        self, exchange_id: int, answer: Respond | HoldAnswer
    ) -> concurrent.futures.Future[bool]:
        """Answer a request held by a breakpoint rule: with a reply, as the next rule would,
        or by dropping its connection. The future says False when it was no longer held
        (answered already, timed out, or its sender left)."""

        async def answer_it() -> bool:
            return self.receiver.answer_held(exchange_id, answer)

        return self.call(answer_it())

    def set_receiver_settings(self, settings: ReceiverSettings) -> None:
        """New receiver limits: body and message size from the next request, connection
        limits and timeouts from the next connection; host and port stay as bound until a
        restart. An atomic swap, safe from any thread."""
        self.receiver.settings = settings

    def set_emulator_settings(self, settings: EmulatorSettings) -> None:
        """New emulator settings (retries, ports rule, key...) for the next job; its port
        stays as bound. Safe from any thread."""
        if self.emulator is None:
            raise RuntimeError("the emulator is not running")
        self.emulator.apply_settings(settings)

    def receiver_settings(self) -> ReceiverSettings:
        """The receiver's settings now (its port as bound)."""
        return self.receiver.settings

    def emulator_settings(self) -> EmulatorSettings | None:
        """The emulator's settings now (its port as bound), or None without an emulator."""
        if self.emulator is not None:
            settings: EmulatorSettings = self.emulator.settings
            return settings
        return self.settings.emulator

    def request_stop(self) -> None:
        """A control-API client asked the engine to stop (the process that runs it decides)."""
        self.on_stop_requested()

    @property
    def control_url(self) -> str | None:
        return self.control.url if self.control is not None and self.control.port else None

    def set_emulator_faults(self, faults: EmulatorFaults) -> None:
        """Inject Deepgram-side failures (replacing any set before): the next requests and
        streams get them; an `EmulatorFaultsChanged` event says so. Any thread, also while
        stopped (they apply once started)."""
        if self.settings.emulator is None:
            raise RuntimeError("this engine runs no emulator (--no-emulator)")
        self._faults.set(faults)

    def update_emulator_faults(self, **change: Any) -> EmulatorFaults:
        """Change one part of the injected faults atomically (`core.emulator_faults.
        change_faults`: `add_fail=`, `remove_fail=`, `delay=`, `drop=`, `callback_delay=`),
        against what is left now; returns the new faults. Any thread."""
        if self.settings.emulator is None:
            raise RuntimeError("this engine runs no emulator (--no-emulator)")
        parts = {"fail" if name.endswith("_fail") else name for name in change}
        return self._faults.update(lambda faults: change_faults(faults, **change), parts)

    def emulator_faults(self) -> EmulatorFaults:
        """The faults still to come (those used up by requests are gone)."""
        return self._faults.faults

    # -- "Is my callback handler ready for Deepgram?" (issue 19) -------------------------
    def start_handler_check(self, request: CheckRequest) -> concurrent.futures.Future[int]:
        """Run the handler check on the engine loop; the future gives its run id at once.

        Progress comes as `CheckStarted`, `CheckCaseDone` and `CheckFinished` events with that
        id; its requests and replies as `ExchangeAdded` / `ExchangeUpdated` like any other
        traffic (numbered by the receiver, so they sit in the same list), and in a session of
        their own under the data dir. RuntimeError when the engine is not running."""
        run_id = next(self._check_ids)
        future = self.call(self._handler_check(run_id, request))
        self._checks[run_id] = future
        future.add_done_callback(lambda _f: self._checks.pop(run_id, None))
        started: concurrent.futures.Future[int] = concurrent.futures.Future()
        started.set_result(run_id)
        return started

    def cancel_handler_check(self, run_id: int) -> None:
        """Stop a run (it ends with a cancelled `CheckFinished`); nothing if it is over."""
        future = self._checks.get(run_id)
        if future is not None:
            future.cancel()

    async def _handler_check(self, run_id: int, request: CheckRequest) -> CheckSummary:
        from .check_recognition import own_asr
        from .handler_check import run_check

        emulator = self.emulator

        async def asr() -> tuple[Any, bool]:
            if emulator is not None:  # its recognition process: no second model in memory
                return emulator.files_asr, False
            return await own_asr()

        task = asyncio.current_task()
        assert task is not None
        self._check_tasks.add(task)
        try:
            return await run_check(
                request,
                publish=self.publish,
                asr=asr,
                next_id=self.receiver.next_exchange_id,
                data_dir=self.settings.data_dir,
                run_id=run_id,
            )
        finally:
            self._check_tasks.discard(task)

    # -- issue 13: forwarding, guards, the public URL (plain data in and out) -------------
    def set_forwarding(self, settings: ForwardSettings) -> None:
        """Forward to the user's app (or stop: `enabled=False` / no URL) from the next
        request; ForwardUrlError for a URL that cannot be used. Safe from any thread."""
        settings.check()
        forwarder = self.receiver.forwarder
        if forwarder is None:
            self.receiver.forwarder = Forwarder(settings, self.receiver.settings.max_body)
        else:
            forwarder.settings = settings

    @property
    def forwarding(self) -> ForwardSettings:
        forwarder = self.receiver.forwarder
        return forwarder.settings if forwarder is not None else ForwardSettings()

    def set_guards(self, settings: GuardSettings) -> None:
        """New receiver guards (basic auth, dg-token, a pinned secret) from the next
        request; GuardSettingError for a bad value. Safe from any thread."""
        settings.check()
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self.public.set_guard, settings)
        else:
            self.public.set_guard(settings)

    @property
    def guards(self) -> GuardSettings:
        return self.public.guard_settings

    def start_public_url(self, settings: PublicUrlSettings) -> None:
        """Start (or restart) a public URL; its states arrive as PublicUrlEvents. It is
        started again after a Stop/Start of the engine. Safe from any thread."""
        settings.check()
        self._public_settings = settings
        if self._loop is not None and self.running:
            self.call(self.public.start(settings))

    def stop_public_url(self) -> None:
        """Stop the public URL; the secret callback path is no longer demanded."""
        self._public_settings = None
        if self._loop is not None and self.running:
            self.call(self.public.stop())

    @property
    def public_url(self) -> PublicUrlEvent:
        """The public URL's last state (STOPPED when there is none)."""
        return self.public.state

    @property
    def public_url_settings(self) -> PublicUrlSettings | None:
        """What the public URL was last started with (None after stop_public_url)."""
        return self._public_settings

    def callback_url(self, path: str = "/", public: bool = False) -> str:
        """The URL a callback should be sent to: the public callback URL when one is known
        and `public`, else the receiver's own (with the secret prefix while it applies)."""
        state = self.public.state
        tail = path.lstrip("/")
        if public and state.callback_url is not None:
            return state.callback_url + tail
        prefix = self.receiver.guard.prefix or ""
        return f"{self.receiver.url}{prefix}/{tail}" if prefix else self.receiver.url + path

    @property
    def receiver_url(self) -> str:
        return self.receiver.url

    @property
    def data_dir(self) -> Path | None:
        """Where the sessions are kept (None with no session file)."""
        return self.settings.data_dir

    shares_files = True  # this process: a path the window names is a file the engine reads
    attached_to = None  # this machine's own engine
    light_rows = False  # its events carry every exchange whole

    def session_complete(self) -> bool:
        """True when the session file holds every exchange captured so far."""
        return self.persister is not None and self.persister.unsaved == 0

    def fetch_exchange(
        self, exchange_id: int
    ) -> concurrent.futures.Future[tuple[Exchange, list[WsMessage]]]:
        """Exchange `exchange_id` in full, from the session (or what the engine remembers)."""
        future: concurrent.futures.Future[tuple[Exchange, list[WsMessage]]] = (
            concurrent.futures.Future()
        )
        found = self.recall.exchange(exchange_id)
        if found is None:
            future.set_exception(LookupError(f"no exchange #{exchange_id} in this engine"))
        else:
            future.set_result(found)
        return future

    @property
    def emulator_url(self) -> str | None:
        return self.emulator.url if self.emulator is not None else None
