"""What showing a long prompt's reading costs: time to first token of the local engine, which reads
the prompt a batch at a time (checking Stop and reporting progress between batches), against one
llama-cpp-python ``generate`` call that reads the same prompt in one go, on the same loaded model.

    .venv/bin/python -m bench.prompt_reading [--tokens 3000] [--rounds 7]

Both start from an empty KV cache, alternate within each round (so both see the same machine),
and the figure is the median of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from app.core.engines.base import ChatMessage, GenerationOptions
from app.core.engines.local import LocalEngine
from app.core.models.installed import starter_model_path


def long_messages(engine: LocalEngine, tokens: int) -> list[ChatMessage]:
    """A user message of about ``tokens`` prompt tokens (ordinary prose, repeated)."""
    prose = (
        "The lighthouse keeper climbed the stairs each evening, trimmed the wick, and wrote "
        "the weather in a book that nobody read. "
    )
    text = prose * (tokens // 20)
    while engine.count_tokens([ChatMessage("user", text)]) > tokens:
        text = text[: int(len(text) * 0.95)]
    return [ChatMessage("user", text + "\nWhat did the keeper write?")]


def engine_ttft(engine: LocalEngine, messages: list[ChatMessage]) -> tuple[float, int]:
    """Seconds to the first token through the engine, with a progress listener, and reports."""
    reports: list[int] = []
    options = GenerationOptions(
        max_tokens=1, temperature=0.0, on_prompt_progress=lambda done, total: reports.append(done)
    )
    engine._llama.reset()
    start = time.perf_counter()
    generation = engine.stream(messages, options=options, cancel=threading.Event())
    for _ in generation:
        break
    seconds = time.perf_counter() - start
    generation.pieces.close()  # type: ignore[attr-defined]
    return seconds, len(reports)


def single_call_ttft(engine: LocalEngine, messages: list[ChatMessage]) -> float:
    """Seconds to the first token of one ``generate`` call on the same prompt and sampling."""
    llama = engine._llama
    llama.reset()
    start = time.perf_counter()
    prompt = engine._tokenize_prompt(messages)
    tokens = llama.generate(prompt, top_k=40, top_p=0.95, min_p=0.05, temp=0.0, repeat_penalty=1.1)
    next(tokens)
    seconds = time.perf_counter() - start
    tokens.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    path = starter_model_path()
    if path is None:
        raise SystemExit("The starter model is not installed (make install).")
    engine = LocalEngine(path, context_length=args.tokens + 512)
    try:
        messages = long_messages(engine, args.tokens)
        prompt_tokens = engine.count_tokens(messages)
        engine_ttft(engine, messages)  # warm both paths up once
        single_call_ttft(engine, messages)
        rows = []
        for n in range(args.rounds):
            if n % 2:
                single = single_call_ttft(engine, messages)
                chunked, reports = engine_ttft(engine, messages)
            else:
                chunked, reports = engine_ttft(engine, messages)
                single = single_call_ttft(engine, messages)
            rows.append((chunked, single))
            print(
                f"round {n + 1}: batched with progress {chunked:.3f} s ({reports} reports), "
                f"one generate call {single:.3f} s, ratio {chunked / single:.3f}"
            )
        ratio = statistics.median(c / s for c, s in rows)
        print(
            f"{prompt_tokens} prompt tokens, n_batch {engine._llama.n_batch}, "
            f"{engine.threads} threads: median batched {statistics.median(c for c, _ in rows):.3f}"
            f" s, one call {statistics.median(s for _, s in rows):.3f} s, median ratio "
            f"{ratio:.3f} ({(ratio - 1) * 100:+.1f} %)"
        )
    finally:
        engine.close()


if __name__ == "__main__":
    main()
