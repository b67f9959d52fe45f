"""Headless mode: the engine without Qt, events printed as JSON lines on stdout.

The printer is a listener like the window: it drains the engine's queue in batches and
writes each batch with one `write` + `flush`, so printing is never the bottleneck under load.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from typing import TextIO

from .core.event_json import event_line, iso_time
from .engine.engine import Engine, EngineSettings, EventQueue

log = logging.getLogger(__name__)


def print_events(
    listener: EventQueue,
    out: TextIO,
    stop: threading.Event,
    interval: float = 0.05,
    linger: float = 0.2,
) -> None:
    """Write every event as a JSON line until `stop` is set and the queue is empty.

    Wakes every `interval` seconds and prints what queued meanwhile, in one write: a printer
    woken by every event took the GIL from the engine thread on every request, and cost the
    receiver about a third of its throughput (bench/README.md). 50 ms is below what a person
    watching the lines notices. Once `stop` is set it prints until `linger` seconds pass with
    nothing new, so events queued before the stop, and those the engine publishes while it
    stops (the sockets it closes), are printed too.
    """
    while True:
        stopping = stop.wait(interval)
        events = listener.drain()
        if not events:
            if not stopping:
                continue
            last = listener.get(timeout=linger)
            if last is None:
                return
            events = [last, *listener.drain()]
        lines = []
        for event in events:
            try:
                line = event_line(event)
                if line is not None:
                    lines.append(line)
            except Exception:  # one odd event must not silence every later one
                log.exception("cannot print a %s event", type(event).__name__)
        if lines:
            lines.append("")
            out.write("\n".join(lines))
            out.flush()


def run_serve(settings: EngineSettings, out: TextIO = sys.stdout) -> int:
    """Run until SIGTERM/SIGINT; returns the exit status."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    # Before anything is printed: a SIGTERM right after `listening` must still exit 0.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    engine = Engine(settings)
    listener = engine.subscribe()
    engine.start()  # raises PortInUseError etc. to the CLI
    listening = {
        "event": "listening",
        "time": iso_time(time.time()),
        "receiver": engine.receiver_url,
    }
    if engine.emulator_url is not None:
        listening["emulator"] = engine.emulator_url
    out.write(json.dumps(listening) + "\n")
    out.flush()
    # The printer stops only once the engine has: what it publishes while stopping (the
    # sockets it closes) is printed too.
    engine_stopped = threading.Event()
    printer = threading.Thread(
        target=print_events, args=(listener, out, engine_stopped), daemon=True
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
