"""The window's reply rules: the Rules dock, its status-bar chip, held requests, settings.

The window builds one `RulesUi` and feeds it its events; everything about rules stays here:
the panel's changes go to the engine at once (`Engine.set_rules`) and into the window's
settings (as the rules file's text, so a saved setting reads back exactly as an exported
file would); the chip ("3 rules active") opens the panel; a `HoldStarted` event opens the
breakpoint dialog, and the held row's countdown is repainted each second until answered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolButton

from ..core.events import Event, ExchangeAdded, ExchangeUpdated, HoldStarted
from ..core.rule_text import describe_rules
from ..core.rules import Rule
from ..core.rules_file import RulesFileError, dump_rules, load_rules
from ..engine.api import EngineApi
from .breakpoint_dialog import BreakpointDialog
from .rules_panel import RulesPanel, chip_text

SETTINGS_KEY = "rules/file"  # the rules file's text (core/rules_file.dump_rules)
SCOPED_NOTE = "The demo's rules, until it ends: then your own come back."


class RulesUi(QObject):
    def __init__(
        self,
        window: QMainWindow,
        engine: EngineApi,
        refresh_rows: Callable[[Sequence[int]], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.engine = engine
        self._refresh_rows = refresh_rows
        self.panel = RulesPanel(window)
        self.dock = QDockWidget("Rules", window)
        self.dock.setObjectName("rules_dock")
        self.dock.setWidget(self.panel)
        self.dock.setAccessibleName("Reply rules panel")
        self.dock.toggleViewAction().setToolTip("Show or hide the reply rules panel")
        self.chip = QToolButton(window)
        self.chip.setObjectName("rules_chip")
        self.chip.setAutoRaise(True)
        self.chip.setAccessibleName("Reply rules: open the Rules panel")
        self.chip.clicked.connect(self.show_panel)
        self.breakpoints = BreakpointDialog(engine.answer_held, window)
        self.countdown = QTimer(self)
        self.countdown.setInterval(1000)
        self.countdown.timeout.connect(self._tick)
        self.panel.rules_changed.connect(self._on_rules)
        self.panel.message.connect(lambda text: window.statusBar().showMessage(text, 10000))
        self._settings: QSettings | None = None
        self._scoped = False  # a demo's rules are in force: nothing is saved
        self._held_shown = 0  # the held count the chip says
        self._show_chip(self.panel.rules())

    # -- rules ---------------------------------------------------------------------------
    def start(self, settings: QSettings) -> None:
        """The rules to start with: those the engine has (`gui --rules FILE`, or an engine
        started by someone else), else those kept with the window's settings."""
        self._settings = settings
        rules = self.engine.rules()
        if rules:  # shown, not saved: `--rules FILE` does not replace the kept list
            self.panel.set_rules(rules, announce=False)
            self._show_chip(rules)
            return
        text = settings.value(SETTINGS_KEY, "")
        if not isinstance(text, str) or not text.strip():
            return
        try:
            saved = load_rules(text, "the window's saved rules")
        except RulesFileError as exc:
            self.window.statusBar().showMessage(f"Saved rules not restored: {exc}", 15000)
            return
        self.panel.set_rules(saved)  # applied to the engine too

    def rules(self) -> tuple[Rule, ...]:
        return self.panel.rules()

    def set_rules(self, rules: Sequence[Rule], keep: bool = True) -> None:
        """Show `rules` in the panel and apply them. `keep=False` (a demo's): not kept with
        the settings, nor any change until rules are set with `keep` again."""
        self._scoped = not keep
        self.panel.set_scope_note(SCOPED_NOTE if self._scoped else "")
        self.panel.set_rules(rules)

    def adopt_engine_rules(self) -> None:
        """Attached to an engine elsewhere: show the rules it answers with, and keep edits
        off this window's saved rules (they are that engine's)."""
        rules = self.engine.rules()
        self._scoped = True
        self.panel.set_rules(rules, announce=False)
        self._show_chip(rules)

    def apply(self) -> None:
        """The panel's rules to the engine (after a restart: the window's are in force)."""
        self.engine.set_rules(self.panel.rules())

    def _on_rules(self, rules: Sequence[Rule]) -> None:
        self.engine.set_rules(rules)
        if self._settings is not None and not self._scoped:
            self._settings.setValue(SETTINGS_KEY, dump_rules(rules))
        self._show_chip(rules)

    def _show_chip(self, rules: Sequence[Rule]) -> None:
        held = self._held_shown = len(self.breakpoints.held_ids())
        text = chip_text(rules) + (f"  ·  ‖ {held} held" if held else "")
        self.chip.setText(text)
        self.chip.setToolTip(f"{describe_rules(rules)}. Click to open the Rules panel.")

    def show_panel(self) -> None:
        self.dock.show()
        self.dock.raise_()
        target = self.panel.list if self.panel.rules() else self.panel.add_button
        # Once the dock is laid out again (a hidden widget takes no focus).
        QTimer.singleShot(0, lambda: target.setFocus(Qt.FocusReason.OtherFocusReason))

    # -- held requests -------------------------------------------------------------------
    def on_events(self, events: Sequence[Event]) -> None:
        answered: list[int] = []
        for event in events:
            if isinstance(event, HoldStarted):
                self.breakpoints.add(event)
            elif isinstance(event, ExchangeAdded | ExchangeUpdated):
                x = event.exchange
                if x.held_until is None and (x.status is not None or x.finished is not None):
                    answered.append(x.id)
        if answered:
            self.breakpoints.settled(answered)
        held = self.breakpoints.held_ids()
        if len(held) != self._held_shown:  # (the dialog forgets what it answered at once)
            self._show_chip(self.panel.rules())
        if held and not self.countdown.isActive():
            self.countdown.start()

    def _tick(self) -> None:
        held = self.breakpoints.held_ids()
        if not held:
            self.countdown.stop()
            return
        self._refresh_rows(held)  # the Status column counts down
