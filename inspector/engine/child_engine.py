"""The window's engine as its own process: `serve --control-stdio`, spoken to over pipes.

Two processes, two GILs: the receiver answers at its own pace however busy the window is,
and the window paints however hard the receiver works (bench/README.md). The child reads
commands on its stdin and writes its JSON lines on stdout; its stderr (logs) is passed on to
ours. No port is opened for the control API.

The child never outlives the window: the end of its stdin stops it, and a window that dies,
however it dies, closes that pipe. If the child dies instead, the client says so
(`EngineProcessEvent` "lost"), starts a new one on the same ports, appending to the same
session file, and says "restarted"; after `MAX_RESTARTS` deaths in `RESTART_WINDOW` seconds it
gives up ("gone").
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import logging
import os
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import orjson

from ..core.control import SetEmulatorSettings, SetGuards, SetRules, Stop
from ..core.emulator_faults import EmulatorFaults
from ..core.events import EmulatorFaultsChanged, Event
from ..core.rules import Rule
from ..core.settings import EngineSettings
from .control_client import ControlError, EngineClient

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0  # seconds for the child to say hello (the emulator loads PocketSphinx)
MAX_RESTARTS = 3
RESTART_WINDOW = 60.0


def engine_command() -> list[str]:
    """How to run this program again: the bundle's own executable when frozen (PyInstaller),
    else this interpreter with `-m inspector`."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "inspector"]


def _flags(settings: Any, skip: tuple[str, ...] = ()) -> list[str]:
    """The CLI flags that give a settings dataclass its values (core/settings.py declares
    each field's flag): only what differs from the default."""
    out: list[str] = []
    for f in dataclasses.fields(settings):
        flag = f.metadata.get("cli_flag")
        value = getattr(settings, f.name)
        if not flag or f.name in skip or value == f.default:
            continue
        if isinstance(value, bool):
            out.append(flag if value else "--no-" + flag.removeprefix("--"))
        elif value is not None:
            out += [flag, str(value)]
    return out


def serve_arguments(settings: EngineSettings) -> list[str]:
    """`serve` arguments for an engine with `settings` (the API key never goes on a command
    line, where other users of the machine can read it: it is sent as a command)."""
    args = ["serve", "--control-stdio", *_flags(settings.receiver)]
    if settings.emulator is None:
        args.append("--no-emulator")
    else:
        args += _flags(settings.emulator, skip=("api_key",))
    # Issue 13. The basic-auth password and a pinned callback secret stay off the command
    # line, as the key does: `set_guards` carries them once the child has said hello.
    args += _flags(settings.forward)
    args += _flags(settings.guard, skip=("basic_auth", "secret"))
    if settings.public is not None:
        args += _flags(settings.public)
    if settings.session_file is not None:
        args += ["--session-file", str(settings.session_file)]
    elif settings.data_dir is not None:
        args += ["--data-dir", str(settings.data_dir)]
        if settings.keep_sessions is not None:
            args += ["--keep-sessions", str(settings.keep_sessions)]
    return args


class EngineStartError(OSError):
    """The child engine did not start; the message is what it said (e.g. a port in use)."""


