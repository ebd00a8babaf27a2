"""A view of a text for pattern matching, with the way back to the text as written.

Pasted and extracted text hides what a pattern looks for: zero-width spaces and soft hyphens inside
an address, no-break or full-width spaces between digits, full-width letters, decomposed accents,
a line break where a PDF wrapped a name. ``Folded`` is the text in NFKC with invisible (format)
characters dropped, every horizontal space a plain space and every line break ``\\n``; for each of
its characters it keeps the span of the original that produced it, so a match found here is cut out
of the original exactly, and the rest of the text stays as the user wrote it.
"""

from __future__ import annotations

import re
import unicodedata

# Default-ignorable characters outside category Cf: the combining grapheme joiner and the Hangul
# fillers, which render as nothing.
_IGNORABLE = frozenset("\u034f\u115f\u1160\u3164\uffa0")
_PLAIN = re.compile(r"[\x21-\x7e ]+")
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# ASCII needs no Unicode folding: only its control whitespace differs from the folded form.
_ASCII_FOLD = str.maketrans(
    {
        "\r": "\n",
        "\x0b": "\n",
        "\x0c": "\n",
        "\x1c": "\n",
        "\x1d": "\n",
        "\x1e": "\n",
        "\t": " ",
        "\x1f": " ",
    }
)


def invisible(ch: str) -> bool:
    """Format characters (zero-width space and joiners, BOM, soft hyphen, bidi marks) and
    variation selectors: they change nothing a reader sees, so they must not split a match."""
    return (
        unicodedata.category(ch) == "Cf"
        or ch in _IGNORABLE
        or "\ufe00" <= ch <= "\ufe0f"
        or "\U000e0100" <= ch <= "\U000e01ef"
    )


class Folded:
    """``text``: the folded text; ``span(a, b)``: the original span behind ``text[a:b]``."""

    def __init__(self, original: str):
        self.original = original
        if original.isascii():
            self.text = original.translate(_ASCII_FOLD)
            self._starts = self._ends = None
            return
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        i, n = 0, len(original)
        while i < n:
            plain = _PLAIN.match(original, i)
            if plain:
                # Printable ASCII folds to itself; its last character stays for the slow path when
                # a combining mark follows it.
                j = plain.end()
                if j < n and not original[j].isascii():
                    j -= 1
                if j > i:
                    out.append(original[i:j])
                    starts.extend(range(i, j))
                    ends.extend(range(i + 1, j + 1))
                    i = j
                    continue
            ch = original[i]
            if invisible(ch):
                i += 1
                continue
            if ch.isspace():
                out.append("\n" if ch in _LINE_BREAKS else " ")
                starts.append(i)
                ends.append(i + 1)
                i += 1
                continue
            # A base character and the combining marks after it fold together (NFD → NFC);
            # invisible characters among the marks are dropped but stay inside the span.
            j = i + 1
            while j < n:
                k = j
                while k < n and invisible(original[k]):
                    k += 1
                if k == n or not unicodedata.combining(original[k]):
                    break
                j = k + 1
            cluster = "".join(c for c in original[i:j] if not invisible(c))
            for c in unicodedata.normalize("NFKC", cluster):
                out.append(" " if c.isspace() else c)
                starts.append(i)
                ends.append(j)
            i = j
        self.text = "".join(out)
        self._starts, self._ends = starts, ends

    def span(self, a: int, b: int) -> tuple[int, int]:
        if self._starts is None or self._ends is None:
            return a, b
        return self._starts[a], self._ends[b - 1]


def fold(text: str) -> str:
    return Folded(text).text
