"""The window at 1024 x 700 and 1440 x 900 (issue 14 item 11), the list's columns (item 8),
both colour schemes (item 12): the real window, offscreen, on a real receiver."""

from __future__ import annotations

import http.client
import urllib.parse

import pytest
from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QStyle,
    QStyleOptionButton,
    QWidget,
)

from inspector.core.columns import COLUMNS, column_index
from inspector.core.demo_story import Step
from inspector.core.emulator_events import JobStarted
from inspector.ui.demo_runner import STORY_LINES
from inspector.ui.demos import DEMOS
from inspector.ui.look import apply_theme
from inspector.ui.main_window import MainWindow
from inspector.ui.window_layout import fits, fresh_geometry

TIMEOUT_MS = 15_000
BODY = b'{"metadata":{"request_id":"9b7f3c1e-5a2d-4e8f-b6a1-0c4d2e7f9a35"},"results":{}}'


def _post(url: str, path: str, body: bytes = BODY) -> int:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"dg-token": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}
    conn.request("POST", path, body, headers)
    status = conn.getresponse().status
    conn.close()
    return status


@pytest.fixture
def sized_window(qtbot, start_engine, qsettings):
    def make(width: int, height: int) -> MainWindow:
        engine, _ = start_engine()
        w = MainWindow(engine, qsettings)
        qtbot.addWidget(w)
        w.resize(width, height)
        w.show()
        qtbot.waitUntil(lambda: w.isVisible() and w.traffic.width() > 300, timeout=TIMEOUT_MS)
        return w

    return make


def test_a_fresh_window_fits_the_screen_it_opens_on():
    small = QRect(0, 0, 1024, 700)
    assert fresh_geometry(small) == small  # not 1440 x 900, cut off at the screen's edges
    big = fresh_geometry(QRect(0, 0, 1920, 1080))
    assert big.size() == QSize(1440, 900) and big.center() == QRect(0, 0, 1920, 1080).center()
    assert fits(QRect(10, 10, 1000, 690), small) and not fits(QRect(0, 0, 1440, 900), small)


def test_a_first_start_is_no_larger_than_the_screen(qtbot, start_engine, qsettings):
    engine, _ = start_engine()
    w = MainWindow(engine, qsettings)
    qtbot.addWidget(w)
    available = w.screen().availableGeometry()
    assert w.width() <= available.width() and w.height() <= available.height()


def _columns_fit(w: MainWindow) -> None:
    """Every column of the list is on screen: no horizontal scrolling needed."""
    header = w.table.horizontalHeader()
    right = max(header.sectionViewportPosition(c) + header.sectionSize(c) for c in range(8))
    assert right <= w.table.viewport().width(), (right, w.table.viewport().width())
    assert header.sectionSize(column_index("path")) >= 100  # Path is still readable


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)], ids=["1024x700", "1440x900"])
def test_every_part_is_usable_at_common_sizes(qtbot, sized_window, size):
    w = sized_window(*size)
    for path in ("/demo/retry-storm", "/cb"):
        assert _post(w.engine.receiver_url, path) == 200
    qtbot.waitUntil(lambda: w.model.rowCount() == 2, timeout=TIMEOUT_MS)
    # Below 1600 px the detail goes under the list: the list has the whole width.
    assert w.detail_below_action.isChecked()
    assert w.splitter.orientation() is Qt.Orientation.Vertical
    _columns_fit(w)
    status = column_index("status")
    assert w.table.horizontalHeader().sectionSize(status) >= 90
    # The detail tabs read in full ("WebS..." at 1024 px before).
    bar = w.detail.tabBar()
    for i in range(bar.count()):
        assert bar.tabRect(i).width() >= bar.fontMetrics().horizontalAdvance(bar.tabText(i))
    # Both side panels on screen at once, each large enough to use; Send always in view.
    for dock in (w.reply_dock, w.submit_dock):
        assert dock.isVisible() and not dock.visibleRegion().isEmpty()
        assert dock.width() >= 300 and dock.height() >= 200, (dock.objectName(), dock.size())
    send = w.submit_panel.send
    assert send.isVisible() and w.submit_dock.rect().contains(
        send.mapTo(w.submit_dock, send.rect().bottomRight())
    )
    # No job: the timeline is folded to its title (shown: no emulator here hides it).
    w.timeline_dock.show()
    qtbot.waitUntil(lambda: w.timeline_dock.height() > 0, timeout=TIMEOUT_MS)
    assert w.timeline.folded and w.timeline_dock.height() <= 90
    w.tracker.apply(JobStarted(1.0, request_id="r-1", mode="callback"))
    w.timeline.show_job(w.tracker.get("r-1"))
    qtbot.waitUntil(lambda: w.timeline_dock.height() >= 140, timeout=TIMEOUT_MS)
    assert not w.timeline.folded and w.traffic.height() >= 100
    # A demo's story above the list as well: the window still fits the screen (at 1024 x
    # 700 it grew to 810 px, its bottom off screen, the detail's pages asking their height).
    w.demo_banner.begin(DEMOS[0], 1)
    for n in range(STORY_LINES + 1):
        w.demo_banner.add_step(Step(f"Attempt {n}: the receiver answered 503, a failure", "fail"))
    w.select_exchange(w.model.exchanges()[0].id)
    w.layout().activate()
    QApplication.processEvents()
    assert w.minimumSizeHint().height() <= size[1] and w.height() <= size[1], w.size()


