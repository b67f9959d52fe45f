"""Run the real `callback-inspector serve` as a subprocess and read its JSON lines."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

EXE = [sys.executable, "-m", "inspector"]


class ServeProcess:
    def __init__(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        preexec_fn: Callable[[], None] | None = None,
        stdin: bool = False,
        exe: list[str] | None = None,  # how to run the program (default: this Python's)
    ) -> None:
        if "--emulator-port" not in args and "--no-emulator" not in args:
            # The emulator's default port (8081) may be taken on a shared machine; tests that
            # need the emulator ask for `--emulator-port 0`.
            args = (*args, "--no-emulator")
        self.proc = subprocess.Popen(
            [*(exe or EXE), "serve", *args],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **(env or {})},
            preexec_fn=preexec_fn,  # e.g. a file-size limit, to fill "the disk"
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.stderr_lines: list[str] = []
        self.raw_stdout: list[str] = []
        self._readers = [
            threading.Thread(target=self._read_stdout, name="serve-stdout", daemon=True),
            threading.Thread(target=self._read_stderr, name="serve-stderr", daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        first = self.next_event(timeout=30)
        assert first["event"] == "listening", first
        self.listening = first
        self.url: str = first["receiver"]
        self.emulator_url: str | None = first.get("emulator")

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.raw_stdout.append(line)
            self.lines.put(json.loads(line))

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr_lines.append(line)

    def next_event(self, timeout: float = 10.0) -> dict[str, Any]:
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"no JSON line within {timeout}s; stderr: {''.join(self.stderr_lines)[-2000:]}"
            ) from None

    def wait_for(self, name: str, timeout: float = 10.0, **match: Any) -> dict[str, Any]:
        """The next event named `name` whose fields equal `match` (others are skipped)."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {name} event matching {match} within {timeout}s")
            event = self.next_event(left)
            if event["event"] == name and all(event.get(k) == v for k, v in match.items()):
                return event

    def assert_no_event(self, name: str, within: float, **match: Any) -> None:
        """No `name` event matching `match` arrives within `within` seconds.

        A negative check has no event of its own to wait on; it waits on the queue, bounded.
        """
        end = time.monotonic() + within
        while (left := end - time.monotonic()) > 0:
            try:
                event = self.lines.get(timeout=left)
            except queue.Empty:
                return
            if event["event"] == name and all(event.get(k) == v for k, v in match.items()):
                raise AssertionError(f"unexpected {name} event: {event}")

    def send(self, line: dict[str, Any]) -> None:
        """One JSON line to serve's stdin (`--control-stdio`); needs `stdin=True`."""
        assert self.proc.stdin is not None, "started without stdin=True"
        self.proc.stdin.write(json.dumps(line) + "\n")
        self.proc.stdin.flush()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(15)
        except subprocess.TimeoutExpired:
            # Where it hangs: serve prints every thread's stack on SIGUSR1 (faulthandler).
            self.proc.send_signal(signal.SIGUSR1)
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and not any(
                "most recent call first" in line for line in self.stderr_lines
            ):
                time.sleep(0.05)
            self.proc.kill()
            self.proc.wait(10)
            stacks = "".join(self.stderr_lines[-200:])
            raise AssertionError(f"serve did not stop within 15 s of SIGTERM:\n{stacks}") from None
        for reader in self._readers:  # they end at the pipes' end of file: none left behind
            reader.join(10)
        return code

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
