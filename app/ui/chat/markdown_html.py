"""Markdown → the HTML subset Qt's rich text understands, safely.

Model output is untrusted text. Raw HTML is shown as text, images are never loaded (they become a
link the user may click), only http(s) and mailto links survive, and code blocks are highlighted
with inline styles, a language label and a Copy link; long code lines wrap inside the block.
Code in a sentence is shaded, a quotation has a bar down its side, and tables get ruled cells,
a shaded header row and the column alignment the Markdown asks for. No Qt here, so it is tested
without a display.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name, guess_lexer
from pygments.util import ClassNotFound

SAFE_SCHEMES = ("http://", "https://", "mailto:")
ACTION_SCHEME = "enclave"
# Icons the chat view draws itself and puts into its document (never loaded from anywhere).
ICON_SCHEME = "enclave-icon"


@dataclass
class Rendered:
    html: str
    code_blocks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CodeStyle:
    pygments_style: str
    background: str
    border: str
    link: str
    muted: str  # the language label: at least 4.5:1 on the background


LIGHT_CODE = CodeStyle("default", "#f4f5f7", "#d8dbe0", "#1a5fb4", "#5f6368")
DARK_CODE = CodeStyle("monokai", "#272822", "#3c3d36", "#78aeed", "#a6a69e")


def _lexer(lang: str, code: str):
    try:
        return get_lexer_by_name(lang) if lang else guess_lexer(code)
    except ClassNotFound:
        return TextLexer()


def _safe_href(href: str) -> str | None:
    href = href.strip()
    return href if href.lower().startswith(SAFE_SCHEMES) else None


class MarkdownRenderer:
    def __init__(self, style: CodeStyle = LIGHT_CODE):
        self.style = style
        self._formatter = HtmlFormatter(nowrap=True, noclasses=True, style=style.pygments_style)
        self._md = MarkdownIt("commonmark", {"html": False, "breaks": True})
        self._md.enable(["table", "strikethrough"])
        # markdown-it binds each rule to its renderer: wrap ours so they keep this object as self.
        for name, rule in (
            ("fence", self._render_code),
            ("code_block", self._render_code),
            ("image", self._render_image),
            ("link_open", self._render_link_open),
            ("link_close", self._render_link_close),
            ("code_inline", self._render_code_inline),
            ("blockquote_open", self._render_quote_open),
            ("blockquote_close", self._render_quote_close),
            ("table_open", self._render_table_open),
            ("th_open", self._render_cell_open),
            ("td_open", self._render_cell_open),
        ):
            self._md.add_render_rule(name, lambda _r, *args, _rule=rule: _rule(*args))
        self._blocks: list[str] = []
        self._links: list[bool] = []
        self._message_id = 0

    def render(self, text: str, *, message_id: int = 0) -> Rendered:
        """Render one message; code blocks are numbered for the Copy links."""
        self._blocks, self._links, self._message_id = [], [], message_id
        body = self._md.render(text)
        return Rendered(body, list(self._blocks))

    # render rules: (tokens, idx, options, env)
    def _render_code(self, tokens, idx, _options, _env):
        token = tokens[idx]
        code = token.content
        lang = (token.info or "").strip().split(" ")[0]
        index = len(self._blocks)
        self._blocks.append(code)
        guessed = _lexer(lang, code) if len(code) < 20_000 else TextLexer()
        body = highlight(code.rstrip("\n"), guessed, self._formatter)
        label = html.escape(lang or getattr(guessed, "name", "text").lower())
        s = self.style
        return (
            f'<table width="100%" cellspacing="0" cellpadding="6" '
            f'style="background-color:{s.background}; border: 1px solid {s.border};">'
            f'<tr><td><span style="font-size:small; color:{s.muted};">{label}</span> &nbsp; '
            f'<a style="color:{s.link}; text-decoration:none;" title="Copy this code" '
            f'href="{ACTION_SCHEME}:copy-code/{self._message_id}/{index}">'
            f'<img src="{ICON_SCHEME}:copy" width="14" height="14" alt="" '
            f'style="vertical-align: middle;"> Copy</a>'
            f'<pre style="margin:0; white-space: pre-wrap;">{body}</pre></td></tr></table>\n'
        )

    def _render_code_inline(self, tokens, idx, _options, _env):
        return (
            f'<code style="background-color: {self.style.background};">'
            f"{html.escape(tokens[idx].content)}</code>"
        )

    # A quotation: a bar down its left side, as a narrow shaded cell beside it (Qt's rich text
    # has no one-sided borders), and its text in the muted colour.
    def _render_quote_open(self, _tokens, _idx, _options, _env):
        s = self.style
        return (
            f'<table cellspacing="0" cellpadding="0" style="margin-top: 4px; margin-bottom: 4px;">'
            f'<tr><td width="3" style="background-color: {s.muted};"></td>'
            f'<td style="padding-left: 10px; color: {s.muted};">\n'
        )

    def _render_quote_close(self, _tokens, _idx, _options, _env):
        return "</td></tr></table>\n"

    def _render_table_open(self, _tokens, _idx, _options, _env):
        # Qt draws a bare <table> without rules; these give every cell a thin border.
        s = self.style
        return (
            f'<table border="1" cellspacing="0" cellpadding="6" '
            f'style="border-collapse: collapse; border-style: solid; border-color: {s.border}; '
            f'margin-top: 6px; margin-bottom: 6px;">\n'
        )

    def _render_cell_open(self, tokens, idx, _options, _env):
        # markdown-it gives a column's alignment as a style; Qt's tables read the align attribute.
        token = tokens[idx]
        align = (token.attrGet("style") or "").removeprefix("text-align:").strip()
        attrs = f' align="{align}"' if align in ("left", "center", "right") else ""
        if token.tag == "th":
            attrs += f' style="background-color: {self.style.background};"'
        return f"<{token.tag}{attrs}>"

    def _render_image(self, tokens, idx, _options, _env):
        token = tokens[idx]
        alt = html.escape(token.content or "image")
        src = token.attrGet("src") or ""
        href = _safe_href(src)
        shown = html.escape(src[:120])
        if href:  # a link the user may choose to open; nothing is fetched to display it
            return f'[image: <a href="{html.escape(href, quote=True)}">{alt}</a>]'
        return f"[image: {alt} — {shown}]"

    def _render_link_open(self, tokens, idx, options, env):
        token = tokens[idx]
        href = _safe_href(token.attrGet("href") or "")
        self._links.append(href is not None)
        if href is None:  # javascript:, file:, data: … shown as plain text
            return "<span>"
        token.attrSet("href", href)
        return self._md.renderer.renderToken(tokens, idx, options, env)

    def _render_link_close(self, _tokens, _idx, _options, _env):
        return "</a>" if (self._links.pop() if self._links else True) else "</span>"
