"""Tooltips, help, about and themes: the parts of the window around the data."""

from __future__ import annotations

from PySide6.QtGui import QPalette
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


def test_every_control_has_a_tooltip(qtbot, start_engine, qsettings):
    engine, _ = start_engine()
    w = MainWindow(engine, qsettings)
    qtbot.addWidget(w)
    missing = []
    for cls in (
        QAbstractButton,
        QLineEdit,
        QComboBox,
        QAbstractSpinBox,
        QPlainTextEdit,
        QAbstractItemView,
    ):
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
