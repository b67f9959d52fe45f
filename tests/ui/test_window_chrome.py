"""Tooltips, help, about and themes: the parts of the window around the data."""

from __future__ import annotations

import re

from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QListView,
    QMenuBar,
    QPlainTextEdit,
    QTabBar,
    QToolBar,
)

from inspector import __version__
from inspector.ui.look import app_icon, apply_theme
from inspector.ui.main_window import SHORTCUTS, MainWindow

QT_OWN_PARENTS = (QComboBox, QAbstractSpinBox, QTabBar, QMenuBar, QToolBar, QLineEdit)


# The kinds of widget a user operates: each must say what it is (tooltip, accessible name).
CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QPlainTextEdit,
    QAbstractItemView,
)


def test_every_control_has_a_tooltip(qtbot, start_engine, qsettings):
    engine, _ = start_engine()
    w = MainWindow(engine, qsettings)
    qtbot.addWidget(w)
    missing = []
    for cls in CONTROLS:
        for widget in w.findChildren(cls):
            parent = widget.parent()
            if (
                widget.objectName().startswith("qt_")
                or isinstance(parent, QT_OWN_PARENTS)
                or isinstance(widget, QHeaderView | QListView)  # headers, combo pop-ups
            ):
                continue
            if not widget.toolTip():
                missing.append(f"{type(widget).__name__} {getattr(widget, 'text', str)()}")
    assert missing == []


def test_help_lists_shortcuts_and_about_names_the_version(qtbot, start_engine, qsettings):
    engine, _ = start_engine()
    w = MainWindow(engine, qsettings)
    qtbot.addWidget(w)
    w.show_about()
    assert f"Callback Inspector {__version__}" in w.about_box.text()
    w.about_box.close()
    assert ("Ctrl+F", "Filter the traffic list") in SHORTCUTS
    bound = {a.shortcut().toString() for a in w.findChildren(type(w.filter_action))}
    for keys in ("Ctrl+F", "Ctrl+G", "Ctrl+L", "Ctrl+Shift+C", "Ctrl+Return", "F1", "Ctrl+Q"):
        assert keys in bound, keys
    assert not app_icon().isNull()


def test_dark_and_light_palettes_keep_text_readable(qtbot):
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    for theme in ("dark", "light"):
        assert apply_theme(app, theme) == theme
        pal = app.palette()
        for fg, bg in (
            (QPalette.ColorRole.Text, QPalette.ColorRole.Base),
            (QPalette.ColorRole.WindowText, QPalette.ColorRole.Window),
            (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button),
        ):
            contrast = abs(pal.color(fg).lightness() - pal.color(bg).lightness())
            assert contrast > 120, (theme, fg, bg, contrast)
    apply_theme(app, "light")


def test_f1_is_a_table_and_how_callbacks_work_links_into_the_window(qtbot, start_engine, qsettings):
    """Issue 14 item 16: the shortcuts as a two-column table; one help page whose links
    show the part of the window they name."""
    from PySide6.QtCore import QUrl

    from inspector.ui.help import CallbacksHelp, ShortcutsDialog

    engine, _ = start_engine()
    w = MainWindow(engine, qsettings)
    qtbot.addWidget(w)
    w.show()
    f1 = next(a for a in w.findChildren(QAction) if a.shortcut().toString() == "F1")
    f1.trigger()
    dialog = w.shortcuts_dialog
    assert isinstance(dialog, ShortcutsDialog) and dialog.isVisible()
    assert dialog.rows() == list(SHORTCUTS)
    assert dialog.model.columnCount() == 2
    f1.trigger()  # again: the same table in front, not a second one
    assert w.findChildren(ShortcutsDialog) == [dialog]

    how = next(a for a in w.menuBar().findChildren(QAction) if a.text() == "How callbacks work")
    how.trigger()
    page = w.callbacks_help
    assert isinstance(page, CallbacksHelp) and page.isVisible()
    text = page.page.toPlainText()
    for fact in ("request_id", "PUT", "dg-token", "10 times, 30 s apart", "ws(s)", "1011"):
        assert fact in text, fact
    places = set(re.findall(r'href="inspector:([^"]+)"', page.page.toHtml()))
    assert {"submit", "timeline", "reply", "demo/stream-kill"} <= places
    w.timeline_dock.hide()
    page.page.anchorClicked.emit(QUrl("inspector:timeline"))
    assert w.timeline_dock.isVisible()
    page.page.anchorClicked.emit(QUrl("inspector:websocket"))
    assert w.detail.currentIndex() == 3


def test_a_long_status_message_is_elided_before_the_counters(qtbot, start_engine, qsettings):
    """Issue 14 item 10: a long message once ran under the counters, cut mid-letter."""
    engine, _ = start_engine()
    w = MainWindow(engine, qsettings)
    qtbot.addWidget(w)
    w.resize(1024, 700)
    w.show()
    long = "The receiver refused a request: " + "a very long reason " * 30
    w.statusBar().showMessage(long)
    bar = w.statusBar()
    shown = bar.shown_message()
    assert shown.endswith("…") and len(shown) < len(long)
    rect = bar.message_rect()
    assert rect.right() < w.count_label.x() and rect.width() > 200
    assert bar.toolTip() == long and bar.currentMessage() == long


def test_every_control_has_an_accessible_name(qtbot, window_on, tmp_path):
    """What a screen reader reads for each control: its own name, its text, or its label
    (QAccessible's Name), in the window and the dialogs it opens."""
    from PySide6.QtGui import QAccessible
    from PySide6.QtWidgets import QTextEdit

    from inspector.core.settings import ReceiverSettings
    from inspector.engine.engine import EngineSettings
    from tests.ui.test_main_window import _request

    w = window_on(EngineSettings(receiver=ReceiverSettings(port=0), data_dir=tmp_path / "d"))
    _request(w.engine.receiver_url, "POST", "/cb", b'{"request_id":"r"}')
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=15_000)
    row = w.model.exchange(1)
    w.show_shortcuts()
    w.show_callbacks_help()
    w.sessions.show_sessions()
    w.sessions.show_export()
    w.sessions.open_replay(row)
    w.sessions.mark_for_diff(row)
    w.sessions.diff_with_marked(row)
    missing = []
    for cls in (
        *CONTROLS,
        QTextEdit,
    ):
        for widget in w.findChildren(cls):
            if (
                widget.objectName().startswith("qt_")
                or isinstance(widget.parent(), QT_OWN_PARENTS)
                or isinstance(widget, QHeaderView | QListView)
            ):
                continue
            face = QAccessible.queryAccessibleInterface(widget)
            if face is None or not face.text(QAccessible.Text.Name).strip():
                where = type(widget.window()).__name__
                missing.append(f"{type(widget).__name__}: {widget.toolTip()[:60]} in {where}")
    assert missing == []
