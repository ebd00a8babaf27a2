"""Cut a document's sections into passages small enough to put several into a prompt.

Passages end at a paragraph, else a sentence, else a space, and overlap a little so a sentence cut
at one end is whole in the next. Each keeps its section's page or heading and its character range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.documents.formats import Section

CHUNK_CHARS = 1000  # ~250 tokens: six passages fit a 4k context with room for the answer
OVERLAP_CHARS = 150

_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"[.!?。][\"')\]]?\s"), re.compile(r"\s"))


@dataclass
class Chunk:
    text: str
    start: int  # character range in the file's text (in its page, for a PDF)
    end: int
    page: int | None = None
    heading: str | None = None


def chunk_sections(
    sections: list[Section], *, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS
) -> list[Chunk]:
    return [c for s in sections for c in _chunk(s, size, overlap)]


def _chunk(section: Section, size: int, overlap: int) -> list[Chunk]:
    text, chunks, start = section.text, [], 0
    while start < len(text):
        while start < len(text) and text[start].isspace():
            start += 1
        if start >= len(text):
            break
        end = len(text) if len(text) - start <= size else _break(text, start, size)
        body = text[start:end].rstrip()
        if body:
            chunks.append(
                Chunk(
                    body,
                    section.offset + start,
                    section.offset + start + len(body),
                    section.page,
                    section.heading,
                )
            )
        if end >= len(text):
            break
        back = text.rfind(" ", start, max(start + 1, end - overlap))  # restart on a word
        start = back + 1 if back > start and end - back <= overlap * 2 else end
    return chunks


def _break(text: str, start: int, size: int) -> int:
    """The best place to end a passage beginning at ``start``: late, and at a natural pause."""
    window = text[start + size // 2 : start + size]
    for pattern in _BREAKS:
        last = None
        for last in pattern.finditer(window):  # noqa: B007 (the loop finds the last match)
            pass
        if last is not None:
            return start + size // 2 + last.end()
    return start + size
