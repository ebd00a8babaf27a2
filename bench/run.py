"""Enclave's speed targets, each a ratio or a limit measured in this run on this machine.

    .venv/bin/python bench/run.py            # the full suite (several minutes), table + JSON
    .venv/bin/python bench/run.py --quick    # small sizes; fails if a figure is past its limit

Writes bench/results.json (or --json PATH). See the README's Performance section.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench import Failed  # noqa: E402

# name: (target, limit for --quick, "higher" or "lower" is better).
#
# The full run's target is what Enclave should reach; the quick limit fails CI on a broken hot
# path, never on a shared 2-core machine's ordinary noise. Where a figure is stable the limit is
# close to it (ratios measured in alternating rounds, median of the rounds); where it is noisy by
# nature it is loose on purpose, and the reason is given. The values in the comments were
# measured on a 2-core VM shared with other work (so, noisier than CI).
TARGETS = {
    # Medians of 5 alternating rounds: 1.07–1.14, 0.96–1.0 and 1.15–1.29 in quick runs on the
    # loaded VM, while single rounds ranged 0.7–1.5 (and one-off sequential runs 0.3–5).
    "decode vs llama-bench tg at the same depth": (0.95, 0.7, "higher"),
    "decode vs raw llama-cpp-python loop": (1.0, 0.75, "higher"),
    "prompt processing vs llama-bench pp": (0.9, 0.6, "higher"),
    # Loose on purpose: how hard a busy neighbour hits depends on what else the machine runs.
    "decode beside a busy process vs idle": (0.5, 0.2, "higher"),
    "GPU decode vs llama-bench tg, same backend": (0.95, 0.5, "higher"),
    "GPU prompt processing vs llama-bench pp, same backend": (0.9, 0.3, "higher"),
    # 0.83–0.87 (median of rounds); single rounds 0.65–1.14. A broken prefill (one token at a
    # time, a prompt evaluated twice) is several times slower.
    "time to first token vs raw loop": (1.1, 1.5, "lower"),
    # Alternating runs through MainWindow.send and straight into the same engine: medians of
    # 0.78–1.12 on the loaded VM (one run of seven under 0.8; single rounds 0.7–1.3), ~0.95
    # expected on an unshared machine. The limit is the one asked for (0.8).
    "decode through the window's send path vs the engine alone": (0.95, 0.8, "higher"),
    # `enclave serve` through the openai SDK (streaming) against the engine in this process,
    # alternating greedy rounds (bench/api_server.py). 0.91–0.96 and -170–+270 ms on the VM
    # while other work loaded it (load 3–4.5 on 2 cores); the quick limits are loose for that.
    "decode through the local API vs the engine in-process": (0.95, 0.7, "higher"),
    "first token over the local API minus in-process (ms)": (20, 400, "lower"),
    # CPU time, so not moved by load: ~0.1 ms per token normally, 0.4 ms with one database write
    # per token (saving after every token), which the ratio above cannot tell from noise (0.86).
    "send path: CPU time per token outside the engine (µs)": (150, 250, "lower"),
    # The 99th percentile of 5 ms timer gaps while the answer streams, not the longest gap: one
    # scheduler hiccup on a shared machine is one gap (up to 0.8 s seen here), a UI thread that
    # is busy is many. ~7 ms on the loaded VM.
    "UI stall while streaming, 99th percentile (ms)": (20, 50, "lower"),
    # Ask cloud… in a conversation with documents: the model thread searches them (loading the
    # embedding model). Longest 5 ms timer gap until the plan arrives: ~50 ms on the loaded VM,
    # against ~1,400 ms for the same preparation on the UI thread (measured in the same run).
    "UI stall while a provider turn with documents is prepared (ms)": (50, 400, "lower"),
    # 0.7–1.5 (an append is ~20 µs, so noise shows); one that redraws the answer or the
    # conversation grows 10× or more.
    "append cost growth with answer length": (2.0, 3.0, "lower"),
    "append cost growth with conversation length": (2.0, 3.0, "lower"),
    # 0.8–1.0 s. Loose on purpose: a fresh process each time, as loaded as the machine is.
    "cold start to window shown (s)": (1.5, 4.0, "lower"),
    # The quick run's history (1,000 conversations, 20,000 messages) is a small part of the
    # full run's, so the full targets are loose here (0.13–0.18 s, 14–39 ms, 72–77 ms quick).
    "open app with history (s)": (1.5, 1.5, "lower"),
    "search p95 (ms)": (100, 100, "lower"),
    "open 2,000-message conversation (ms)": (300, 300, "lower"),
    # Capped by the link: 0.94–1.02.
    "download vs plain GET, 1 Gbit/s link": (0.9, 0.7, "higher"),
    # Loose on purpose: CPU-bound on 2 cores (hashing competes with both ends of the transfer),
    # 0.5–1.17 in one-run quick measurements.
    "download vs plain GET, unlimited loopback": (0.7, 0.3, "higher"),
}
# Measured only where llama.cpp lists a GPU (on a machine with only Mesa's lavapipe, run with
# GGML_VK_VISIBLE_DEVICES=0 from an environment with a Vulkan build, e.g. .venv-dist).
GPU_ROWS = {
    "GPU decode vs llama-bench tg, same backend",
    "GPU prompt processing vs llama-bench pp, same backend",
}


def fresh_runtime(home: Path):
    os.environ["ENCLAVE_HOME"] = str(home)
    from app.core.platform import runtime

    return runtime.start()


def gpu_rows(model, runs: int, values: dict) -> dict:
    """The GPU rows: every layer offloaded, against llama-bench built with the same backend."""
    from app.core.engines import placement
    from bench import engine_speed, llama_bench

    backend = re.match(r"[A-Za-z]+", placement.gpu_devices()[0].name)[0].lower()
    on_gpu = engine_speed.enclave(model, threads=0, runs=max(1, runs // 2))
    reference = llama_bench.measure(
        model,
        threads=max(on_gpu["threads"]),
        backend=backend,
        prompt=on_gpu["pp_prompt_tokens"],
        generate=engine_speed.OPTIONS.max_tokens,
        depth=on_gpu["tg_depth"],
        repetitions=2,
    )
    values["GPU decode vs llama-bench tg, same backend"] = on_gpu["tg"] / reference["tg_at_depth"]
    values["GPU prompt processing vs llama-bench pp, same backend"] = on_gpu["pp"] / reference["pp"]
    print(
        f"GPU {on_gpu['device']}: Enclave tg {on_gpu['tg']:.2f} pp {on_gpu['pp']:.1f}; "
        f"llama-bench ({backend}) tg {reference['tg_at_depth']:.2f} pp {reference['pp']:.1f}"
    )
    return {
        "device": on_gpu["device"],
        "backend": backend,
        "enclave": on_gpu,
        "llama_bench": reference,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--gpu-only",
        action="store_true",
        help="only the GPU rows (written to bench/results-gpu.json)",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    quick = args.quick
    args.json = args.json or ROOT / "bench" / (
        "results-gpu.json" if args.gpu_only else "results.json"
    )

    from PySide6.QtWidgets import QApplication

    from app.core.engines import placement
    from app.core.engines.threads import physical_cores
    from app.core.models.installed import starter_model_path

    app = QApplication.instance() or QApplication([sys.argv[0]])  # noqa: F841
    model = starter_model_path()
    cores = physical_cores()
    runs = 2 if quick else 5
    raw, values = {}, {}
    scratch = Path(tempfile.mkdtemp(prefix="enclave-bench-"))
    if args.gpu_only:
        if not placement.gpu_devices():
            print(f"no GPU that llama.cpp can use: {placement.why_no_gpu()}")
            return 1
        raw["gpu"] = gpu_rows(model, runs, values)
        return report(args, values, raw)

    try:
        summary = measure_all(
            model, quick=quick, cores=cores, runs=runs, raw=raw, values=values, scratch=scratch
        )
    except Failed as exc:  # a number that would mean nothing: no table, a failure
        print(f"FAILED (a measurement did not measure anything): {exc}")
        return 1
    return report(args, values, raw, summary)


def measure_all(
    model, *, quick: bool, cores: int, runs: int, raw: dict, values: dict, scratch: Path
) -> str:
    from app.core.engines import placement
    from app.core.platform import hardware
    from bench import (
        api_server,
        cloud_plan,
        cold_start,
        download,
        engine_speed,
        history,
        llama_bench,
        send_path,
        window,
    )

    # The CPU: Enclave's default (threads chosen per answer) against llama-bench and the plain
    # loop at the same thread counts, idle and beside a busy process, in alternating rounds.
    engine = engine_speed.interleaved(model, rounds=5 if quick else 7)
    ours, threads, busy = engine["enclave"], max(engine["threads"]), engine["beside_busy"]
    raw["engine"] = {"cores": cores, **engine}
    if not quick:  # llama-bench's headline, and before/after: fixed thread counts
        raw["engine"]["llama_bench_best"] = llama_bench.best(
            model,
            cores=cores,
            prompt=engine["pp_prompt_tokens"],
            generate=engine_speed.OPTIONS.max_tokens,
            depth=engine["tg_depth"],
            repetitions=3,
        )
        fixed = {}
        for n in sorted({1, cores}):
            fixed[n] = {"idle": engine_speed.enclave(model, threads=n, runs=runs, gpu_layers=0)}
            with engine_speed.busy_neighbour():
                fixed[n]["busy"] = engine_speed.enclave(model, threads=n, runs=runs, gpu_layers=0)
        raw["engine"]["fixed_threads"] = fixed
    ratios = engine["ratios"]
    values["decode vs llama-bench tg at the same depth"] = ratios["tg_vs_llama_bench"]
    values["decode vs raw llama-cpp-python loop"] = ratios["tg_vs_raw_loop"]
    values["prompt processing vs llama-bench pp"] = ratios["pp_vs_llama_bench"]
    values["time to first token vs raw loop"] = ratios["ttft_vs_raw_loop"]
    values["decode beside a busy process vs idle"] = ratios["busy_vs_idle"]

    if placement.gpu_devices():
        raw["gpu"] = gpu_rows(model, runs, values)

    sent = send_path.measure(
        fresh_runtime(scratch / "send"), runs=7, answer_tokens=engine_speed.OPTIONS.max_tokens
    )
    raw["send_path"] = sent
    values["decode through the window's send path vs the engine alone"] = sent["ratio"]
    values["send path: CPU time per token outside the engine (µs)"] = sent["outside_engine_us"]

    served = api_server.measure(model, scratch, rounds=2 if quick else 5)
    raw["api_server"] = served
    values["decode through the local API vs the engine in-process"] = served["tg_ratio"]
    values["first token over the local API minus in-process (ms)"] = served["ttft_extra_ms"]

    stall = window.streaming_stall(
        fresh_runtime(scratch / "stall"),
        messages=200 if not quick else 60,
        answer_tokens=400 if not quick else 120,
        context_length=None if not quick else 1024,
    )
    growth = window.append_cost(
        messages=200 if not quick else 60, pieces=4000 if not quick else 1000
    )
    planned = cloud_plan.measure(fresh_runtime(scratch / "plan"), scratch / "plan-docs")
    raw["window"] = {"stall": stall, "append": growth, "cloud_plan": planned}
    values["UI stall while a provider turn with documents is prepared (ms)"] = planned[
        "longest_stall_ms"
    ]
    values["UI stall while streaming, 99th percentile (ms)"] = stall["stall_p99_ms"]
    values["append cost growth with answer length"] = growth["growth_with_answer"]
    values["append cost growth with conversation length"] = growth["growth_with_conversation"]

    cold = {
        "without_model": cold_start.measure(scratch / "cold0", with_model=False, runs=3),
        "with_model": cold_start.measure(scratch / "cold1", with_model=True, runs=3),
    }
    raw["cold_start"] = cold
    values["cold start to window shown (s)"] = cold["with_model"]["shown_s"]

    scale = history.measure(
        fresh_runtime(scratch / "history"),
        conversations=10_000 if not quick else 1_000,
        messages=500_000 if not quick else 20_000,
        long_conversation=2_000,
    )
    raw["history"] = scale
    values["open app with history (s)"] = scale["open_app_s"]
    values["search p95 (ms)"] = scale["search_p95_ms"]
    values["open 2,000-message conversation (ms)"] = scale["open_long_conversation_ms"]

    fetched = download.measure(
        model, scratch / "download", runs=3 if not quick else 1, link_bytes_per_s=125e6
    )
    unlimited = download.measure(model, scratch / "download", runs=3 if not quick else 1)
    raw["download"] = {"link_1gbit": fetched, "unlimited": unlimited}
    values["download vs plain GET, 1 Gbit/s link"] = fetched["ratio"]
    values["download vs plain GET, unlimited loopback"] = unlimited["ratio"]

    reference = engine["llama_bench"]
    summary = (
        f"Enclave ({'/'.join(map(str, engine['threads']))} threads) tg {ours['tg']:.1f} tokens/s "
        f"after {engine['tg_depth']} tokens, pp {ours['pp']:.0f}, first token "
        f"{ours['ttft_s']:.2f} s; llama-bench at the same threads tg {reference['tg_at_depth']:.1f}"
        f", pp {reference['pp']:.0f}; the plain loop tg {engine['raw_loop']['tg']:.1f}; beside a "
        f"busy process ({'/'.join(map(str, busy['threads']))} threads) tg {busy['tg']:.1f}\n"
    )
    if "llama_bench_best" in raw["engine"]:
        best = raw["engine"]["llama_bench_best"]
        summary += (
            f"llama-bench (best of 1–{cores} threads): tg {best['tg']:.1f} tokens/s into "
            f"an empty context, {best['tg_at_depth']:.1f} after {best['depth']} tokens, "
            f"pp {best['pp']:.0f}\n"
        )
    for n, fixed in raw["engine"].get("fixed_threads", {}).items():
        summary += (
            f"  fixed {n} thread(s): idle tg {fixed['idle']['tg']:.1f} pp "
            f"{fixed['idle']['pp']:.0f} first token {fixed['idle']['ttft_s']:.2f} s; "
            f"beside a busy process tg {fixed['busy']['tg']:.1f} pp "
            f"{fixed['busy']['pp']:.0f}\n"
        )
    summary += (
        f"send path ({sent['threads']} threads): {sent['window_tg']:.1f} tokens/s through "
        f"the window, {sent['engine_tg']:.1f} from the engine alone; "
        f"{sent['outside_engine_us']:.0f} µs of CPU per token outside the engine\n"
    )
    summary += (
        f"while streaming {stall['answer_tokens']} tokens after a {stall['prompt_tokens']}"
        f"-token prompt: UI stall p99 {stall['stall_p99_ms']:.0f} ms, longest "
        f"{stall['longest_stall_streaming_ms']:.0f} ms ({stall['ticks_streaming']} ticks); "
        f"search found {scale['search_hits_min']}+ conversations each time\n"
    )
    summary += (
        f"Ask cloud… with documents ({planned['passages']} passages, embedding model loaded "
        f"on the model thread in {planned['prepare_s']:.1f} s): longest UI stall "
        f"{planned['longest_stall_ms']:.0f} ms; the same preparation on the UI thread stalls "
        f"it {planned['longest_stall_on_ui_thread_ms']:.0f} ms\n"
    )
    summary += (
        f"idle memory: {cold['without_model']['idle_rss_mb']:.0f} MB without a model, "
        f"{cold['with_model']['idle_rss_mb']:.0f} MB with the starter model loaded; "
        f"list loaded {scale['rows_loaded_in_list']} of {scale['conversations']} "
        f"conversations; {threads} threads on {hardware.usable_cores()} cores\n"
    )
    summary += (
        f"download, unlimited loopback: {unlimited['enclave_mb_s']:.0f} MB/s through "
        f"Enclave (verified), {unlimited['plain_httpx_mb_s']:.0f} MB/s plain GET with the "
        f"same HTTP client, {unlimited['plain_stdlib_mb_s']:.0f} MB/s with http.client; "
        f"{unlimited['bytes'] / 1e6:.0f} MB file"
    )
    return summary


def report(args, values: dict, raw: dict, summary: str = "") -> int:
    """Print the table (and ``summary``), write the JSON; in quick mode, fail on a value past
    its quick limit."""
    from app.core.platform import hardware

    failures, figures = [], {}
    width = max(map(len, values)) if values else 10
    print(f"\n{'measure':<{width}} {'value':>8} {'target':>8} {'met':>4} {'quick limit':>12}")
    for name, value in values.items():
        target, limit, better = TARGETS[name]
        met = value >= target if better == "higher" else value <= target
        within = value >= limit if better == "higher" else value <= limit
        figures[name] = {
            "value": value,
            "target": target,
            "quick_limit": limit,
            "better": better,
            "met": met,
            "within_quick_limit": within,
        }
        sign = "≥" if better == "higher" else "≤"
        print(
            f"{name:<{width}} {value:>8.3g} {sign + format(target, 'g'):>8} "
            f"{'yes' if met else 'NO':>4} {sign + format(limit, 'g'):>12}"
            f"{'' if within else '  ← past the limit'}"
        )
        if not within:
            failures.append(f"{name}: {value:.3g}, quick limit {sign}{limit:g}")
    if summary:
        print("\n" + summary)
    machine = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cores": hardware.usable_cores(),
        "platform": platform.platform(),
    }
    args.json.write_text(
        json.dumps(
            {"quick": args.quick, "machine": machine, "figures": figures, "raw": raw}, indent=2
        )
        + "\n"
    )
    print(f"results: {args.json}")
    if args.quick and failures:
        print("\n".join(["FAILED (a hot path is broken):"] + failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