def test_column_widths_and_hidden_columns_are_remembered(qtbot, sized_window, start_engine):
    w = sized_window(1200, 800)
    header = w.table.horizontalHeader()
    status, token = column_index("status"), column_index("dg_token")
    header.resizeSection(status, 177)  # as a drag of its edge does
    w.clear_action.trigger()  # a model reset: Qt's default widths, unless kept
    assert header.sectionSize(status) == 177
    entries = w.traffic.columns.menu_entries(w.traffic.relayout_columns)
    hide = {text: action for text, _checked, action in entries}
    hide["dg-token"]()  # the header's right-click menu
    assert header.isSectionHidden(token) and header.sectionSize(status) == 177
    w.close()  # saves the window's settings
    again = MainWindow(w.engine, w.settings)
    qtbot.addWidget(again)
    again.show()
    header = again.table.horizontalHeader()
    assert header.sectionSize(status) == 177 and header.isSectionHidden(token)


def test_text_that_does_not_fit_is_cut_in_the_middle_and_whole_in_the_tooltip(qtbot, sized_window):
    w = sized_window(1024, 700)
    assert _post(w.engine.receiver_url, "/a/very/long/path/that/ends/in/the/part/that/matters")
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert w.table.textElideMode() is Qt.TextElideMode.ElideMiddle
    for column in COLUMNS:
        cell = w.proxy.index(0, column_index(column.key))
        text, tip = cell.data(), cell.data(Qt.ItemDataRole.ToolTipRole)
        if text:
            assert tip and (text in tip or text.rstrip("…") in tip), (column.key, text, tip)
    # Grouped, the tree's first column holds its branch marks as well as the time.
    w.group_action.trigger()
    header = w.table.header()
    time_width = w.table.fontMetrics().horizontalAdvance("00:00:00.000")
    assert header.sectionSize(0) >= time_width + w.table.indentation()
    assert header.sectionSize(column_index("status")) >= w.table.fontMetrics().horizontalAdvance(
        "4 attempts, gave up"
    )
    node = w.proxy.index(0, 0, QModelIndex())
    assert node.isValid()


def _lightness(image: QImage, x: int, y: int) -> int:
    return QColor(image.pixel(x, y)).lightness()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_field_and_box_stands_out_from_the_window(qtbot, scheme):
    """Issue 14 item 12: in the dark scheme an unchecked box was nearly invisible. Each kind
    of control is drawn and its border (or its field) must differ from the window around."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, scheme)
    try:
        host = QWidget()
        qtbot.addWidget(host)
        host.setAutoFillBackground(True)
        host.resize(300, 200)
        box = QCheckBox("unchecked", host)
        box.move(10, 10)
        field, combo, spin = QLineEdit(host), QComboBox(host), QDoubleSpinBox(host)
        for n, widget in enumerate((field, combo, spin)):
            widget.setGeometry(10, 50 + 40 * n, 200, 28)
        host.show()
        image = host.grab().toImage()
        window = _lightness(image, 295, 195)
        option = QStyleOptionButton()
        option.initFrom(box)
        indicator = (
            box.style()
            .subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
            .translated(box.pos())
        )
        edge = [_lightness(image, indicator.left() + dx, indicator.center().y()) for dx in range(3)]
        assert max(abs(e - window) for e in edge) >= 25, (scheme, edge, window)
        for widget in (field, combo, spin):
            inside = widget.geometry().center()
            border = [_lightness(image, widget.x() + dx, inside.y()) for dx in range(2)]
            fill = _lightness(image, widget.x() + 6, inside.y())
            assert max(abs(b - window) for b in border) >= 20 or abs(fill - window) >= 20, (
                scheme,
                type(widget).__name__,
                border,
                fill,
                window,
            )
        palette = app.palette()
        text = palette.color(QPalette.ColorRole.PlaceholderText).lightness()
        assert abs(text - palette.color(QPalette.ColorRole.Base).lightness()) >= 70
    finally:
        apply_theme(app, "light")
