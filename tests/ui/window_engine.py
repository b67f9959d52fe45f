"""The engine a window test runs on: the window's own, a `serve` child process spoken to
over pipes (engine/child_engine.py), as `callback-inspector gui` runs it. The whole window
suite runs this way (issue 16): nothing in it reaches into the receiver or the emulator."""

from __future__ import annotations

from inspector.core.settings import EngineSettings
from inspector.engine.child_engine import ChildEngine


def window_engine(settings: EngineSettings) -> ChildEngine:
    """An engine with `settings` in its own process (not started)."""
    return ChildEngine(settings)
