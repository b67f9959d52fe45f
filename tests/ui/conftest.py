"""Window-test set-up: an isolated QSettings file, and a real engine with the emulator.

The emulator (real PocketSphinx in child processes) takes a few seconds to start, so one
engine serves the whole module; each test gets it with the default reply rule restored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QSettings

from inspector.core.settings import EmulatorSettings, ReceiverSettings
from inspector.engine.child_engine import ChildEngine
from inspector.engine.engine import Engine, EngineSettings
from inspector.ui.demos import paced_emulator_settings
from inspector.ui.main_window import MainWindow
from tests.conftest import EventLog, engine_starter
from tests.ui.window_engine import window_engine

TEST_PACE = 1.0  # seconds between a demo's retries and story steps here (an audience's: 3)


@pytest.fixture
def qsettings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(scope="module")
def shared_emulator_engine() -> Iterator[ChildEngine]:
    engine = window_engine(
        EngineSettings(
            receiver=ReceiverSettings(port=0),
            emulator=paced_emulator_settings(EmulatorSettings(port=0), TEST_PACE),
        )
    )
    engine.start(timeout=60)
    yield engine
    engine.stop()


@pytest.fixture
def emulator_engine(shared_emulator_engine: ChildEngine) -> Iterator[ChildEngine]:
    shared_emulator_engine.set_rules(())
    shared_emulator_engine.settle()  # in force before the test's first request
    yield shared_emulator_engine
    shared_emulator_engine.set_rules(())


@pytest.fixture
def window_on(qtbot, qsettings) -> Iterator[Callable[..., MainWindow]]:
    """`window_on(settings)`: a shown window on a real engine started with `settings`, in a
    child process as `gui` runs it (`in_process=True`: on a thread, as `gui
    --engine-in-process`); the engines are stopped after the test."""
    engines: list[Engine | ChildEngine] = []

    def make(settings: EngineSettings, in_process: bool = False) -> MainWindow:
        engine = Engine(settings) if in_process else window_engine(settings)
        engine.start()
        engines.append(engine)
        w = MainWindow(engine, qsettings)
        qtbot.addWidget(w)
        w.show()
        return w

    yield make
    for engine in engines:
        engine.stop()


@pytest.fixture
def start_engine() -> Iterator[Callable[..., tuple[ChildEngine, EventLog]]]:
    """The window suite's `start_engine` (tests/conftest.py's, in a child process as `gui`
    runs it): a real engine, receiver on 127.0.0.1 port 0, its rules in force when it
    returns; stopped after the test."""
    yield from engine_starter(window_engine)
