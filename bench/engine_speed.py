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
from bench import Failed

OPTIONS = GenerationOptions(
    max_tokens=128, temperature=0.7, top_p=0.95, top_k=40, min_p=0.05, repeat_penalty=1.1
)
STORY = "Write a long, detailed story about a lighthouse keeper and a storm."
# About 500 tokens of prompt, for prompt-processing speed.
LONG = (
    "Read this passage and summarise it in one sentence.\n\n"
    + "The committee met on Tuesday to review the quarterly budget, the staffing plan, the "
    "new procurement rules and the timetable for the building works. " * 18
)


def _messages(nonce: int, text: str) -> list[ChatMessage]:
    # A different first line each run, so no run reuses the previous run's prompt cache.
    return [
        ChatMessage("system", f"Run {nonce}. You are a helpful assistant."),
        ChatMessage("user", text),
    ]


def _enclave_run(engine, run: int, *, prompt: bool = True) -> dict:
    """One answer to the story (decode speed, time to first token) and, with ``prompt``, one
    token after the long prompt (prompt processing); run numbers keep prompts apart."""
    g = engine.stream(_messages(run, STORY), options=OPTIONS, cancel=threading.Event())
    "".join(g)
    out = {
        "tg": g.stats.tokens_per_s or 0.0,
        "ttft_s": g.stats.ttft_s or 0.0,
        "tg_threads": g.stats.threads,
        "tg_depth": g.stats.prompt_tokens,
    }
    if prompt:
        g = engine.stream(
            _messages(1000 + run, LONG),
            options=GenerationOptions(max_tokens=1),
            cancel=threading.Event(),
        )
        "".join(g)
        out.update(
            pp=g.stats.prompt_tokens / g.stats.ttft_s,
            pp_threads=g.stats.threads,
            pp_prompt_tokens=g.stats.prompt_tokens,
        )
    return out


def enclave(model, *, threads: int, runs: int, gpu_layers: int = -1) -> dict:
    """Enclave's engine; ``threads`` 0 is its default: chosen before each answer."""
    engine = LocalEngine(model, context_length=4096, threads=threads, gpu_layers=gpu_layers)
    try:
        done = [_enclave_run(engine, run) for run in range(runs)]
        where = engine.placement.label
    finally:
        engine.close()
    return {
        "tg": statistics.median(r["tg"] for r in done),
        "ttft_s": statistics.median(r["ttft_s"] for r in done),
        "pp": statistics.median(r["pp"] for r in done),
        "pp_prompt_tokens": done[-1]["pp_prompt_tokens"],
        "tg_depth": done[-1]["tg_depth"],
        "threads": sorted({r[k] for r in done for k in ("tg_threads", "pp_threads")}),
        "device": where,
    }


@contextlib.contextmanager
def busy_neighbour(seconds: float = 900):
    """Another process keeping one core busy (a browser, a build), for at most ``seconds``."""
    # It also stops when the benchmark dies (its parent changes), so none is left spinning.
    spin = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, time\nparent = os.getppid()\n"
            f"end = time.time() + {seconds}\n"
            "while time.time() < end and os.getppid() == parent: pass",
        ]
    )
    time.sleep(0.5)  # let the scheduler see it before anything is measured
    try:
        yield
    finally:
        spin.kill()
        spin.wait()


