"""A read-only text view for bodies: line numbers, wrap on or off, JSON syntax colours.

`CodeView` is Qt's code-editor pattern (a `QPlainTextEdit` with a gutter widget that paints
the numbers of the visible blocks only), so a 256 KB body scrolls as fast as plain text.
`JsonHighlighter` is a `QSyntaxHighlighter`: keys, strings, numbers, `true`/`false`/`null`
in colours chosen for the palette's light or dark scheme. The text stays plain text
(`setPlainText`): colour is formatting only, nothing from the network is interpreted.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from .widgets import mono_font

# Highlighting runs in Python once per line; past this many lines a body is shown uncoloured
# (the view stays instant for a multi-megabyte transcript).
HIGHLIGHT_MAX_LINES = 20_000

_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*"?)(?P<colon>\s*:)?'
    r"|(?P<number>-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)"
    r"|(?P<literal>\b(?:true|false|null)\b)"
)
# (light scheme, dark scheme) colours per token kind
_COLOURS = {
    "key": ("#1f4e9e", "#8ab4f8"),
    "string": ("#0b7a3e", "#98c379"),
    "number": ("#a33c00", "#e5a05c"),
    "literal": ("#7a2e9e", "#d0a2f5"),
}


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


class JsonHighlighter(QSyntaxHighlighter):
    """Colours JSON tokens line by line (a string spanning lines is not a JSON thing)."""

    def __init__(self, document: QTextDocument, dark: bool = False) -> None:
        super().__init__(document)
        self.enabled = True
        self._formats: dict[str, QTextCharFormat] = {}
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        self._formats = {}
        for kind, (light_colour, dark_colour) in _COLOURS.items():
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(dark_colour if dark else light_colour))
            if kind == "key":
                fmt.setFontWeight(QFont.Weight.DemiBold)
            self._formats[kind] = fmt
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        if not self.enabled or not self._formats:
            return
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            if kind == "colon" or match.group("string") is not None:
                kind = "key" if match.group("colon") else "string"
                start, end = match.span("string")
            else:
                start, end = match.span()
            if kind is not None:
                self.setFormat(start, end - start, self._formats[kind])


class _Gutter(QWidget):
    def __init__(self, view: CodeView) -> None:
        super().__init__(view)
        self.view = view

    def sizeHint(self) -> QSize:
        return QSize(self.view.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.view.paint_gutter(event)


class CodeView(QPlainTextEdit):
    """Read-only monospace text with line numbers; `set_json()` colours JSON."""

    def __init__(self, parent: QWidget | None = None, placeholder: str = "") -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(mono_font())
        self.setPlaceholderText(placeholder)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.gutter = _Gutter(self)
        self.highlighter = JsonHighlighter(self.document(), is_dark(self.palette()))
        self.highlighter.enabled = False
        self.blockCountChanged.connect(self._fit_gutter)
        self.updateRequest.connect(self._scroll_gutter)
        self._fit_gutter()

    # -- content ---------------------------------------------------------------------------
    def show_text(self, text: str, json: bool = False) -> None:
        """Show `text` as plain text; coloured as JSON when `json` and not too long."""
        self.highlighter.enabled = json and text.count("\n") < HIGHLIGHT_MAX_LINES
        self.setPlainText(text)

    def set_wrap(self, wrap: bool) -> None:
        self.setLineWrapMode(
            QPlainTextEdit.LineWrapMode.WidgetWidth if wrap else QPlainTextEdit.LineWrapMode.NoWrap
        )

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # the theme changed
            self.highlighter.set_dark(is_dark(self.palette()))

    # -- the gutter ------------------------------------------------------------------------
    def gutter_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * max(digits, 2)

    def _fit_gutter(self, _count: int = 0) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())
        if rect.contains(self.viewport().rect()):
            self._fit_gutter()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        area = self.contentsRect()
        self.gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(), area.height()))

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self.gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.color(QPalette.ColorRole.AlternateBase))
        painter.setPen(palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text))
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        width = self.gutter.width() - 5
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                painter.drawText(
                    0, top, width, height, Qt.AlignmentFlag.AlignRight, str(number + 1)
                )
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
