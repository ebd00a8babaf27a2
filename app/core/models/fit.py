"""Will this model run well here? Estimate the memory a GGUF file needs, compare with the machine.

Need = weights (the file) + KV cache for the chosen context (from the model's shape: layers, KV
heads, head sizes; llama.cpp stores it as f16) + compute buffers and runtime. On the starter
model the estimate is within 10 % of the buffers llama.cpp reports it allocated
(tests/core/test_fit.py).

A mixture-of-experts (MoE) model runs only a few of its experts per token, so its experts' weights
can stay in system RAM while everything else is on the GPU (llama.cpp's ``--n-cpu-moe``): when the
whole model does not fit the GPU but the rest does, the fit is "GPU + experts in RAM", with the
experts of as few blocks as needed kept in RAM.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.models import gguf
from app.core.platform import hardware

RUNTIME_BYTES = 8 * 2**20  # llama.cpp's own allocations besides its buffers: vocabulary, graph
UBATCH = 512  # llama.cpp's default micro-batch: sizes the compute buffer
GPU_USABLE = 0.9  # leave room for the desktop and the driver
RAM_COMFORTABLE = 0.8  # of total RAM; beyond it the system starts swapping
BALANCED = "Q4_K_M"  # off the GPU, heavier quantizations cost more speed than they add quality


@dataclass(frozen=True)
class ModelShape:
    layers: int
    embedding: int
    kv_heads: int
    key_length: int
    value_length: int
    vocab: int = 32000
    context_trained: int | None = None
    experts: int = 0  # experts per MoE block (0: dense)
    experts_used: int = 0  # experts each token runs through
    expert_blocks: tuple[tuple[int, int], ...] = ()  # (block, bytes of its expert tensors)

    @classmethod
    def from_metadata(cls, metadata: dict) -> ModelShape | None:
        arch = metadata.get("general.architecture")

        def get(key, default=None):
            value = metadata.get(f"{arch}.{key}", default)
            return value[0] if isinstance(value, list) and value else value  # per-layer arrays

        layers, embedding = get("block_count"), get("embedding_length")
        heads = get("attention.head_count")
        if not (layers and embedding and heads):
            return None
        kv_heads = get("attention.head_count_kv", heads) or heads
        head_dim = embedding // heads
        vocab = get("vocab_size") or len(metadata.get("tokenizer.ggml.tokens") or []) or 32000
        blocks = metadata.get(gguf.EXPERT_BLOCKS) or {}
        return cls(
            int(layers),
            int(embedding),
            int(kv_heads),
            int(get("attention.key_length", head_dim)),
            int(get("attention.value_length", head_dim)),
            int(vocab),
            get("context_length"),
            int(get("expert_count") or 0),
            int(get("expert_used_count") or 0),
            tuple(sorted((int(b), int(n)) for b, n in blocks.items())),
        )


@dataclass(frozen=True)
class Estimate:
    weights: int
    kv_cache: int
    compute: int  # activations and runtime: needed wherever layers run
    context: int
    layers: int | None
    output: int = 0  # the logits of a micro-batch: on the GPU only when the output layer is
    expert_blocks: tuple[tuple[int, int], ...] = ()  # MoE: (block, bytes of its experts)

    @property
    def experts(self) -> int:
        """Bytes of the routed experts' weights (0 for a dense model)."""
        return sum(n for _, n in self.expert_blocks)

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.compute + self.output

    @property
    def per_layer(self) -> int:
        """Weights and KV cache of one layer: what each offloaded layer moves to the GPU."""
        return (self.weights + self.kv_cache) // max(1, self.layers or 1)


