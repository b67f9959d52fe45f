"""The traffic list's columns as the view lays them out (issue 14 items 8 and 11).

- Each column starts as wide as its usual content in the list's own fonts (a time, a method,
  "11 attempts, delivered", a short request_id...); Path takes what is left, so the list
  needs no horizontal scrolling where it can be avoided.
- Text is elided in the middle, where the end of a path, a uuid or a verdict matters, and
  the whole text is in each cell's tooltip (the model's, from `core.columns`).
- The user resizes, moves and hides columns (right-click the header); widths and hidden
  columns are remembered by column name, so a column added later (a "rule" column) does
  not shift the others' widths.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QSettings
from PySide6.QtGui import QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QHeaderView, QMenu, QWidget

from ..core.columns import COLUMNS, Column

STRETCH = "path"  # the column that takes the room left
# What a column usually shows at its widest: its first width fits this (or its title).
SAMPLES = {
    "time": "▶ 00:00:00.000",  # a demo run's first row is marked ▶ (its time still whole)
    "method": "DELETE",
    "status": "closed 1001 going away ✗",  # wider than "4 attempts, delivered"
    "size": "999.9 KB",
    "request_id": "097de0cb…",
    "attempt": "Attempt",
    "dg_token": "3fa85f…3f66",
}
PADDING = 16  # the cell's margins and the header's sort/resize room
PATH_MIN = 120  # Path's share, at least, when the first widths are fitted to a narrow list
# Given up first when a narrow list cannot hold every first width (the tooltip has it all).
SHRINK_ORDER = ("dg_token", "rule", "status", "request_id", "time")
# ...down to these (in the cell's font): a status still reads whole, ids show both ends.
SHRINK_TO = {
    "dg_token": "3fa…f66",
    "rule": "Rule",  # its title: rule names are in the tooltip and the Headers tab
    "status": "4 attempts, gave up",
    "request_id": "097de…",
    "time": "00:00:00.000",  # a demo's ▶ mark may be cut, never the time
}
TREE_INDENT_COLUMN = 0  # the tree draws its branches in this column: it gets their width
WIDTHS_KEY, HIDDEN_KEY = "list/widths", "list/hidden"


def _text_width(column: Column, view: QWidget, text: str) -> int:
    """`text` in `column`'s cell font, with the cell's padding."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont) if column.mono else None
    cell = QFontMetrics(font) if font is not None else view.fontMetrics()
    return cell.horizontalAdvance(text) + PADDING


def default_width(column: Column, view: QWidget) -> int:
    """The first width of `column`: its sample (in the cell's font) or its title."""
    sample = SAMPLES.get(column.key)
    text = _text_width(column, view, sample) if sample else column.width
    title = view.fontMetrics().horizontalAdvance(column.title) + PADDING
    return max(text, title)


class ListColumns:
    """The column layout of the list's views; `apply` lays a header out from it."""

    def __init__(self, view: QWidget) -> None:
        self.widths = {c.key: default_width(c, view) for c in COLUMNS}
        self.defaults = dict(self.widths)
        self.hidden: set[str] = set()
        self.loaded = False  # widths came from the settings: the user's, never refitted
        by_key = {c.key: c for c in COLUMNS}
        self.floors = {
            key: min(self.widths[key], _text_width(by_key[key], view, sample))
            for key, sample in SHRINK_TO.items()
            if key in by_key
        }

    def apply(self, header: QHeaderView, tree: bool = False, indent: int = 0) -> None:
        """Resize modes, widths and hidden columns onto `header` (a tree's first column also
        holds the branch marks: `indent` more)."""
        header.setStretchLastSection(False)
        header.setSectionsMovable(True)
        header.setMinimumSectionSize(24)
        for col, column in enumerate(COLUMNS):
            if col >= header.count():
                break
            if column.key == STRETCH:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
            else:
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
                extra = indent if tree and col == TREE_INDENT_COLUMN else 0
                header.resizeSection(col, self.widths[column.key] + extra)
            header.setSectionHidden(col, column.key in self.hidden)

    def take(self, header: QHeaderView, tree: bool = False, indent: int = 0) -> None:
        """Remember the widths the user gave `header`'s columns."""
        for col, column in enumerate(COLUMNS):
            if col >= header.count() or column.key == STRETCH or header.isSectionHidden(col):
                continue
            extra = indent if tree and col == TREE_INDENT_COLUMN else 0
            self.widths[column.key] = max(24, header.sectionSize(col) - extra)

    def reset(self) -> None:
        self.widths = dict(self.defaults)
        self.hidden.clear()
        self.loaded = False

    def fit(self, available: int) -> None:
        """First widths for a list `available` pixels wide: when they leave Path less than
        PATH_MIN, the columns of SHRINK_ORDER give up width in turn, down to SHRINK_TO's
        widths (1024-px window: the Status column was off screen, Path a few letters)."""
        shown = [c.key for c in COLUMNS if c.key not in self.hidden and c.key != STRETCH]
        over = sum(self.widths[k] for k in shown) + PATH_MIN - available
        for key in SHRINK_ORDER:
            if over <= 0:
                break
            if key not in shown:
                continue
            give = min(over, self.widths[key] - self.floors.get(key, self.widths[key]))
            if give > 0:
                self.widths[key] -= give
                over -= give

    # -- remembered ------------------------------------------------------------------
    def load(self, s: QSettings) -> None:
        widths = str(s.value(WIDTHS_KEY, "") or "")
        for pair in widths.split(","):
            key, _, value = pair.partition("=")
            if key in self.widths and value.isdigit():
                self.widths[key] = max(24, int(value))
                self.loaded = True
        hidden = str(s.value(HIDDEN_KEY, "") or "")
        self.hidden = {k for k in hidden.split(",") if k in self.widths and k != STRETCH}

    def save(self, s: QSettings) -> None:
        s.setValue(WIDTHS_KEY, ",".join(f"{k}={w}" for k, w in self.widths.items()))
        s.setValue(HIDDEN_KEY, ",".join(sorted(self.hidden)))

    # -- the header's right-click menu -------------------------------------------------
    def menu_entries(
        self, relayout: Callable[[], None]
    ) -> list[tuple[str, bool, Callable[[], None]]]:
        """(text, checked, action) per column, then Reset: what the header's menu shows."""
        entries: list[tuple[str, bool, Callable[[], None]]] = []
        for column in COLUMNS:
            if column.key == STRETCH:
                continue

            def toggle(key: str = column.key) -> None:
                self.hidden ^= {key}
                relayout()

            entries.append((column.title, column.key not in self.hidden, toggle))

        def reset() -> None:
            self.reset()
            relayout()

        entries.append(("Reset columns", False, reset))
        return entries

    def show_menu(self, header: QHeaderView, pos: QPoint, relayout: Callable[[], None]) -> None:
        menu = QMenu(header)
        entries = self.menu_entries(relayout)
        for text, checked, action in entries[:-1]:
            entry = menu.addAction(text)
            entry.setCheckable(True)
            entry.setChecked(checked)
            entry.triggered.connect(action)
        menu.addSeparator()
        text, _checked, action = entries[-1]
        menu.addAction(text).triggered.connect(action)
        menu.exec(header.mapToGlobal(pos))
