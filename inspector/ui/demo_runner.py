"""Running a demo in a scope, paced for an audience, its story told as it happens.

`DemoRunner.start(demo)` saves what the demo changes (the reply rules, the emulator's
settings, the receiver's body limit), applies the demo's own, fills the submit panel exactly
as a user would click it and sends. The banner above the list says "Demo: Retry storm,
running… [End demo]", and its story shows one step per `pace` seconds, from the demo's own
events (core/demo_story.py). When the demo's job is done (or its stream closed), or the user
presses End demo, everything saved is put back: running a demo leaves nothing behind, and
running it twice works the same twice. The list marks where each run starts.

Settings change only through the engine's methods (`set_emulator_settings`,
`set_receiver_settings`, the rules through the window's Rules panel), never its internals.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..core.demo_story import DemoStory, Step
from ..core.events import Event
from ..core.rules import Rule
from ..core.settings import EmulatorSettings, ReceiverSettings
from ..engine.api import EngineApi
from .demos import DEMO_PACE, Demo, paced_emulator_settings, stream_speed
from .submit_panel import SOURCE_SAMPLE, TARGET_EMULATOR, SubmitPanel
from .widgets import ElidedLabel, plain_label

_MARKS = {"info": "•", "ok": "✓", "fail": "✗", "end": "■"}
STORY_LINES = 4  # the latest steps shown; the whole story is the banner's tooltip


def fill_submit_panel(panel: SubmitPanel, demo: Demo, pace: float = DEMO_PACE) -> None:
    """The submit panel set up exactly as a user would click it for `demo`."""
    panel.target.setCurrentText(TARGET_EMULATOR)
    panel.source.setCurrentText(SOURCE_SAMPLE)
    panel.sample.setCurrentText(demo.sample)
    panel.streaming.setChecked(demo.streaming)
    panel.speed.setValue(stream_speed(pace))
    panel.interim.setChecked(demo.streaming)
    panel.use_callback.setChecked(True)
    panel.method.setCurrentText(demo.method)
    panel.user.setText(demo.user)
    panel.password.setText(demo.password)
    panel.reset_callback(demo.path)


@dataclass(frozen=True)
class Saved:
    """What a demo changes, as it was before: put back when the demo ends."""

    rules: tuple[Rule, ...]
    emulator: EmulatorSettings | None
    receiver: ReceiverSettings


class DemoBanner(QFrame):
    """Above the list while a demo runs: its title and state, End demo, the story so far."""

    end_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("demo_banner")
        self.setAccessibleName("Demo")
        self.setStyleSheet(
            "#demo_banner { background: rgba(37, 99, 235, 0.12); border-radius: 3px; }"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 6)
        top = QHBoxLayout()
        self.title = plain_label("", self)
        self.title.setAccessibleName("The demo and its state")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.end_button = QPushButton("End demo", self)
        self.end_button.setToolTip("Stop the demo now: your rules and emulator settings come back")
        self.end_button.clicked.connect(self.end_requested)
        top.addWidget(self.title, 1)
        top.addWidget(self.end_button)
        layout.addLayout(top)
        self.explain = plain_label("", self)
        self.explain.setWordWrap(True)
        layout.addWidget(self.explain)
        self.story = QVBoxLayout()
        self.story.setSpacing(1)
        layout.addLayout(self.story)
        self.steps: list[QLabel] = []
        self.setVisible(False)

    def begin(self, demo: Demo, run: int) -> None:
        for label in self.steps:
            label.deleteLater()
        self.steps = []
        again = f" (run {run})" if run > 1 else ""
        self.title.setText(f"Demo: {demo.title}{again}, running…")
        self.explain.setText(demo.explain)
        self.explain.setVisible(True)
        self.end_button.setText("End demo")
        self.setVisible(True)

    def add_step(self, step: Step) -> None:
        # One line each, cut with "…" when the banner is narrow (the banner's tooltip has the
        # whole story): wrapped lines overlapped when a 1024 x 700 window had no height left.
        label = ElidedLabel(f"{_MARKS.get(step.tone, '•')} {step.text}", self)
        label.setAccessibleName(f"Demo step {len(self.steps) + 1}")
        self.story.addWidget(label)
        self.steps.append(label)
        if len(self.steps) == 2:  # the story has begun: what to watch moves to the tooltip
            self.explain.setVisible(False)
        if len(self.steps) > STORY_LINES:  # the banner stays short: the list needs the room
            self.steps[-STORY_LINES - 1].setVisible(False)
        lines = [self.explain.text(), *(s.text() for s in self.steps)]
        self.setToolTip("\n".join(lines))

    def finished(self, demo: Demo, why: str) -> None:
        self.title.setText(f"Demo: {demo.title}, {why}")
        self.end_button.setText("Close")
        self.end_button.setToolTip("Hide this story")


class DemoRunner(QObject):
    """One demo at a time, in a scope; `pace` seconds per step (tests shorten it)."""

    ended = Signal(object)  # the Demo whose scope was just restored

    def __init__(
        self,
        engine: EngineApi,
        rules: Any,  # ui.rules_dock.RulesUi: the window's rules, shown while they apply
        panel: SubmitPanel,
        banner: DemoBanner,
        mark: Callable[[int, str], None],  # marks the list row where a run starts
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.rules = rules
        self.panel = panel
        self.banner = banner
        self._mark = mark
        self.pace = DEMO_PACE
        self.demo: Demo | None = None  # the demo whose scope is open
        self.saved: Saved | None = None
        self.story: DemoStory | None = None
        self._runs: dict[str, int] = {}
        self._queued: deque[Step] = deque()
        self._shown: list[Step] = []
        self._reveal = QTimer(self)
        self._reveal.timeout.connect(self._next_step)
        self._marked = False
        banner.end_requested.connect(self._on_end_button)

    @property
    def active(self) -> Demo | None:
        return self.demo

    # -- the scope -----------------------------------------------------------------------
    def start(self, demo: Demo) -> bool:
        """Save, apply the demo's rules and settings, fill the submit panel and send. False
        (nothing left changed) when the submission could not leave."""
        if self.demo is not None:
            self.end("ended: another demo started")
        emulator = self.engine.emulator_settings()
        receiver = self.engine.receiver_settings()
        self.saved = Saved(self.rules.rules(), emulator, receiver)
        self.demo = demo
        run = self._runs[demo.name] = self._runs.get(demo.name, 0) + 1
        self.story = DemoStory(demo.path)
        self._marked = False
        self._queued.clear()
        self._shown = []
        self.banner.begin(demo, run)
        if emulator is not None:
            self.engine.set_emulator_settings(paced_emulator_settings(emulator, self.pace))
        if demo.max_body is not None:
            self.engine.set_receiver_settings(replace(receiver, max_body=demo.max_body))
        self.rules.set_rules(demo.rules(), keep=False)  # shown, not kept in the settings
        self.panel.refresh_engine_state()
        fill_submit_panel(self.panel, demo, self.pace)
        if self.panel.submit() is None:
            self._queue(Step(f"Not sent: {self.panel.state.text()}", "end"))
            self.end("not sent")
            return False
        self._queue(Step(f"Sent {demo.sample}.wav to the emulator, callback to {demo.path}."))
        return True

    def end(self, why: str = "ended") -> None:
        """Put back what the demo changed (the story stays until closed)."""
        demo, saved = self.demo, self.saved
        if demo is None or saved is None:
            return
        self.demo = self.saved = None
        if saved.emulator is not None and self.engine.emulator_settings() is not None:
            self.engine.set_emulator_settings(saved.emulator)
        self.engine.set_receiver_settings(saved.receiver)
        self.rules.set_rules(saved.rules)
        self.panel.refresh_engine_state()
        self._queue(Step("Your rules and emulator settings are back as before the demo.", "end"))
        self.banner.finished(demo, why)
        self.ended.emit(demo)

    def _on_end_button(self) -> None:
        if self.demo is not None:
            self.end("ended")
        else:
            self.banner.setVisible(False)
            self._reveal.stop()

    # -- the story -----------------------------------------------------------------------
    def on_events(self, events: Sequence[Event]) -> None:
        story, demo = self.story, self.demo
        if story is None or demo is None:
            return
        for event in events:
            for step in story.apply(event):
                self._queue(step)
            if not self._marked and story.first_exchange is not None:
                self._marked = True
                run = self._runs.get(demo.name, 1)
                self._mark(story.first_exchange, f"▶ Demo {demo.title}, run {run} starts here")
            if story.finished:
                self.end("finished")
                return

    def _queue(self, step: Step) -> None:
        """Steps show one per `pace` seconds: an audience reads each before the next."""
        self._queued.append(step)
        if not self._reveal.isActive():
            self._next_step()
            self._reveal.start(max(1, int(self.pace * 1000)))

    def _next_step(self) -> None:
        if not self._queued:
            self._reveal.stop()
            return
        step = self._queued.popleft()
        self._shown.append(step)
        self.banner.add_step(step)

    def story_so_far(self) -> list[str]:
        """Every step of the story: those shown, then those waiting for their turn."""
        return [step.text for step in (*self._shown, *self._queued)]
