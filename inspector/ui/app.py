"""Start the window and its engine: by default a `serve` child process spoken to over pipes
(engine/child_engine.py), or a `serve` elsewhere (`gui --attach`)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ..core.deepgram_auth import DEEPGRAM_BASE_URL
from ..core.settings import EmulatorSettings, EngineSettings, ReceiverSettings
from ..engine.api import EngineApi
from ..engine.child_engine import ChildEngine
from ..faults_cli import faults_from_args
from ..store.library import default_data_dir
from .demos import demo_named
from .look import app_icon, apply_theme
from .main_window import MainWindow

log = logging.getLogger(__name__)

SCREENSHOT_DEFAULT_DELAY = 2.0  # seconds, when --screenshot is given without --quit-after
SCREENSHOT_SIZE = (1440, 900)


def make_engine(
    args: argparse.Namespace,
    receiver: ReceiverSettings,
    emulator: EmulatorSettings | None,
    data_dir: Path | None,
) -> EngineApi:
    """The window's engine: attached to a `serve` elsewhere (`--attach`), in this process
    (`--engine-in-process`, for profiling), or by default its own `serve` child process."""
    attach = getattr(args, "attach", None)
    if attach:
        from ..engine.remote_engine import RemoteEngine

        return RemoteEngine(attach, args.attach_token, mirror_dir=data_dir)
    from ..public_cli import public_settings_from_args

    settings = EngineSettings(
        receiver=receiver,
        emulator=emulator,
        data_dir=data_dir,
        keep_sessions=getattr(args, "keep_sessions", None),
        faults=faults_from_args(args),  # gui --emulator-fail-next ... (the Emulator menu)
        **public_settings_from_args(args),
        rules=getattr(args, "loaded_rules", ()),  # gui --rules FILE, else the saved ones
    )
    if getattr(args, "engine_in_process", False):
        from ..engine.engine import Engine

        return Engine(settings)
    return ChildEngine(settings)


def run_gui(
    args: argparse.Namespace, receiver: ReceiverSettings, emulator: EmulatorSettings | None = None
) -> int:
    demo_name = getattr(args, "demo", None)
    if demo_name:
        try:
            demo_named(demo_name)
        except ValueError as exc:
            print(f"callback-inspector: {exc}", file=sys.stderr)
            return 2
        # The demo applies its own emulator settings and puts these back (ui/demo_runner.py).

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Callback Inspector")
    app.setOrganizationName("callback-inspector")
    app.setWindowIcon(app_icon())
    data_dir = None if args.no_session else (args.data_dir or default_data_dir())
    engine = make_engine(args, receiver, emulator, data_dir)
    window = MainWindow(engine)
    window.submit_panel.deepgram_url = getattr(args, "deepgram_url", DEEPGRAM_BASE_URL)
    apply_theme(app, window.theme())
    app.styleHints().colorSchemeChanged.connect(lambda _s: apply_theme(app, window.theme()))
    if args.screenshot and app.platformName() == "offscreen":
        # No real screen to fit (offscreen's is a fixed 800 x 800): the usual size. On a
        # real display the window fits the screen, as it does for a user.
        window.resize(SCREENSHOT_SIZE[0], SCREENSHOT_SIZE[1])
    window.show()
    # The servers start on a helper thread once the window is up: the window appears without
    # waiting for them (issue 8's cold start), and a port in use is shown in it.
    if demo_name:

        def run_demo_once(error: object) -> None:
            window.engine_restarted.disconnect(run_demo_once)
            if error is None:
                window.run_demo(demo_name)

        window.engine_restarted.connect(run_demo_once)
    window.toggle_running()

    quit_after = args.quit_after
    if args.screenshot and quit_after is None:
        quit_after = SCREENSHOT_DEFAULT_DELAY

    def finish() -> None:
        if args.screenshot:
            window.drain_events()
            ok = window.grab().save(args.screenshot, "PNG")
            if not ok:
                log.error("could not write the screenshot to %s", args.screenshot)
        window.close()
        app.quit()

    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), finish)
    # SIGTERM (and Ctrl+C in the terminal) closes the window as its close button does, so
    # its engine is stopped; Python sees a signal only between two bits of Python, hence the
    # idle timer. (SIGKILL cannot be caught: the child engine then stops when its stdin ends.)
    signal.signal(signal.SIGTERM, lambda *_: window.close())
    signal.signal(signal.SIGINT, lambda *_: window.close())
    ticker = QTimer(window)
    ticker.start(200)
    ticker.timeout.connect(lambda: None)
    try:
        app.exec()
    finally:
        engine.stop()
    return 0
