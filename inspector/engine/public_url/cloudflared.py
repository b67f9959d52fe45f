"""A cloudflared quick tunnel: `cloudflared tunnel --url http://127.0.0.1:PORT --no-autoupdate`.

No account needed. cloudflared logs to stderr; the tunnel's `https://<words>.trycloudflare.com`
address is read from it (`core.public_url.read_cloudflared_line`), and its failure lines are
reported as cloudflared wrote them.

The tunnel process never outlives the app:
- stopped with the app: SIGTERM to its process group (it runs in a session of its own, so a
  Ctrl-C in the terminal reaches only us), SIGKILL after `STOP_GRACE` seconds;
- killed with it, even by SIGKILL: on Linux the child asks the kernel for SIGKILL when its
  parent dies (`PR_SET_PDEATHSIG`, set between fork and exec). The kernel sends it when the
  *thread* that forked exits; the tunnel is started from the engine's loop thread, which
  lives exactly as long as the engine, and the engine stops the tunnel when it stops, so
  a Stop/Start of the engine is no early death. macOS has no such signal: there the tunnel
  stops with a clean exit, and a SIGKILLed app would leave it running (a watchdog on a pipe,
  or kqueue's NOTE_EXIT in a helper, would be needed). On Windows a Job Object with
  JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE does the same as the Linux signal; not built yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from functools import partial

from ...core.public_url import cloudflared_command, read_cloudflared_line
from . import ProviderError

log = logging.getLogger(__name__)

STOP_GRACE = 5.0  # seconds cloudflared gets to close its connections before SIGKILL
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_LAST_LINES = 5  # kept to explain an exit without a URL


def _load_libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _load_libc()  # loaded before any fork: the child only calls into it


def _die_with_parent(parent: int) -> None:
    """In the child, between fork and exec: SIGKILL when the forking thread dies. If the
    parent is already gone (it died before prctl), exit now."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


class CloudflaredTunnel:
    name = "cloudflared"

    def __init__(self, executable: str = "cloudflared", start_timeout: float = 30.0) -> None:
        self.executable = executable
        self.start_timeout = start_timeout
        self.on_lost: Callable[[str], None] | None = None
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def _find(self) -> str:
        found = shutil.which(self.executable)
        if found is None:
            raise ProviderError(
                f"cloudflared is not installed ({self.executable!r} is not on PATH): install "
                "Cloudflare's cloudflared package, give --cloudflared PATH, or use "
                "--public ngrok / --public-url URL"
            )
        return found

    async def start(self, local_url: str) -> str:
        command = cloudflared_command(self._find(), local_url)
        log.info("starting a cloudflared quick tunnel to %s", local_url)
        preexec = partial(_die_with_parent, os.getpid()) if _LIBC is not None else None
        try:
            self.process = await asyncio.create_subprocess_exec(
                *command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
                preexec_fn=preexec,  # deliberate: see the module docstring
            )
        except OSError as exc:
            raise ProviderError(f"cannot run {command[0]}: {exc.strerror or exc}") from None
        try:
            url = await asyncio.wait_for(self._read_until_url(), self.start_timeout)
        except TimeoutError:
            await self.stop()
            raise ProviderError(
                f"cloudflared gave no tunnel URL within {self.start_timeout:g} s "
                "(--public-start-timeout)"
            ) from None
        except ProviderError:
            await self.stop()
            raise
        self._reader = asyncio.ensure_future(self._read_on())
        return url

    async def _line(self) -> str | None:
        assert self.process is not None and self.process.stderr is not None
        try:
            raw = await self.process.stderr.readline()
        except (ValueError, asyncio.LimitOverrunError):  # a line over 64 KiB: skip it
            return ""
        if not raw:
            return None
        return raw.decode("utf-8", errors="replace").rstrip("\r\n")

    async def _read_until_url(self) -> str:
        last: list[str] = []
        while True:
            line = await self._line()
            if line is None:
                assert self.process is not None
                code = await self.process.wait()
                said = f"; its last lines: {' | '.join(last)}" if last else ""
                raise ProviderError(
                    f"cloudflared exited with code {code} before giving a URL{said}"
                )
            log.debug("cloudflared: %s", line)
            read = read_cloudflared_line(line)
            if read.failure is not None:
                raise ProviderError(read.failure)
            if read.url is not None:
                return read.url
            if line.strip():
                last = [*last[-(_LAST_LINES - 1) :], line.strip()]

    async def _read_on(self) -> None:
        """Keep draining the log (a full pipe would block cloudflared); say when it exits."""
        while (line := await self._line()) is not None:
            read = read_cloudflared_line(line)
            if read.failure is not None or read.error is not None:
                log.warning("cloudflared: %s", read.failure or read.error)
            else:
                log.debug("cloudflared: %s", line)
        assert self.process is not None
        code = await self.process.wait()
        if not self._stopping and self.on_lost is not None:
            self.on_lost(f"cloudflared exited with code {code}; the public URL is gone")

    async def stop(self) -> None:
        self._stopping = True
        process = self.process
        if process is not None and process.returncode is None:
            _signal_group(process, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_GRACE)
            except TimeoutError:
                _signal_group(process, signal.SIGKILL)
                await process.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None


def _signal_group(process: asyncio.subprocess.Process, signum: int) -> None:
    """`signum` to the tunnel's process group (POSIX), or to the process (Windows)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signum)
        elif signum == signal.SIGTERM:
            process.terminate()
        else:
            process.kill()
