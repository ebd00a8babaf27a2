"""Marks for hidden characters on text that arrives in pieces (pure logic)."""

from __future__ import annotations

import pytest

from app.core.privacy.visible_text import StreamReveal, reveal

SAMPLES = [
    "plain text, tabs\tand\nnew lines, Grüße, 日本語, emoji 🙂",
    "erase\x1b[2Kline, up\x1b[1A, osc\x1b]8;;https://x.test/\x1b\\link\x1b]8;;\x1b\\",
    "crlf\r\nalone\rback\x08bidi\u202eoverride\u200bzero\u2066iso\u2069",
    "\r\r\n\r",
]


@pytest.mark.parametrize("text", SAMPLES)
@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_pieces_show_the_same_as_the_whole(text, size):
    stream = StreamReveal()
    shown = "".join(stream.feed(text[i : i + size]) for i in range(0, len(text), size))
    shown += stream.flush()
    whole, marked = reveal(text)
    assert (shown, stream.marked) == (whole, marked)


def test_plain_text_is_unchanged_and_controls_are_marked():
    assert reveal(SAMPLES[0]) == (SAMPLES[0], 0)
    stream = StreamReveal()
    assert stream.feed("a\x1b") + stream.feed("[2Kb\r") + stream.feed("\nc\r") == "a⟨ESC⟩[2Kb\r\nc"
    assert stream.flush() == "⟨CR⟩" and stream.marked == 2