class ChildEngine(EngineClient):
    """An engine with `settings`, run as a child process of this one."""

    def __init__(self, settings: EngineSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or EngineSettings()
        self._before_hello = self.settings
        self._proc: subprocess.Popen[bytes] | None = None
        self._write_lock = threading.Lock()
        self._lifecycle = threading.Lock()
        self._stopping = False
        self._deaths: deque[float] = deque()
        self._stderr_tail: deque[str] = deque(maxlen=20)
        self._bound: tuple[int, int | None] | None = None  # receiver, emulator ports
        self._rules_in_force: tuple[Rule, ...] | None = None  # set_rules' latest, kept
        self._faults_in_force: EmulatorFaults | None = None  # the engine's last faults, kept

    @property
    def data_dir(self) -> Path | None:
        return self.settings.data_dir

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def set_rules(self, rules: Sequence[Rule]) -> None:
        self._rules_in_force = tuple(rules)
        super().set_rules(rules)

    def publish(self, event: Event) -> None:
        if isinstance(event, EmulatorFaultsChanged):
            self._faults_in_force = event.faults
        super().publish(event)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start the child and wait for its hello; EngineStartError says why it did not."""
        with self._lifecycle:
            if self.running:
                raise RuntimeError("engine already started")
            self._stopping = False
            settings = self.settings
            if self._bound is not None:  # Stop, then Start: the same ports as before
                receiver_port, emulator_port = self._bound
                settings = replace(
                    settings,
                    receiver=replace(settings.receiver, port=receiver_port),
                    emulator=None
                    if settings.emulator is None or emulator_port is None
                    else replace(settings.emulator, port=emulator_port),
                )
                # ...and the same session: the list the window shows goes on, and so do its
                # ids (a new file would number from 1 again).
                last = self.hello.session if self.hello is not None else None
                if settings.session_file is None and last is not None and last.exists():
                    settings = replace(settings, session_file=last)
            self._spawn(settings, timeout)
            self.running = True

    def _spawn(self, settings: EngineSettings, timeout: float) -> None:
        self._hello_seen.clear()
        self.hello = None
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            [*engine_command(), *serve_arguments(settings)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self._proc = proc
        threading.Thread(
            target=self._read_stderr, args=(proc,), name="engine-stderr", daemon=True
        ).start()
        reader = threading.Thread(
            target=self._read_stdout, args=(proc,), name="engine-reader", daemon=True
        )
        reader.start()
        if not self.wait_for_hello(timeout, lambda: proc.poll() is None):
            self._kill(proc)
            said = " ".join(line.strip() for line in self._stderr_tail if line.strip())
            if proc.returncode not in (None, 0) and said:
                # What serve prints for a port in use: "callback-inspector: receiver port ..."
                raise EngineStartError(said.split("callback-inspector: ")[-1])
            raise EngineStartError(f"the engine did not start within {timeout:g} s: {said}")
        hello = self.hello
        assert hello is not None
        # What the child must have before its first request: start() returns once it has.
        first: list[concurrent.futures.Future[Any]] = []
        if settings.emulator is not None and settings.emulator.api_key:
            hello.emulator_settings = settings.emulator  # the key by pipe, not by argv
            first.append(self.send(SetEmulatorSettings(settings.emulator)))
        rules = self._rules_in_force if self._rules_in_force is not None else settings.rules
        if rules:  # a restarted child answers as its predecessor did
            self._rules = tuple(rules)
            first.append(self.send(SetRules(self._rules)))
        if settings.guard.basic_auth is not None or settings.guard.secret is not None:
            self._guards = settings.guard.check()  # the password and a pinned secret, likewise
            first.append(self.send(SetGuards(settings.guard)))
        for future in first:
            try:
                future.result(timeout)
            except (ControlError, concurrent.futures.TimeoutError) as exc:
                log.warning("the engine did not take its start settings: %s", exc)
        faults = self._faults_in_force if self._faults_in_force is not None else settings.faults
        if settings.emulator is not None and faults.active:
            # A restarted child fails as its predecessor did, from its first request on.
            try:
                self.set_emulator_faults(faults).result(timeout)
            except (ControlError, concurrent.futures.TimeoutError) as exc:
                log.warning("the engine did not take its emulator faults: %s", exc)
        self._bound = (
            _port_of(hello.receiver),
            _port_of(hello.emulator) if hello.emulator else None,
        )

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the child (the `stop` command, then the end of its stdin); safe twice."""
        with self._lifecycle:
            self._stopping = True
            self.running = False
            proc = self._proc
            if proc is None:
                return
            if proc.poll() is None:
                self.send(Stop())
                try:
                    if proc.stdin is not None:
                        proc.stdin.close()
                except OSError:
                    pass
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    log.warning("the engine did not stop within %g s: killing it", timeout)
                    self._kill(proc)
            self._proc = None

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)

    # -- the pipes -------------------------------------------------------------------------
    def _send(self, text: str) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.poll() is not None:
            raise RuntimeError("the engine is not running")
        data = text.encode("utf-8") + b"\n"
        with self._write_lock:
            proc.stdin.write(data)
            proc.stdin.flush()

    def _read_stdout(self, proc: subprocess.Popen[bytes]) -> None:
        out: IO[bytes] | None = proc.stdout
        assert out is not None
        for raw in out:
            try:
                line = orjson.loads(raw)
            except orjson.JSONDecodeError:
                log.warning("the engine wrote a line that is not JSON: %r", raw[:200])
                continue
            if isinstance(line, dict):
                self._on_line(line)
        proc.wait()
        if proc is self._proc:
            self._on_closed(f"the engine process ended (exit status {proc.returncode})")
            if not self._stopping and self.running:
                self._restart(proc.returncode)

    def _read_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        err = proc.stderr
        assert err is not None
        for raw in err:
            text = raw.decode("utf-8", errors="backslashreplace")
            self._stderr_tail.append(text)
            sys.stderr.write(text)

    def _restart(self, returncode: int | None) -> None:
        """The child died under us: a new one on the same ports and session file."""
        now = time.monotonic()
        self._deaths.append(now)
        while self._deaths and now - self._deaths[0] > RESTART_WINDOW:
            self._deaths.popleft()
        hello = self.hello
        if len(self._deaths) > MAX_RESTARTS or hello is None:
            self.running = False
            self._say(
                "gone",
                f"the engine process ended (exit status {returncode}) {len(self._deaths)} "
                f"times within {RESTART_WINDOW:g} s; press Start to try again",
            )
            return
        self._say(
            "lost",
            f"the engine process ended (exit status {returncode}); starting a new one on "
            "the same ports",
        )
        settings = replace(
            self.settings,
            receiver=replace(self.settings.receiver, port=_port_of(hello.receiver)),
            emulator=None
            if self.settings.emulator is None or hello.emulator is None
            else replace(self.settings.emulator, port=_port_of(hello.emulator)),
            session_file=hello.session,
        )
        try:
            with self._lifecycle:
                if self._stopping:
                    return
                self._spawn(settings, START_TIMEOUT)
        except OSError as exc:
            self.running = False
            self._say("gone", f"the engine could not be started again: {exc}")
            return
        self._say("restarted", "a new engine process took over; capture goes on")


def _port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])
