"""Where a model runs: how many of its layers go to which GPU, and, when none do, why.

The number of layers comes from the same estimate as the Models window's fit label
(``app.core.models.fit``): weights + KV cache at the chosen context + compute buffers, against the
GPU's free memory now. A model larger than the GPU runs partly offloaded instead of failing to load.
A mixture-of-experts model whose non-expert part fits the GPU keeps every layer there and leaves
the experts of some blocks in system RAM (a tensor buffer override, as llama.cpp's --n-cpu-moe).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace

from app.core.models import fit, gguf
from app.core.platform import hardware

# Caps every device's free memory (bytes; K/M/G suffixes), to test partial offload on a device
# larger than the model. Not a user setting: per-model gpu_layers is the user's control.
GPU_MEMORY_CAP_ENV = "ENCLAVE_GPU_MEMORY_CAP"


@dataclass(frozen=True)
class GpuDevice:
    name: str  # llama.cpp's name: "Vulkan0", "CUDA0", "Metal"
    description: str  # the hardware: "NVIDIA GeForce RTX 4060 Laptop GPU"
    free: int
    total: int


@dataclass(frozen=True)
class Placement:
    gpu_layers: int  # what llama.cpp is asked to offload
    total_layers: int  # llama.cpp counts the output layer too: blocks + 1
    device: GpuDevice | None = None
    main_gpu: int = 0  # index among llama.cpp's GPU devices, when there are several
    single_gpu: bool = False  # several GPUs: keep the model on the one with most free memory
    reason: str = ""  # why not every layer is on a GPU ("" when all are)
    warn: bool = False  # tell the user now: a GPU is there but unused, or a load had to retry
    ram_expert_blocks: tuple[int, ...] = ()  # MoE blocks whose experts stay in system RAM
    moe_blocks: tuple[int, ...] = ()  # every block that has experts

    @property
    def layers_on_gpu(self) -> int:
        return min(self.gpu_layers, self.total_layers) if self.device else 0

    @property
    def experts_in_ram(self) -> tuple[int, ...]:
        """The blocks whose experts stay in system RAM (only ever with layers on a GPU)."""
        return self.ram_expert_blocks if self.layers_on_gpu else ()

    @property
    def expert_override(self) -> str | None:
        """The tensor-name pattern llama.cpp is to keep in CPU memory (a regex, searched), or None:
        llama.cpp's own pattern for all experts (--cpu-moe), else the chosen blocks'."""
        blocks = self.experts_in_ram
        if not blocks:
            return None
        if set(blocks) >= set(self.moe_blocks):
            return gguf.EXPERT_TENSORS
        return rf"^blk\.({'|'.join(map(str, blocks))}){gguf.EXPERT_TENSORS}"

    @property
    def label(self) -> str:
        """What the status bar shows: "Vulkan0 · NVIDIA RTX 4060 · 28/28 layers", or "CPU"."""
        if not self.layers_on_gpu or self.device is None:
            return "CPU"
        experts = ""
        if self.experts_in_ram:
            blocks, in_ram = len(self.moe_blocks), len(self.experts_in_ram)
            which = "all experts" if in_ram >= blocks else f"experts of {in_ram}/{blocks} blocks"
            experts = f" · {which} in RAM"
        return (
            f"{self.device.name} · {self.device.description} · "
            f"{self.layers_on_gpu}/{self.total_layers} layers{experts}"
        )

    def as_dict(self) -> dict:
        on_gpu = self.device if self.layers_on_gpu else None
        out = {
            "device": on_gpu.name if on_gpu else "CPU",
            "device_description": on_gpu.description if on_gpu else None,
            "gpu_layers": {"used": self.layers_on_gpu, "total": self.total_layers},
            "reason": self.reason or None,
        }
        if self.experts_in_ram:
            out["experts_in_ram"] = {"blocks": len(self.experts_in_ram), "of": len(self.moe_blocks)}
        return out

    def with_layers(
        self,
        layers: int,
        reason: str,
        *,
        warn: bool = False,
        experts_in_ram: tuple[int, ...] | None = None,
    ) -> Placement:
        """This placement with ``layers`` on the GPU (and, if given, these blocks' experts in
        RAM; otherwise as before)."""
        return replace(
            self,
            gpu_layers=layers,
            device=self.device if layers else None,
            reason=reason,
            warn=warn,
            ram_expert_blocks=self.ram_expert_blocks if experts_in_ram is None else experts_in_ram,
        )

    def verified(self, log_text: str) -> Placement:
        """This placement as llama.cpp reports it did it ("offloaded 28/29 layers to GPU")."""
        match = re.search(r"offloaded (\d+)/(\d+) layers to GPU", log_text)
        if not match or not self.device:
            return self
        used, total = int(match[1]), int(match[2])
        return replace(
            self, gpu_layers=used, total_layers=total, device=self.device if used else None
        )


class OutOfDeviceMemory(Exception):
    """A load failed because a device ran out of memory (the estimate was optimistic)."""


# What llama.cpp logs when a device cannot hold what a load asked of it.
OUT_OF_MEMORY = re.compile(r"failed to allocate|out of (device )?memory|OutOfDeviceMemory", re.I)


def attempts(planned: Placement) -> list[Placement]:
    """What to try in turn: the plan, then (a MoE model with some experts on the GPU) all experts
    in RAM, then half as many layers, then the CPU."""
    out = [planned]
    if planned.experts_in_ram and set(planned.moe_blocks) - set(planned.experts_in_ram):
        out.append(
            planned.with_layers(
                planned.gpu_layers,
                f"the GPU ran out of memory with the experts of {len(planned.experts_in_ram)} "
                f"blocks in RAM; retried with all experts in RAM",
                warn=True,
                experts_in_ram=planned.moe_blocks,
            )
        )
    if planned.layers_on_gpu > 1:
        half = planned.layers_on_gpu // 2
        out.append(
            planned.with_layers(
                half,
                (
                    f"the GPU ran out of memory with {planned.layers_on_gpu} layers; retried with "
                    f"{half}"
                ),
                warn=True,
            )
        )
    if planned.layers_on_gpu:
        out.append(
            planned.with_layers(
                0, "the GPU ran out of memory even with fewer layers; running on the CPU", warn=True
            )
        )
    return out


def load_with_fallback(load, planned: Placement):
    """``load(placement)`` for each of ``attempts(planned)`` until one does not raise
    OutOfDeviceMemory; returns what that load returned."""
    tries = attempts(planned)
    for attempt in tries[:-1]:
        try:
            return load(attempt)
        except OutOfDeviceMemory:
            continue
    return load(tries[-1])


def memory_cap() -> int | None:
    raw = os.environ.get(GPU_MEMORY_CAP_ENV, "").strip().upper()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMG]?)I?B?", raw)
    if not match:
        return None
    return int(float(match[1]) * {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}[match[2]])


def gpu_devices() -> list[GpuDevice]:
    """The GPUs llama.cpp can use now, with their free memory (capped for tests)."""
    from app.core.engines import llama_lib

    cap = memory_cap()
    return [
        GpuDevice(
            d["name"],
            d["description"] or d["name"],
            min(d["free"], cap) if cap is not None else d["free"],
            d["total"],
        )
        for d in llama_lib.devices()
        if d["kind"] in ("gpu", "igpu")
    ]


def plan(
    estimate: fit.Estimate,
    *,
    gpu_layers: int,
    devices: list[GpuDevice],
    no_gpu_reason: str = "",
    gpu_present: bool = False,
) -> Placement:
    """How many layers to offload, and where.

    Args:
        estimate: the model's memory need at the chosen context (``fit.estimate``).
        gpu_layers: the setting: -1 fits the layers to free memory, 0 is the CPU only, N is N.
        devices: ``gpu_devices()``.
        no_gpu_reason: said when there is no device (``why_no_gpu()``).
        gpu_present: the system has a GPU llama.cpp does not list (``gpu_probe``): worth a warning.
    """
    total = (estimate.layers or 0) + 1
    if gpu_layers == 0:
        return Placement(0, total, reason="gpu_layers is 0 (CPU only) in the settings")
    if not devices:
        return Placement(
            0, total, reason=no_gpu_reason or "no GPU that llama.cpp can use", warn=gpu_present
        )
    best = max(range(len(devices)), key=lambda i: devices[i].free)
    device = devices[best]
    moe_blocks = tuple(b for b, _ in estimate.expert_blocks)
    base = Placement(0, total, device, best, len(devices) > 1, moe_blocks=moe_blocks)
    if gpu_layers > 0:
        layers = min(gpu_layers, total)
        return base.with_layers(
            layers, "" if layers >= total else f"gpu_layers is {gpu_layers} in the settings"
        )
    machine = fit.Machine(
        hardware.total_ram_bytes() or 0,
        hardware.available_ram_bytes() or 0,
        device.description,
        device.free,
    )
    where = fit.check(estimate, machine)
    free = f"{device.free / 2**30:.2f} GB free on {device.name}"
    need = f"the model needs ~{estimate.total / 2**30:.2f} GB"
    if where.kind == "gpu":
        return base.with_layers(total, "")
    if where.kind == "experts_in_ram":
        return base.with_layers(
            total,
            f"the experts of {len(where.ram_expert_blocks)} of {len(moe_blocks)} blocks stay in "
            f"system RAM, the rest is on the GPU: {free}, {need}",
            experts_in_ram=where.ram_expert_blocks,
        )
    if where.kind == "partial":
        return base.with_layers(where.gpu_layers, f"only part of the model fits: {free}, {need}")
    return base.with_layers(
        0, f"not enough GPU memory for even one layer: {free}, {need}", warn=True
    )


def context_and_need(info, context_length: int) -> tuple[int, fit.Estimate]:
    """The context a model is loaded with (the setting, within what it was trained for) and the
    memory it then needs. ``info``: the model's ``gguf.GGUFInfo``."""
    n_ctx = max(256, min(context_length, info.context_length or context_length))
    shape = fit.ModelShape.from_metadata(info.metadata)
    return n_ctx, fit.estimate(info.file_size, shape, n_ctx)


