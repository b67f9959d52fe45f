"""Headless mode: the engine without Qt, events printed as JSON lines on stdout.

The printer is a listener like the window: it drains the engine's queue in batches and
writes each batch with one `write` + `flush`, so printing is never the bottleneck under load.
"""

from __future__ import annotations

import concurrent.futures
import faulthandler
import functools
import gc
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from .core.control import result_json
from .core.event_filter import EventFilter
from .core.event_json import EVENT_VERSION, event_line, iso_time
from .core.events import Event
from .core.row_expr import Pred
from .engine.control import ControlHandler, hello
from .engine.engine import Engine, EngineSettings, EventQueue

log = logging.getLogger(__name__)


class LineSink(Protocol):
    def write(self, text: str, /) -> int: ...
    def flush(self) -> None: ...


def print_events(
    listener: EventQueue,
    out: LineSink,
    stop: threading.Event,
    gather: float = 0.01,
    linger: float = 0.2,
    keep: Callable[[Event], bool] | None = None,
) -> None:
    """Write every event as a JSON line until `stop` is set and the queue is empty.

    Waits for an event, then `gather` seconds more, and prints what queued meanwhile in one
    write: a printer woken by every event took the GIL from the engine thread on every
    request, and cost the receiver about a third of its throughput (bench/README.md); one
    that woke every 50 ms whatever came added up to 50 ms to every line, which a window
    listing the lines shows (issue 16's arrival-to-row target is 50 ms in all). Under a
    flood it writes about 1 / `gather` times a second. Once `stop` is set it prints until
    `linger` seconds pass with nothing new, so events queued before the stop, and those the
    engine publishes while it stops (the sockets it closes), are printed too. With `keep`
    (`serve --filter`), only the events it keeps are printed.
    """
    while True:
        stopping = stop.is_set()
        first = listener.get(timeout=linger if stopping else 0.25)
        if first is None:
            if stopping:
                return
            continue
        if gather > 0 and not stopping:
            stop.wait(gather)
        events = [first, *listener.drain()]
        lines = []
        for event in events:
            try:
                if keep is not None and not keep(event):
                    continue
                line = event_line(event)
                if line is not None:
                    lines.append(line)
            except Exception:  # one odd event must not silence every later one
                log.exception("cannot print a %s event", type(event).__name__)
        if lines:
            lines.append("")
            out.write("\n".join(lines))
            out.flush()


class LockedOut:
    """`out` shared by the printer and the control answers: one write at a time, each
    flushed, so lines never interleave."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            n = self._out.write(text)
            self._out.flush()
            return n

    def flush(self) -> None:
        pass  # every write is flushed


def answer_commands(
    engine: Engine, handler: ControlHandler, inp: TextIO, out: LockedOut, stop: threading.Event
) -> None:
    """`serve --control-stdio`: one JSON command per line on `inp`, its `result` line on
    `out` when it is done. Commands run side by side: one that takes long (a submission
    waiting on its reply, a replay, a handler check) holds up neither the next ones nor
    `stop`; the client matches results by their id. The end of `inp` (the window closed
    it, or died) stops the engine."""
    for line in inp:
        if stop.is_set():
            break
        text = line.strip()
        if not text:
            continue
        try:
            raw = json.loads(text)
        except ValueError as exc:
            out.write(json.dumps(result_json(None, error=f"not JSON: {exc}")) + "\n")
            continue
        command_id = raw.get("id") if isinstance(raw, dict) else None
        try:
            running = engine.call(handler.handle(raw))
        except RuntimeError as exc:  # the engine stopped under it
            out.write(json.dumps(result_json(command_id, error=str(exc))) + "\n")
            continue
        running.add_done_callback(functools.partial(_write_answer, out, command_id))
    stop.set()


def _write_answer(
    out: LockedOut, command_id: Any, done: concurrent.futures.Future[dict[str, Any]]
) -> None:
    try:
        answer = done.result()
    except BaseException as exc:  # cancelled as the engine stopped, or a bug in the handler
        answer = result_json(command_id, error=str(exc) or type(exc).__name__)
    try:
        out.write(json.dumps(answer) + "\n")
    except (OSError, ValueError):  # the window closed our stdout: nobody to tell
        pass


def run_serve(
    settings: EngineSettings,
    out: TextIO = sys.stdout,
    control_stdio: bool = False,
    inp: TextIO = sys.stdin,
    line_filter: Pred | None = None,
) -> int:
    """Run until SIGTERM/SIGINT (or the `stop` command, or with `control_stdio` the end of
    `inp`); returns the exit status. `line_filter` (`--filter`): print only the lines of
    the exchanges it matches (`core/event_filter.py`)."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    # Before anything is printed: a SIGTERM right after `listening` must still exit 0.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if hasattr(signal, "SIGUSR1"):  # `kill -USR1 PID`: every thread's stack on stderr (a hang)
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    engine = Engine(settings)
    engine.on_stop_requested = stop.set
    listener = engine.subscribe()
    engine.start()  # raises PortInUseError etc. to the CLI
    # What the modules and the engine made at start lives as long as the process: Python's
    # full collections need not walk it under load (they paused the window's UI thread for
    # up to 190 ms, and they pause the receiver alike).
    gc.freeze()
    shared = LockedOut(out)
    listening = {
        "event": "listening",
        "v": EVENT_VERSION,
        "time": iso_time(time.time()),
        "receiver": engine.receiver_url,
    }
    if engine.emulator_url is not None:
        listening["emulator"] = engine.emulator_url
    if engine.control_url is not None:
        listening["control"] = engine.control_url
    if engine.session_path is not None:
        listening["session"] = str(engine.session_path)
    shared.write(json.dumps(listening) + "\n")
    if control_stdio:
        shared.write(json.dumps(hello(engine)) + "\n")
        handler = ControlHandler(engine, stop.set)
        threading.Thread(
            target=answer_commands,
            args=(engine, handler, inp, shared, stop),
            name="control-stdio",
            daemon=True,
        ).start()
    # The printer stops only once the engine has: what it publishes while stopping (the
    # sockets it closes) is printed too.
    engine_stopped = threading.Event()
    keep = EventFilter(line_filter).keep if line_filter is not None else None
    printer = threading.Thread(
        target=print_events,
        args=(listener, shared, engine_stopped),
        kwargs={"keep": keep},
        daemon=True,
    )
    printer.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        engine.stop()
        engine_stopped.set()
        printer.join(5)
    return 0
