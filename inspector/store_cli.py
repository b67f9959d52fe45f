"""The session commands: `sessions`, `export`, `import`.

Wired into `callback-inspector` by `cli.py` (`add_store_commands(sub)`, and
`run_store_command(args)` for these command names); also runnable alone as
`python -m inspector.store_cli COMMAND ...`. Errors are one line on stderr: exit 2 for bad
arguments, 1 when the session or file cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .filter_args import add_filter_flag
from .store.har import HarError, import_har, write_har
from .store.library import SessionLibrary, SessionNotFoundError
from .store.schema import SessionFileError

STORE_COMMANDS = frozenset({"sessions", "export", "import"})
PROG = "callback-inspector"


def _data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help="where sessions are kept (default: the user data directory, "
        "e.g. ~/.local/share/callback-inspector)",
    )


def add_store_commands(subparsers: Any) -> None:
    """Add `sessions`, `export` and `import` to an argparse subparsers object."""
    sessions = subparsers.add_parser(
        "sessions",
        help="list the saved sessions",
        description="List saved sessions, newest first: id, start time, exchanges, size. "
        "A file that cannot be read is listed with the reason.",
    )
    _data_dir(sessions)

    export = subparsers.add_parser(
        "export",
        help="export a session as HAR 1.2",
        description="Write a session as a HAR 1.2 file (WebSocket messages in Chrome's "
        "_webSocketMessages form) that browser devtools and HTTP Toolkit open.",
    )
    _data_dir(export)
    export.add_argument(
        "--session", default="latest", metavar="ID|latest", help="which session (default: latest)"
    )
    export.add_argument("--har", required=True, metavar="OUT.har", type=Path, help="output file")
    add_filter_flag(export, "export only the exchanges that match EXPR")
    export.add_argument(
        "--mask-secrets",
        action="store_true",
        help="replace Authorization values, URL passwords and --secret strings with ***",
    )
    export.add_argument(
        "--secret",
        action="append",
        default=[],
        metavar="S",
        help="a string to mask (e.g. an API key), repeatable; implies --mask-secrets",
    )

    imp = subparsers.add_parser(
        "import",
        help="import a HAR file as a read-only session",
        description="Import a HAR (exported here, by a browser, HTTP Toolkit or mitmproxy, "
        "plain or compressed: .zhar, .har.gz) as a read-only session.",
    )
    imp.add_argument("har", metavar="IN.har", type=Path, help="the HAR file (.har, .zhar, .har.gz)")
    _data_dir(imp)


def _error(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 1


def _when(epoch: float | None) -> str:
    if epoch is None:
        return "?"
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def run_store_command(args: argparse.Namespace) -> int:
    """Run `sessions`, `export` or `import`; returns the exit status."""
    library = SessionLibrary(args.data_dir)
    try:
        if args.command == "sessions":
            return _sessions(library)
        if args.command == "export":
            return _export(library, args)
        if args.command == "import":
            session_id, count = import_har(args.har, library)
            print(f"imported {count} exchanges from {args.har} as read-only session {session_id}")
            return 0
    except (SessionFileError, SessionNotFoundError, HarError) as exc:
        return _error(str(exc).strip("'\""))
    except OSError as exc:
        return _error(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
    print(f"{PROG}: unknown command {args.command!r}", file=sys.stderr)
    return 2


def _sessions(library: SessionLibrary) -> int:
    infos = library.list()
    if not infos:
        print(f"no sessions in {library.directory}")
        return 0
    for info in infos:
        if info.error is not None:
            print(f"{info.id}  UNREADABLE: {info.error}  ({_size(info.size)}, {info.path})")
            continue
        flags = "  read-only" if info.read_only else ""
        source = f"  {info.source}" if info.source and info.source != "capture" else ""
        print(
            f"{info.id}  {_when(info.started)}  {info.count} "
            f"exchange{'' if info.count == 1 else 's'}  "
            f"{_size(info.size)}{flags}{source}"
        )
    return 0


def _export(library: SessionLibrary, args: argparse.Namespace) -> int:
    with library.open(args.session) as reader:
        try:
            count = write_har(
                reader,
                args.har,
                mask_secrets=args.mask_secrets or bool(args.secret),
                secrets=args.secret,
                where=args.filter,
            )
        except OSError as exc:
            return _error(f"cannot write {args.har}: {exc.strerror or exc}")
    print(f"wrote {count} entries to {args.har}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_store_commands(sub)
    return run_store_command(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
