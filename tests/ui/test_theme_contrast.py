"""Every text colour the app draws on every background it draws it on reads at 4.5:1 or more
(WCAG 2 contrast, the AA level for normal text), in the light and in the dark theme.

The pairs come from the real palettes, the real style sheet (as theme.py fills it in), the
where-badge's tier colours and the chat's message bubbles: a colour changed anywhere is checked."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.core.cloud import providers
from app.ui import theme

MINIMUM = 4.5
ROLE, GROUP = QPalette.ColorRole, QPalette.ColorGroup

# palette(name) in a style sheet, and the role it means.
SHEET_ROLES = {
    "window": ROLE.Window,
    "window-text": ROLE.WindowText,
    "base": ROLE.Base,
    "alternate-base": ROLE.AlternateBase,
    "text": ROLE.Text,
    "button": ROLE.Button,
    "button-text": ROLE.ButtonText,
    "highlight": ROLE.Highlight,
    "highlighted-text": ROLE.HighlightedText,
    "link": ROLE.Link,
    "link-visited": ROLE.LinkVisited,
    "light": ROLE.Light,
    "midlight": ROLE.Midlight,
    "mid": ROLE.Mid,
    "dark": ROLE.Dark,
    "shadow": ROLE.Shadow,
    "bright-text": ROLE.BrightText,
    "tooltip-base": ROLE.ToolTipBase,
    "tooltip-text": ROLE.ToolTipText,
    "placeholder-text": ROLE.PlaceholderText,
}


def luminance(colour: QColor) -> float:
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * linear(colour.redF())
        + 0.7152 * linear(colour.greenF())
        + 0.0722 * linear(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def over(top: QColor, below: QColor) -> QColor:
    """``top`` drawn over ``below``: what the eye sees of a translucent colour."""
    a = top.alphaF()
    return QColor.fromRgbF(
        *(
            t * a + b * (1 - a)
            for t, b in (
                (top.redF(), below.redF()),
                (top.greenF(), below.greenF()),
                (top.blueF(), below.blueF()),
            )
        )
    )


def palette_pairs(p: QPalette) -> dict[str, tuple[QColor, QColor]]:
    """The palette's own text-on-background pairs, as Fusion and the chat draw them."""
    c = p.color
    return {
        "window text on window": (c(ROLE.WindowText), c(ROLE.Window)),
        "text on base": (c(ROLE.Text), c(ROLE.Base)),
        "text on alternate base": (c(ROLE.Text), c(ROLE.AlternateBase)),
        "button text on button": (c(ROLE.ButtonText), c(ROLE.Button)),
        "highlighted text on highlight": (c(ROLE.HighlightedText), c(ROLE.Highlight)),
        "placeholder text on base": (c(ROLE.PlaceholderText), c(ROLE.Base)),
        "placeholder text on alternate base": (c(ROLE.PlaceholderText), c(ROLE.AlternateBase)),
        "placeholder text on window": (c(ROLE.PlaceholderText), c(ROLE.Window)),
        "disabled text on base": (c(GROUP.Disabled, ROLE.Text), c(ROLE.Base)),
        "disabled window text on window": (c(GROUP.Disabled, ROLE.WindowText), c(ROLE.Window)),
        "disabled button text on button": (c(GROUP.Disabled, ROLE.ButtonText), c(ROLE.Button)),
        "tooltip text on tooltip base": (c(ROLE.ToolTipText), c(ROLE.ToolTipBase)),
        "link on base": (c(ROLE.Link), c(ROLE.Base)),
        "link on alternate base": (c(ROLE.Link), c(ROLE.AlternateBase)),
        "visited link on base": (c(ROLE.LinkVisited), c(ROLE.Base)),
    }


def _sheet_colour(value: str, p: QPalette) -> QColor:
    value = value.strip()
    if m := re.fullmatch(r"palette\(([a-z-]+)\)", value):
        return p.color(SHEET_ROLES[m.group(1)])
    if m := re.fullmatch(r"rgba\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*([\d.]+)\s*\)", value):
        r, g, b, a = m.groups()
        return QColor.fromRgbF(int(r) / 255, int(g) / 255, int(b) / 255, float(a))
    colour = QColor(value)
    assert colour.isValid(), f"the style sheet has a colour this test cannot read: {value!r}"
    return colour


def _rules(sheet: str) -> dict[str, dict[str, str]]:
    """Selector -> its properties, later rules over earlier ones, as Qt applies them."""
    sheet = re.sub(r"/\*.*?\*/", "", sheet, flags=re.S)
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", sheet):
        props = {
            k.strip(): v.strip() for k, v in (d.split(":", 1) for d in body.split(";") if ":" in d)
        }
        if "background" in props:
            props.setdefault("background-color", props["background"])
        for selector in selectors.split(","):
            rules.setdefault(selector.strip(), {}).update(props)
    return rules


def _less_specific(selector: str) -> list[str]:
    """The selector, then without attributes and states, then without sub-controls: where a
    property it does not set comes from."""
    plain = re.sub(r"\[[^\]]*\]|(?<!:):(?!:)[a-z-]+", "", selector)
    return [selector, plain, re.sub(r"::[a-z-]+", "", plain)]


def _default_roles(selector: str) -> tuple[QPalette.ColorRole, QPalette.ColorRole]:
    if "QToolTip" in selector:
        return ROLE.ToolTipText, ROLE.ToolTipBase
    if "Button" in selector:
        return ROLE.ButtonText, ROLE.Button
    if re.search(r"Edit|View|Input|SpinBox|ComboBox", selector):
        return ROLE.Text, ROLE.Base
    return ROLE.WindowText, ROLE.Window


