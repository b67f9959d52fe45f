"""Redaction: keep the user's Deepgram key out of logs, stderr and crash reports.

Every place that learns a key registers it (`register`): the CLI for `--api-key`, the submit
client for DEEPGRAM_API_KEY or the keyring, the window's submit panel. `mask()` replaces
each registered key (and DEEPGRAM_API_KEY, registered or not) by `MASK`, with what is left of
authorization schemes (`Token …`, `Bearer …`) and URL passwords. `MaskingFilter` applies it
to every log record; `install_crash_handler` writes a report of an uncaught exception with
it, so a report can be attached to a bug without leaking a key.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from . import __version__

MASK = "•••"
ENV_VAR = "DEEPGRAM_API_KEY"
_secrets: set[str] = set()
_lock = threading.Lock()
# An authorization value after its scheme (long enough to be a credential, so "token limit"
# stays readable); a password in a URL's userinfo.
_AUTH_VALUE = re.compile(r"(?i)\b(token|bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{16,})")
_URL_PASSWORD = re.compile(r"(://[^/\s:@]*:)([^/\s@]+)(@)")
_MIN_SECRET = 4  # shorter strings would mask innocent text everywhere
MAX_REPORTS_PER_RUN = 5


def register(secret: str | None) -> None:
    """Remember `secret` so that nothing written from now on contains it."""
    if secret and len(secret) >= _MIN_SECRET:
        with _lock:
            _secrets.add(secret)


def known() -> list[str]:
    """The registered secrets and DEEPGRAM_API_KEY, longest first."""
    with _lock:
        found = set(_secrets)
    env = os.environ.get(ENV_VAR)
    if env and len(env) >= _MIN_SECRET:
        found.add(env)
    return sorted(found, key=len, reverse=True)


def mask(text: str) -> str:
    """`text` without any known secret, authorization value or URL password."""
    for secret in known():
        if secret in text:
            text = text.replace(secret, MASK)
    text = _AUTH_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", text)


class MaskingFilter(logging.Filter):
    """Masks secrets in a record's final message (and its traceback) before any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad %-format: logging reports it through handleError itself
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask("".join(traceback.format_exception(*record.exc_info)).rstrip())
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


def install_log_masking() -> None:
    """Mask secrets in every record that reaches the root logger's handlers."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())


def crash_report(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None, where: str
) -> str:
    """The text of a crash report: versions, the masked command line and traceback. No
    environment, no local variables: only what is needed to find the bug."""
    lines = [
        f"Callback Inspector {__version__} crashed ({where})",
        f"time: {time.strftime('%Y-%m-%dT%H:%M:%S%z')}",
        f"python: {sys.version.split()[0]} on {platform.platform()}",
        f"command: {' '.join(sys.argv)}",
        "",
        *traceback.format_exception(kind, value, tb),
    ]
    return mask("\n".join(line.rstrip("\n") for line in lines)) + "\n"


def save_crash_report(text: str, directory: Path) -> Path | None:
    """Write `text` as a new report in `directory` (private to the user); None if it can't."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}.txt"
        path = directory / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        return path
    except OSError:
        return None


def install_crash_handler(directory: Callable[[], Path]) -> None:
    """Uncaught exceptions (main thread, other threads, Qt slots, which PySide6 routes to
    `sys.excepthook`) are written, masked, to a report in `directory()` and to stderr."""

    seen: set[tuple[str, str, int]] = set()

    def report(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None, where: str
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        text = crash_report(kind, value, tb, where)
        # One report per place an error comes from, a few per run at most: an error raised
        # on every repaint must not fill the disk with copies.
        frames = traceback.extract_tb(tb)
        place = (kind.__name__, frames[-1].filename, frames[-1].lineno or 0) if frames else None
        if (place is not None and place in seen) or len(seen) >= MAX_REPORTS_PER_RUN:
            sys.stderr.write(mask(f"{kind.__name__}: {value} (again; no new report)\n"))
            return
        if place is not None:
            seen.add(place)
        path = save_crash_report(text, directory())
        saved = f"a report (no secrets) is in {path}" if path else "no report could be saved"
        sys.stderr.write(f"{text}\ncallback-inspector: unexpected error; {saved}\n")
        sys.stderr.flush()

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        report(kind, value, tb, "main thread")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "a thread"
        report(args.exc_type, args.exc_value, args.exc_traceback, f"thread {name}")

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
