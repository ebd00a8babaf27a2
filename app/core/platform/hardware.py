"""What this machine offers: memory, cores, and whether llama.cpp can use a GPU."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import platform
import sys
from dataclasses import dataclass

log = logging.getLogger(__name__)


def total_ram_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        pass
    status = _windows_memory_status()
    return int(status.ullTotalPhys) if status else None


def _windows_memory_status():
    if platform.system() == "Windows":

        class _MemStatus(ctypes.Structure):
            _fields_ = [
                ("dwLength", ctypes.c_ulong),
                ("dwMemoryLoad", ctypes.c_ulong),
                ("ullTotalPhys", ctypes.c_ulonglong),
                ("ullAvailPhys", ctypes.c_ulonglong),
                ("ullTotalPageFile", ctypes.c_ulonglong),
                ("ullAvailPageFile", ctypes.c_ulonglong),
                ("ullTotalVirtual", ctypes.c_ulonglong),
                ("ullAvailVirtual", ctypes.c_ulonglong),
                ("sullAvailExtendedVirtual", ctypes.c_ulonglong),
            ]

        status = _MemStatus()
        status.dwLength = ctypes.sizeof(status)
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        if kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            return status
    return None


def process_memory_bytes() -> int | None:
    """Memory this process holds in RAM now (resident set): what the status bar shows. Linux reads
    /proc, Windows asks for the working set; elsewhere (macOS) the peak so far, as getrusage
    gives it. None when it cannot be told."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    if platform.system() == "Windows":
        return _windows_working_set()
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere
    except (ImportError, OSError, ValueError):
        return None


def _windows_working_set() -> int | None:
    class _Counters(ctypes.Structure):
        _fields_ = [
            ("cb", ctypes.c_ulong),
            ("PageFaultCount", ctypes.c_ulong),
            ("PeakWorkingSetSize", ctypes.c_size_t),
            ("WorkingSetSize", ctypes.c_size_t),
            ("QuotaPeakPagedPoolUsage", ctypes.c_size_t),
            ("QuotaPagedPoolUsage", ctypes.c_size_t),
            ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t),
            ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
            ("PagefileUsage", ctypes.c_size_t),
            ("PeakPagefileUsage", ctypes.c_size_t),
        ]

    counters = _Counters()
    counters.cb = ctypes.sizeof(counters)
    try:
        windll = ctypes.windll  # type: ignore[attr-defined]
        process = windll.kernel32.GetCurrentProcess()
        if windll.psapi.GetProcessMemoryInfo(process, ctypes.byref(counters), counters.cb):
            return int(counters.WorkingSetSize)
    except (AttributeError, OSError):
        pass
    return None


def available_ram_bytes() -> int | None:
    """Memory that can be used now without swapping (Linux MemAvailable; Windows AvailPhys)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    status = _windows_memory_status()
    if status:
        return int(status.ullAvailPhys)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


@dataclass(frozen=True)
class Gpu:
    name: str
    total: int
    free: int
    kind: str  # "nvidia" | "apple" (unified memory) | "llama.cpp" (what the build reports)


def _nvml_gpus() -> list[Gpu]:
    names = (
        ["nvml.dll"]
        if sys.platform == "win32"
        else ["libnvidia-ml.so.1", ctypes.util.find_library("nvidia-ml")]
    )
    lib = None
    for name in filter(None, names):
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError:
            continue
    if lib is None or lib.nvmlInit_v2() != 0:
        return []

    class _Memory(ctypes.Structure):
        _fields_ = [
            ("total", ctypes.c_ulonglong),
            ("free", ctypes.c_ulonglong),
            ("used", ctypes.c_ulonglong),
        ]

    out = []
    try:
        count = ctypes.c_uint(0)
        lib.nvmlDeviceGetCount_v2(ctypes.byref(count))
        for i in range(count.value):
            handle, memory = ctypes.c_void_p(), _Memory()
            label = ctypes.create_string_buffer(96)
            if lib.nvmlDeviceGetHandleByIndex_v2(i, ctypes.byref(handle)) != 0:
                continue
            lib.nvmlDeviceGetName(handle, label, 96)
            if lib.nvmlDeviceGetMemoryInfo(handle, ctypes.byref(memory)) == 0:
                out.append(
                    Gpu(label.value.decode(errors="replace"), memory.total, memory.free, "nvidia")
                )
    finally:
        lib.nvmlShutdown()
    return out


def _nvidia_smi_gpus() -> list[Gpu]:
    from app.core.platform import gpu_probe

    gpus = []
    for name, total, free in gpu_probe.nvidia_smi("name", "memory.total", "memory.free"):
        try:
            gpus.append(Gpu(name, int(total) * 2**20, int(free) * 2**20, "nvidia"))
        except ValueError:
            continue
    return gpus


def gpus() -> list[Gpu]:
    """The GPUs a model could use, with their free memory.

    NVIDIA through NVML (or nvidia-smi); Apple Silicon shares system memory with its GPU (Metal
    lets about three quarters of it be used); otherwise whatever GPU devices llama.cpp reports.
    """
    if sys.platform == "darwin" and platform.machine() == "arm64":
        total, free = total_ram_bytes() or 0, available_ram_bytes() or 0
        return [
            Gpu(
                "Apple Silicon (unified memory)", total * 3 // 4, min(free, total * 3 // 4), "apple"
            )
        ]
    try:
        found = _nvml_gpus()
    except (OSError, AttributeError) as exc:
        log.info("NVML unavailable: %s", exc)
        found = []
    found = found or _nvidia_smi_gpus()
    if found:
        return found
    try:
        from app.core.engines import llama_lib

        return [
            Gpu(d["description"] or d["name"], d["total"], d["free"], "llama.cpp")
            for d in llama_lib.devices()
            if d["kind"] in ("gpu", "igpu") and d["total"]
        ]
    except (ImportError, OSError) as exc:
        log.info("llama.cpp devices unavailable: %s", exc)
        return []


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def default_threads() -> int:
    """Threads for llama.cpp: one core left free on small machines, half the cores on big ones.

    llama.cpp's threads meet at a spinning barrier after every step. If another busy thread
    (the window, a browser) takes one of their cores, the others spin until it is scheduled
    again: measured on 2 cores with one other busy process, 2 threads slowed from 96 to under
    1.3 tokens/s while 1 thread kept 26. On big machines, half the logical cores approximates
    the physical ones, past which hyper-threads only add contention. Settings can override.
    """
    cores = usable_cores()
    return max(1, cores - 1) if cores <= 4 else max(3, cores // 2)


def llama_build_info() -> dict:
    """The llama.cpp build llama-cpp-python carries: version, GPU offload, CPU features."""
    from app.core.engines import llama_lib

    try:
        llama_cpp = llama_lib.load()
    except (ImportError, OSError) as exc:  # not installed, or its native library will not load
        return {"available": False, "error": str(exc)}
    info = {"available": True, "version": getattr(llama_cpp, "__version__", "?")}
    try:
        info["gpu_offload"] = bool(llama_cpp.llama_supports_gpu_offload())
        info["system_info"] = llama_cpp.llama_print_system_info().decode("utf-8", "replace").strip()
    except (AttributeError, OSError) as exc:  # an old or broken build
        info["gpu_offload"] = False
        info["error"] = str(exc)
    return info


def gpu_offload_supported() -> bool:
    return bool(llama_build_info().get("gpu_offload"))
