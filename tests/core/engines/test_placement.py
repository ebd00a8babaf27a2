"""Where a model runs: layers fitted to free GPU memory, retries when a load runs out of memory,
the build's backend chosen from the machine, and the reason said when a GPU goes unused.

The decisions are logic tested here with made-up devices; tests/test_vulkan.py runs them on a
real Vulkan device (Mesa's lavapipe)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from app.core.engines import placement
from app.core.engines.placement import GpuDevice, OutOfDeviceMemory, Placement
from app.core.models import fit
from app.core.platform import gpu_probe

GB = 2**30
SHAPE = fit.ModelShape(
    layers=32, embedding=4096, kv_heads=8, key_length=128, value_length=128, vocab=32000
)
EIGHT_B = fit.estimate(int(4.9 * GB), SHAPE, 4096)  # an 8B model at Q4_K_M


def gpu(free_gb: float, name="Vulkan0", description="Radeon 780M") -> GpuDevice:
    return GpuDevice(name, description, int(free_gb * GB), int(free_gb * GB) + GB)


def test_a_model_that_fits_goes_wholly_on_the_gpu():
    where = placement.plan(EIGHT_B, gpu_layers=-1, devices=[gpu(12)])
    assert where.layers_on_gpu == where.total_layers == 33  # 32 blocks + the output layer
    assert where.label == "Vulkan0 · Radeon 780M · 33/33 layers"
    assert not where.reason and not where.warn


def test_a_model_larger_than_the_gpu_is_partly_offloaded_as_the_fit_label_says():
    where = placement.plan(EIGHT_B, gpu_layers=-1, devices=[gpu(3)])
    label = fit.check(EIGHT_B, fit.Machine(64 * GB, 48 * GB, "Radeon 780M", 3 * GB))
    assert label.kind == "partial"
    assert where.layers_on_gpu == label.gpu_layers and 0 < where.layers_on_gpu < 32
    assert "only part of the model fits" in where.reason
    assert "3.00 GB free on Vulkan0" in where.reason
    assert f"{where.layers_on_gpu}/33 layers" in where.label


def test_a_gpu_too_small_for_one_layer_leaves_the_model_on_the_cpu_and_says_why():
    where = placement.plan(EIGHT_B, gpu_layers=-1, devices=[gpu(0.1)])
    assert where.layers_on_gpu == 0 and where.label == "CPU"
    assert "not enough GPU memory" in where.reason and where.warn


def test_the_setting_wins_over_the_fit():
    assert placement.plan(EIGHT_B, gpu_layers=0, devices=[gpu(12)]).layers_on_gpu == 0
    ten = placement.plan(EIGHT_B, gpu_layers=10, devices=[gpu(3)])
    assert ten.layers_on_gpu == 10 and "gpu_layers is 10" in ten.reason
    assert placement.plan(EIGHT_B, gpu_layers=500, devices=[gpu(3)]).layers_on_gpu == 33


def test_the_gpu_with_most_free_memory_takes_the_model_alone():
    where = placement.plan(
        EIGHT_B, gpu_layers=-1, devices=[gpu(1, "Vulkan0", "Intel iGPU"), gpu(12, "Vulkan1", "RTX")]
    )
    assert where.device.name == "Vulkan1" and where.main_gpu == 1 and where.single_gpu


def test_no_gpu_says_the_reason_and_warns_only_when_a_gpu_was_there():
    absent = placement.plan(EIGHT_B, gpu_layers=-1, devices=[], no_gpu_reason="no GPU found")
    assert absent.label == "CPU" and absent.reason == "no GPU found" and not absent.warn
    unused = placement.plan(
        EIGHT_B,
        gpu_layers=-1,
        devices=[],
        gpu_present=True,
        no_gpu_reason="this llama.cpp build is for the CPU only",
    )
    assert unused.warn and unused.as_dict() == {
        "device": "CPU",
        "device_description": None,
        "gpu_layers": {"used": 0, "total": 33},
        "reason": "this llama.cpp build is for the CPU only",
    }


def test_a_load_that_runs_out_of_memory_retries_with_fewer_layers_then_the_cpu():
    planned = placement.plan(EIGHT_B, gpu_layers=-1, devices=[gpu(12)])
    tried = []

    def load(where: Placement):
        tried.append(where.layers_on_gpu)
        if where.layers_on_gpu > limit:
            raise OutOfDeviceMemory("failed to allocate Vulkan0 buffer")
        return "model", where

    limit = 20
    assert placement.load_with_fallback(load, planned)[1].layers_on_gpu == 16
    assert tried == [33, 16]
    tried.clear()
    limit = 0
    model, where = placement.load_with_fallback(load, planned)
    assert model == "model" and tried == [33, 16, 0]
    assert where.label == "CPU" and where.warn and "running on the CPU" in where.reason


def test_out_of_memory_is_told_apart_from_a_damaged_file():
    said = (
        "ggml_vulkan: Device memory allocation of size 1073741824 failed.\n"
        "alloc_tensor_range: failed to allocate Vulkan0 buffer of size 1073741824\n"
    )
    assert placement.OUT_OF_MEMORY.search(said)
    assert placement.OUT_OF_MEMORY.search("CUDA error: out of memory")
    assert not placement.OUT_OF_MEMORY.search("gguf_init_from_file_impl: invalid magic characters")


def test_a_load_on_the_cpu_that_fails_is_not_retried():
    def load(where):
        raise OutOfDeviceMemory("no")

    with pytest.raises(OutOfDeviceMemory):
        placement.load_with_fallback(load, placement.plan(EIGHT_B, gpu_layers=0, devices=[]))


def test_what_llama_cpp_reports_it_offloaded_is_what_is_shown():
    planned = placement.plan(EIGHT_B, gpu_layers=-1, devices=[gpu(12)])
    done = planned.verified(
        "load_tensors: offloading output layer to GPU\n"
        "load_tensors: offloaded 30/33 layers to GPU\n"
    )
    assert (done.layers_on_gpu, done.total_layers) == (30, 33)
    assert planned.verified("nothing said") == planned


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("64M", 64 * 2**20),
        ("1.5G", int(1.5 * GB)),
        ("2048", 2048),
        ("512MiB", 512 * 2**20),
        ("", None),
        ("lots", None),
    ],
)
def test_the_test_memory_cap_parses(monkeypatch, raw, expected):
    monkeypatch.setenv(placement.GPU_MEMORY_CAP_ENV, raw)
    assert placement.memory_cap() == expected


# -- the backend the installer builds ----------------------------------------------------------

LLVMPIPE = gpu_probe.VulkanDevice("llvmpipe (LLVM 15.0.6, 256 bits)", "cpu", "Mesa", 2 * GB)
RADEON = gpu_probe.VulkanDevice("AMD Radeon 780M (RADV GFX1103_R1)", "integrated", "AMD", 4 * GB)
RTX = gpu_probe.VulkanDevice("NVIDIA GeForce RTX 4060 Laptop GPU", "discrete", "NVIDIA", 8 * GB)


@pytest.mark.parametrize(
    "probe, backend, words",
    [
        (gpu_probe.Probe("Darwin"), "metal", "macOS"),
        (
            gpu_probe.Probe(
                "Linux", nvidia=["RTX 4060"], nvcc="/usr/local/cuda/bin/nvcc", vulkan_devices=[RTX]
            ),
            "cuda",
            "CUDA toolkit",
        ),
        (
            gpu_probe.Probe("Linux", nvidia=["RTX 4060"], vulkan_devices=[RTX]),
            "vulkan",
            "without the CUDA toolkit",
        ),
        (gpu_probe.Probe("Linux", pci_gpus=["AMD"], vulkan_devices=[RADEON]), "vulkan", "Radeon"),
        (
            gpu_probe.Probe("Linux", vulkan_devices=[LLVMPIPE]),
            "cpu",
            "the only Vulkan device is a CPU",
        ),
        (
            gpu_probe.Probe(
                "Linux", pci_gpus=["AMD"], vulkan_error="no Vulkan driver is installed"
            ),
            "cpu",
            "install its Vulkan driver",
        ),
        (gpu_probe.Probe("Linux", nvcc="/usr/local/bin/nvcc"), "cpu", "no GPU found"),
    ],
)
def test_the_installer_picks_the_backend_for_the_machine(monkeypatch, probe, backend, words):
    monkeypatch.delenv("GGML_VK_VISIBLE_DEVICES", raising=False)
    chosen, reason = gpu_probe.choose_backend(probe)
    assert chosen == backend and words in reason


def test_a_cpu_vulkan_device_counts_when_llama_cpp_is_told_to_use_it(monkeypatch):
    monkeypatch.setenv("GGML_VK_VISIBLE_DEVICES", "0")
    assert (
        gpu_probe.choose_backend(gpu_probe.Probe("Linux", vulkan_devices=[LLVMPIPE]))[0] == "vulkan"
    )


def test_the_probe_sees_the_vulkan_devices_vulkaninfo_sees():
    """The real Vulkan loader, through ctypes: the same devices as Khronos' own tool."""
    found = gpu_probe.probe()
    if not shutil.which("vulkaninfo"):
        assert found.vulkan_devices == [] or found.vulkan_loader
        pytest.skip("vulkaninfo is not installed (make test installs it with Mesa's lavapipe)")
    summary = subprocess.run(
        ["vulkaninfo", "--summary"], capture_output=True, text=True, timeout=60
    ).stdout
    names = [
        line.split("=", 1)[1].strip()
        for line in summary.splitlines()
        if line.strip().startswith("deviceName")
    ]
    assert [d.name for d in found.vulkan_devices] == names
    assert all(d.memory > 0 for d in found.vulkan_devices)
