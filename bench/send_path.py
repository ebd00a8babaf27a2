"""Decode speed along the path a user's tokens take, against the engine alone.

The window's send path: ``MainWindow.send`` → the model thread → ``Assistant`` (which saves the
answer as it streams) → the engine, with every batch of text drawn in the window. The reference is
the same engine, loaded the way the app loads it (``EngineHost``, the same settings, threads and
sampling options), streaming the same prompt directly. The two run alternately, so both see the
same machine, and the ratio is the median of the runs' ratios.

A cost paid once per token (a database write, say: about 0.6 ms) moves that ratio by a few
per cent at CPU speeds, less than the noise of a shared machine. So the time the engine's
generator spends suspended while the path handles each token (the assistant's loop, saving,
handing text to the window, and waiting for the GIL the UI thread holds) is timed as well: its
median per token shows such a cost whatever the decode speed.
"""

from __future__ import annotations

import contextlib
import statistics
import threading
import time

from app.core.chat.assistant import Assistant
from app.core.chat.store import Store
from app.core.engines.base import ChatMessage
from bench import Failed
from bench.engine_speed import STORY
from bench.window import Turn, run_until

MIN_TOKENS = 32  # fewer decoded tokens than this say little about a speed


@contextlib.contextmanager
def time_outside_engine():
    """For every answer the local engine streams meanwhile, the CPU time its thread spends
    between handing out a piece of text and being asked for the next one, in seconds: a list
    per answer, in the list yielded. CPU time, not wall time: waiting for the GIL or for a core
    does not count (the speed ratio sees those), work done per token does."""
    from app.core.engines.local import LocalEngine

    answers, original = [], LocalEngine.stream

    def stream(self, *args, **kwargs):
        generation = original(self, *args, **kwargs)
        pieces, outside = generation.pieces, []
        answers.append(outside)

        def timed():
            try:
                for piece in pieces:
                    handed = time.thread_time()
                    yield piece
                    outside.append(time.thread_time() - handed)
            finally:
                pieces.close()

        generation.pieces = timed()
        return generation

    LocalEngine.stream = stream
    try:
        yield answers
    finally:
        LocalEngine.stream = original


def _deciles_us(seconds: list[float]) -> list[float]:
    """The 10th, 20th … 90th percentiles, in microseconds (the 50th is the median)."""
    return [q * 1e6 for q in statistics.quantiles(seconds, n=10)]


def measure(rt, *, runs: int, answer_tokens: int, threads: int | None = None) -> dict:
    """``threads``: for both paths; by default what Enclave would choose now (then kept, so
    that each pair of runs compares the same thread count)."""
    from app.core.engines.threads import ThreadChooser
    from app.ui.chat.main_window import MainWindow

    threads = threads or ThreadChooser().choose()
    rt.settings.threads, rt.settings.max_answer_tokens = threads, answer_tokens
    window = MainWindow(rt)
    store = Store(rt.paths.database)
    direct = Assistant(store, rt.settings, rt.paths)  # loads and configures, nothing more
    rounds = []
    try:
        window.show()
        run_until(window.idle, 120, "loading the model in the window")
        turn = Turn(window)
        model = direct.model_for(None)
        engine, options = direct.host.get(model), direct.options(model)
        system = direct.settings_for(model).system_prompt

        def alone(text):
            with time_outside_engine() as outside:
                g = engine.stream(
                    [ChatMessage("system", system), ChatMessage("user", text)],
                    options=options,
                    cancel=threading.Event(),
                )
                "".join(g)
            if g.stats.completion_tokens < MIN_TOKENS:
                raise Failed(f"the engine alone answered {g.stats.completion_tokens} tokens")
            return g.stats, outside[0]

        def through_window(text):
            window.new_chat()
            window.input.setPlainText(text)
            turn.reset()
            with time_outside_engine() as outside:
                window.send()
                run_until(window.idle, 120, "an answer through the window's send path")
            return turn.checked(MIN_TOKENS).stats, outside[0]

        for run in range(runs):
            text = f"Run {run}. {STORY}"  # a new prompt each run: no answer comes from a cache
            if run % 2:  # alternate which goes first, so a drift in speed favours neither
                (sent, sent_outside), (ref, ref_outside) = through_window(text), alone(text)
            else:
                (ref, ref_outside), (sent, sent_outside) = alone(text), through_window(text)
            if sent.prompt_tokens != ref.prompt_tokens:
                raise Failed(
                    f"not the same prompt: {sent.prompt_tokens} tokens through the "
                    f"window, {ref.prompt_tokens} to the engine alone"
                )
            rounds.append(
                {
                    "engine_tg": ref.tokens_per_s,
                    "window_tg": sent.tokens_per_s,
                    "ratio": sent.tokens_per_s / ref.tokens_per_s,
                    "engine_tokens": ref.completion_tokens,
                    "window_tokens": sent.completion_tokens,
                    "threads": [ref.threads, sent.threads],
                    "window_outside_deciles_us": _deciles_us(sent_outside),
                    "engine_outside_deciles_us": _deciles_us(ref_outside),
                }
            )
    finally:
        direct.close()
        store.close()
        window.close()
    return {
        "ratio": statistics.median(r["ratio"] for r in rounds),
        "outside_engine_us": statistics.median(r["window_outside_deciles_us"][4] for r in rounds),
        "engine_tg": statistics.median(r["engine_tg"] for r in rounds),
        "window_tg": statistics.median(r["window_tg"] for r in rounds),
        "threads": threads,
        "prompt_tokens": ref.prompt_tokens,
        "rounds": rounds,
    }