class RawLoop:
    """What an app gets from llama-cpp-python's own chat API, streamed: one ``Llama`` per thread
    count asked for, created with that count."""

    def __init__(self, model):
        from app.core.engines import llama_lib

        self._llama_cpp, self._model, self._llamas = llama_lib.load(), model, {}

    def _llama(self, threads: int):
        if threads not in self._llamas:
            self._llamas[threads] = self._llama_cpp.Llama(
                model_path=str(self._model),
                n_ctx=4096,
                n_threads=threads,
                n_threads_batch=threads,
                verbose=False,
            )
        return self._llamas[threads]

    def run(self, run: int, *, tg_threads: int, pp_threads: int, prompt_tokens: int) -> dict:
        """As ``_enclave_run``: the same messages, sampling settings and thread counts.
        ``prompt_tokens``: the long prompt's length, as Enclave counted it (same messages, same
        chat template)."""
        kwargs = dict(
            temperature=OPTIONS.temperature,
            top_p=OPTIONS.top_p,
            top_k=OPTIONS.top_k,
            min_p=OPTIONS.min_p,
            repeat_penalty=OPTIONS.repeat_penalty,
        )
        messages = [m.as_dict() for m in _messages(run, STORY)]
        start, first, count = time.perf_counter(), None, 0
        for chunk in self._llama(tg_threads).create_chat_completion(
            messages, stream=True, max_tokens=OPTIONS.max_tokens, **kwargs
        ):
            if chunk["choices"][0]["delta"].get("content"):
                count += 1
                if first is None:
                    first = time.perf_counter()
        end = time.perf_counter()
        messages = [m.as_dict() for m in _messages(1000 + run, LONG)]
        pp_start = time.perf_counter()
        for _ in self._llama(pp_threads).create_chat_completion(
            messages, stream=True, max_tokens=1, **kwargs
        ):
            break
        if count < 2:
            raise Failed(f"the plain loop answered {count} piece(s) of text: no speed to compare")
        return {
            "tg": (count - 1) / (end - first),
            "ttft_s": first - start,
            "pp": prompt_tokens / (time.perf_counter() - pp_start),
        }

    def close(self) -> None:
        for llama in self._llamas.values():
            llama.close()


def interleaved(model, *, rounds: int) -> dict:
    """Enclave's default engine (threads chosen per answer, CPU) against the plain loop and
    llama-bench at the thread counts Enclave chose, and beside a busy process, taking turns
    round by round: each ratio is taken within a round, where all saw the same machine, and the
    median of the rounds' ratios is reported (a shared machine's speed drifts between rounds by
    more than the differences measured)."""
    from bench import llama_bench

    engine = LocalEngine(model, context_length=4096, threads=0, gpu_layers=0)
    raw, done = RawLoop(model), []
    try:
        for run in range(rounds):
            ours = _enclave_run(engine, run)
            plain = raw.run(
                run,
                tg_threads=ours["tg_threads"],
                pp_threads=ours["pp_threads"],
                prompt_tokens=ours["pp_prompt_tokens"],
            )
            reference = llama_bench.measure(
                model,
                threads=ours["tg_threads"],
                pp_threads=ours["pp_threads"],
                prompt=ours["pp_prompt_tokens"],
                generate=OPTIONS.max_tokens,
                depth=ours["tg_depth"],
                repetitions=1,
                empty_context=False,
            )
            with busy_neighbour():
                busy = _enclave_run(engine, 2000 + run, prompt=False)
            done.append(
                {
                    "enclave": ours,
                    "raw_loop": plain,
                    "llama_bench": reference,
                    "beside_busy": busy,
                    "ratios": {
                        "tg_vs_llama_bench": ours["tg"] / reference["tg_at_depth"],
                        "tg_vs_raw_loop": ours["tg"] / plain["tg"],
                        "pp_vs_llama_bench": ours["pp"] / reference["pp"],
                        "ttft_vs_raw_loop": ours["ttft_s"] / plain["ttft_s"],
                        "busy_vs_idle": busy["tg"] / ours["tg"],
                    },
                }
            )
    finally:
        engine.close()
        raw.close()

    def median(key, part="ratios"):
        return statistics.median(r[part][key] for r in done)

    return {
        "ratios": {k: median(k) for k in done[0]["ratios"]},
        "enclave": {k: median(k, "enclave") for k in ("tg", "pp", "ttft_s")},
        "raw_loop": {k: median(k, "raw_loop") for k in ("tg", "pp", "ttft_s")},
        "llama_bench": {k: median(k, "llama_bench") for k in ("tg_at_depth", "pp")},
        "beside_busy": {
            "tg": median("tg", "beside_busy"),
            "threads": sorted({r["beside_busy"]["tg_threads"] for r in done}),
        },
        "threads": sorted({r["enclave"][k] for r in done for k in ("tg_threads", "pp_threads")}),
        "pp_prompt_tokens": done[0]["enclave"]["pp_prompt_tokens"],
        "tg_depth": done[0]["enclave"]["tg_depth"],
        "rounds": done,
    }
