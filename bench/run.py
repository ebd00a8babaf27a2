"""Enclave's speed targets, each a ratio or a limit measured in this run on this machine.

    .venv/bin/python bench/run.py            # the full suite (several minutes), table + JSON
    .venv/bin/python bench/run.py --quick    # small sizes; fails only if a number is wildly off

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

# name: (target, wildly-off limit for --quick, "higher" or "lower" is better)
TARGETS = {
    "decode vs llama-bench tg at the same depth": (0.95, 0.5, "higher"),
    "decode vs raw llama-cpp-python loop": (1.0, 0.6, "higher"),
    "prompt processing vs llama-bench pp": (0.9, 0.3, "higher"),
    "decode beside a busy process vs idle": (0.5, 0.2, "higher"),
    "GPU decode vs llama-bench tg, same backend": (0.95, 0.5, "higher"),
    "GPU prompt processing vs llama-bench pp, same backend": (0.9, 0.3, "higher"),
    "time to first token vs raw loop": (1.1, 3.0, "lower"),
    "longest UI stall while streaming (ms)": (50, 500, "lower"),
    "append cost growth with answer length": (2.0, 10.0, "lower"),
    "append cost growth with conversation length": (2.0, 10.0, "lower"),
    "cold start to window shown (s)": (1.5, 6.0, "lower"),
    "open app with history (s)": (1.5, 6.0, "lower"),
    "search p95 (ms)": (100, 1000, "lower"),
    "open 2,000-message conversation (ms)": (300, 3000, "lower"),
    "download vs plain GET, 1 Gbit/s link": (0.9, 0.5, "higher"),
    "download vs plain GET, unlimited loopback": (0.7, 0.3, "higher"),
}
# Measured only where llama.cpp lists a GPU (on a machine with only Mesa's lavapipe, run with
# GGML_VK_VISIBLE_DEVICES=0 from an environment with a Vulkan build, e.g. .venv-dist).
GPU_ROWS = {"GPU decode vs llama-bench tg, same backend",
            "GPU prompt processing vs llama-bench pp, same backend"}


def fresh_runtime(home: Path):
    os.environ["ENCLAVE_HOME"] = str(home)
    from app.core import runtime

    return runtime.start()


def gpu_rows(model, runs: int, values: dict) -> dict:
    """The GPU rows: every layer offloaded, against llama-bench built with the same backend."""
    from app.core.engines import placement
    from bench import engine_speed, llama_bench

    backend = re.match(r"[A-Za-z]+", placement.gpu_devices()[0].name)[0].lower()
    on_gpu = engine_speed.enclave(model, threads=0, runs=max(1, runs // 2))
    reference = llama_bench.measure(model, threads=max(on_gpu["threads"]), backend=backend,
                                    prompt=on_gpu["pp_prompt_tokens"],
                                    generate=engine_speed.OPTIONS.max_tokens,
                                    depth=on_gpu["tg_depth"], repetitions=2)
    values["GPU decode vs llama-bench tg, same backend"] = \
        on_gpu["tg"] / reference["tg_at_depth"]
    values["GPU prompt processing vs llama-bench pp, same backend"] = \
        on_gpu["pp"] / reference["pp"]
    print(f"GPU {on_gpu['device']}: Enclave tg {on_gpu['tg']:.2f} pp {on_gpu['pp']:.1f}; "
          f"llama-bench ({backend}) tg {reference['tg_at_depth']:.2f} pp {reference['pp']:.1f}")
    return {"device": on_gpu["device"], "backend": backend, "enclave": on_gpu,
            "llama_bench": reference}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--gpu-only", action="store_true",
                        help="only the GPU rows (written to bench/results-gpu.json)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    quick = args.quick
    args.json = args.json or ROOT / "bench" / ("results-gpu.json" if args.gpu_only
                                               else "results.json")

    from PySide6.QtWidgets import QApplication

    from app.core import hardware
    from app.core.engines import placement
    from app.core.engines.threads import physical_cores
    from app.core.models.installed import starter_model_path
    from bench import cold_start, download, engine_speed, history, llama_bench, window

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

    # The CPU: Enclave's default (threads chosen per answer) against llama-bench at its best
    # thread count, idle and beside a busy process.
    ours = engine_speed.enclave(model, threads=0, runs=runs, gpu_layers=0)
    sizes = dict(prompt=ours["pp_prompt_tokens"], generate=engine_speed.OPTIONS.max_tokens,
                 depth=ours["tg_depth"], repetitions=3 if not quick else 2)
    reference = llama_bench.best(model, cores=cores, **sizes)
    threads = max(ours["threads"])
    loop = engine_speed.raw_loop(model, threads=threads, runs=runs,
                                 prompt_tokens=ours["pp_prompt_tokens"])
    with engine_speed.busy_neighbour():
        busy = engine_speed.enclave(model, threads=0, runs=runs, gpu_layers=0)
    raw["engine"] = {"threads": threads, "cores": cores, "llama_bench": reference,
                     "enclave": ours, "enclave_beside_busy": busy, "raw_loop": loop}
    if not quick:  # before/after: fixed thread counts, idle and beside a busy process
        fixed = {}
        for n in sorted({1, cores}):
            fixed[n] = {"idle": engine_speed.enclave(model, threads=n, runs=runs, gpu_layers=0)}
            with engine_speed.busy_neighbour():
                fixed[n]["busy"] = engine_speed.enclave(model, threads=n, runs=runs,
                                                        gpu_layers=0)
        raw["engine"]["fixed_threads"] = fixed
    values["decode vs llama-bench tg at the same depth"] = ours["tg"] / reference["tg_at_depth"]
    values["decode vs raw llama-cpp-python loop"] = ours["tg"] / loop["tg"]
    values["prompt processing vs llama-bench pp"] = ours["pp"] / reference["pp"]
    values["time to first token vs raw loop"] = ours["ttft_s"] / loop["ttft_s"]
    values["decode beside a busy process vs idle"] = busy["tg"] / ours["tg"]

    if placement.gpu_devices():
        raw["gpu"] = gpu_rows(model, runs, values)

    stall = window.streaming_stall(fresh_runtime(scratch / "stall"),
                                   messages=200 if not quick else 60,
                                   answer_tokens=400 if not quick else 120)
    growth = window.append_cost(messages=200 if not quick else 60,
                                pieces=4000 if not quick else 1000)
    raw["window"] = {"stall": stall, "append": growth}
    values["longest UI stall while streaming (ms)"] = stall["longest_stall_ms"]
    values["append cost growth with answer length"] = growth["growth_with_answer"]
    values["append cost growth with conversation length"] = growth["growth_with_conversation"]

    cold = {"without_model": cold_start.measure(scratch / "cold0", with_model=False, runs=3),
            "with_model": cold_start.measure(scratch / "cold1", with_model=True, runs=3)}
    raw["cold_start"] = cold
    values["cold start to window shown (s)"] = cold["with_model"]["shown_s"]

    scale = history.measure(fresh_runtime(scratch / "history"),
                            conversations=10_000 if not quick else 1_000,
                            messages=500_000 if not quick else 20_000,
                            long_conversation=2_000)
    raw["history"] = scale
    values["open app with history (s)"] = scale["open_app_s"]
    values["search p95 (ms)"] = scale["search_p95_ms"]
    values["open 2,000-message conversation (ms)"] = scale["open_long_conversation_ms"]

    fetched = download.measure(model, scratch / "download", runs=3 if not quick else 1,
                               link_bytes_per_s=125e6)
    unlimited = download.measure(model, scratch / "download", runs=3 if not quick else 1)
    raw["download"] = {"link_1gbit": fetched, "unlimited": unlimited}
    values["download vs plain GET, 1 Gbit/s link"] = fetched["ratio"]
    values["download vs plain GET, unlimited loopback"] = unlimited["ratio"]

    summary = (
        f"llama-bench (best of 1–{cores} threads): tg {reference['tg']:.1f} tokens/s into an "
        f"empty context, {reference['tg_at_depth']:.1f} after {reference['depth']} tokens, pp "
        f"{reference['pp']:.0f}; Enclave ({threads} threads) tg {ours['tg']:.1f}, pp "
        f"{ours['pp']:.0f}; beside a busy process ({max(busy['threads'])} threads) tg "
        f"{busy['tg']:.1f}, pp {busy['pp']:.0f}\n")
    for n, fixed in raw["engine"].get("fixed_threads", {}).items():
        summary += (f"  fixed {n} thread(s): idle tg {fixed['idle']['tg']:.1f} pp "
                    f"{fixed['idle']['pp']:.0f} first token {fixed['idle']['ttft_s']:.2f} s; "
                    f"beside a busy process tg {fixed['busy']['tg']:.1f} pp "
                    f"{fixed['busy']['pp']:.0f}\n")
    summary += (f"idle memory: {cold['without_model']['idle_rss_mb']:.0f} MB without a model, "
                f"{cold['with_model']['idle_rss_mb']:.0f} MB with the starter model loaded; "
                f"list loaded {scale['rows_loaded_in_list']} of {scale['conversations']} "
                f"conversations; {threads} threads on {hardware.usable_cores()} cores\n")
    summary += (f"download, unlimited loopback: {unlimited['enclave_mb_s']:.0f} MB/s through "
                f"Enclave (verified), {unlimited['plain_httpx_mb_s']:.0f} MB/s plain GET with the "
                f"same HTTP client, {unlimited['plain_stdlib_mb_s']:.0f} MB/s with http.client; "
                f"{unlimited['bytes'] / 1e6:.0f} MB file")
    return report(args, values, raw, summary)


def report(args, values: dict, raw: dict, summary: str = "") -> int:
    """Print the table (and ``summary``), write the JSON; in quick mode, fail on a wild value."""
    from app.core import hardware

    failures, figures = [], {}
    print(f"\n{'measure':<46} {'value':>10} {'target':>10}  {'met':>4}")
    for name, value in values.items():
        target, wild, better = TARGETS[name]
        met = value >= target if better == "higher" else value <= target
        off = value < wild if better == "higher" else value > wild
        figures[name] = {"value": value, "target": target, "better": better, "met": met}
        sign = "≥" if better == "higher" else "≤"
        print(f"{name:<46} {value:>10.3g} {sign + format(target, 'g'):>10}  "
              f"{'yes' if met else 'NO':>4}")
        if off:
            failures.append(f"{name}: {value:.3g} is wildly off (limit {wild})")
    if summary:
        print("\n" + summary)
    machine = {"python": platform.python_version(), "machine": platform.machine(),
               "cores": hardware.usable_cores(), "platform": platform.platform()}
    args.json.write_text(json.dumps({"quick": args.quick, "machine": machine, "figures": figures,
                                     "raw": raw}, indent=2) + "\n")
    print(f"results: {args.json}")
    if args.quick and failures:
        print("\n".join(["FAILED (a hot path is broken):"] + failures))
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())
