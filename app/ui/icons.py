"""The window's icons: Lucide line icons (resources/icons, ISC licence) in the palette's colours.

Lucide draws every stroke in ``currentColor``. An icon here fills that in from the application
palette each time Qt asks for a picture, so icons follow light and dark (and a theme change while
the window is open) and are rendered at the screen's device pixel ratio: sharp on HiDPI screens.
Disabled icons take the palette's disabled colour; selected ones its highlighted-text colour."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from app.core.platform.paths import resources_dir

# What the app calls each icon, and the Lucide file it is drawn from.
NAMES = {
    "send": "send",
    "stop": "square",
    "regenerate": "rotate-ccw",
    "copy": "copy",
    "edit": "pencil",
    "attach": "paperclip",
    "new": "plus",
    "search": "search",
    "settings": "settings",
    "delete": "trash-2",
    "cloud": "cloud",
    "device": "monitor",
    "cpu": "cpu",
    "privacy": "shield",
    "expand": "chevron-down",
    "done": "check",
    "models": "boxes",
    "documents": "files",
}


def icon_file(name: str):
    """The SVG file behind an icon name; a clear error for a name that has none."""
    if name not in NAMES:
        raise KeyError(f"no icon named {name!r}; the icons are: {', '.join(sorted(NAMES))}")
    return resources_dir() / "icons" / f"{NAMES[name]}.svg"


@cache
def _svg(name: str) -> str:
    return icon_file(name).read_text(encoding="utf-8")


@cache
def _renderer(name: str, colour: str) -> QSvgRenderer:
    svg = _svg(name).replace("currentColor", colour)
    return QSvgRenderer(QByteArray(svg.encode("utf-8")))


class _TintedSvgEngine(QIconEngine):
    """Draws one Lucide icon in a palette role's colour. Used on the UI thread."""

    def __init__(self, name: str, role: QPalette.ColorRole):
        super().__init__()
        self._name, self._role = name, role

    def colour(self, mode: QIcon.Mode) -> QColor:
        palette = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            return palette.color(QPalette.ColorGroup.Disabled, self._role)
        if mode == QIcon.Mode.Selected:
            return palette.color(QPalette.ColorRole.HighlightedText)
        return palette.color(self._role)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        side = min(rect.width(), rect.height())  # square icons, centred in what they are given
        square = QRectF(rect.center() - QPoint(side // 2, side // 2), QSize(side, side))
        _renderer(self._name, self.colour(mode).name()).render(painter, square)

    def scaledPixmap(self, size: QSize, mode, state, scale: float) -> QPixmap:  # noqa: N802
        pixmap = QPixmap(size * scale)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        self.paint(painter, QRect(QPoint(0, 0), pixmap.size()), mode, state)
        painter.end()
        pixmap.setDevicePixelRatio(scale)
        return pixmap

    def pixmap(self, size: QSize, mode, state) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def actualSize(self, size: QSize, mode, state) -> QSize:  # noqa: N802
        return size

    def clone(self) -> QIconEngine:
        return _TintedSvgEngine(self._name, self._role)

    def key(self) -> str:
        return "enclave-tinted-svg"


@cache
def icon(name: str, palette_role: QPalette.ColorRole = QPalette.ColorRole.ButtonText) -> QIcon:
    """The icon ``name`` (see NAMES) in the colour of ``palette_role`` of the application palette:
    ButtonText for buttons (the default), HighlightedText for the primary button, WindowText for
    labels. One QIcon per name and role; it follows the palette when that changes."""
    icon_file(name)  # an unknown name fails here, where it was asked for
    return QIcon(_TintedSvgEngine(name, palette_role))
