"""Light and dark: follow the system unless the user chose one, and tell the window on change."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.core.paths import resources_dir


def apply(app: QApplication, choice: str) -> None:
    """Fusion draws the palette faithfully on every OS; the colour scheme follows ``choice``."""
    app.setStyle("Fusion")
    hints = app.styleHints()
    scheme = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}.get(choice)
    if hasattr(hints, "setColorScheme"):  # Qt 6.8+
        if scheme is None:
            hints.unsetColorScheme()
        else:
            hints.setColorScheme(scheme)
    style_file = resources_dir() / "styles" / "app.qss"
    if style_file.is_file():
        app.setStyleSheet(style_file.read_text(encoding="utf-8"))
