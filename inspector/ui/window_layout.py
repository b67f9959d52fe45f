"""Where the window's parts go, at any screen size (issue 14 item 11).

- A fresh window takes the screen it opens on: 1440 x 900 at most, never more than the
  available area (a 1024 x 700 screen gets a 1024 x 700 window, not a window cut off at its
  edges), centred. A remembered geometry is used when it still fits the screen.
- The detail goes under the traffic list unless the window is very wide, so the list has
  the window's width for its columns (at 1440 px, side by side, request_id, Attempt and
  dg-token were scrolled away); View > Detail below the list switches, and is remembered.
- The side panels (Reply controls, Submit) share the right column one above the other, both
  always visible, the column running the window's whole height; the retry timeline sits
  under the list only, and folds to its one-line summary while there is no job to draw.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter

DEFAULT_SIZE = QSize(1440, 900)
SIDE_WIDTH = 400  # the right column at 1440 px; less on a narrower window (see below)
SIDE_MIN_WIDTH = 300
SIDE_BY_SIDE_FROM = 1600  # window width from which the detail sits beside the list
TIMELINE_HEIGHT = 220  # the timeline dock with a job to draw
STATE_VERSION = 2  # saveState/restoreState: a layout saved by an older version is not reused


def fresh_geometry(available: QRect, wanted: QSize = DEFAULT_SIZE) -> QRect:
    """The geometry of a window opening for the first time on a screen whose available
    area is `available`: `wanted`, shrunk to fit, centred."""
    width = min(wanted.width(), available.width())
    height = min(wanted.height(), available.height())
    left = available.left() + (available.width() - width) // 2
    top = available.top() + (available.height() - height) // 2
    return QRect(left, top, width, height)


def fits(geometry: QRect, available: QRect) -> bool:
    """Whether a remembered geometry still fits the screen (a laptop once docked to a big
    monitor opens again at the laptop's size otherwise)."""
    return available.contains(geometry.topLeft()) and (
        geometry.width() <= available.width() and geometry.height() <= available.height()
    )


def available_area(window: QMainWindow) -> QRect:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def detail_below_by_default(width: int) -> bool:
    return width < SIDE_BY_SIDE_FROM


def side_width(window_width: int) -> int:
    """The right column's width: a quarter of a narrow window, SIDE_WIDTH of a wide one."""
    return max(SIDE_MIN_WIDTH, min(SIDE_WIDTH, window_width * 28 // 100))


def place_side_docks(window: QMainWindow, top: QDockWidget, bottom: QDockWidget) -> None:
    """`top` above `bottom` in the right column, both visible, the column running the whole
    height of the window (the bottom-right corner belongs to it)."""
    window.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
    window.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
    right = Qt.DockWidgetArea.RightDockWidgetArea
    window.addDockWidget(right, top)
    window.splitDockWidget(top, bottom, Qt.Orientation.Vertical)
    for dock in (top, bottom):
        dock.setMinimumWidth(SIDE_MIN_WIDTH)


def size_side_docks(window: QMainWindow, top: QDockWidget, bottom: QDockWidget) -> None:
    """Widths and heights for the window's present size: the column a quarter wide (at most
    SIDE_WIDTH), the lower panel (Submit, a long form) given five eighths of the height, the
    upper (Rules) the rest, or what it needs at least."""
    width = side_width(window.width())
    window.resizeDocks([top, bottom], [width, width], Qt.Orientation.Horizontal)
    height = max(window.height() - 120, 300)
    upper = max(height * 3 // 8, top.minimumSizeHint().height())
    window.resizeDocks([top, bottom], [upper, height - upper], Qt.Orientation.Vertical)


def set_detail_below(splitter: QSplitter, below: bool) -> None:
    """The list above the detail (`below`), or beside it; sizes shared 55/45."""
    orientation = Qt.Orientation.Vertical if below else Qt.Orientation.Horizontal
    if splitter.orientation() == orientation and splitter.property("laid_out"):
        return
    splitter.setOrientation(orientation)
    total = splitter.height() if below else splitter.width()
    total = max(total, 600)
    splitter.setSizes([total * 55 // 100, total * 45 // 100])
    splitter.setProperty("laid_out", True)
