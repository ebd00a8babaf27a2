"""Show the characters a screen would hide, so that what a person consents to is what they saw.

A passage from an indexed file can carry terminal escape sequences (``ESC[2K`` erases the line,
``ESC[1A`` moves up, ``\\r`` and backspace overwrite) or Unicode format characters (bidi overrides
reorder text, zero-width characters hide inside words). Printed or drawn as they are, they can hide
part of a payload before the user is asked to send it. ``reveal`` replaces each with a visible mark
such as ``⟨ESC⟩`` or ``⟨U+202E⟩``; it is for display only, the payload that is sent is unchanged.
"""

from __future__ import annotations

import unicodedata

# The usual short names of the C0 controls, so that a mark reads ⟨ESC⟩ rather than ⟨U+001B⟩.
_C0 = (
    "NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK SYN ETB "
    "CAN EM SUB ESC FS GS RS US"
).split()
KEPT = "\n\t"  # line breaks and tabs lay text out; they hide nothing
# Letters and marks that draw as nothing although Unicode does not class them as format
# characters (combining grapheme joiner, Hangul fillers, Khmer inherent vowels).
_BLANK = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0}


def _mark(ch: str) -> str | None:
    code = ord(ch)
    if ch in KEPT:
        return None
    if code < 0x20:
        return f"⟨{_C0[code]}⟩"
    if code == 0x7F:
        return "⟨DEL⟩"
    # Cc: C1 controls (0x80–0x9F, CSI among them); Cf: bidi controls, zero-width characters,
    # soft hyphen, BOM, tag characters; Zl/Zp: line and paragraph separators; Co/Cn: private
    # and unassigned code points, which fonts draw as nothing or as look-alikes.
    if code in _BLANK or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"):
        return f"⟨U+{code:04X}⟩"
    return None


def reveal(text: str) -> tuple[str, int]:
    """``text`` with every control, format or invisible character shown as a mark, and how many
    were marked."""
    out: list[str] = []
    marked = 0
    for i, ch in enumerate(text):
        # CR LF is a Windows line break, not an overwrite: keep it.
        mark = None if ch == "\r" and text[i + 1 : i + 2] == "\n" else _mark(ch)
        if mark is None:
            out.append(ch)
        else:
            out.append(mark)
            marked += 1
    return "".join(out), marked


def reveal_note(marked: int, *, kept: str = "they are sent exactly as they are") -> str:
    """One sentence for the user about the marks, or "" when there were none; ``kept`` says
    what happens to the characters themselves."""
    if not marked:
        return ""
    what = (
        "1 hidden or control character is"
        if marked == 1
        else f"{marked} hidden or control characters are"
    )
    return (
        f"{what} shown as ⟨…⟩ marks (such as ⟨ESC⟩ or ⟨U+202E⟩) so that nothing can hide "
        f"part of the text; {kept}."
    )


class StreamReveal:
    """``reveal`` for text that arrives in pieces (a streamed answer on a terminal). Each mark
    covers one character, so an escape sequence split across two pieces is still marked; only a
    CR at a piece's end waits for the next piece, to keep a CR LF split between them."""

    def __init__(self) -> None:
        self.marked = 0
        self._held = ""

    def feed(self, piece: str) -> str:
        text, self._held = self._held + piece, ""
        if text.endswith("\r"):
            text, self._held = text[:-1], "\r"
        return self._show(text)

    def flush(self) -> str:
        """What was held back, at the end of the stream."""
        text, self._held = self._held, ""
        return self._show(text)

    def _show(self, text: str) -> str:
        shown, marked = reveal(text)
        self.marked += marked
        return shown
