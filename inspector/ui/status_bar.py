"""The status bar: a message that never runs into the counters.

`QStatusBar` draws a temporary message clipped at the first permanent widget (the counters
and the listening state), so a long message ends mid-letter against them. This one draws it
elided with "…" in the space left of them, and keeps the whole text in its tooltip.
`showMessage` and `currentMessage` are Qt's own, so every caller stays as it is.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QStatusBar, QWidget

GAP = 12  # pixels between the message's end and the counters


class StatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        self.messageChanged.connect(self._on_message)

    def message_rect(self) -> QRect:
        """Where the message is drawn: from the left edge to the first counter."""
        right = self.width() - 6
        # While a message shows, Qt hides the normal widgets: what is visible is permanent.
        for widget in self.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if widget.isVisible():
                right = min(right, widget.x() - GAP)
        return QRect(6, 0, max(0, right - 6), self.height())

    def shown_message(self) -> str:
        """The message as drawn now (elided to fit), for tests and screenshots."""
        rect = self.message_rect()
        return self.fontMetrics().elidedText(
            self.currentMessage(), Qt.TextElideMode.ElideRight, rect.width()
        )

    def _on_message(self, text: str) -> None:
        self.setToolTip(text)

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.currentMessage():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        painter.drawText(
            self.message_rect(),
            Qt.AlignmentFlag.AlignLeading
            | Qt.AlignmentFlag.AlignVCenter
            | Qt.TextFlag.TextSingleLine,
            self.shown_message(),
        )
