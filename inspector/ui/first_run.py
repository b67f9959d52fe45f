"""What the empty list shows: three ways in, each one click (issue 14 item 15).

A first start used to show an empty list and nothing else. While the live list is empty,
the traffic pane shows this guide in its place:

- **Try it now**: a bundled sample through the built-in emulator, with a callback to this
  receiver (relaxed ports turned on when the receiver's port is not one Deepgram calls);
- **Use the real Deepgram**: what it takes (a public URL in front of this receiver, since
  Deepgram's servers cannot reach 127.0.0.1, and an API key), and a button that opens the
  window's Public URL control;
- **From your tests or CI**: the `serve` line to copy, and the pytest fixtures.

The guide says what to do; the window does it (`try_requested`, `real_deepgram_requested`,
`copy_requested` are connected by `MainWindow`).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from .widgets import mono_font, plain_label

SERVE_LINE = "callback-inspector serve --port 8080 --data-dir ./callbacks"
PYTEST_NOTE = (
    "One JSON line per request on stdout, the same receiver and emulator as this window. "
    "In pytest: the callback_receiver and deepgram_emulator fixtures."
)


def _heading(text: str, parent: QWidget, scale: float = 1.0) -> QLabel:
    label = plain_label(text, parent)
    font = label.font()
    font.setWeight(QFont.Weight.DemiBold)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


class FirstRunGuide(QScrollArea):
    """Three ways to get a first callback, in the empty list's place."""

    try_requested = Signal()
    real_deepgram_requested = Signal()
    copy_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first_run_guide")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAccessibleName("Getting started")
        self.setToolTip("Shown while the list is empty: three ways to a first callback")
        page = QWidget(self)
        page.setObjectName("first_run_page")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(10)
        self.title = _heading("Waiting for the first callback", page, 1.25)
        self.where = plain_label("", page)
        layout.addWidget(self.title)
        layout.addWidget(self.where)

        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(12)
        grid.setColumnStretch(1, 1)
        self.try_button = _button(
            "Try it now",
            "Try it now: send a sample through the emulator",
            "Send a bundled sample to the built-in emulator with a callback to this receiver",
            page,
        )
        self.try_button.clicked.connect(self.try_requested)
        self.try_text = plain_label(
            "Sends a bundled sample to the built-in Deepgram emulator, which transcribes it "
            "offline and calls this receiver back. No key, no network.",
            page,
        )
        self.real_button = _button(
            "Use the real Deepgram…",
            "Use the real Deepgram: open the Public URL control",
            "What the real Deepgram needs, and the Public URL control",
            page,
        )
        self.real_button.clicked.connect(self.real_deepgram_requested)
        self.real_text = plain_label(
            "This receiver listens on your machine only. The real Deepgram needs a public "
            "URL that forwards here (a tunnel such as cloudflared or ngrok, or your own "
            "reverse proxy), and your Deepgram API key (Submit panel, Target: Deepgram).",
            page,
        )
        self.copy_button = _button(
            "Copy the serve line",
            "Copy the serve command line",
            "Copy the command that runs this receiver without a window",
            page,
        )
        self.copy_button.clicked.connect(lambda: self.copy_requested.emit(SERVE_LINE))
        serve = QWidget(page)
        serve_layout = QVBoxLayout(serve)
        serve_layout.setContentsMargins(0, 0, 0, 0)
        self.serve_line = plain_label(SERVE_LINE, serve)
        self.serve_line.setFont(mono_font())
        self.serve_line.setAccessibleName("The serve command line")
        serve_layout.addWidget(_heading("From your tests or CI", serve))
        serve_layout.addWidget(self.serve_line)
        serve_layout.addWidget(plain_label(PYTEST_NOTE, serve))
        rows = (
            (self.try_button, _card("A real callback in a few seconds", self.try_text, page)),
            (
                self.real_button,
                _card("Deepgram's servers cannot reach 127.0.0.1", self.real_text, page),
            ),
            (self.copy_button, serve),
        )
        for row, (button, text) in enumerate(rows):
            button.setMinimumWidth(170)
            grid.addWidget(button, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(text, row, 1)
        layout.addLayout(grid)
        layout.addStretch(1)
        self.setWidget(page)

    def set_receiver(self, url: str, emulator_ready: bool) -> None:
        """Say where callbacks are awaited; Try it now needs the emulator."""
        self.where.setText(
            f"Every request and WebSocket that reaches {url or 'the receiver'} is listed here "
            "the moment it arrives: headers, body, transcript, and the reply it got."
        )
        self.try_button.setEnabled(emulator_ready)
        self.try_button.setToolTip(
            "Send a bundled sample to the built-in emulator with a callback to this receiver"
            if emulator_ready
            else "The built-in emulator is not running (press Start, or it was turned off)"
        )


def _card(title: str, text: QLabel, parent: QWidget) -> QWidget:
    card = QWidget(parent)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(_heading(title, card))
    layout.addWidget(text)
    return card


def _button(text: str, accessible: str, tip: str, parent: QWidget) -> QPushButton:
    """One of the guide's ways in: its words, what a screen reader says, its tooltip."""
    button = QPushButton(text, parent)
    button.setAccessibleName(accessible)
    button.setToolTip(tip)
    return button
