"""`callback-inspector serve` as a child process for benchmarks: start, read its JSON lines.

The first line (`listening`) gives the receiver's and the emulator's URLs; a reader thread
collects every later line with the time it was read. The child has its own process group,
so stopping it stops the emulator's recognition workers too.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


class Serve:
    def __init__(self, *flags: str) -> None:
        command = [sys.executable, "-m", "inspector", "serve", "--port", "0", *flags]
        self._stderr = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        if not first:
            self.proc.wait(15)
            self._stderr.seek(0)
            why = self._stderr.read()[-2000:]
            self.stop()
            raise RuntimeError(f"serve did not start: {' '.join(command)}\n{why}")
        listening = json.loads(first)
        self.receiver: str = listening["receiver"]
        self.emulator: str | None = listening.get("emulator")
        self.lines: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            with self._lock:
                self.lines.append(event)

    def events(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.lines if e.get("event") == name]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._stderr.close()

    def __enter__(self) -> Serve:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_for(condition, timeout: float, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return condition()


def _stat(pid: str) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks


def _stats() -> dict[str, tuple[int, float]]:
    return {pid: s for pid in os.listdir("/proc") if pid.isdigit() and (s := _stat(pid))}


def _children_map(stats: dict[str, tuple[int, float]]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _cpu) in stats.items():
        children.setdefault(ppid, []).append(int(pid))
    return children


def tree_pids(root: int) -> list[int]:
    """`root` and every live process below it."""
    children = _children_map(_stats())
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    return _children_map(_stats()).get(pid, [])


def tree_cpu_seconds(root: int, include_root: bool = True) -> float:
    """CPU seconds used so far by `root` and every process below it."""
    stats = _stats()
    children = _children_map(stats)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid != root or include_root:
            total += stats.get(str(pid), (0, 0.0))[1]
        todo += children.get(pid, [])
    return total


def wait_idle(
    root: int, include_root: bool = True, busy: float = 0.1, window: float = 0.5, timeout=30.0
) -> float:
    """Wait until `root`'s process tree uses less than `busy` of a core over `window`
    seconds (the emulator's recognition workers have loaded their model); seconds waited."""
    t0 = time.monotonic()
    before = tree_cpu_seconds(root, include_root)
    while time.monotonic() - t0 < timeout:
        time.sleep(window)
        now = tree_cpu_seconds(root, include_root)
        if now - before < busy * window:
            break
        before = now
    return time.monotonic() - t0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on {port}")


def gui_env(home: str) -> dict[str, str]:
    """The environment for a benchmarked `gui`: offscreen, its own settings and data."""
    return dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=os.path.join(home, "config"),  # its own QSettings
        XDG_DATA_HOME=os.path.join(home, "data"),
    )
