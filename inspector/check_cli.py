"""`callback-inspector check-handler URL`: is my callback handler ready for Deepgram?

Acts as Deepgram against the one URL given (issue 19) and prints a report card: one line per
case as it finishes, with a one-line fix for each warning and failure; `--json` prints one
JSON object per line instead (`check_start`, a `check_case` per case, `check_summary`). Exit
0 when nothing fails (warnings allowed), 1 when something does, 2 for a bad command line:
it runs in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from .core.event_json import event_line
from .core.events import Event
from .core.handler_checks import (
    CaseId,
    CheckCaseDone,
    CheckFinished,
    CheckRequest,
    CheckStarted,
    HandlerCheckSettings,
    UnknownCaseError,
    Verdict,
    case_named,
)
from .settings_flags import add_settings_flags, settings_from_args

COMMAND = "check-handler"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _cases(text: str) -> list[CaseId]:
    try:
        return [case_named(name) for name in text.split(",") if name.strip()]
    except UnknownCaseError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _basic_auth(text: str) -> tuple[str, str]:
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise argparse.ArgumentTypeError(f"expected USER:PASS, got {text!r}")
    return user, password


def _dg_token(text: str) -> str:
    token = text.strip()
    if not token or _CONTROL.search(token):
        raise argparse.ArgumentTypeError(f"not a header value: {text!r}")
    return token


def add_check_command(sub: Any) -> None:
    """Register `check-handler` on the CLI's subparsers."""
    names = ", ".join(c.value for c in CaseId)
    parser = sub.add_parser(
        COMMAND,
        help="act as Deepgram against your own callback handler and grade its replies",
        description="Send your callback handler what Deepgram would (a real result, its retry, "
        "PUT, a 20 MB transcript, a failed transcription, wrong credentials, a live stream's "
        "messages, unicode) and grade each reply, with a one-line fix for each problem. Only "
        "URL is contacted; one beyond this machine is named before anything is sent. A ws:// "
        "or wss:// URL gets the streaming ws-callback cases. Exit 0 when nothing fails "
        "(warnings allowed), 1 when something does.",
    )
    parser.add_argument("url", metavar="URL", help="your handler, e.g. http://localhost:3000/hook")
    parser.add_argument(
        "--basic-auth",
        type=_basic_auth,
        metavar="USER:PASS",
        help="the credentials your handler expects (as user:pass@ in the callback URL)",
    )
    parser.add_argument(
        "--dg-token",
        type=_dg_token,
        metavar="UUID",
        help="the dg-token your handler expects: your API key's identifier (default: the "
        "emulator's identifier of its placeholder key)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per line")
    parser.add_argument(
        "--only",
        type=_cases,
        nargs="+",
        action="extend",
        metavar="CASE",
        help=f"run only these cases (after URL; commas work too): {names}",
    )
    parser.add_argument(
        "--skip", type=_cases, nargs="+", action="extend", metavar="CASE", help="skip these cases"
    )
    add_settings_flags(parser, HandlerCheckSettings)
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep the run's exchanges as a session under DIR (default: the window's data dir)",
    )
    parser.add_argument("--no-session", action="store_true", help="keep nothing on disk")


def run_check_command(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from .engine.check_recognition import own_asr
    from .engine.handler_check import CheckSetupError, check_target, run_check
    from .store.library import default_data_dir

    only = tuple(itertools.chain.from_iterable(args.only)) if args.only else None
    skip = tuple(itertools.chain.from_iterable(args.skip)) if args.skip else ()
    request = CheckRequest(
        url=args.url,
        basic_auth=args.basic_auth,
        dg_token=args.dg_token,
        only=only,
        skip=skip,
        settings=settings_from_args(args, HandlerCheckSettings),
    )
    try:
        check_target(request)
    except CheckSetupError as exc:
        print(f"callback-inspector {COMMAND}: {exc}", file=sys.stderr)
        return 2
    data_dir = None if args.no_session else (args.data_dir or default_data_dir())
    printer = _Printer(out, as_json=args.json)
    ids = itertools.count(1)
    try:
        summary = asyncio.run(
            run_check(
                request,
                publish=printer.print,
                asr=own_asr,
                next_id=lambda: next(ids),
                data_dir=data_dir,
            )
        )
    except KeyboardInterrupt:
        print(f"callback-inspector {COMMAND}: interrupted", file=sys.stderr)
        return 130
    return summary.exit_code


class _Printer:
    """The run's events as a report card (or JSON lines), written as they come."""

    def __init__(self, out: TextIO, *, as_json: bool) -> None:
        self.out = out
        self.as_json = as_json

    def print(self, event: Event) -> None:
        if isinstance(event, CheckStarted) and not event.loopback:
            # Named before anything is sent (issue 19), on stderr too in --json mode.
            print(
                f"callback-inspector {COMMAND}: {event.url} is not on this machine; only it "
                "is contacted, with what Deepgram would send (one body of about 20 MB)",
                file=sys.stderr,
            )
        if not isinstance(event, CheckStarted | CheckCaseDone | CheckFinished):
            return  # the exchanges: kept in the session, not printed
        if self.as_json:
            line = event_line(event)
            if line is not None:
                self.out.write(line + "\n")
        else:
            self.out.write(_human(event))
        self.out.flush()


def _plain(text: str) -> str:
    """Network text made safe for a terminal: control characters escaped."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


_MARK = {Verdict.PASS: "PASS", Verdict.WARN: "WARN", Verdict.FAIL: "FAIL"}


def _human(event: CheckStarted | CheckCaseDone | CheckFinished) -> str:
    if isinstance(event, CheckStarted):
        lines = [f"Checking {_plain(event.url)} as Deepgram would ({len(event.cases)} cases)."]
        lines += [f"  note: {_plain(n)}" for n in event.notes]
        return "\n".join(lines) + "\n"
    if isinstance(event, CheckCaseDone):
        r = event.result
        status = str(r.status) if r.status is not None else "-"
        latency = f"{r.latency_ms:.0f} ms" if r.latency_ms is not None else ""
        mark = _MARK[r.verdict]
        lines = [f"  {mark}  {r.title:<30} {status:>4} {latency:>9}  {_plain(r.detail)}"]
        if r.fix:
            lines.append(f"        fix: {r.fix}")
        if r.note:
            lines.append(f"        note: {r.note}")
        return "\n".join(lines) + "\n"
    s = event.summary
    lines = []
    shown = [(c, why) for c, why in s.skipped if why != "not asked for"]
    if shown:
        lines.append("Not run: " + "; ".join(f"{c.value} ({why})" for c, why in shown))
    if s.error:
        lines.append(f"Could not finish: {_plain(s.error)}")
    counts = ", ".join(
        f"{s.count(v)} {v.value}" for v in (Verdict.PASS, Verdict.WARN, Verdict.FAIL)
    )
    lines.append(f"Result: {s.verdict.value.upper()} ({counts}).")
    if s.session:
        path = Path(s.session)
        lines.append(
            f"Every exchange is kept in session {path.stem}: open it in the window (File > "
            f"Sessions) or run `callback-inspector export --data-dir {path.parent.parent} "
            f"--session {path.stem} --har out.har`."
        )
    return "\n".join(lines) + "\n"
