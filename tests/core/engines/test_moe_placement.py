"""Where a mixture-of-experts model runs on a GPU smaller than the model: every layer on the GPU,
the experts of the first blocks in system RAM (llama.cpp's --n-cpu-moe), and the engine asking
llama.cpp for exactly that. The GPU is simulated in the placement logic only (there is none here);
the tensor override itself is checked on the real llama.cpp with the starter model."""

from __future__ import annotations

import re

import moe_gguf
import pytest

from app.core.engines import llama_lib, local, placement, tensor_overrides
from app.core.engines.placement import GpuDevice, OutOfDeviceMemory, Placement
from app.core.models import fit, gguf

GB = 2**30


def gpu(free_gb: float) -> GpuDevice:
    return GpuDevice("CUDA0", "GeForce RTX 4060 Laptop GPU", int(free_gb * GB), 8 * GB)


@pytest.fixture(scope="module")
def gpt_oss(tmp_path_factory):
    path = moe_gguf.write(tmp_path_factory.mktemp("moe") / "gpt-oss-20b.gguf", "gpt-oss-20b")
    return placement.context_and_need(gguf.read(path), 4096)[1]


def test_a_moe_model_keeps_every_layer_on_the_gpu_and_some_experts_in_ram(gpt_oss):
    where = placement.plan(gpt_oss, gpu_layers=-1, devices=[gpu(8)])
    label = fit.check(gpt_oss, fit.Machine(64 * GB, 48 * GB, "GPU", 8 * GB))
    assert label.kind == "experts_in_ram"
    assert where.layers_on_gpu == where.total_layers == 25  # 24 blocks + the output layer
    assert where.experts_in_ram == label.ram_expert_blocks == tuple(range(14))
    assert (
        where.label
        == "CUDA0 · GeForce RTX 4060 Laptop GPU · 25/25 layers · experts of 14/24 blocks in RAM"
    )
    assert "experts of 14 of 24 blocks stay in system RAM" in where.reason
    assert where.as_dict()["experts_in_ram"] == {"blocks": 14, "of": 24}


def test_the_override_names_exactly_the_expert_tensors_of_those_blocks(gpt_oss):
    pattern = re.compile(placement.plan(gpt_oss, gpu_layers=-1, devices=[gpu(8)]).expert_override)
    kept = [
        f"blk.{b}.ffn_{m}_exps.{w}"
        for b in (0, 1, 10, 13)
        for m in ("gate", "up", "down")
        for w in ("weight", "bias")
    ]
    assert all(pattern.search(name) for name in kept)
    others = [
        "blk.14.ffn_up_exps.weight",
        "blk.23.ffn_down_exps.weight",
        "blk.1.attn_q.weight",
        "blk.1.ffn_gate_inp.weight",
        "blk.1.ffn_up_shexp.weight",
        "output.weight",
        "token_embd.weight",
    ]
    assert not any(pattern.search(name) for name in others)


def test_a_gpu_that_holds_only_the_rest_keeps_all_experts_in_ram_with_llama_cpps_own_pattern(
    gpt_oss,
):
    where = placement.plan(gpt_oss, gpu_layers=-1, devices=[gpu(3.5)])
    assert where.experts_in_ram == tuple(range(24)) and "all experts in RAM" in where.label
    assert where.expert_override == gguf.EXPERT_TENSORS == r"\.ffn_(up|down|gate|gate_up)_(ch|)exps"


def test_the_engine_asks_llama_cpp_for_the_override_only_when_experts_stay_in_ram(gpt_oss):
    llama_cpp = llama_lib.load()
    moe = placement.plan(gpt_oss, gpu_layers=-1, devices=[gpu(8)])
    options, in_cpu_memory = local.load_options(moe, llama_cpp)
    assert options == {"n_gpu_layers": 25, "main_gpu": 0}
    assert in_cpu_memory == [moe.expert_override]
    whole = placement.plan(gpt_oss, gpu_layers=-1, devices=[gpu(24)])
    assert local.load_options(whole, llama_cpp) == ({"n_gpu_layers": 25, "main_gpu": 0}, [])
    # the CPU path is as before: no layers, no override, whatever the model
    for cpu in (
        placement.plan(gpt_oss, gpu_layers=-1, devices=[]),
        placement.plan(gpt_oss, gpu_layers=0, devices=[gpu(8)]),
    ):
        assert local.load_options(cpu, llama_cpp) == ({"n_gpu_layers": 0}, [])
    # a setting of N layers is the user's: no experts are moved for it
    assert (
        local.load_options(placement.plan(gpt_oss, gpu_layers=10, devices=[gpu(8)]), llama_cpp)[1]
        == []
    )


def test_out_of_memory_with_some_experts_on_the_gpu_retries_with_all_in_ram_first(gpt_oss):
    planned = placement.plan(gpt_oss, gpu_layers=-1, devices=[gpu(8)])
    tried: list[tuple[int, int]] = []

    def load(where: Placement):
        tried.append((where.layers_on_gpu, len(where.experts_in_ram)))
        if len(where.experts_in_ram) < 24:
            raise OutOfDeviceMemory("CUDA error: out of memory")
        return "model", where

    model, where = placement.load_with_fallback(load, planned)
    assert tried == [(25, 14), (25, 24)] and where.warn
    assert "retried with all experts in RAM" in where.reason


@pytest.mark.slow
def test_llama_cpp_places_the_tensors_the_override_names_in_cpu_memory(starter_model):
    """The override reaches the real llama.cpp: it says which tensors it moved (the starter model
    has no experts, so its token embedding stands in), and a load without one moves none."""
    llama_cpp = llama_lib.load()

    def load_and_log(patterns):
        with (
            llama_lib.captured_log(llama_cpp) as lines,
            tensor_overrides.tensors_in_cpu_memory(llama_cpp, patterns),
        ):
            model = llama_lib.new_llama(
                llama_cpp, model_path=str(starter_model), n_ctx=256, n_gpu_layers=0, verbose=False
            )
        model.close()
        return "".join(lines)

    said = load_and_log([r"^token_embd\.weight$"])
    assert re.search(r"tensor token_embd\.weight \(.*\) buffer type overridden to CPU", said)
    assert "overridden" not in load_and_log([])
    assert (
        llama_cpp.llama_cpp.llama_model_default_params().tensor_buft_overrides is None
    )  # restored
