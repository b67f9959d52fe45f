"""A newcomer's first `make run` on a machine without a display: the program says how to go
on, with a command that works from where they stand (not a name that is not on PATH)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _headless_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()}
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    return env


def _suggested_command(stderr: str) -> list[str]:
    line = next(li for li in stderr.splitlines() if "Headless, run the receiver with:" in li)
    words = shlex.split(line.split(":", 1)[1])
    return words[: words.index("serve")]


def test_without_a_display_the_suggested_serve_command_runs_from_the_working_directory():
    script = Path(sys.executable).parent / "callback-inspector"  # what `make run` starts
    result = subprocess.run(
        [str(script.relative_to(ROOT)) if script.is_relative_to(ROOT) else str(script)],
        cwd=ROOT,
        env=_headless_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    command = _suggested_command(result.stderr)
    program = command[0]
    assert shutil.which(program) or (ROOT / program).is_file(), command
    # It really is this program: `--version` through the suggested words answers.
    version = subprocess.run(
        [*command, "--version"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert version.returncode == 0 and "callback-inspector" in version.stdout
