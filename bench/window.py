"""Window numbers, measured in this process on an offscreen Qt: UI-thread stalls while an answer
streams at full speed into a long conversation, and whether appending a token gets dearer as the
answer or the conversation grows."""

from __future__ import annotations

import time

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from app.core.store import Message, Store

CODE_REPLY = ("Here is a function:\n\n```python\ndef total(items):\n    result = 0\n"
              "    for item in items:\n        result += item.price * item.quantity\n"
              "    return result\n```\n\nIt adds up **price × quantity** for every item.")


def seed_conversation(store: Store, messages: int) -> int:
    c = store.create_conversation("A long conversation with code")
    for i in range(messages // 2):
        store.add_message(c.id, "user", f"Question {i}: how do I add up a basket of items?")
        store.add_message(c.id, "assistant", CODE_REPLY, model="bench", engine="local")
    return c.id


def run_until(app: QApplication, done, timeout_s: float) -> None:
    loop, poll, end = QEventLoop(), QTimer(interval=20), time.monotonic() + timeout_s
    poll.timeout.connect(lambda: (done() or time.monotonic() > end) and loop.quit())
    poll.start()
    loop.exec()
    poll.stop()


def streaming_stall(rt, *, messages: int, answer_tokens: int) -> dict:
    """Longest gap between 5 ms timer ticks on the UI thread while a real answer streams."""
    from app.ui.main_window import MainWindow

    app = QApplication.instance()
    with Store(rt.paths.database) as store:
        seed_conversation(store, messages)
    rt.settings.max_answer_tokens = answer_tokens
    window = MainWindow(rt)
    window.show()
    run_until(app, window.idle, 60)  # model loaded
    gaps, clock, probe = [], QElapsedTimer(), QTimer(interval=5)

    def tick():
        gaps.append(clock.restart())
    window.input.setPlainText("Write a long answer with a code example about adding up prices.")
    clock.start()
    probe.timeout.connect(tick)
    probe.start()
    window.send()
    run_until(app, window.idle, 300)
    probe.stop()
    answer = window.chat.last_answer_text() or ""
    window.close()
    return {"longest_stall_ms": max(gaps) - 5 if gaps else None, "ticks": len(gaps),
            "answer_chars": len(answer), "conversation_messages": messages}


def append_cost(*, messages: int, pieces: int) -> dict:
    """Mean cost of one streamed append: early vs late in a long answer, short vs long chat."""
    from app.ui.chat_view import ChatView

    def mean_append_us(view, count):
        view.add_message(Message(10**6, 1, "assistant", "", model="b", engine="local",
                                 status="streaming"), streaming=True)
        costs = []
        for i in range(count):
            # Text shaped like an answer: a line break every 15 words, a paragraph every 60.
            # (Qt lays out a paragraph as one unit, so within one endless paragraph the cost
            # would grow with that paragraph's length.)
            piece = f"word{i % 97}" + ("\n\n" if i % 60 == 59 else "\n" if i % 15 == 14 else " ")
            start = time.perf_counter()
            view.append_text(10**6, piece)
            costs.append(time.perf_counter() - start)
        tenth = max(1, count // 10)
        return (sum(costs[:tenth]) / tenth * 1e6, sum(costs[-tenth:]) / tenth * 1e6)

    long_chat = ChatView()
    long_chat.set_messages([Message(i, 1, "user" if i % 2 else "assistant", CODE_REPLY,
                                    model="b", engine="local") for i in range(1, messages + 1)])
    early, late = mean_append_us(long_chat, pieces)
    empty_chat = ChatView()
    short_early, _ = mean_append_us(empty_chat, pieces // 10)
    return {"append_us_early": early, "append_us_late": late,
            "append_us_empty_chat": short_early,
            "growth_with_answer": late / early, "growth_with_conversation": early / short_early}
