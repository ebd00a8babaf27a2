"""Decode speed, prompt processing and time to first token: Enclave's local engine against a plain
llama-cpp-python streaming loop on the same model, threads and sampling settings."""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import threading
import time

from app.core.engines.base import ChatMessage, GenerationOptions
from app.core.engines.local import LocalEngine

OPTIONS = GenerationOptions(max_tokens=128, temperature=0.7, top_p=0.95, top_k=40, min_p=0.05,
                            repeat_penalty=1.1)
STORY = "Write a long, detailed story about a lighthouse keeper and a storm."
# About 500 tokens of prompt, for prompt-processing speed.
LONG = ("Read this passage and summarise it in one sentence.\n\n"
        + "The committee met on Tuesday to review the quarterly budget, the staffing plan, the "
          "new procurement rules and the timetable for the building works. " * 18)


def _messages(nonce: int, text: str) -> list[ChatMessage]:
    # A different first line each run, so no run reuses the previous run's prompt cache.
    return [ChatMessage("system", f"Run {nonce}. You are a helpful assistant."),
            ChatMessage("user", text)]


def enclave(model, *, threads: int, runs: int, gpu_layers: int = -1) -> dict:
    """Enclave's engine; ``threads`` 0 is its default: chosen before each answer."""
    engine = LocalEngine(model, context_length=4096, threads=threads, gpu_layers=gpu_layers)
    decode, ttft, pp, used = [], [], [], []
    try:
        for run in range(runs):
            g = engine.stream(_messages(run, STORY), options=OPTIONS, cancel=threading.Event())
            "".join(g)
            decode.append(g.stats.tokens_per_s or 0.0)
            ttft.append(g.stats.ttft_s or 0.0)
            used.append(g.stats.threads)
            depth = g.stats.prompt_tokens
            g = engine.stream(_messages(1000 + run, LONG),
                              options=GenerationOptions(max_tokens=1), cancel=threading.Event())
            "".join(g)
            pp.append(g.stats.prompt_tokens / g.stats.ttft_s)
            prompt_tokens = g.stats.prompt_tokens
            used.append(g.stats.threads)
        where = engine.placement.label
    finally:
        engine.close()
    return {"tg": statistics.median(decode), "ttft_s": statistics.median(ttft),
            "pp": statistics.median(pp), "pp_prompt_tokens": prompt_tokens, "tg_depth": depth,
            "threads": sorted(set(used)), "device": where}


@contextlib.contextmanager
def busy_neighbour(seconds: float = 900):
    """Another process keeping one core busy (a browser, a build), for at most ``seconds``."""
    # It also stops when the benchmark dies (its parent changes), so none is left spinning.
    spin = subprocess.Popen([sys.executable, "-c", "import os, time\nparent = os.getppid()\n"
                             f"end = time.time() + {seconds}\n"
                             "while time.time() < end and os.getppid() == parent: pass"])
    time.sleep(0.5)  # let the scheduler see it before anything is measured
    try:
        yield
    finally:
        spin.kill()
        spin.wait()


def raw_loop(model, *, threads: int, runs: int, prompt_tokens: int) -> dict:
    """What an app gets from llama-cpp-python's own chat API, streamed. ``prompt_tokens``: the
    long prompt's length, as Enclave counted it (same messages, same chat template)."""
    from app.core.engines import llama_lib

    llama_cpp = llama_lib.load()
    llama = llama_cpp.Llama(model_path=str(model), n_ctx=4096, n_threads=threads,
                            n_threads_batch=threads, verbose=False)
    kwargs = dict(temperature=OPTIONS.temperature, top_p=OPTIONS.top_p, top_k=OPTIONS.top_k,
                  min_p=OPTIONS.min_p, repeat_penalty=OPTIONS.repeat_penalty)
    decode, ttft, pp = [], [], []
    try:
        for run in range(runs):
            messages = [m.as_dict() for m in _messages(run, STORY)]
            start, first, count = time.perf_counter(), None, 0
            for chunk in llama.create_chat_completion(messages, stream=True,
                                                      max_tokens=OPTIONS.max_tokens, **kwargs):
                if chunk["choices"][0]["delta"].get("content"):
                    count += 1
                    if first is None:
                        first = time.perf_counter()
            end = time.perf_counter()
            ttft.append(first - start)
            decode.append((count - 1) / (end - first) if count > 1 else 0.0)
            messages = [m.as_dict() for m in _messages(1000 + run, LONG)]
            start = time.perf_counter()
            for _ in llama.create_chat_completion(messages, stream=True, max_tokens=1, **kwargs):
                break
            pp.append(prompt_tokens / (time.perf_counter() - start))
    finally:
        llama.close()
    return {"tg": statistics.median(decode), "ttft_s": statistics.median(ttft),
            "pp": statistics.median(pp)}
