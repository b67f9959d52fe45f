"""Small widget builders shared by the panes: plain-text labels, monospace text, read-only tables.

Network text is shown only through these, so nothing from the network is ever interpreted as
rich text (DESIGN.md conventions).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFont, QFontDatabase, QResizeEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLayout,
    QLayoutItem,
    QPlainTextEdit,
    QSizePolicy,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)


def mono_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def plain_label(text: str = "", parent: QWidget | None = None, wrap: bool = True) -> QLabel:
    """A label that never interprets its text as rich text, selectable for copying."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setText(text)
    return label


def text_view(parent: QWidget | None = None, placeholder: str = "") -> QPlainTextEdit:
    """A read-only monospace view for raw data (setPlainText only)."""
    view = QPlainTextEdit(parent)
    view.setReadOnly(True)
    view.setFont(mono_font())
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    view.setPlaceholderText(placeholder)
    return view


def table_view(model: QStandardItemModel, parent: QWidget | None = None) -> QTableView:
    view = QTableView(parent)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(22)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return view


def flat_table(parent: QWidget | None = None) -> QTableView:
    """A list as a table: one line per row, rows of a fixed height (set it with
    `text_row_height`), no grid, no row numbers; columns movable, titles left-aligned."""
    view = QTableView(parent)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setCornerButtonEnabled(False)
    view.setTabKeyNavigation(False)
    view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    rows = view.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setMinimumSectionSize(1)
    columns = view.horizontalHeader()
    columns.setHighlightSections(False)
    columns.setSectionsMovable(True)
    columns.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return view


def text_row_height(view: QAbstractItemView) -> int:
    """The height the view's delegate gives a line of text, in the plain and the monospace
    font alike (what a tree's uniform rows measure)."""
    probe = QStandardItemModel(1, 2)
    probe.setData(probe.index(0, 0), "Xg")
    probe.setData(probe.index(0, 1), "Xg")
    probe.setData(probe.index(0, 1), mono_font(), Qt.ItemDataRole.FontRole)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    delegate = view.itemDelegate()
    return max(1, max(delegate.sizeHint(option, probe.index(0, c)).height() for c in (0, 1)))


def item(text: str, tooltip: str | None = None, mono: bool = False) -> QStandardItem:
    """A read-only cell; item views paint their text as plain text."""
    cell = QStandardItem(text)
    cell.setEditable(False)
    if tooltip:
        cell.setToolTip(tooltip)
    if mono:
        cell.setFont(mono_font())
    return cell


def set_rows(model: QStandardItemModel, rows: Sequence[Sequence[QStandardItem]]) -> None:
    model.removeRows(0, model.rowCount())
    for row in rows:
        model.appendRow(list(row))


def rows_height(view: QTableView, rows: int) -> int:
    """The height that shows `rows` rows of `view` with its header, without scrolling."""
    height = view.horizontalHeader().sizeHint().height() + 2 * view.frameWidth()
    return height + rows * view.verticalHeader().defaultSectionSize()


def fit_rows(view: QTableView, most: int) -> None:
    """Make `view` as tall as its rows, `most` rows at the most (then it scrolls)."""
    rows = min(max(view.model().rowCount(), 1), most)
    view.setMaximumHeight(rows_height(view, rows))


class ElidedLabel(QLabel):
    """One line of plain text, elided to the label's width ("…"); the whole text is the
    tooltip. For states and notes that must not grow their row (a reason may be long)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._full = ""
        self.setText(text)

    def setText(self, text: str) -> None:  # type: ignore[override]  # Qt's is a slot
        self._full = text
        self.setToolTip(text)
        self._elide()

    def text(self) -> str:  # type: ignore[override]
        """The whole text (what is shown may be elided)."""
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        line = self._full.replace("\n", " ")
        width = max(self.width(), 10)
        super().setText(self.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, width))


def narrow_to_text(*widgets: QWidget) -> None:
    """Let buttons and fields give way in a narrow row down to their text (a button's
    own minimum is 80 px whatever it says; a field keeps its placeholder readable), so a
    field beside them is not squeezed to nothing in a 300 px column."""
    for widget in widgets:
        text = widget.property("placeholderText") or widget.property("text") or ""
        widget.setMinimumWidth(widget.fontMetrics().horizontalAdvance(f"{text}…") + 20)


class FlowLayout(QLayout):
    """A row of widgets that wraps onto more rows when its width runs out (Qt's flow layout
    example): a button bar that keeps a narrow dock usable instead of widening it."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setContentsMargins(0, 0, 0, 0)
        self.setSpacing(spacing)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        """One row: as wide as all the widgets side by side."""
        width = sum(i.sizeHint().width() for i in self._items)
        width += self.spacing() * max(len(self._items) - 1, 0)
        height = max((i.sizeHint().height() for i in self._items), default=0)
        return QSize(width, height)

    def minimumSize(self) -> QSize:
        """The widest widget: everything else may wrap."""
        size = QSize()
        for i in self._items:
            size = size.expandedTo(i.minimumSize())
        return size

    def _arrange(self, rect: QRect, move: bool) -> int:
        """Place the items in rows inside `rect` (when `move`); the height they take."""
        x, y, row_height = rect.x(), rect.y(), 0
        for i in self._items:
            hint = i.sizeHint()
            if x > rect.x() and x + hint.width() > rect.right() + 1:
                x, y = rect.x(), y + row_height + self.spacing()
                row_height = 0
            if move:
                i.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self.spacing()
            row_height = max(row_height, hint.height())
        return y + row_height - rect.y()
