"""Stop sequences: the answer ends before the first one, and no part of one is ever sent."""

from __future__ import annotations

from app.core.server.stops import StopMatcher


def _run(stops, pieces):
    m = StopMatcher(stops)
    out = [m.feed(p) for p in pieces]
    return "".join(out) + m.flush(), m.stopped, out


def test_no_stops_passes_everything_at_once():
    assert _run([], ["a", "b"]) == ("ab", False, ["a", "b"])


def test_a_stop_split_across_pieces_is_never_sent():
    text, stopped, out = _run(["END"], ["one E", "N", "D two"])
    assert text == "one " and stopped
    assert out == ["one ", "", ""]  # "E" and "EN" were held back, then dropped


def test_held_text_that_was_no_stop_is_sent_later():
    text, stopped, out = _run(["END"], ["an E", "ND", "x"])
    assert stopped and text == "an "
    text, stopped, out = _run(["END"], ["an E", "very"])
    assert not stopped and text == "an Every" and out == ["an ", "Every"]


def test_the_earliest_of_several_stops_wins():
    assert _run(["\n\n", "User:"], ["Hi User: x\n\n"])[:2] == ("Hi ", True)


def test_nothing_after_stopping():
    m = StopMatcher(["."])
    assert m.feed("a.b") == "a" and m.feed("more") == "" and m.flush() == ""
