"""The window's icons: every one ships as a Lucide SVG with its licence, draws in the palette's
text colour in light and dark, sharp at any device pixel ratio, and goes into the bundle."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPalette

from app.ui import icons, theme

REPO = Path(__file__).resolve().parents[2]
ICONS = REPO / "resources" / "icons"


@pytest.fixture
def themed(qapp):
    palette, sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    yield lambda choice: theme.apply(qapp, choice)
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


def opaque_colours(icon: QIcon, *, mode=QIcon.Mode.Normal, scale=1.0) -> set[str]:
    image = icon.pixmap(QSize(24, 24), scale, mode).toImage()
    return {
        image.pixelColor(x, y).name()
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() == 255
    }


def test_every_icon_is_a_shipped_lucide_svg_under_its_licence():
    licence = (ICONS / "LICENSE-lucide.txt").read_text(encoding="utf-8")
    assert licence.startswith("ISC License") and "Lucide Icons and Contributors" in licence
    shipped = {p.stem for p in ICONS.glob("*.svg")} - {"enclave"}  # enclave.svg is the app's own
    assert shipped == set(icons.NAMES.values()), "ship exactly the icons the app names"
    for name in icons.NAMES:
        svg = icons.icon_file(name).read_text(encoding="utf-8")
        assert 'stroke="currentColor"' in svg and 'viewBox="0 0 24 24"' in svg, name


@pytest.mark.parametrize("choice", ["light", "dark"])
def test_icons_draw_in_the_palettes_text_colour(qapp, themed, choice):
    themed(choice)
    text = qapp.palette().color(QPalette.ColorRole.ButtonText).name()
    for name in icons.NAMES:
        assert opaque_colours(icons.icon(name)) == {text}, name
    disabled = qapp.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
    assert opaque_colours(icons.icon("send"), mode=QIcon.Mode.Disabled) == {disabled.name()}
    on_accent = icons.icon("send", QPalette.ColorRole.HighlightedText)
    assert opaque_colours(on_accent) == {"#ffffff"}


def test_an_open_icon_follows_a_theme_change(qapp, themed):
    themed("light")
    send = icons.icon("send")
    light = opaque_colours(send)
    themed("dark")
    assert icons.icon("send") is send  # cached
    assert opaque_colours(send) != light
    assert opaque_colours(send) == {qapp.palette().color(QPalette.ColorRole.ButtonText).name()}


def test_icons_are_drawn_at_the_screens_pixel_ratio(qapp, themed):
    """Rendered at 2x, not scaled up: twice the pixels, and finer edges than a 1x picture."""
    themed("light")
    send = icons.icon("send")
    sharp = send.pixmap(QSize(24, 24), 2.0)
    assert sharp.devicePixelRatio() == 2.0 and sharp.size() == QSize(48, 48)
    blown_up = send.pixmap(QSize(24, 24), 1.0).toImage().scaled(48, 48)
    assert sharp.toImage() != blown_up


def test_an_unknown_icon_name_says_which_exist():
    with pytest.raises(KeyError, match="no icon named 'sned'.*send"):
        icons.icon("sned")


def test_the_bundle_carries_the_icons_and_qt_svg():
    spec = (REPO / "build.spec").read_text(encoding="utf-8")
    assert 'datas = [(str(ROOT / "resources"), "resources")]' in spec
    assert re.search(r"hiddenimports \+= \[[^\]]*\"PySide6\.QtSvg\"", spec)
    excludes = re.search(r"excludes = \[(.*?)\]", spec, re.S).group(1)
    assert "QtSvg" not in excludes
    sys.path.insert(0, str(REPO / "packaging"))
    import bundle_rules

    for kept in (
        "PySide6/Qt/lib/libQt6Svg.so.6",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "resources/icons/send.svg",
    ):
        assert not bundle_rules.DROP.search(kept), kept
