"""The window's Emulator menu: the same Deepgram failures as `serve --emulator-*`, set on the
real engine, and shown as active (ticks, the title, a status-bar button) while they are."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from inspector.core.emulator_faults import (
    NO_FAULTS,
    DelayReplies,
    DropStreams,
    EmulatorFaults,
    FailRequests,
)
from inspector.core.settings import EmulatorSettings, ReceiverSettings
from inspector.engine.engine import EngineSettings
from tests.emulator_http import listen

WITH_EMULATOR = EngineSettings(receiver=ReceiverSettings(port=0), emulator=EmulatorSettings(port=0))


def _shown(qtbot, w, faults: EmulatorFaults) -> None:
    """Wait until the window has drawn `faults` (it learns them from the engine's events)."""
    qtbot.waitUntil(lambda: w.emulator_menu.faults == faults, timeout=10000)


def test_choices_reach_the_engine_and_show_while_active(qtbot, window_on):
    w = window_on(WITH_EMULATOR)
    menu = w.emulator_menu
    titles = [a.text() for a in w.menuBar().actions()]
    assert titles.index("&Emulator") == titles.index("&Help") - 1
    assert not menu.chip.isVisible() and not menu.clear_action.isEnabled()

    menu.next_actions[429].trigger()
    menu.next_actions[429].trigger()
    qtbot.waitUntil(  # the engine is another process: its faults come back as events
        lambda: w.engine.emulator_faults().fail == (FailRequests(429), FailRequests(429)),
        timeout=10000,
    )
    _shown(qtbot, w, w.engine.emulator_faults())
    assert menu.next_actions[429].isChecked() and "(2 queued)" in menu.next_actions[429].text()
    assert menu.menuAction().text() == "&Emulator ⚠" and menu.chip.isVisible()
    assert "next request: 429 TOO_MANY_REQUESTS" in menu.chip.text()

    # A request uses one up: the window follows the engine, not its own count.
    assert w.engine.emulator_url is not None
    assert listen(w.engine.emulator_url)[0] == 429
    _shown(qtbot, w, EmulatorFaults(fail=(FailRequests(429),)))
    assert "(2 queued)" not in menu.next_actions[429].text()

    menu.every_actions[402].trigger()
    menu.delay_actions[3.0].trigger()
    menu.callback_delay_actions[30.0].trigger()
    expected = EmulatorFaults(
        fail=(FailRequests(429), FailRequests(402, count=None)),
        delay=DelayReplies(3.0),
        callback_delay=30.0,
    )
    qtbot.waitUntil(lambda: w.engine.emulator_faults() == expected, timeout=10000)
    _shown(qtbot, w, expected)
    assert menu.every_actions[402].isChecked() and menu.delay_actions[3.0].isChecked()
    assert "callbacks delayed 30 s" in menu.chip.toolTip()

    menu.every_actions[402].trigger()  # unticked: that lasting failure goes, the rest stays
    menu.delay_actions[None].trigger()
    left = EmulatorFaults(fail=(FailRequests(429),), callback_delay=30.0)
    qtbot.waitUntil(lambda: w.engine.emulator_faults() == left, timeout=10000)

    # Set from elsewhere (a control client, a test): the menu shows it too.
    w.engine.set_emulator_faults(EmulatorFaults(drop=DropStreams(2)))
    _shown(qtbot, w, EmulatorFaults(drop=DropStreams(2)))
    assert menu.drop_actions[2].isChecked() and not menu.next_actions[429].isChecked()

    menu.clear_action.trigger()
    qtbot.waitUntil(lambda: w.engine.emulator_faults() == NO_FAULTS, timeout=10000)
    _shown(qtbot, w, NO_FAULTS)
    QApplication.processEvents()
    assert menu.menuAction().text() == "&Emulator" and not menu.chip.isVisible()
    assert menu.drop_actions[None].isChecked()


def test_without_an_emulator_the_menu_is_disabled(qtbot, window_on):
    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0)))
    assert not w.emulator_menu.menuAction().isEnabled()
    assert w.emulator_menu.accessibleName()
