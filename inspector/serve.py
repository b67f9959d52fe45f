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

from .core.event_json import event_to_json, iso_time
from .engine.binding import is_loopback
from .engine.engine import Engine, EngineSettings, EventQueue

log = logging.getLogger(__name__)


def print_events(listener: EventQueue, out: TextIO, stop: threading.Event) -> None:
    """Write every event as a JSON line until `stop` is set and the queue is empty."""
    while True:
        first = listener.get(timeout=0.2)
        if first is None:
            if stop.is_set():
                return
            continue
        lines = []
        for event in [first, *listener.drain()]:
            line = event_to_json(event)
            if line is not None:
                lines.append(json.dumps(line, separators=(",", ":")))
        if lines:
            out.write("\n".join(lines) + "\n")
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
    if not is_loopback(settings.receiver.host):
        log.warning(
            "the receiver listens on %s: anyone who can reach this machine can send it "
            "requests and read what it replies",
            settings.receiver.host,
        )
    listening = {
        "event": "listening",
        "time": iso_time(time.time()),
        "receiver": engine.receiver_url,
    }
    if engine.emulator_url is not None:
        listening["emulator"] = engine.emulator_url
    out.write(json.dumps(listening) + "\n")
    out.flush()
    printer = threading.Thread(target=print_events, args=(listener, out, stop), daemon=True)
    printer.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        engine.stop()
        stop.set()
        printer.join(5)
    return 0