def estimate(file_size: int, shape: ModelShape | None, context: int) -> Estimate:
    """The memory a model needs at ``context`` tokens (capped to what it was trained for)."""
    if shape is None:  # no metadata: weights dominate; allow a generous share for the rest
        return Estimate(file_size, file_size // 8, RUNTIME_BYTES, context, None)
    if shape.context_trained:
        context = min(context, int(shape.context_trained))
    kv = shape.layers * context * shape.kv_heads * (shape.key_length + shape.value_length) * 2
    # llama.cpp reserves compute for a micro-batch's activations and its f32 logits (vocab ×
    # ubatch: the largest part for small models with large vocabularies), plus one output row.
    compute = RUNTIME_BYTES + 2 * shape.embedding * UBATCH * 4
    output = shape.vocab * (UBATCH + 1) * 4
    return Estimate(file_size, kv, compute, context, shape.layers, output, shape.expert_blocks)


@dataclass(frozen=True)
class Machine:
    ram_total: int
    ram_available: int
    gpu_name: str | None = None
    gpu_free: int = 0  # bytes a model may use on the GPU (0: none, or this build cannot offload)
    unified: bool = False  # Apple: the GPU's memory is the system's memory

    @classmethod
    def detect(cls) -> Machine:
        total = hardware.total_ram_bytes() or 0
        available = hardware.available_ram_bytes() or total // 2
        gpus = hardware.gpus() if hardware.gpu_offload_supported() else []
        if not gpus:
            return cls(total, available)
        best = max(gpus, key=lambda g: g.free)
        return cls(total, available, best.name, best.free, best.kind == "apple")

    def describe(self) -> str:
        ram = f"{self.ram_total / 2**30:.1f} GB RAM ({self.ram_available / 2**30:.1f} GB free)"
        if self.gpu_name:
            return f"{ram}; GPU {self.gpu_name} with {self.gpu_free / 2**30:.1f} GB free"
        return f"{ram}; no GPU this llama.cpp build can use"


@dataclass(frozen=True)
class Fit:
    kind: str  # "gpu" | "experts_in_ram" | "partial" | "cpu" | "too_big"
    estimate: Estimate
    gpu_layers: int = 0
    ram_expert_blocks: tuple[int, ...] = ()  # experts_in_ram: the blocks whose experts stay in RAM

    @property
    def label(self) -> str:
        need = f"needs ~{self.estimate.total / 2**30:.1f} GB"
        if self.kind == "gpu":
            return f"Fully on GPU ({need})"
        if self.kind == "experts_in_ram":
            blocks, in_ram = len(self.estimate.expert_blocks), len(self.ram_expert_blocks)
            which = "all experts" if in_ram == blocks else f"experts of {in_ram} of {blocks} blocks"
            return (
                f"GPU + experts in RAM: {which} in system RAM, the rest on GPU "
                f"({need}, {self.ram_bytes / 2**30:.1f} GB of it in RAM)"
            )
        if self.kind == "partial":
            return (
                f"Partial offload: {self.gpu_layers} of {self.estimate.layers} layers on GPU "
                f"({need})"
            )
        if self.kind == "cpu":
            return f"CPU only ({need})"
        return f"Too big for this machine ({need})"

    @property
    def runs(self) -> bool:
        return self.kind != "too_big"

    @property
    def ram_bytes(self) -> int:
        """experts_in_ram: the bytes of expert weights kept in system RAM."""
        in_ram = set(self.ram_expert_blocks)
        return sum(n for b, n in self.estimate.expert_blocks if b in in_ram)


def check(est: Estimate, machine: Machine) -> Fit:
    """Where a model with this estimate would run on ``machine``."""
    gpu_budget = int(machine.gpu_free * GPU_USABLE)
    if gpu_budget and est.total <= gpu_budget:
        return Fit("gpu", est, est.layers or 0)
    ram_budget = int(machine.ram_total * RAM_COMFORTABLE)
    in_ram = experts_to_keep_in_ram(est, gpu_budget)
    if gpu_budget and in_ram and not machine.unified:
        fit = Fit("experts_in_ram", est, est.layers or 0, in_ram)
        if fit.ram_bytes <= ram_budget:
            return fit
    if est.layers and gpu_budget > est.compute + est.per_layer and not machine.unified:
        layers = min(est.layers, (gpu_budget - est.compute) // est.per_layer)
        on_cpu = est.total - layers * est.per_layer
        if on_cpu <= ram_budget:
            return Fit("partial", est, int(layers))
    if est.total <= ram_budget:
        return Fit("cpu", est)
    return Fit("too_big", est)


def experts_to_keep_in_ram(est: Estimate, gpu_budget: int) -> tuple[int, ...]:
    """The fewest MoE blocks, counted from the first as ``--n-cpu-moe`` does, whose experts must
    stay in system RAM for the rest of the model to fit ``gpu_budget``; () when the model has no
    experts or even its non-expert part does not fit."""
    if not est.expert_blocks or est.total - est.experts > gpu_budget:
        return ()
    over, chosen = est.total - gpu_budget, []
    for block, size in est.expert_blocks:
        if over <= 0:
            break
        chosen.append(block)
        over -= size
    return tuple(chosen)


def recommend(fits: dict[str, tuple[str | None, Fit]]) -> str | None:
    """The quantization to suggest: the most faithful one that fits wholly on the GPU; else
    (partly or wholly on the CPU, where speed follows size) the most faithful at or below Q4_K_M,
    the usual balance of quality and speed; else the lightest that runs at all.

    ``fits``: choice name -> (quantization, fit).
    """
    from app.core.models.quant import quality_rank

    def rank(name: str) -> tuple[int, str]:
        return quality_rank(fits[name][0]), name

    on_gpu = [n for n, (_, f) in fits.items() if f.kind == "gpu"]
    if on_gpu:
        return min(on_gpu, key=rank)
    runs = [n for n, (_, f) in fits.items() if f.runs]
    balanced = [n for n in runs if rank(n)[0] >= quality_rank(BALANCED)]
    if balanced:
        return min(balanced, key=rank)
    return max(runs, key=rank) if runs else None


def assess(
    choices, shape: ModelShape | None, context: int, machine: Machine
) -> tuple[dict[str, Fit], str | None]:
    """Label every downloadable choice of a repository and pick the one to suggest.

    ``choices``: quant.GgufChoice objects with sizes (unknown sizes are skipped).
    """
    fits = {
        c.name: check(estimate(c.size, shape, context), machine)
        for c in choices
        if c.size is not None
    }
    quants = {c.name: c.quant for c in choices}
    return fits, recommend({n: (quants[n], f) for n, f in fits.items()})
