"""Command line: `gui` (default), `serve`, `submit`.

Flags for limits and Deepgram behaviour come from the settings dataclasses
(`core.settings`), so `--help` and the defaults can never drift apart.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__, redact
from .check_cli import COMMAND as CHECK_COMMAND
from .check_cli import add_check_command, run_check_command
from .core.deepgram_auth import DEEPGRAM_BASE_URL
from .core.rules import Rule
from .core.rules_file import RulesFileError
from .core.settings import ControlSettings, EmulatorSettings, ReceiverSettings
from .faults_cli import add_fault_flags, faults_from_args
from .filter_args import add_filter_flag
from .public_cli import add_public_flags, public_settings_from_args
from .reply_flags import ReplyFlagsError, add_reply_flags, add_rules_file_flag, rules_from_args
from .settings_flags import (
    add_settings_flags,
    non_negative_int,
    positive_float,
    settings_from_args,
)
from .store.library import default_data_dir
from .store_cli import STORE_COMMANDS, add_store_commands, run_store_command

log = logging.getLogger(__name__)

DEFAULT_KEEP_SESSIONS = 100  # the window's retention limit (issue 6)


def _param(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callback-inspector",
        description="See, answer and replay Deepgram speech-to-text callbacks. "
        "Without a command, opens the window (`gui`).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="run the receiver headless and print JSON lines",
        description="Run the callback receiver and the Deepgram emulator without a window. "
        "Prints one JSON object per line on stdout: `listening`; the receiver's `request`, "
        "`ws_open`, `ws_message`, `ws_close`, `held` (a breakpoint rule holds a request until "
        "its hold_timeout); the emulator's `job`, `transcribed`, `attempt`, "
        "`job_done`, `rejected`, `stream_open`, `stream_message`, `stream_callback`, "
        "`stream_close`; `storage` when the session file cannot be written (capture goes on); "
        "`public_url` and `public_url_error` for a public URL. "
        "Logs go to stderr. Stops cleanly on SIGTERM or Ctrl-C.",
    )
    add_settings_flags(serve, ReceiverSettings)
    add_reply_flags(serve)
    serve.set_defaults(parser_of_command=serve)
    emulator = serve.add_argument_group("Deepgram emulator (POST/WebSocket /v1/listen)")
    add_settings_flags(emulator, EmulatorSettings)
    emulator.add_argument("--no-emulator", action="store_true", help="run the receiver only")
    add_fault_flags(serve)
    add_filter_flag(serve, "print only the lines of the exchanges that match EXPR")
    serve.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="keep every capture in a session file under DIR, written before each reply "
        "leaves (default: memory only); read it with `export --data-dir DIR`",
    )
    serve.add_argument(
        "--keep-sessions",
        type=non_negative_int,
        metavar="N",
        help="with --data-dir: keep the newest N captured sessions there, delete older ones "
        "(default: keep all; imported ones are never deleted)",
    )
    serve.add_argument(
        "--session-file",
        type=Path,
        metavar="FILE",
        help="append every capture to this session file (made when missing), ids going on "
        "after its last; how the window's engine restarts into the same session",
    )
    control = serve.add_argument_group(
        "control API (watch and steer this engine: `gui --attach`, or any WebSocket client)"
    )
    add_settings_flags(control, ControlSettings)
    control.add_argument(
        "--control-stdio",
        action="store_true",
        help="read control commands as JSON lines on stdin and answer on stdout (how the "
        "window runs its engine); the end of stdin stops serve",
    )
    add_public_flags(serve)

    submit = sub.add_parser(
        "submit",
        help="send audio to the emulator or to Deepgram and print the replies",
        description="Send an audio file (or a URL of one) to /v1/listen and print JSON lines: the "
        'reply (a transcript, or {"request_id"} with --callback), or each streaming '
        "message with --stream. The key comes from DEEPGRAM_API_KEY (or the OS keyring "
        "with --deepgram); against the emulator a placeholder is used when none is set.",
    )
    submit.add_argument(
        "source", metavar="AUDIO_FILE|URL", help="a local audio file or an http(s) URL"
    )
    submit.add_argument(
        "--callback", metavar="URL", help="callback URL (Deepgram POSTs the result there)"
    )
    submit.add_argument(
        "--callback-method",
        choices=("post", "put"),
        type=str.lower,
        help="method of the callback request (default: post)",
    )
    submit.add_argument("--stream", action="store_true", help="stream the file over WebSocket")
    submit.add_argument(
        "--speed",
        type=positive_float,
        default=1.0,
        metavar="X",
        help="with --stream: X times real time (default: 1)",
    )
    target = submit.add_mutually_exclusive_group()
    target.add_argument(
        "--base-url",
        default=f"http://127.0.0.1:{EmulatorSettings.port}",
        metavar="URL",
        help="Deepgram-compatible API (default: the emulator on its default port)",
    )
    target.add_argument(
        "--deepgram",
        action="store_true",
        help="use the real https://api.deepgram.com (needs a key)",
    )
    submit.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        type=_param,
        help="any /v1/listen query parameter, repeatable (e.g. punctuate=true)",
    )

    gui = sub.add_parser(
        "gui", help="open the window (default)", description="Open the Callback Inspector window."
    )
    add_settings_flags(gui, ReceiverSettings)
    add_settings_flags(gui, EmulatorSettings, skip=("api_key",))
    add_rules_file_flag(gui)
    gui.add_argument(
        "--demo",
        metavar="NAME",
        help="run a demo at start: retry-storm, give-up, stream-kill, body-cap, put-callback, "
        "basic-auth (during it the emulator accepts local ports and retries every 3 s; its "
        "settings and your rules come back when it ends)",
    )
    gui.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help=f"where sessions are kept (default: {default_data_dir()})",
    )
    gui.add_argument("--no-session", action="store_true", help="keep nothing on disk")
    gui.add_argument(
        "--attach",
        metavar="URL",
        help="watch and steer a `serve --control-port` elsewhere (ws://HOST:N/control or "
        "wss://) instead of starting an engine here; its traffic is mirrored into a local "
        "session; needs --token-file",
    )
    gui.add_argument(
        "--token-file",
        type=Path,
        metavar="FILE",
        help="with --attach: the file holding that engine's control token (its "
        "--control-token-file)",
    )
    gui.add_argument(
        "--engine-in-process",
        action="store_true",
        help="run the engine on a thread of the window's process, not as its own child process "
        "(for profiling and comparison; the default keeps a GIL each)",
    )
    gui.add_argument(
        "--deepgram-url",
        default=DEEPGRAM_BASE_URL,
        metavar="URL",
        help=f"where the Submit panel's Deepgram target sends audio (default: "
        f"{DEEPGRAM_BASE_URL}; a self-hosted Deepgram's URL)",
    )
    add_fault_flags(gui)
    add_public_flags(gui)
    gui.add_argument(
        "--keep-sessions",
        type=non_negative_int,
        default=DEFAULT_KEEP_SESSIONS,
        metavar="N",
        help=f"keep the newest N captured sessions, delete older ones (default: "
        f"{DEFAULT_KEEP_SESSIONS}; imported ones are never deleted)",
    )
    gui.add_argument(
        "--screenshot",
        metavar="OUT.png",
        help="save a PNG of the window (after --quit-after, or 2 s) and quit",
    )
    gui.add_argument(
        "--quit-after", type=positive_float, metavar="SECONDS", help="quit after this many seconds"
    )
    add_store_commands(sub)
    add_check_command(sub)
    for command in sub.choices.values():  # `serve -v` as well as `-v serve`
        command.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=argparse.SUPPRESS,
            help="log debug details to stderr",
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"serve", "gui", "submit", CHECK_COMMAND, *STORE_COMMANDS}
    if not any(a in commands for a in argv) and not any(
        a in ("-h", "--help", "--version") for a in argv
    ):
        argv = ["gui", *argv]  # the window is the default command
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The key never reaches a log line, stderr or a crash report (issue 9).
    redact.register(getattr(args, f"{EmulatorSettings.__name__}.api_key", None))
    redact.install_log_masking()
    data_dir = getattr(args, "data_dir", None)
    redact.install_crash_handler(lambda: (data_dir or default_data_dir()) / "crash-reports")
    command = args.command
    try:
        if command in STORE_COMMANDS:
            return run_store_command(args)
        if command == "serve":
            try:
                rules = rules_from_args(args)
            except ReplyFlagsError as exc:
                args.parser_of_command.error(str(exc))  # exits 2, with the usage
            except RulesFileError as exc:
                print(f"callback-inspector serve: {exc}", file=sys.stderr)
                return 2
            return _serve(args, rules)
        if command == CHECK_COMMAND:
            return run_check_command(args)
        if command == "submit":
            from .submit import run_submit

            return run_submit(args)
        return _gui(args)
    except OSError as exc:  # port in use, cannot bind: one line, no traceback
        print(f"callback-inspector: {exc}", file=sys.stderr)
        return 1


def _serve(args: argparse.Namespace, rules: tuple[Rule, ...]) -> int:
    from .engine.engine import EngineSettings
    from .serve import run_serve

    if args.filter is not None and args.control_stdio:
        print("callback-inspector serve: --filter cannot go with --control-stdio (the window "
              "reads every event)", file=sys.stderr)  # fmt: skip
        return 2
    control: ControlSettings = settings_from_args(args, ControlSettings)
    token = None
    if control.port is not None:
        from .engine.control_server import load_or_create_token

        token_file = Path(control.token_file or default_data_dir() / "control-token")
        token = load_or_create_token(token_file)
        redact.register(token)
    settings = EngineSettings(
        receiver=settings_from_args(args, ReceiverSettings),
        emulator=None if args.no_emulator else settings_from_args(args, EmulatorSettings),
        rules=rules,
        data_dir=args.data_dir,
        session_file=args.session_file,
        keep_sessions=args.keep_sessions,
        recall=args.control_stdio,
        control=control if control.port is not None else None,
        control_token=token,
        faults=faults_from_args(args),
        **public_settings_from_args(args),
    )
    return run_serve(settings, control_stdio=args.control_stdio, line_filter=args.filter)


def _command_name() -> str:
    """How the user can run this program again from where they are: `callback-inspector` when
    that is what the shell finds, else the path they (or `make run`) used, e.g.
    `.venv/bin/callback-inspector`."""
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else "callback-inspector"
    name = Path(argv0).name
    if name in ("__main__.py", "-c"):  # python -m inspector
        return f"{_shown_path(sys.executable)} -m inspector"
    found = shutil.which(name)
    if found and (os.sep not in argv0 or Path(found).resolve() == Path(argv0).resolve()):
        return name
    return _shown_path(argv0)


def _shown_path(path: str) -> str:
    """`path` relative to the working directory when it is below it, quoted for a shell."""
    resolved = Path(path).absolute()
    try:
        shown = str(resolved.relative_to(Path.cwd()))
    except ValueError:
        shown = str(resolved)
    return shlex.quote(shown)


def _gui(args: argparse.Namespace) -> int:
    if (
        not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and not os.environ.get("QT_QPA_PLATFORM")
        and sys.platform.startswith("linux")
    ):
        exe = _command_name()
        print(
            "callback-inspector: no display here (DISPLAY is not set).\n"
            f"  Headless, run the receiver with:  {exe} serve --port 8080\n"
            f"  or force an offscreen window:     QT_QPA_PLATFORM=offscreen {exe} gui "
            "--screenshot out.png",
            file=sys.stderr,
        )
        return 2
    if args.attach:
        from .engine.remote_engine import AttachError, read_token

        if args.token_file is None:
            print("callback-inspector gui: --attach needs --token-file FILE", file=sys.stderr)
            return 2
        try:
            args.attach_token = read_token(args.token_file)
        except AttachError as exc:
            print(f"callback-inspector gui: {exc}", file=sys.stderr)
            return 2
    elif args.token_file is not None:
        print("callback-inspector gui: --token-file goes with --attach URL", file=sys.stderr)
        return 2
    if args.rules is not None:  # before the window: a bad file is said as serve says it
        from .store.rules_files import read_rules_file

        try:
            args.loaded_rules = read_rules_file(args.rules)
        except RulesFileError as exc:
            print(f"callback-inspector gui: {exc}", file=sys.stderr)
            return 2
    from .ui.app import run_gui

    return run_gui(
        args, settings_from_args(args, ReceiverSettings), settings_from_args(args, EmulatorSettings)
    )


if __name__ == "__main__":
    sys.exit(main())
