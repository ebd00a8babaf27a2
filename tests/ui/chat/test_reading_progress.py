"""While the model reads a long message, the answer says how far it got and how long is left,
until its first token; Stop works meanwhile. The view alone, then the window on the real model."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core.chat import reading
from app.core.chat.store import Message, Store
from app.ui.chat.chat_view import ChatView

LONG = "word " * 1100 + "\nSay hello."  # three of the starter model's batches


def _streaming_answer(view: ChatView, mid: int = 2) -> int:
    view.add_message(Message(mid, 1, "assistant", "", model="m"), streaming=True)
    return mid


def test_the_view_shows_reading_with_time_left_and_clears_it(qtbot, monkeypatch):
    view = ChatView()
    qtbot.addWidget(view)
    mid = _streaming_answer(view)
    now = [100.0]
    monkeypatch.setattr(reading.time, "monotonic", lambda: now[0])

    view.show_reading(mid, 0, 1000)
    assert view.reading_line(mid) == "Reading your message… 0 %"  # no pace known yet
    now[0] = 110.0
    view.show_reading(mid, 500, 1000)  # 500 tokens in 10 s: 10 s to go
    assert view.reading_line(mid) == "Reading your message… 50 % · about 10 s left"
    assert "Reading your message… 50 % · about 10 s left" in view.shown_text(mid)
    assert "writing…" not in view.shown_text(mid)

    view.show_reading(mid, 1000, 1000)  # all read: the first token is coming
    assert view.reading_line(mid) == ""
    assert "Reading" not in view.shown_text(mid) and "writing…" in view.shown_text(mid)


def test_the_first_text_or_the_end_clears_the_reading_line(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    mid = _streaming_answer(view)
    view.show_reading(mid, 100, 4000)
    view.append_text(mid, "Hello")
    assert view.reading_line(mid) == "" and "Reading" not in view.shown_text(mid)

    stopped = _streaming_answer(view, 3)
    view.show_reading(stopped, 100, 4000)
    view.finish_message(Message(stopped, 1, "assistant", "", model="m", status="cancelled"))
    assert view.reading_line(stopped) == ""
    assert "Reading" not in view.shown_text(stopped) and "stopped" in view.shown_text(stopped)
    view.show_reading(stopped, 200, 4000)  # late news for a finished answer is ignored
    assert view.reading_line(stopped) == ""


def _send(qtbot, window, text):
    window.input.setPlainText(text)
    qtbot.keyClick(window.input, Qt.Key.Key_Return)


@pytest.fixture
def reading_window(make_window):
    """The window, and what its chat view showed at each reading report (the window itself
    connects the reports to the view; this listener runs after it)."""
    window = make_window(max_answer_tokens=8, temperature=0.0, context_length=2048)
    seen: list[tuple[int, int, int, str]] = []
    window.models.reading_progress.connect(
        lambda mid, done, total: seen.append((mid, done, total, window.chat.reading_line(mid)))
    )
    return window, seen


@pytest.mark.slow
def test_the_window_shows_a_long_message_being_read(qtbot, reading_window, wait_idle):
    window, seen = reading_window
    _send(qtbot, window, LONG)
    wait_idle(window)
    assert seen, "no reading progress reached the window"
    mid, _, total, _ = seen[0]
    assert {s[0] for s in seen} == {mid} and {s[2] for s in seen} == {total}
    done = [s[1] for s in seen]
    assert done == sorted(done) and done[-1] == total
    assert seen[0][3].startswith("Reading your message… 0 %")
    assert seen[-2][3].startswith("Reading your message…") and "left" in seen[-2][3]
    assert window.chat.reading_line(mid) == ""
    assert "Reading" not in window.chat.shown_text(mid)


@pytest.mark.slow
def test_stop_while_reading_leaves_a_stopped_empty_answer(qtbot, reading_window, wait_idle, paths):
    window, seen = reading_window
    window.models.reading_progress.connect(
        lambda mid, done, total: done > 0 and window.stop_button.click()
    )
    _send(qtbot, window, LONG)
    wait_idle(window, timeout=60_000)
    assert [s[1] for s in seen][:2] == [0, 512] and seen[-1][1] < seen[-1][2]
    with Store(paths.database) as store:
        answer = store.messages(window.session.conversation_id)[-1]
    assert (answer.role, answer.content, answer.status) == ("assistant", "", "cancelled")
    assert window.chat.reading_line(answer.id) == ""
    assert "stopped" in window.chat.shown_text(answer.id)
