"""Window numbers, measured in this process on an offscreen Qt: UI-thread stalls while an answer
streams at full speed into a long conversation, and whether appending a token gets dearer as the
answer or the conversation grows. Also the helpers every window measurement uses: waiting with a
deadline, and checking that an answer really streamed."""

from __future__ import annotations

import statistics
import time

from PySide6.QtCore import QEventLoop, QObject, QTimer, Slot

from app.core.chat.store import Message, Store
from bench import Failed

CODE_REPLY = (
    "Here is a function:\n\n```python\ndef total(items):\n    result = 0\n"
    "    for item in items:\n        result += item.price * item.quantity\n"
    "    return result\n```\n\nIt adds up **price × quantity** for every item."
)
TICK_MS = 5  # the probe timer's interval: a gap longer than this is time the UI thread was busy


def run_until(done, timeout_s: float, what: str) -> None:
    """Run the Qt event loop until ``done()``; raise Failed naming ``what`` after ``timeout_s``."""
    if done():
        return
    loop, poll, end = QEventLoop(), QTimer(interval=20), time.monotonic() + timeout_s
    poll.timeout.connect(lambda: (done() or time.monotonic() > end) and loop.quit())
    poll.start()
    loop.exec()
    poll.stop()
    if not done():
        raise Failed(f"{what}: not done after {timeout_s:g} s")


def drain_events() -> None:
    """Let the event loop run everything queued so far, including work queued by that work
    (zero-timers, deferred layout, paints): a zero-timer round trip, twice."""
    for _ in range(2):
        loop = QEventLoop()
        QTimer.singleShot(0, loop.quit)
        loop.exec()


def seed_conversation(store: Store, messages: int) -> int:
    c = store.create_conversation("A long conversation with code")
    for i in range(messages // 2):
        store.add_message(c.id, "user", f"Question {i}: how do I add up a basket of items?")
        store.add_message(c.id, "assistant", CODE_REPLY, model="bench", engine="local")
    return c.id


class Turn(QObject):
    """One answer as the window's UI thread received it from the model thread."""

    def __init__(self, window):
        super().__init__(window)
        models = window.models  # the model thread's results, relayed on the UI thread
        models.text_received.connect(self._on_text)
        models.turn_finished.connect(self._on_finished)
        models.turn_failed.connect(self._on_failed)
        self.reset()

    def reset(self) -> None:
        self.first_text_at = self.finished_at = self.result = self.error = None
        self.chars = self.batches = 0

    @Slot(int, str)
    def _on_text(self, message_id: int, text: str) -> None:
        if self.first_text_at is None:
            self.first_text_at = time.perf_counter()
        self.chars += len(text)
        self.batches += 1

    @Slot(object)
    def _on_finished(self, result) -> None:
        self.result, self.finished_at = result, time.perf_counter()

    @Slot(object, str)
    def _on_failed(self, conversation_id, message: str) -> None:
        self.error = message

    def checked(self, min_tokens: int):
        """The TurnResult, once sure the answer streamed into the window: at least
        ``min_tokens`` tokens counted, every character of it received by the UI thread."""
        if self.error or self.result is None:
            raise Failed(f"the window did not answer: {self.error or 'no result'}")
        tokens = self.result.stats.completion_tokens
        if tokens < min_tokens or not self.result.text.strip():
            raise Failed(
                f"the answer was {tokens} tokens ({len(self.result.text)} characters); "
                f"at least {min_tokens} are needed to measure anything"
            )
        if self.chars != len(self.result.text) or self.batches < 2:
            raise Failed(
                f"the window received {self.chars} of the answer's "
                f"{len(self.result.text)} characters in {self.batches} batch(es)"
            )
        return self.result


def streaming_stall(
    rt, *, messages: int, answer_tokens: int, context_length: int | None = None
) -> dict:
    """UI-thread stalls while a real answer streams: gaps between 5 ms timer ticks.

    The figure is the 99th percentile of the gaps from the first streamed text to the end of the
    turn (the Markdown render of the finished answer included): a busy UI thread shows up as
    many long gaps, while one scheduler hiccup on a shared machine is a single gap and does not
    move it. The longest gap is kept alongside. ``context_length``: a smaller context makes the
    model read less of the conversation first (the window still shows all of it)."""
    from app.ui.chat.main_window import MainWindow

    with Store(rt.paths.database) as store:
        seed_conversation(store, messages)
    rt.settings.max_answer_tokens = answer_tokens
    rt.settings.context_length = context_length or rt.settings.context_length
    window = MainWindow(rt)
    try:
        window.show()
        run_until(window.idle, 120, "loading the model in the window")
        turn, ticks, probe = Turn(window), [], QTimer(interval=TICK_MS)
        last = [0.0]

        def tick():
            now = time.perf_counter()
            ticks.append((now, (now - last[0]) * 1000))
            last[0] = now

        probe.timeout.connect(tick)
        window.input.setPlainText("Write a long answer with a code example about adding up prices.")
        started = last[0] = time.perf_counter()
        probe.start()
        window.send()
        run_until(window.idle, 300, "an answer streaming into the long conversation")
        probe.stop()
        result = turn.checked(min_tokens=min(32, answer_tokens // 4))
    finally:
        window.close()
    streaming = [gap for at, gap in ticks if at >= turn.first_text_at]
    if len(streaming) < 20:
        raise Failed(
            f"only {len(streaming)} timer ticks while the answer streamed: the UI "
            f"thread never ran its timers"
        )
    return {
        "stall_p99_ms": statistics.quantiles(streaming, n=100)[98] - TICK_MS,
        "longest_stall_streaming_ms": max(streaming) - TICK_MS,
        "longest_stall_ms": max(gap for _, gap in ticks) - TICK_MS,
        "ticks": len(ticks),
        "ticks_streaming": len(streaming),
        "prefill_s": turn.first_text_at - started,
        "streaming_s": turn.finished_at - turn.first_text_at,
        "answer_chars": len(result.text),
        "answer_tokens": result.stats.completion_tokens,
        "prompt_tokens": result.stats.prompt_tokens,
        "conversation_messages": messages,
    }


def append_cost(*, messages: int, pieces: int) -> dict:
    """Mean cost of one streamed append: early vs late in a long answer, short vs long chat."""
    from app.ui.chat.chat_view import ChatView

    def mean_append_us(view, count):
        view.add_message(
            Message(10**6, 1, "assistant", "", model="b", engine="local", status="streaming"),
            streaming=True,
        )
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
    long_chat.set_messages(
        [
            Message(i, 1, "user" if i % 2 else "assistant", CODE_REPLY, model="b", engine="local")
            for i in range(1, messages + 1)
        ]
    )
    early, late = mean_append_us(long_chat, pieces)
    empty_chat = ChatView()
    short_early, _ = mean_append_us(empty_chat, pieces // 10)
    return {
        "append_us_early": early,
        "append_us_late": late,
        "append_us_empty_chat": short_early,
        "growth_with_answer": late / early,
        "growth_with_conversation": early / short_early,
    }
