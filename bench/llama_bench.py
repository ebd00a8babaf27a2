"""llama.cpp's own numbers, for reference: `llama-bench` built from the llama.cpp sources that the
installed llama-cpp-python ships (its sdist, from PyPI), with the same CPU flags as Enclave's build
and, for the GPU row, the same backend, in bench/build/ (kept between runs)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tarfile
from pathlib import Path

BUILD = Path(__file__).resolve().parent / "build"
NO_AMX = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"  # as scripts/install-llama-cpp.sh (cpu)


def _installed_version() -> str:
    from importlib.metadata import version

    return version("llama-cpp-python")


def binary(backend: str = "cpu") -> Path:
    """Path to llama-bench for ``backend`` ("cpu", "vulkan", "cuda", "metal"), building it on
    first use (a few minutes on 2 cores)."""
    version = _installed_version()
    source = BUILD / f"llama_cpp_python-{version}"
    build = source / "vendor" / "llama.cpp" / ("build" if backend == "cpu" else f"build-{backend}")
    exe = build / "bin" / "llama-bench"
    if exe.exists():
        return exe
    BUILD.mkdir(parents=True, exist_ok=True)
    if not source.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"llama-cpp-python=={version}",
                "-d",
                str(BUILD),
            ],
            check=True,
        )
        archive = next(BUILD.glob(f"llama_cpp_python-{version}.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(BUILD, filter="data")
    llama = source / "vendor" / "llama.cpp"
    flags = NO_AMX if platform.machine() in ("x86_64", "AMD64") else ""
    extra = {"cuda": ["-DGGML_CUDA=on"], "metal": ["-DGGML_METAL=on"]}.get(backend, [])
    if backend == "vulkan":
        root = Path(__file__).resolve().parents[1]
        include = subprocess.run(
            [str(root / "scripts" / "vulkan-build-deps.sh")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        extra = ["-DGGML_VULKAN=on"] + ([f"-DVulkan_INCLUDE_DIR={include}"] if include else [])
    jobs = str(os.cpu_count() or 2)
    print(f"building llama-bench {version} for {backend} (once)…", file=sys.stderr)
    subprocess.run(
        [
            "cmake",
            "-S",
            str(llama),
            "-B",
            str(build),
            "-DCMAKE_BUILD_TYPE=Release",
            "-DLLAMA_BUILD_TESTS=OFF",
            "-DLLAMA_BUILD_EXAMPLES=OFF",
            "-DLLAMA_BUILD_SERVER=OFF",
            f"-DCMAKE_C_FLAGS={flags}",
            f"-DCMAKE_CXX_FLAGS={flags}",
            *extra,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        ["cmake", "--build", str(build), "--target", "llama-bench", "-j", jobs],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return exe


def _run(exe: Path, model: Path, threads: int, repetitions: int, *args: str) -> float:
    out = subprocess.run(
        [
            str(exe),
            "-m",
            str(model),
            "-t",
            str(threads),
            "-r",
            str(repetitions),
            "-o",
            "json",
            *args,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(out)[0]["avg_ts"])


def measure(
    model: Path,
    *,
    threads: int,
    prompt: int,
    generate: int,
    depth: int,
    repetitions: int,
    backend: str = "cpu",
    pp_threads: int | None = None,
    empty_context: bool = True,
) -> dict:
    """llama.cpp's speeds, tokens/s: prompt processing (pp, with ``pp_threads`` if given),
    token generation after ``depth`` tokens of prompt (tg_at_depth: what a chat answer does,
    since every answer follows a prompt) and, with ``empty_context``, into an empty context (tg,
    llama-bench's headline figure). ``backend`` "vulkan" offloads every layer to the first
    Vulkan device."""
    exe = binary(backend)
    gpu = ["-ngl", "99"] if backend != "cpu" else ["-ngl", "0"]
    out = {
        "pp": _run(
            exe, model, pp_threads or threads, repetitions, "-p", str(prompt), "-n", "0", *gpu
        ),
        "tg_at_depth": _run(
            exe, model, threads, repetitions, "-p", "0", "-n", str(generate), "-d", str(depth), *gpu
        ),
        "depth": depth,
        "threads": threads,
    }
    if empty_context:
        out["tg"] = _run(exe, model, threads, repetitions, "-p", "0", "-n", str(generate), *gpu)
    return out


def best(model: Path, *, cores: int, **kwargs) -> dict:
    """``measure`` at every thread count from 1 to ``cores``; the best of each figure, and all."""
    runs = {t: measure(model, threads=t, **kwargs) for t in range(1, cores + 1)}
    top = {key: max(r[key] for r in runs.values()) for key in ("pp", "tg", "tg_at_depth")}
    return {
        **top,
        "depth": kwargs["depth"],
        "by_threads": runs,
        "best_threads": {key: max(runs, key=lambda t: runs[t][key]) for key in top},
    }


if __name__ == "__main__":
    from app.core.models.installed import starter_model_path

    print(
        measure(
            starter_model_path(),
            threads=int(sys.argv[1]) if len(sys.argv) > 1 else 1,
            prompt=256,
            generate=64,
            depth=48,
            repetitions=2,
        )
    )
