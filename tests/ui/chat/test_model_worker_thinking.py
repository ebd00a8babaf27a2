"""The model worker sends thinking and answer text on separate signals, in the order they came."""

from __future__ import annotations

import threading

from app.core.chat.assistant import TurnStart
from app.ui.chat.model_worker import ModelWorker


def test_thinking_and_answer_arrive_apart_and_in_order(qtbot):
    worker = ModelWorker(None, None)
    got = []
    worker.thinking_received.connect(lambda mid, text: got.append(("thinking", mid, text)))
    worker.text_received.connect(lambda mid, text: got.append(("answer", mid, text)))

    def turn(*, cancel, on_saved, on_start, on_piece, on_thinking, on_reading):
        on_start(TurnStart(1, 1, 7, "m", "local"))
        for piece in ("Let ", "me ", "see."):
            on_thinking(piece)
        for piece in ("Yes", ", it is."):
            on_piece(piece)
        return "done"

    assert worker._stream(turn, threading.Event()) == "done"
    thinking = "".join(t for kind, _, t in got if kind == "thinking")
    answer = "".join(t for kind, _, t in got if kind == "answer")
    assert (thinking, answer) == ("Let me see.", "Yes, it is.")
    assert {mid for _, mid, _ in got} == {7}
    kinds = [kind for kind, _, _ in got]
    assert kinds == sorted(kinds, key=("thinking", "answer").index)  # all thinking first