def sheet_pairs(sheet: str, p: QPalette) -> dict[str, tuple[QColor, QColor]]:
    """Each style-sheet rule that sets a text or background colour: its text on its background
    (translucent backgrounds over the window they sit on)."""
    rules, pairs = _rules(sheet), {}
    for selector, props in rules.items():
        if "color" not in props and "background-color" not in props:
            continue

        def find(prop: str, selector=selector) -> str | None:
            for candidate in _less_specific(selector):
                if prop in rules.get(candidate, {}):
                    return rules[candidate][prop]
            return None

        text_role, background_role = _default_roles(selector)
        text, background = find("color"), find("background-color")
        back = p.color(background_role) if background is None else _sheet_colour(background, p)
        if back.alpha() == 0:  # transparent: what is behind it shows
            back = p.color(ROLE.Window)
        back = over(back, p.color(ROLE.Window))
        fore = p.color(text_role) if text is None else over(_sheet_colour(text, p), back)
        pairs[f"style sheet {selector}"] = (fore, back)
    return pairs


def bubble_pairs(p: QPalette) -> dict[str, tuple[QColor, QColor]]:
    """The chat's messages: text and links on the colour ChatView gives each speaker."""
    from app.ui.chat.chat_view import ChatView

    view = ChatView()
    try:
        pairs = {
            f"{what} in a {role} message": (p.color(colour_role), view._bubble_colour(role))
            for role in ("user", "assistant")
            for what, colour_role in (("text", ROLE.Text), ("link", ROLE.Link))
        }
        for role in ("user", "assistant"):  # the model's name, footers, the thinking line
            pairs[f"secondary text in a {role} message"] = (
                QColor(view.muted_colour),
                view._bubble_colour(role),
            )
        return pairs
    finally:
        view.deleteLater()


def code_pairs(p: QPalette, dark: bool) -> dict[str, tuple[QColor, QColor]]:
    """A code block in an answer: its language label and Copy link on its own background; code
    in a sentence on its shading; a quotation's muted text on a message."""
    from app.ui.chat.markdown_html import DARK_CODE, LIGHT_CODE

    code = DARK_CODE if dark else LIGHT_CODE
    back = QColor(code.background)
    return {
        "a code block's language label": (QColor(code.muted), back),
        "a code block's Copy link": (QColor(code.link), back),
        "code in a sentence": (p.color(ROLE.Text), back),
        "a quotation in an answer": (QColor(code.muted), p.color(ROLE.Base)),
        "a quotation in a user message": (QColor(code.muted), p.color(ROLE.AlternateBase)),
    }


def too_faint(pairs: dict[str, tuple[QColor, QColor]]) -> list[str]:
    return [
        f"{name}: {fore.name()} on {back.name()} is {contrast(fore, back):.2f}:1"
        for name, (fore, back) in pairs.items()
        if contrast(fore, back) < MINIMUM
    ]


@pytest.fixture
def themed(qapp):
    """Applies a theme for one test and puts the application's look back after it."""
    palette, sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()

    def use(choice: str) -> QPalette:
        theme.apply(qapp, choice)
        return QApplication.palette()

    yield use
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


def test_the_contrast_formula_matches_wcag():
    assert contrast(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert contrast(QColor("#767676"), QColor("white")) == pytest.approx(4.54, abs=0.01)
    assert too_faint({"grey on white": (QColor("#777777"), QColor("white"))}) == [
        "grey on white: #777777 on #ffffff is 4.48:1"
    ]


def test_translucent_backgrounds_and_fallbacks_are_resolved(qapp):
    p = theme.light_palette()
    pairs = sheet_pairs(
        "QLabel#x { background-color: rgba(0, 0, 0, 0.5); }\n"
        'QLabel#b { color: #ffffff; }\nQLabel#b[tier="t"] { background-color: #000000; }',
        p,
    )
    fore, back = pairs["style sheet QLabel#x"]
    assert fore == p.color(ROLE.WindowText)
    assert back.red() == round(p.color(ROLE.Window).red() / 2)  # half-black over the window
    fore, back = pairs['style sheet QLabel#b[tier="t"]']
    assert (fore.name(), back.name()) == ("#ffffff", "#000000")


@pytest.mark.parametrize("choice", ["light", "dark"])
def test_every_text_reads_at_4_5_to_1(themed, choice):
    p = themed(choice)
    dark = choice == "dark"
    assert (p.color(ROLE.Window).lightness() < 128) == dark
    pairs = palette_pairs(p)
    pairs |= sheet_pairs(theme.style_sheet(dark=dark), p)
    pairs |= bubble_pairs(p)
    pairs |= code_pairs(p, dark)
    tiers = [f'style sheet QLabel#whereBadge[tier="{tier}"]' for tier in providers.TIER_COLOURS]
    assert set(tiers) <= set(pairs), "every tier's badge colour is in the style sheet"
    assert "style sheet QLabel#noticeBar" in pairs
    assert not too_faint(pairs), f"too little contrast in the {choice} theme (needs 4.5:1):\n" + (
        "\n".join(too_faint(pairs))
    )


def test_the_answer_header_badge_reads_on_every_tier():
    """ChatView writes an answer's provider in white on the tier's colour."""
    white = QColor("#ffffff")
    pairs = {
        f"white on the {tier} tier": (white, QColor(colour))
        for tier, colour in providers.TIER_COLOURS.items()
    }
    assert not too_faint(pairs), "\n".join(too_faint(pairs))
