"""The fit estimate, checked against the memory llama.cpp really uses for the starter model."""

from __future__ import annotations

import re

import pytest

from app.core.models import fit, gguf
from app.core.models.quant import GgufChoice, RemoteFile

GB = 2**30


def _shape(layers=32, embedding=4096, kv_heads=8):
    return fit.ModelShape(layers, embedding, kv_heads, 128, 128, 128256, 131072)


def test_kv_cache_follows_the_model_shape():
    est = fit.estimate(4_900_000_000, _shape(), 8192)  # Llama 3.1 8B Q4_K_M at 8k context
    assert est.kv_cache == 32 * 8192 * 8 * 256 * 2 == 1 * GB
    assert fit.estimate(4_900_000_000, _shape(), 200_000).context == 131072  # trained limit


def test_labels_for_gpu_partial_cpu_and_too_big():
    est = fit.estimate(int(4.9e9), _shape(), 8192)
    assert fit.check(est, fit.Machine(32 * GB, 20 * GB, "GPU", 24 * GB)).kind == "gpu"
    partial = fit.check(est, fit.Machine(32 * GB, 20 * GB, "GPU", 4 * GB))
    assert partial.kind == "partial" and 0 < partial.gpu_layers < 32
    assert f"{partial.gpu_layers} of 32 layers" in partial.label
    assert fit.check(est, fit.Machine(16 * GB, 12 * GB)).kind == "cpu"
    assert fit.check(est, fit.Machine(4 * GB, 3 * GB)).kind == "too_big"
    assert "Too big" in fit.check(est, fit.Machine(4 * GB, 3 * GB)).label


def test_recommendation_prefers_quality_on_gpu_and_balance_on_cpu():
    def choice(q, size):
        return GgufChoice(f"m-{q}.gguf", q, [RemoteFile(f"m-{q}.gguf", size)])

    choices = [
        choice("Q8_0", int(8.5e9)),
        choice("Q6_K", int(6.6e9)),
        choice("Q4_K_M", int(4.9e9)),
        choice("Q3_K_M", int(4.0e9)),
    ]
    big_gpu = fit.Machine(64 * GB, 40 * GB, "GPU", 24 * GB)
    assert fit.assess(choices, _shape(), 8192, big_gpu)[1] == "m-Q8_0.gguf"
    cpu = fit.Machine(32 * GB, 20 * GB)
    assert fit.assess(choices, _shape(), 8192, cpu)[1] == "m-Q4_K_M.gguf"
    small = fit.Machine(int(6.5 * GB), 5 * GB)
    assert fit.assess(choices, _shape(), 8192, small)[1] == "m-Q3_K_M.gguf"
    assert fit.assess(choices, _shape(), 8192, fit.Machine(2 * GB, GB))[1] is None


# llama.cpp's own account of each buffer it allocates: weights, KV cache, compute, output.
BUFFER = re.compile(r"(\S+)\s+(model|KV|compute|output) buffer size =\s*([\d.]+) MiB")


def allocated_by_llama_cpp(model_path, context: int) -> dict[str, float]:
    """Load ``model_path`` the way the engine does and sum, per kind, the buffers llama.cpp says
    it allocated (bytes)."""
    from app.core.engines import llama_lib

    llama_cpp = llama_lib.load()
    with llama_lib.captured_log(llama_cpp) as lines:
        llama = llama_lib.new_llama(
            llama_cpp,
            model_path=str(model_path),
            n_ctx=context,
            n_gpu_layers=0,
            n_threads=1,
            verbose=False,
        )
    llama.close()
    sizes: dict[str, float] = {}
    for _device, kind, mib in BUFFER.findall("".join(lines)):
        sizes[kind] = sizes.get(kind, 0) + float(mib) * 2**20
    return sizes


@pytest.mark.slow
@pytest.mark.parametrize("context", [1024, 4096, 8192])
def test_estimate_is_within_10_percent_of_what_llama_cpp_allocates(starter_model, context):
    allocated = allocated_by_llama_cpp(starter_model, context)
    assert {"model", "KV", "compute"} <= set(allocated), allocated
    info = gguf.read(starter_model)
    est = fit.estimate(info.file_size, fit.ModelShape.from_metadata(info.metadata), context)
    print(
        f"context {context}: estimate {est.total / 2**20:.1f} MiB (weights "
        f"{est.weights / 2**20:.1f}, KV {est.kv_cache / 2**20:.1f}, compute "
        f"{(est.compute + est.output) / 2**20:.1f}); llama.cpp allocated "
        + ", ".join(f"{k} {v / 2**20:.1f}" for k, v in allocated.items())
    )
    assert 0.9 <= est.total / sum(allocated.values()) <= 1.1
    # Each part on its own, so that two errors cannot cancel out.
    assert est.kv_cache == pytest.approx(allocated["KV"], rel=0.02)
    assert est.compute + est.output == pytest.approx(
        allocated["compute"] + allocated.get("output", 0), rel=0.15
    )
