"""Reading a long prompt shows progress and can be stopped: the local engine on the real starter
model reports tokens read after each batch and checks Stop between batches."""

from __future__ import annotations

import threading

import pytest

from app.core.engines.base import ChatMessage, GenerationOptions

pytestmark = pytest.mark.slow

LONG = [ChatMessage("user", "word " * 1100 + "\nSay hello.")]  # ~1,100 tokens: three batches
SHORT = [ChatMessage("user", "What is the capital of France? Answer in one word.")]


def read(engine, messages, cancel=None, on_progress=None, **options):
    reports: list[tuple[int, int]] = []

    def report(done: int, total: int) -> None:
        reports.append((done, total))
        if on_progress:
            on_progress(done, total)

    options.setdefault("max_tokens", 4)
    options.setdefault("temperature", 0.0)
    generation = engine.stream(
        messages,
        options=GenerationOptions(on_prompt_progress=report, **options),
        cancel=cancel or threading.Event(),
    )
    pieces = list(generation)
    return reports, pieces, generation.stats


@pytest.fixture
def cold(engine):
    """The shared engine with nothing of these prompts in its KV cache."""
    engine._llama.reset()
    return engine


def test_progress_rises_batch_by_batch_to_the_whole_prompt(cold):
    batch = cold._llama.n_batch
    reports, pieces, stats = read(cold, LONG)
    total = stats.prompt_tokens
    assert total > 2 * batch
    assert {t for _, t in reports} == {total}
    done = [d for d, _ in reports]
    assert done == sorted(done) and len(set(done)) == len(done)  # rising, never repeated
    assert done[0] == 0 and done[-1] == total  # from nothing to all of it
    batches = -(-total // batch)
    assert done[1:-1] == [batch * n for n in range(1, batches)]  # after each batch
    assert total - done[-2] <= batch  # the last batch is read by generate, then reported
    assert stats.finish_reason in ("stop", "length")


def test_the_last_report_comes_before_the_first_token(cold):
    from llama_cpp import LlamaGrammar

    events: list[str] = []
    generation = cold.stream(
        LONG,
        options=GenerationOptions(
            max_tokens=3,
            grammar=LlamaGrammar.from_string('root ::= "Hello there"', verbose=False),
            on_prompt_progress=lambda done, total: events.append(f"read {done}/{total}"),
        ),
        cancel=threading.Event(),
    )
    events.extend("text" for _ in generation)
    total = generation.stats.prompt_tokens
    assert events.index(f"read {total}/{total}") < events.index("text")
    assert all(e == "text" for e in events[events.index("text") :])


def test_a_short_prompt_or_a_cached_one_reports_nothing(cold):
    assert read(cold, SHORT)[0] == []
    read(cold, LONG)
    # The same conversation again: all but its last batch is still in the KV cache.
    assert read(cold, LONG)[0] == []


def test_stop_while_reading_ends_after_the_batch_in_progress(cold, monkeypatch):
    decodes: list[int] = []
    real = cold._llama.eval
    monkeypatch.setattr(
        cold._llama, "eval", lambda tokens: decodes.append(len(tokens)) or real(tokens)
    )
    cancel = threading.Event()

    def stop_after_the_first_batch(done: int, total: int) -> None:
        if done > 0:
            cancel.set()  # the user saw progress and pressed Stop

    reports, pieces, stats = read(cold, LONG, cancel, stop_after_the_first_batch, max_tokens=50)
    assert stats.finish_reason == "cancelled"
    assert pieces == [] and stats.completion_tokens == 0
    assert decodes == [cold._llama.n_batch]  # not one more batch after Stop
    assert [d for d, _ in reports] == [0, cold._llama.n_batch]  # and never "all read"
    monkeypatch.undo()
    reports, pieces, stats = read(cold, SHORT, max_tokens=8)
    assert "Paris" in "".join(pieces)  # the engine is left usable
