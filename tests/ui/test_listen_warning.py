"""The window says when the emulator did not apply a /v1/listen parameter (issue 20)."""

from __future__ import annotations

import threading
import urllib.request

from inspector.testing.samples import silence
from inspector.ui.main_window import MainWindow


def test_a_parameter_the_emulator_does_not_apply_is_said_in_the_status_bar(
    qtbot, qsettings, emulator_engine
) -> None:
    window = MainWindow(emulator_engine, qsettings)
    qtbot.addWidget(window)
    window.show()
    request = urllib.request.Request(
        f"{emulator_engine.emulator_url}/v1/listen?keyterm=deepgram",
        data=silence(0.3),
        headers={"Authorization": "Token k", "Content-Type": "audio/wav"},
        method="POST",
    )
    sent = threading.Thread(target=lambda: urllib.request.urlopen(request, timeout=60).read())
    sent.start()
    qtbot.waitUntil(lambda: "Emulator:" in window.statusBar().currentMessage(), timeout=30000)
    message = window.statusBar().currentMessage()
    assert "keyterm was ignored" in message, message
    sent.join(60)
