"""Above the list: whose engine this window shows, and what became of it.

Attached to a `serve` elsewhere (`gui --attach`), the banner says so for as long as the
window is attached, with the engine's host and process, so nobody mistakes a staging
server's traffic, or its rules, for their own. When the engine process dies (or the
connection drops) it says so, then that a new one took over on the same ports and session
file, or that none could: `EngineProcessEvent` from the client (engine/child_engine.py,
engine/remote_engine.py). Plain text always: the host name comes from the network.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ..core.events import EngineProcessEvent

_STYLES = {
    "attached": "background: rgba(25, 118, 210, 0.16);",
    "restarted": "background: rgba(46, 125, 50, 0.16);",
    "lost": "background: rgba(237, 108, 2, 0.20);",
    "gone": "background: rgba(179, 38, 30, 0.16);",
}


class EngineBanner(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("engine_banner")
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setAccessibleName("Engine state")
        self.attached_text = ""  # the standing line while attached to a remote engine
        self.state = ""
        self.setVisible(False)

    def show_attached(self, url: str, host: str, pid: int | None, session: str | None) -> None:
        where = f"{host}, process {pid}" if pid is not None else host or "unknown host"
        copy = f" A copy is kept in {session}." if session else ""
        self.attached_text = (
            f"Attached to the engine at {url} ({where}): this traffic, these rules and this "
            f"emulator are that engine's, not this machine's.{copy}"
        )
        self._show("attached", self.attached_text)

    def show_process_event(self, event: EngineProcessEvent) -> None:
        what = event.message[:1].upper() + event.message[1:]
        if event.state == "restarted" and self.attached_text:
            self._show("attached", f"{self.attached_text}\n✓ {what}.")
        elif event.state == "restarted":
            self._show("restarted", f"✓ {what}.")
        else:
            self._show(event.state, f"⚠ {what}.")

    def _show(self, state: str, text: str) -> None:
        self.state = state
        self.setText(text)
        self.setStyleSheet(f"#engine_banner {{ {_STYLES.get(state, '')} padding: 4px 6px; }}")
        self.setVisible(True)
