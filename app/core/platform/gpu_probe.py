"""Which GPUs this machine has, asked of the system rather than of llama.cpp.

Two questions need it: which llama.cpp backend to compile at install time (before Enclave or
llama.cpp is installed), and, at run time, whether a model runs on the CPU although a GPU exists
(a CPU-only build, a missing Vulkan driver). Standard library only, so the installer can run this
file with the system's Python:

    python3 app/core/platform/gpu_probe.py            # one line: the backend to build, and why
    python3 app/core/platform/gpu_probe.py --json     # everything found
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field

# PCI vendor ids, as the kernel lists them under /sys/class/drm/card*/device/vendor.
VENDORS = {"0x10de": "NVIDIA", "0x1002": "AMD", "0x8086": "Intel", "0x5143": "Qualcomm"}
# VkPhysicalDeviceType
VK_TYPES = {0: "other", 1: "integrated", 2: "discrete", 3: "virtual", 4: "cpu"}


@dataclass(frozen=True)
class VulkanDevice:
    name: str
    type: str  # integrated | discrete | virtual | cpu | other
    vendor: str
    memory: int  # bytes of device-local memory

    @property
    def is_gpu(self) -> bool:
        return self.type in ("integrated", "discrete")


@dataclass
class Probe:
    system: str
    pci_gpus: list[str] = field(default_factory=list)  # vendors of display devices (Linux)
    nvidia: list[str] = field(default_factory=list)  # NVIDIA GPUs the driver reports
    nvcc: str | None = None  # the CUDA compiler, if installed
    vulkan_loader: str | None = None  # the Vulkan loader library, if installed
    vulkan_error: str | None = None
    vulkan_devices: list[VulkanDevice] = field(default_factory=list)

    def vulkan_gpus(self, *, cpu_devices: bool | None = None) -> list[VulkanDevice]:
        """Vulkan devices llama.cpp would use. A CPU-type device (Mesa's llvmpipe) is no GPU, and
        llama.cpp skips it, unless GGML_VK_VISIBLE_DEVICES names devices explicitly."""
        if cpu_devices is None:
            cpu_devices = bool(os.environ.get("GGML_VK_VISIBLE_DEVICES"))
        return [d for d in self.vulkan_devices if d.is_gpu or cpu_devices]

    def gpus(self) -> list[str]:
        """Every GPU the system shows, by name where known: what a model could be running on."""
        return (
            [d.name for d in self.vulkan_gpus()]
            + self.nvidia
            + ([] if self.vulkan_gpus() or self.nvidia else self.pci_gpus)
        )

    def as_dict(self) -> dict:
        out = asdict(self)
        out["vulkan_devices"] = [asdict(d) for d in self.vulkan_devices]
        return out


def choose_backend(probe: Probe) -> tuple[str, str]:
    """The llama.cpp backend to build on this machine, and the reason in a few words."""
    if probe.system == "Darwin":
        return "metal", "macOS: Metal"
    if probe.nvidia and probe.nvcc:
        return "cuda", f"NVIDIA {probe.nvidia[0]} and the CUDA toolkit ({probe.nvcc})"
    usable = probe.vulkan_gpus()
    if usable:
        reason = f"Vulkan device {usable[0].name} ({usable[0].type})"
        if probe.nvidia:
            reason += "; NVIDIA GPU without the CUDA toolkit (nvcc), so Vulkan"
        return "vulkan", reason
    if probe.vulkan_devices:
        names = ", ".join(f"{d.name} ({d.type})" for d in probe.vulkan_devices)
        return "cpu", (
            f"no GPU: the only Vulkan device is a CPU ({names}); set "
            f"GGML_VK_VISIBLE_DEVICES=0 to use it anyway"
        )
    if probe.pci_gpus or probe.nvidia:
        what = ", ".join(probe.nvidia or probe.pci_gpus)
        return "cpu", (
            f"GPU found ({what}) but no Vulkan driver"
            f"{': ' + probe.vulkan_error if probe.vulkan_error else ''}; install its "
            f"Vulkan driver (Debian/Ubuntu: mesa-vulkan-drivers, or the NVIDIA driver) "
            f"and run make install again"
        )
    return "cpu", "no GPU found"


def probe() -> Probe:
    found = Probe(platform.system(), pci_gpus=_pci_gpus(), nvidia=_nvidia_gpus(), nvcc=_nvcc())
    found.vulkan_loader, found.vulkan_error, found.vulkan_devices = _vulkan()
    return found


@functools.lru_cache(maxsize=1)
def cached() -> Probe:
    """The probe, once per process (creating a Vulkan instance takes a few milliseconds)."""
    return probe()


def _pci_gpus() -> list[str]:
    out = []
    for card in sorted(glob.glob("/sys/class/drm/card[0-9]*/device/vendor")):
        try:
            with open(card, encoding="ascii") as f:
                vendor = f.read().strip()
        except OSError:
            continue
        out.append(VENDORS.get(vendor, vendor))
    return out


def nvidia_smi(*fields: str) -> list[list[str]]:
    """One row per NVIDIA GPU with the asked ``--query-gpu`` fields (units left out); [] without
    the NVIDIA driver."""
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        out = subprocess.run(
            [exe, f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    rows = [[x.strip() for x in line.rsplit(",", len(fields) - 1)] for line in out.splitlines()]
    return [row for row in rows if len(row) == len(fields) and row[0]]


def _nvidia_gpus() -> list[str]:
    return [row[0] for row in nvidia_smi("name")]


def _nvcc() -> str | None:
    candidates = [shutil.which("nvcc")]
    for home in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
        if home:
            candidates.append(os.path.join(home, "bin", "nvcc"))
    return next((c for c in candidates if c and os.path.isfile(c)), None)


def _vulkan() -> tuple[str | None, str | None, list[VulkanDevice]]:
    """(loader, error, devices) from the Vulkan loader itself, the way llama.cpp will see them."""
    names = {"Windows": ["vulkan-1.dll"], "Darwin": ["libvulkan.1.dylib", "libMoltenVK.dylib"]}
    loader = None
    for name in names.get(platform.system(), ["libvulkan.so.1"]) + [
        ctypes.util.find_library("vulkan")
    ]:
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            loader = name
            break
        except OSError:
            continue
    if loader is None:
        return None, "the Vulkan loader (libvulkan) is not installed", []
    try:
        return loader, None, _vulkan_devices(lib)
    except (OSError, AttributeError, RuntimeError) as exc:
        return loader, str(exc), []


def _vulkan_devices(lib) -> list[VulkanDevice]:
    class InstanceCreateInfo(ctypes.Structure):
        _fields_ = [
            ("sType", ctypes.c_uint32),
            ("pNext", ctypes.c_void_p),
            ("flags", ctypes.c_uint32),
            ("pApplicationInfo", ctypes.c_void_p),
            ("enabledLayerCount", ctypes.c_uint32),
            ("ppEnabledLayerNames", ctypes.c_void_p),
            ("enabledExtensionCount", ctypes.c_uint32),
            ("ppEnabledExtensionNames", ctypes.c_void_p),
        ]

    class Properties(ctypes.Structure):  # the head of VkPhysicalDeviceProperties
        _fields_ = [
            ("apiVersion", ctypes.c_uint32),
            ("driverVersion", ctypes.c_uint32),
            ("vendorID", ctypes.c_uint32),
            ("deviceID", ctypes.c_uint32),
            ("deviceType", ctypes.c_uint32),
            ("deviceName", ctypes.c_char * 256),
            ("rest", ctypes.c_uint8 * 4096),
        ]  # limits etc.: room, never read

    class MemoryHeap(ctypes.Structure):
        _fields_ = [("size", ctypes.c_uint64), ("flags", ctypes.c_uint32)]

    class MemoryProperties(ctypes.Structure):
        _fields_ = [
            ("memoryTypeCount", ctypes.c_uint32),
            ("memoryTypes", ctypes.c_uint32 * 64),
            ("memoryHeapCount", ctypes.c_uint32),
            ("memoryHeaps", MemoryHeap * 16),
        ]

    instance = ctypes.c_void_p()
    info = InstanceCreateInfo(sType=1)  # VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
    result = lib.vkCreateInstance(ctypes.byref(info), None, ctypes.byref(instance))
    if result != 0:
        # -9: VK_ERROR_INCOMPATIBLE_DRIVER, the loader's answer when no driver is installed
        raise RuntimeError(
            "no Vulkan driver is installed"
            if result == -9
            else f"vkCreateInstance failed ({result})"
        )
    try:
        count = ctypes.c_uint32(0)
        lib.vkEnumeratePhysicalDevices(instance, ctypes.byref(count), None)
        handles = (ctypes.c_void_p * count.value)()
        lib.vkEnumeratePhysicalDevices(instance, ctypes.byref(count), handles)
        devices = []
        for handle in handles[: count.value]:
            props, memory = Properties(), MemoryProperties()
            lib.vkGetPhysicalDeviceProperties(ctypes.c_void_p(handle), ctypes.byref(props))
            lib.vkGetPhysicalDeviceMemoryProperties(ctypes.c_void_p(handle), ctypes.byref(memory))
            local = sum(h.size for h in memory.memoryHeaps[: memory.memoryHeapCount] if h.flags & 1)
            devices.append(
                VulkanDevice(
                    props.deviceName.decode(errors="replace"),
                    VK_TYPES.get(props.deviceType, "other"),
                    VENDORS.get(f"0x{props.vendorID:04x}", f"0x{props.vendorID:04x}"),
                    int(local),
                )
            )
        return devices
    finally:
        lib.vkDestroyInstance(instance, None)


def main(argv: list[str]) -> int:
    found = probe()
    if "--json" in argv:
        backend, reason = choose_backend(found)
        print(json.dumps({**found.as_dict(), "backend": backend, "reason": reason}, indent=2))
    else:
        print("{}\t{}".format(*choose_backend(found)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
