"""Light and dark: follow the system unless the user chose one, and follow it when it changes."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.core.cloud import providers
from app.core.platform.paths import resources_dir


def dark_palette() -> QPalette:
    """Fusion's palette in dark colours, for systems whose theme does not supply one."""
    p = QPalette()
    roles = QPalette.ColorRole
    window, base, text = QColor(37, 37, 40), QColor(28, 28, 30), QColor(230, 230, 230)
    for role, colour in (
        (roles.Window, window),
        (roles.WindowText, text),
        (roles.Base, base),
        (roles.AlternateBase, QColor(48, 48, 52)),
        (roles.Text, text),
        (roles.Button, QColor(52, 52, 56)),
        (roles.ButtonText, text),
        (roles.ToolTipBase, QColor(60, 60, 64)),
        (roles.ToolTipText, text),
        (roles.PlaceholderText, QColor(150, 150, 150)),
        (roles.Highlight, QColor(53, 132, 228)),
        (roles.HighlightedText, QColor(255, 255, 255)),
        (roles.Link, QColor(120, 174, 237)),
        (roles.BrightText, QColor(255, 90, 90)),
    ):
        p.setColor(role, colour)
    for role in (roles.Text, roles.WindowText, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(128, 128, 128))
    return p


def wants_dark(app: QApplication, choice: str) -> bool:
    if choice in ("light", "dark"):
        return choice == "dark"
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply(app: QApplication, choice: str) -> None:
    """Fusion draws the palette faithfully on every OS; the colours follow ``choice``."""
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if wants_dark(app, choice) else app.style().standardPalette())
    style_file = resources_dir() / "styles" / "app.qss"
    if style_file.is_file():
        tiers = "".join(
            f'QLabel#whereBadge[tier="{tier}"] {{ background-color: {colour}; }}\n'
            for tier, colour in providers.TIER_COLOURS.items()
        )
        app.setStyleSheet(style_file.read_text(encoding="utf-8") + tiers)
