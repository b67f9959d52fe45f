"""`setting()`: a dataclass field that carries its CLI flag and help text.

Its own module so that settings declared beside their decisions (`core/forward.py`,
`core/guard.py`, `core/public_url.py`) and `core/settings.py`, which gathers them into
`EngineSettings`, can both use it without importing each other in a circle.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any


def setting(default: Any, help: str, flag: str | None = None, metavar: str | None = None) -> Any:
    """A dataclass field carrying its CLI flag and help text."""
    return field(default=default, metadata={"help": help, "cli_flag": flag, "metavar": metavar})