def for_gguf(info, *, context_length: int, gpu_layers: int) -> Placement:
    """Where a model would run with these settings, planned as its load will plan it."""
    return for_model(context_and_need(info, context_length)[1], gpu_layers)


def for_model(estimate: fit.Estimate, gpu_layers: int) -> Placement:
    """``plan`` with this machine's devices (and, when there are none, the reason)."""
    devices = gpu_devices() if gpu_layers != 0 else []
    if devices or gpu_layers == 0:
        return plan(estimate, gpu_layers=gpu_layers, devices=devices)
    from app.core.platform import gpu_probe

    return plan(
        estimate,
        gpu_layers=gpu_layers,
        devices=[],
        no_gpu_reason=why_no_gpu(),
        gpu_present=bool(gpu_probe.cached().gpus()),
    )


def why_no_gpu() -> str:
    """A sentence saying why llama.cpp sees no GPU here, and what would change that."""
    from app.core.engines import llama_lib
    from app.core.platform import gpu_probe

    files = llama_lib.gpu_backend_files()
    registered = llama_lib.registered_backends()
    found = gpu_probe.cached()
    gpus = found.gpus()
    if not files and not (set(registered) - {"CPU", "BLAS", "RPC"}):
        build = llama_lib.build_record()
        if build.get("fallback"):
            return f"this llama.cpp build is for the CPU only: {build['fallback']}" + (
                f", although a GPU is present ({gpus[0]})" if gpus else ""
            )
        if gpus:
            return (
                f"this llama.cpp build is for the CPU only, although a GPU is present "
                f"({gpus[0]}): reinstall with `make install LLAMA_BUILD=vulkan` (or cuda)"
            )
        return "this llama.cpp build is for the CPU only, and no GPU was found"
    for path in files:
        error = llama_lib.backend_load_error(path)
        if error:
            needs = (
                "the NVIDIA driver"
                if "cuda" in path.name
                else "the Vulkan loader (libvulkan1) and your GPU's Vulkan driver"
            )
            return f"the GPU backend {path.name} could not be loaded ({error}); install {needs}"
    if found.vulkan_error:
        return f"no Vulkan device: {found.vulkan_error}"
    cpu_only = [d.name for d in found.vulkan_devices if not d.is_gpu]
    if cpu_only and not gpus:
        return (
            f"no GPU found; the only Vulkan device is a CPU ({cpu_only[0]}), which llama.cpp "
            f"skips unless GGML_VK_VISIBLE_DEVICES names it"
        )
    return "no GPU found" if not gpus else f"llama.cpp lists no device for the GPU ({gpus[0]})"


def report() -> dict:
    """What ``enclave doctor`` says about compute: the build, its backends, the devices llama.cpp
    sees with their memory, the GPUs the system has, and why none is used if so."""
    from app.core.engines import llama_lib
    from app.core.platform import gpu_probe

    found = gpu_probe.cached()
    devices = llama_lib.devices()
    gpus = [d for d in devices if d["kind"] in ("gpu", "igpu")]
    return {
        "build": llama_lib.build_record(),
        "backends": llama_lib.registered_backends(),
        "backend_files": [p.name for p in llama_lib.gpu_backend_files()],
        "devices": devices,
        "memory_cap": memory_cap(),
        "system_gpus": {
            "vulkan": [
                {"name": d.name, "type": d.type, "memory": d.memory} for d in found.vulkan_devices
            ],
            "vulkan_error": found.vulkan_error,
            "nvidia": found.nvidia,
            "pci": found.pci_gpus,
        },
        "why_no_gpu": None if gpus else why_no_gpu(),
    }
