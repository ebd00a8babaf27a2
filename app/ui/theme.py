"""Light and dark: follow the system unless the user chose one, and follow it when it changes.

Both palettes are Enclave's own, not the platform's, so every text colour on every background it
draws is known and tested for contrast (tests/ui/test_theme_contrast.py). The style sheet
(resources/styles/app.qss) takes its colours from the palette with ``palette(role)``; the few it
cannot express that way are named ``@name`` in the file and filled in here per theme."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.core.cloud import providers
from app.core.platform.paths import resources_dir

_ROLE = QPalette.ColorRole

# One accent for both themes: white text on it reads at 5.2:1.
_ACCENT, _ACCENT_HOVER = "#2563eb", "#1d4ed8"

_LIGHT = {
    _ROLE.Window: "#f4f4f5",  # the sidebar and bars: a shade under the reading column
    _ROLE.WindowText: "#1c1c1f",
    _ROLE.Base: "#ffffff",  # the reading column, inputs and lists
    _ROLE.AlternateBase: "#eef0f4",  # the user's messages
    _ROLE.Text: "#1c1c1f",
    _ROLE.Button: "#ffffff",
    _ROLE.ButtonText: "#1c1c1f",
    _ROLE.ToolTipBase: "#2a2a2e",
    _ROLE.ToolTipText: "#f4f4f5",
    _ROLE.PlaceholderText: "#65656d",
    _ROLE.Highlight: _ACCENT,
    _ROLE.HighlightedText: "#ffffff",
    _ROLE.Link: "#1d4ed8",
    _ROLE.LinkVisited: "#6d28d9",
    _ROLE.BrightText: "#ffffff",
    _ROLE.Light: "#ffffff",
    _ROLE.Midlight: "#e7e7ea",  # hover
    _ROLE.Mid: "#d4d4d8",  # borders
    _ROLE.Dark: "#a1a1aa",
    _ROLE.Shadow: "#71717a",
}

_DARK = {
    _ROLE.Window: "#1b1b1e",
    _ROLE.WindowText: "#e8e8eb",
    _ROLE.Base: "#232327",
    _ROLE.AlternateBase: "#2f3037",
    _ROLE.Text: "#e8e8eb",
    _ROLE.Button: "#2c2c31",
    _ROLE.ButtonText: "#e8e8eb",
    _ROLE.ToolTipBase: "#3a3a40",
    _ROLE.ToolTipText: "#f4f4f5",
    _ROLE.PlaceholderText: "#9e9ea8",
    _ROLE.Highlight: _ACCENT,
    _ROLE.HighlightedText: "#ffffff",
    _ROLE.Link: "#8ab4f8",
    _ROLE.LinkVisited: "#c4a7f5",
    _ROLE.BrightText: "#ffffff",
    _ROLE.Light: "#4a4a52",
    _ROLE.Midlight: "#36363c",
    _ROLE.Mid: "#3f3f46",
    _ROLE.Dark: "#111113",
    _ROLE.Shadow: "#000000",
}

# Disabled text stays readable (4.5:1 on its background); it is told apart by its lighter weight.
_DISABLED_TEXT = {"light": "#6b6b73", "dark": "#9a9aa3"}

# What the style sheet names with @name, per theme.
_SHEET_COLOURS = {
    "light": {"accent_hover": _ACCENT_HOVER, "border_focus": _ACCENT},
    "dark": {"accent_hover": _ACCENT_HOVER, "border_focus": "#5b8def"},
}


def _palette(colours: dict[QPalette.ColorRole, str], disabled_text: str) -> QPalette:
    p = QPalette()
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (_ROLE.Text, _ROLE.WindowText, _ROLE.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled_text))
    return p


def light_palette() -> QPalette:
    return _palette(_LIGHT, _DISABLED_TEXT["light"])


def dark_palette() -> QPalette:
    return _palette(_DARK, _DISABLED_TEXT["dark"])


def wants_dark(app: QApplication, choice: str) -> bool:
    if choice in ("light", "dark"):
        return choice == "dark"
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def style_sheet(*, dark: bool) -> str:
    """app.qss with its @names filled in for the theme, and the where-badge's colour per tier."""
    style_file = resources_dir() / "styles" / "app.qss"
    if not style_file.is_file():
        return ""
    named = _SHEET_COLOURS["dark" if dark else "light"]

    def fill(match: re.Match[str]) -> str:
        try:
            return named[match.group(1)]
        except KeyError:
            raise ValueError(f"{style_file} names an unknown colour @{match.group(1)}") from None

    sheet = re.sub(r"@([a-z_]+)", fill, style_file.read_text(encoding="utf-8"))
    # A badge with no known tier looks like the least trusted one, as providers.tier_colour says.
    tiers = f"QLabel#whereBadge {{ background-color: {providers.tier_colour(None)}; }}\n"
    tiers += "".join(
        f'QLabel#whereBadge[tier="{tier}"] {{ background-color: {colour}; }}\n'
        for tier, colour in providers.TIER_COLOURS.items()
    )
    return sheet + tiers


def apply(app: QApplication, choice: str) -> None:
    """Fusion draws the palette faithfully on every OS; the colours follow ``choice``."""
    dark = wants_dark(app, choice)
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if dark else light_palette())
    app.setStyleSheet(style_sheet(dark=dark))
