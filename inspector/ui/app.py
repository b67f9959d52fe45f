"""Start the window: Qt with qasync for UI coroutines, the engine on its own thread."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ..core.settings import ReceiverSettings
from ..engine.engine import Engine, EngineSettings
from .main_window import MainWindow

log = logging.getLogger(__name__)

SCREENSHOT_DEFAULT_DELAY = 2.0  # seconds, when --screenshot is given without --quit-after


def run_gui(args: argparse.Namespace, receiver: ReceiverSettings) -> int:
    import qasync

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Callback Inspector")
    app.setOrganizationName("callback-inspector")
    engine = Engine(EngineSettings(receiver=receiver))
    engine.start()
    window = MainWindow(engine)
    window.show()

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
