"""Answering held requests: the window's side of a breakpoint ("hold") rule.

A held request waits, and so does its sender, until the user answers it here: with the
status, headers and body shown (prefilled with what the rules after the hold would give,
and editable), "as the next rule would", or by dropping the connection. A countdown says
when the engine answers by itself (the next rule, at the rule's hold timeout). Several held
requests queue up: the oldest is shown, with how many wait behind it. The dialog never blocks
the window: traffic goes on listing meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.events import HoldStarted
from ..core.rules import Forward, HoldAnswer, Respond
from ..core.rules_file import RuleError, reply_from_table
from .rule_editor import header_pairs
from .widgets import mono_font, plain_label

Answer = Callable[[int, Respond | HoldAnswer], "Future[bool]"]


def _proposal_text(held: HoldStarted) -> str:
    proposal = held.proposal
    if isinstance(proposal, Forward):
        return "your app's reply (forwarding)"
    if isinstance(proposal, Respond):
        return f"{proposal.status}" + (f" after {proposal.delay:g} s" if proposal.delay else "")
    return "another breakpoint"


class BreakpointDialog(QDialog):
    """The held requests, oldest first; answers go to the engine through `answer`."""

    def __init__(self, answer: Answer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Held request")
        self.setAccessibleName("Held request: answer it")
        self.setModal(False)
        self._answer = answer
        self._held: list[HoldStarted] = []
        layout = QVBoxLayout(self)
        self.what = plain_label("", self)
        self.what.setWordWrap(True)
        self.what.setAccessibleName("The held request")
        self.countdown = plain_label("", self)
        self.countdown.setAccessibleName("When the next rule answers by itself")
        self.queue = plain_label("", self)
        form = QFormLayout()
        self.status = QSpinBox(self)
        self.status.setRange(200, 599)
        self.status.setAccessibleName("Reply status")
        self.status.setToolTip("The status this attempt gets (Deepgram retries a non-2xx reply)")
        self.headers = QPlainTextEdit(self)
        self.headers.setFont(mono_font())
        self.headers.setPlaceholderText("Name: value, one per line")
        self.headers.setMaximumHeight(60)
        self.headers.setTabChangesFocus(True)
        self.headers.setAccessibleName("Reply headers")
        self.headers.setToolTip("Headers of the reply, one 'Name: value' per line")
        self.body = QPlainTextEdit(self)
        self.body.setFont(mono_font())
        self.body.setPlaceholderText("reply body")
        self.body.setTabChangesFocus(True)
        self.body.setAccessibleName("Reply body")
        self.body.setToolTip("The body of the reply, sent as is")
        form.addRow("Status", self.status)
        form.addRow("Headers", self.headers)
        form.addRow("Body", self.body)
        self.problem = plain_label("", self)
        buttons = QHBoxLayout()
        self.send_button = QPushButton("Send this reply", self)
        self.send_button.setDefault(True)
        self.send_button.setToolTip("Answer with the status, headers and body above")
        self.next_button = QPushButton("Answer as the next rule would", self)
        self.next_button.setToolTip("What the rules after the breakpoint give (as at the timeout)")
        self.drop_button = QPushButton("Drop the connection", self)
        self.drop_button.setToolTip("Close the connection with no reply, as a crashed server")
        for button in (self.send_button, self.next_button, self.drop_button):
            buttons.addWidget(button)
        layout.addWidget(self.what)
        layout.addWidget(self.countdown)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        layout.addWidget(self.queue)
        self.send_button.clicked.connect(self.send_reply)
        self.next_button.clicked.connect(lambda: self._give(HoldAnswer.NEXT_RULE))
        self.drop_button.clicked.connect(lambda: self._give(HoldAnswer.DROP))
        self.timer = QTimer(self)
        self.timer.setInterval(250)
        self.timer.timeout.connect(self._tick)
        self.resize(520, 420)

    # -- the queue -------------------------------------------------------------------------
    @property
    def current(self) -> HoldStarted | None:
        return self._held[0] if self._held else None

    def held_ids(self) -> list[int]:
        return [h.exchange_id for h in self._held]

    def add(self, held: HoldStarted) -> None:
        """A request was held: queued, and shown if it is the only one."""
        self._held.append(held)
        if len(self._held) == 1:
            self._show_current()
        else:
            self._show_queue()
        if not self.isVisible():
            self.show()
        self.raise_()
        self.timer.start()

    def settled(self, exchange_ids: Iterable[int]) -> None:
        """These requests were answered (here, by the timeout, or their sender left)."""
        gone = set(exchange_ids)
        if not gone.intersection(self.held_ids()):
            return
        first = self.current
        self._held = [h for h in self._held if h.exchange_id not in gone]
        if not self._held:
            self.timer.stop()
            self.hide()
        elif first is not self.current:
            self._show_current()
        else:
            self._show_queue()

    def _show_current(self) -> None:
        held = self.current
        if held is None:
            return
        x = held.exchange
        rid = f", request_id {x.request_id}" if x.request_id else ""
        words = (x.view.transcript or "").strip()
        if len(words) > 80:
            words = words[:79] + "…"
        said = f"\nTranscript: “{words}”" if words else ""
        self.what.setText(
            f"#{x.id} {x.method} {x.target} (attempt {x.attempt}{rid}) is held by rule "
            f'"{held.rule}". Its sender waits for your answer. The list shows it in full.{said}'
        )
        proposal = held.proposal
        if isinstance(proposal, Respond):
            self.status.setValue(proposal.status)
            self.headers.setPlainText("\n".join(f"{n}: {v}" for n, v in proposal.headers))
            self.body.setPlainText(proposal.body.decode("utf-8", errors="replace"))
        else:
            self.status.setValue(200)
            self.headers.clear()
            self.body.clear()
        self.problem.setText("")
        self._show_queue()
        self._tick()

    def _show_queue(self) -> None:
        behind = len(self._held) - 1
        self.queue.setText(f"{behind} more held after this one." if behind > 0 else "")

    def _tick(self) -> None:
        held = self.current
        if held is None:
            return
        left = max(0.0, held.deadline - time.time())
        then = _proposal_text(held)
        self.countdown.setText(f"‖ The next rule answers ({then}) in {left:.0f} s.")

    # -- answering -------------------------------------------------------------------------
    def reply(self) -> Respond:
        """The reply the form describes; RuleError names what is wrong."""
        headers = header_pairs(self.headers.toPlainText())
        table: dict[str, Any] = {"status": self.status.value(), "headers": headers}
        if self.body.toPlainText():
            table["body"] = self.body.toPlainText()
        return reply_from_table(table)

    def send_reply(self) -> None:
        try:
            reply = self.reply()
        except RuleError as exc:
            self.problem.setText(f"⚠ {exc.key}: {exc.message}")
            return
        self._give(reply)

    def _give(self, answer: Respond | HoldAnswer) -> None:
        held = self.current
        if held is None:
            return
        self._answer(held.exchange_id, answer)
        self.settled([held.exchange_id])  # the engine's update follows; nothing waits on it
