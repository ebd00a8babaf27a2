"""The fit estimate, checked against the memory llama.cpp really uses for the starter model."""

from __future__ import annotations

import os
import subprocess
import sys

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

    choices = [choice("Q8_0", int(8.5e9)), choice("Q6_K", int(6.6e9)),
               choice("Q4_K_M", int(4.9e9)), choice("Q3_K_M", int(4.0e9))]
    big_gpu = fit.Machine(64 * GB, 40 * GB, "GPU", 24 * GB)
    assert fit.assess(choices, _shape(), 8192, big_gpu)[1] == "m-Q8_0.gguf"
    cpu = fit.Machine(32 * GB, 20 * GB)
    assert fit.assess(choices, _shape(), 8192, cpu)[1] == "m-Q4_K_M.gguf"
    small = fit.Machine(int(6.5 * GB), 5 * GB)
    assert fit.assess(choices, _shape(), 8192, small)[1] == "m-Q3_K_M.gguf"
    assert fit.assess(choices, _shape(), 8192, fit.Machine(2 * GB, GB))[1] is None


_MEASURE = r"""
import json, sys, threading
from app.core.engines.local import LocalEngine
from app.core.engines.base import ChatMessage, GenerationOptions
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS'):
            return int(line.split()[1]) * 1024
from app.core.engines import llama_lib
llama_lib.load()
before = rss()
engine = LocalEngine(sys.argv[1], context_length=int(sys.argv[2]), gpu_layers=0, threads=1)
for _ in engine.stream([ChatMessage('user', 'hello ' * 300)],
                       options=GenerationOptions(max_tokens=16), cancel=threading.Event()):
    pass
print(json.dumps(rss() - before))
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("context", [1024, 4096])
def test_estimate_matches_memory_used_loading_the_starter_model(starter_model, repo_root,
                                                                context):
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(starter_model), str(context)],
                         cwd=repo_root, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(repo_root)})
    assert out.returncode == 0, out.stderr
    measured = int(out.stdout.strip().splitlines()[-1])
    info = gguf.read(starter_model)
    est = fit.estimate(info.file_size, fit.ModelShape.from_metadata(info.metadata), context)
    print(f"context {context}: estimate {est.total / 1e6:.1f} MB, measured {measured / 1e6:.1f} MB")
    assert 0.85 <= est.total / measured <= 1.25
