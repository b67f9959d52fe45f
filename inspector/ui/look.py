"""Look and feel: light/dark palettes that follow the OS, the app icon, fonts.

Fusion style with an explicit palette renders the same on every platform and in offscreen
screenshots; "system" follows the OS colour scheme and its live changes.
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from .. import bundled

ICON_PATH = bundled.app_icon()
THEMES = ("system", "light", "dark")
THEME_ENV = "CALLBACK_INSPECTOR_THEME"  # overrides the saved choice (screenshots, demos)


def app_icon() -> QIcon:
    return QIcon(str(ICON_PATH))


def dark_palette() -> QPalette:
    """Fields (Base) lighter than the window around them: Fusion draws the border of a check
    box, a line edit or a spin box in the window's colour darkened, so over a Base darker
    than the window those borders vanished and an unchecked box could not be seen (issue 14
    item 12). Lighter fields keep every border visible without a style sheet."""
    p = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#181a1f",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#30343b",
        QPalette.ColorRole.AlternateBase: "#363a42",
        QPalette.ColorRole.ToolTipBase: "#30343b",
        QPalette.ColorRole.ToolTipText: "#f0f0f0",
        QPalette.ColorRole.PlaceholderText: "#9aa0a8",
        QPalette.ColorRole.Text: "#e8e8e8",
        QPalette.ColorRole.Button: "#3a3f47",
        QPalette.ColorRole.ButtonText: "#e8e8e8",
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Link: "#6cb6ff",
        QPalette.ColorRole.LinkVisited: "#b392f0",
        QPalette.ColorRole.Highlight: "#2f6fb3",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Light: "#4d535d",
        QPalette.ColorRole.Midlight: "#40454e",
        QPalette.ColorRole.Mid: "#30343b",
        QPalette.ColorRole.Dark: "#15171a",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#80868f"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, QColor("#262a30"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, QColor("#2c3037"))
    return p


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def resolve_theme(choice: str) -> str:
    """ "light" or "dark" for a saved choice, with the environment override first."""
    forced = os.environ.get(THEME_ENV, "").lower()
    if forced in ("light", "dark"):
        return forced
    if choice in ("light", "dark"):
        return choice
    return "dark" if system_is_dark() else "light"


def apply_theme(app: QApplication, choice: str) -> str:
    """Apply the palette for `choice` (system/light/dark); returns "light" or "dark"."""
    app.setStyle("Fusion")
    scheme = resolve_theme(choice)
    palette = dark_palette() if scheme == "dark" else app.style().standardPalette()
    app.setPalette(palette)
    return scheme
