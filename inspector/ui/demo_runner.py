"""Staging a demo: what it changes on the engine and how it fills the submit panel.

Settings change through `Engine.set_emulator_settings` / `set_receiver_settings`, which take
effect at the next request.
"""

from __future__ import annotations

from dataclasses import replace

from ..engine.engine import Engine
from .demos import Demo, demo_emulator_settings, emulator_ready_for_demos
from .submit_panel import SOURCE_SAMPLE, TARGET_EMULATOR, SubmitPanel

DEMO_STREAM_SPEED = 2.0  # × real time: a stream demo should not take long on a projector


class DemoStage:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._saved_max_body: int | None = None  # the receiver's limit before a demo

    def prepare(self, demo: Demo) -> bool:
        """Emulator ready for demos and the receiver limit the demo wants; True when the
        emulator's settings had to change."""
        emulator = self.engine.emulator
        changed = False
        if emulator is not None and not emulator_ready_for_demos(emulator.settings):
            self.engine.set_emulator_settings(demo_emulator_settings(emulator.settings))
            changed = True
        self.set_receiver_limit(demo.max_body)
        return changed

    def set_receiver_limit(self, max_body: int | None) -> None:
        """A demo's receiver body limit, or (None) back to the limit from before the demo."""
        receiver = self.engine.receiver
        if max_body is not None:
            if self._saved_max_body is None:
                self._saved_max_body = receiver.settings.max_body
            self.engine.set_receiver_settings(replace(receiver.settings, max_body=max_body))
        elif self._saved_max_body is not None:
            self.engine.set_receiver_settings(
                replace(receiver.settings, max_body=self._saved_max_body)
            )
            self._saved_max_body = None


def fill_submit_panel(panel: SubmitPanel, demo: Demo) -> None:
    """The submit panel set up exactly as a user would click it for `demo`."""
    panel.target.setCurrentText(TARGET_EMULATOR)
    panel.source.setCurrentText(SOURCE_SAMPLE)
    panel.sample.setCurrentText(demo.sample)
    panel.streaming.setChecked(demo.streaming)
    panel.speed.setValue(DEMO_STREAM_SPEED)
    panel.interim.setChecked(demo.streaming)
    panel.use_callback.setChecked(True)
    panel.method.setCurrentText(demo.method)
    panel.user.setText(demo.user)
    panel.password.setText(demo.password)
    panel.reset_callback(demo.path)
