"""Shared test set-up: Qt offscreen without a display, and real servers on port 0."""

from __future__ import annotations

import os
import tempfile

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The window keeps sessions under the user's data dir by default: in tests (and the `gui`
# processes they start) that is a throw-away folder, never the developer's own sessions.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="ci-data-")

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from inspector.core.events import Event
from inspector.core.rules import Rule
from inspector.core.settings import ReceiverSettings
from inspector.engine.engine import Engine, EngineSettings, EventQueue
from tests.serve_process import ServeProcess

# `pytester` runs pytest on a generated project in this process (the plugin's own tests,
# tests/testing/).
pytest_plugins = ["pytester"]


class EventLog:
    """Collects an engine's events for assertions; `wait_for` blocks on the queue, no sleeps."""

    def __init__(self, listener: EventQueue) -> None:
        self.listener = listener
        self.events: list[Event] = []

    def wait_for(self, predicate: Callable[[Event], bool], timeout: float = 10.0) -> Event:
        for event in self.events:
            if predicate(event):
                return event
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            event = self.listener.get(timeout=left)
            if event is None:
                break
            self.events.append(event)
            if predicate(event):
                return event
        raise AssertionError(f"no matching event within {timeout}s; saw {self.events[-5:]}")


def engine_starter(make: Callable[[EngineSettings], Any]) -> Iterator[Callable[..., Any]]:
    """`start(rules=(), **receiver)` -> (engine, EventLog): a real engine made by `make`
    (receiver on 127.0.0.1 port 0), started; every one is stopped afterwards."""
    engines: list[Any] = []

    def start(rules: tuple[Rule, ...] = (), **receiver: Any) -> tuple[Any, EventLog]:
        settings = EngineSettings(receiver=ReceiverSettings(port=0, **receiver), rules=rules)
        engine = make(settings)
        log = EventLog(engine.subscribe())
        engine.start()
        engines.append(engine)
        return engine, log

    yield start
    for engine in engines:
        engine.stop()


@pytest.fixture
def start_engine() -> Iterator[Callable[..., tuple[Engine, EventLog]]]:
    """Start a real engine (receiver on 127.0.0.1, port 0); stopped after the test."""
    yield from engine_starter(Engine)


@pytest.fixture
def control_serve(tmp_path) -> Iterator[tuple[ServeProcess, Path]]:
    """A real `serve --control-port 0` with its token file: (serve, token file)."""
    token_file = tmp_path / "control-token"
    with ServeProcess(
        "--port", "0", "--control-port", "0", "--control-token-file", str(token_file)
    ) as serve:
        yield serve, token_file
