"""Start the window: Qt with qasync for UI coroutines, the engine on its own thread."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ..core.settings import EmulatorSettings, ReceiverSettings
from ..engine.engine import Engine, EngineSettings
from ..faults_cli import faults_from_args
from ..store.library import default_data_dir
from .demos import demo_named
from .look import app_icon, apply_theme
from .main_window import MainWindow

log = logging.getLogger(__name__)

SCREENSHOT_DEFAULT_DELAY = 2.0  # seconds, when --screenshot is given without --quit-after
SCREENSHOT_SIZE = (1440, 900)


def run_gui(
    args: argparse.Namespace, receiver: ReceiverSettings, emulator: EmulatorSettings | None = None
) -> int:
    import qasync

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
    keep = getattr(args, "keep_sessions", None)
    from ..public_cli import public_settings_from_args

    engine = Engine(
        EngineSettings(
            receiver=receiver,
            emulator=emulator,
            data_dir=data_dir,
            keep_sessions=keep,
            faults=faults_from_args(args),  # gui --emulator-fail-next ... (the Emulator menu)
            **public_settings_from_args(args),
            rules=getattr(args, "loaded_rules", ()),  # gui --rules FILE, else the saved ones
        )
    )
    window = MainWindow(engine)
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

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
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
    app_close = asyncio.Event()
    app.aboutToQuit.connect(app_close.set)
    try:
        with loop:
            loop.run_until_complete(app_close.wait())
    finally:
        engine.stop()
    return 0
