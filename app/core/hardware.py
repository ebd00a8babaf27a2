"""What this machine offers: memory, cores, and whether llama.cpp can use a GPU."""

from __future__ import annotations

import os
import platform


def total_ram_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        pass
    if platform.system() == "Windows":
        import ctypes

        class _MemStatus(ctypes.Structure):
            _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                        ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
                        ("ullTotalPageFile", ctypes.c_ulonglong),
                        ("ullAvailPageFile", ctypes.c_ulonglong),
                        ("ullTotalVirtual", ctypes.c_ulonglong),
                        ("ullAvailVirtual", ctypes.c_ulonglong),
                        ("sullAvailExtendedVirtual", ctypes.c_ulonglong)]
        status = _MemStatus()
        status.dwLength = ctypes.sizeof(status)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):
            return int(status.ullTotalPhys)
    return None


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
