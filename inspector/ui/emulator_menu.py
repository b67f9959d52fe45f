"""The Emulator menu: Deepgram's failures on demand, as `serve --emulator-*` gives them.

Each choice changes the engine's faults through `engine.update_emulator_faults` (one part at a
time, against what is left in the engine, so a failure used up meanwhile never comes back);
"Clear all faults" is `engine.set_emulator_faults(NO_FAULTS)`.
What is active is drawn from the engine's `EmulatorFaultsChanged` events: ticks in the menu,
the menu's title, and a status-bar button naming the faults (which opens the menu).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from ..core.emulator_faults import (
    COMMON_FAILURES,
    NO_FAULTS,
    DelayReplies,
    DropStreams,
    EmulatorFaults,
    FailRequests,
    deepgram_error,
    describe_faults,
)
from ..engine.api import EngineApi

log = logging.getLogger(__name__)

TITLE = "&Emulator"
ACTIVE_MARK = " ⚠"  # the title while a fault is active (a symbol and text, never colour alone)
REPLY_DELAYS = (1.0, 3.0, 10.0, 30.0)
DROP_AFTER = (1, 2, 5, 10)
CALLBACK_DELAYS = (5.0, 30.0, 120.0)
WHY = {
    401: "wrong API key",
    402: "out of credits",
    429: "rate limit",
    500: "Deepgram failed",
    503: "Deepgram unavailable",
}
NEXT_TITLE, EVERY_TITLE = "Fail the next request", "Fail every request"
DELAY_TITLE, DROP_TITLE, CALLBACK_TITLE = "Delay replies", "Drop live streams", "Delay callbacks"


def _label(status: int) -> str:
    return f"{status} {deepgram_error(status)[0]} — {WHY[status]}"


def _seconds(value: float) -> str:
    return f"{value / 60:g} min" if value >= 60 else f"{value:g} s"


class EmulatorMenu(QMenu):
    """Changes go to `engine` (its `update_emulator_faults` / `set_emulator_faults`);
    `show_faults` draws the state it reports."""

    def __init__(self, engine: EngineApi, parent: QWidget | None = None) -> None:
        super().__init__(TITLE, parent)
        self.engine = engine
        self.faults: EmulatorFaults = NO_FAULTS
        self.setToolTipsVisible(True)
        self.setAccessibleName("Emulator: Deepgram's failures on demand")

        self.next_menu = self.addMenu(NEXT_TITLE)
        self.every_menu = self.addMenu(EVERY_TITLE)
        self.next_actions: dict[int, QAction] = {}
        self.every_actions: dict[int, QAction] = {}
        for status in COMMON_FAILURES:
            label = _label(status)
            once = self.next_menu.addAction(label)
            once.setCheckable(True)
            once.setToolTip(f"The next request to /v1/listen gets {label}; each click one more")
            once.triggered.connect(lambda _=False, s=status: self.fail_next(s))
            self.next_actions[status] = once
            every = self.every_menu.addAction(label)
            every.setCheckable(True)
            every.setToolTip(f"Every request to /v1/listen gets {label} until unticked")
            every.triggered.connect(lambda on, s=status: self.fail_every(s, on))
            self.every_actions[status] = every
        for menu in (self.next_menu, self.every_menu):
            menu.setToolTipsVisible(True)

        self.delay_actions = self._choices(
            DELAY_TITLE,
            {d: f"{_seconds(d)}" for d in REPLY_DELAYS},
            "Every /v1/listen reply (and WebSocket handshake) waits this long",
            lambda d: self._update(delay=None if d is None else DelayReplies(d)),
        )
        self.drop_actions = self._choices(
            DROP_TITLE,
            {n: f"After {n} message{'' if n == 1 else 's'}" for n in DROP_AFTER},
            "Every live stream is closed with 1011 once it sent this many messages",
            lambda n: self._update(drop=None if n is None else DropStreams(n)),
        )
        self.callback_delay_actions = self._choices(
            CALLBACK_TITLE,
            {d: f"{_seconds(d)}" for d in CALLBACK_DELAYS},
            "The first attempt of every callback waits this long: callbacks that arrive late",
            lambda d: self._update(callback_delay=0.0 if d is None else d),
        )
        self.addSeparator()
        self.clear_action = self.addAction("Clear all faults")
        self.clear_action.setToolTip("The emulator answers as Deepgram does when all is well")
        self.clear_action.triggered.connect(self.clear)

        # Shown in the status bar while something is active; a click opens this menu.
        self.chip = QToolButton(parent)
        self.chip.setAutoRaise(True)
        self.chip.setAccessibleName("Active emulator faults")
        self.chip.clicked.connect(self._open_from_chip)
        self.show_faults(NO_FAULTS)

    def _choices(
        self,
        title: str,
        labels: dict[Any, str],
        tip: str,
        choose: Callable[[Any], None],
    ) -> dict[Any, QAction]:
        """A submenu of exclusive choices, "Off" first; the actions by value (None: off)."""
        menu = self.addMenu(title)
        menu.setToolTipsVisible(True)
        group = QActionGroup(menu)
        actions: dict[Any, QAction] = {}
        for value, label in {None: "Off", **labels}.items():
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setToolTip(tip if value is not None else f"{title}: off")
            action.triggered.connect(lambda _=False, v=value: self._choose(choose, v))
            group.addAction(action)
            actions[value] = action
        return actions

    def _choose(self, choose: Callable[[Any], None], value: Any) -> None:
        try:
            choose(value)
        except RuntimeError as exc:  # the engine runs no emulator
            log.warning("cannot change the emulator's faults: %s", exc)

    # -- choices ------------------------------------------------------------------------
    def _update(self, **change: Any) -> None:
        self.engine.update_emulator_faults(**change)

    def fail_next(self, status: int) -> None:
        self._choose(lambda s: self._update(add_fail=FailRequests(s)), status)

    def fail_every(self, status: int, on: bool) -> None:
        if on:
            self._choose(lambda s: self._update(add_fail=FailRequests(s, count=None)), status)
        else:
            self._choose(lambda s: self._update(remove_fail=s), status)

    def clear(self) -> None:
        self._choose(self.engine.set_emulator_faults, NO_FAULTS)

    def _open_from_chip(self) -> None:
        self.popup(self.chip.mapToGlobal(QPoint(0, 0)))

    # -- drawing the state --------------------------------------------------------------
    def show_faults(self, faults: EmulatorFaults) -> None:
        """Tick what is active, name it in the title and the status-bar button."""
        self.faults = faults
        queued: dict[int, int] = {}
        lasting: set[int] = set()
        for fail in faults.fail:
            if fail.count is None:
                lasting.add(fail.status)
            else:
                queued[fail.status] = queued.get(fail.status, 0) + fail.count
        for status, action in self.next_actions.items():
            count = queued.get(status, 0)
            action.setChecked(count > 0)
            action.setText(_label(status) + (f"  ({count} queued)" if count else ""))
        for status, action in self.every_actions.items():
            action.setChecked(status in lasting)
        total = sum(queued.values())
        self.next_menu.menuAction().setText(NEXT_TITLE + (f": {total} queued" if total else ""))
        every = ", ".join(str(s) for s in sorted(lasting))
        self.every_menu.menuAction().setText(EVERY_TITLE + (f": {every}" if every else ""))
        delay = faults.delay.seconds if faults.delay and faults.delay.count is None else None
        self._tick(self.delay_actions, delay, DELAY_TITLE, _seconds)
        drop = faults.drop.after_messages if faults.drop and faults.drop.count is None else None
        self._tick(self.drop_actions, drop, DROP_TITLE, lambda n: f"after {n}")
        callback = faults.callback_delay or None
        self._tick(self.callback_delay_actions, callback, CALLBACK_TITLE, _seconds)
        lines = describe_faults(faults)
        self.clear_action.setEnabled(bool(lines))
        self.menuAction().setText(TITLE + (ACTIVE_MARK if lines else ""))
        self.chip.setVisible(bool(lines))
        more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
        self.chip.setText(f"⚠ Emulator: {lines[0]}{more}" if lines else "")
        self.chip.setToolTip(
            "The emulator is failing on purpose (Emulator menu):\n" + "\n".join(lines)
            if lines
            else "No emulator faults"
        )

    @staticmethod
    def _tick(
        actions: dict[Any, QAction], value: Any, title: str, say: Callable[[Any], str]
    ) -> None:
        """Tick `value`'s choice; its submenu's title says it ("Delay replies: 3 s")."""
        action = actions.get(value)
        if action is None:  # a value set elsewhere (serve, a test): not one of the choices
            for a in actions.values():
                a.setChecked(False)
        else:
            action.setChecked(True)
        off = actions[None]
        submenu = off.parent()
        if isinstance(submenu, QMenu):
            submenu.menuAction().setText(title if value is None else f"{title}: {say(value)}")
