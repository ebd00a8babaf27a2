"""Import llama-cpp-python with its compute backends registered.

A build with runtime CPU dispatch (GGML_BACKEND_DL, used for installers) ships each CPU variant and
GPU backend as a separate library that llama.cpp only registers when asked; llama-cpp-python never
asks, and a model load then fails with "no backends are loaded". Ordinary builds register their
backends themselves, and this is a no-op.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import json
import logging
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def load():
    """The ``llama_cpp`` module, ready to load models. Raises ImportError if it is missing."""
    import llama_cpp

    # llama.cpp prints progress to stderr through this logger; Enclave's own log says what matters.
    logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)
    ggml = _ggml_used_by_llama(llama_cpp)
    ggml.ggml_backend_reg_count.restype = ctypes.c_size_t
    if ggml.ggml_backend_reg_count() == 0:
        ggml.ggml_backend_load_all_from_path.argtypes = [ctypes.c_char_p]
        for folder in backend_folders(llama_cpp):
            ggml.ggml_backend_load_all_from_path(str(folder).encode())
            if ggml.ggml_backend_reg_count():
                log.info(
                    "loaded %d llama.cpp backends from %s", ggml.ggml_backend_reg_count(), folder
                )
                break
    return llama_cpp


class Ggml:
    """ggml's C functions, each taken from the first of ``libraries`` that exports it."""

    def __init__(self, libraries: list):
        self._libraries = libraries

    def __getattr__(self, name: str):
        for library in self._libraries:
            try:
                function = getattr(library, name)
            except AttributeError:
                continue
            setattr(self, name, function)  # found once; its restype and argtypes stay set
            return function
        raise AttributeError(name)


def _ggml_libraries(llama_cpp) -> list:
    """The libraries that together export ggml's C API, in lookup order.

    On Linux and macOS, symbols looked up through libllama's handle resolve in its dependencies:
    the very ggml instance libllama calls. (llama-cpp-python's own ``_ggml`` helper opens
    ``libggml.so`` by path; wheels ship it as a copy of ``libggml.so.0``, so there it would be a
    second ggml with its own, empty backend registry.) Windows resolves exports per DLL, and each
    DLL is loaded once: the backend registry (``ggml_backend_reg_count``, ``…_dev_get``,
    ``…_load_all_from_path``) is in ggml.dll, the device and registry details
    (``ggml_backend_dev_name``, ``…_dev_memory``, ``…_reg_name``) in ggml-base.dll.
    """
    libraries = [llama_cpp.llama_cpp._lib]
    if sys.platform == "win32":
        from llama_cpp import _ggml
        from llama_cpp._ctypes_extensions import load_shared_library

        libraries += [_ggml.libggml, load_shared_library("ggml-base", _ggml.libggml_base_path)]
    return libraries


def _ggml_used_by_llama(llama_cpp) -> Ggml:
    return Ggml(_ggml_libraries(llama_cpp))


def backend_folders(llama_cpp) -> list[Path]:
    """Where a dispatch build's backend libraries are: next to llama.cpp's own library (a bundle),
    or where llama.cpp's install rules put them when pip installs it (site-packages/bin)."""
    package = Path(llama_cpp.__file__).parent
    return [folder for folder in (package / "lib", package.parent / "bin") if folder.is_dir()]


GPU_BACKENDS = ("vulkan", "cuda", "metal", "hip", "sycl", "musa", "opencl")


def gpu_backend_files() -> list[Path]:
    """The GPU backend libraries a dispatch build ships (empty for a CPU build, or for a build
    that links its GPU backend into libggml; ``registered_backends`` covers that case)."""
    import llama_cpp

    return sorted(
        p
        for folder in backend_folders(llama_cpp)
        for p in folder.iterdir()
        if p.name.startswith(("libggml-", "ggml-"))
        and p.name.split("-", 1)[1].split(".")[0] in GPU_BACKENDS
    )


def backend_load_error(path: Path) -> str | None:
    """Why the system cannot load a backend library (its missing dependency), or None."""
    try:
        ctypes.CDLL(str(path))
    except OSError as exc:
        return str(exc).replace(str(path) + ": ", "")
    return None


def registered_backends() -> list[str]:
    """The names of the backends llama.cpp registered: "CPU", "Vulkan", "CUDA", "Metal"…"""
    ggml = _ggml_used_by_llama(load())
    try:
        ggml.ggml_backend_reg_get.restype = ctypes.c_void_p
        ggml.ggml_backend_reg_get.argtypes = [ctypes.c_size_t]
        ggml.ggml_backend_reg_name.restype = ctypes.c_char_p
        ggml.ggml_backend_reg_name.argtypes = [ctypes.c_void_p]
    except AttributeError:
        return []
    return [
        (ggml.ggml_backend_reg_name(ggml.ggml_backend_reg_get(i)) or b"").decode()
        for i in range(ggml.ggml_backend_reg_count())
    ]


def build_record() -> dict:
    """What the installer asked for, chose and installed (scripts/install-llama-cpp.sh), if known.
    It lies in the environment's prefix, which in a bundle is the bundle's own folder."""
    try:
        return json.loads((Path(sys.prefix) / "llama-build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# Building a model swaps process-wide state: llama-cpp-python points descriptors 1 and 2 at the
# null device while it loads quietly, and new_llama changes a module constant. Two loads at once
# (the model thread, and the indexing thread's embedder) could leave the process printing to
# nothing and mix up each other's log lines, so one model is built at a time.
_BUILDING = threading.Lock()
_capture = threading.local()  # .lines: the log lines of the load running on this thread
_dispatcher = None  # installed once, never replaced: llama.cpp may call it from any thread


def _install_dispatcher(llama_cpp) -> None:
    """One log callback for the life of the process. Replacing callbacks per load (and freeing
    the old one) races with llama.cpp calling the old one on another thread: a crash."""
    global _dispatcher
    if _dispatcher is not None:
        return
    from llama_cpp import _logger

    default = _logger.llama_log_callback

    @llama_cpp.llama_log_callback
    def dispatch(level, text, user_data):
        lines = getattr(_capture, "lines", None)
        if lines is None:
            default(level, text, user_data)
        else:
            lines.append(text.decode("utf-8", errors="replace"))

    llama_cpp.llama_log_set(dispatch, ctypes.c_void_p(0))
    _dispatcher = dispatch


@contextlib.contextmanager
def captured_log(llama_cpp):
    """Collect llama.cpp's log lines written on this thread while the block runs (a model load).

    The log is the only place llama.cpp says how many layers it offloaded, and why a load failed.
    """
    with _BUILDING:
        _install_dispatcher(llama_cpp)
    lines: list[str] = []
    outer = getattr(_capture, "lines", None)
    _capture.lines = lines
    try:
        yield lines
    finally:
        _capture.lines = outer


def build(llama_cpp, **kwargs):
    """``llama_cpp.Llama(**kwargs)``, one at a time in this process (see _BUILDING)."""
    with _BUILDING:
        return llama_cpp.Llama(**kwargs)


def new_llama(llama_cpp, **kwargs):
    """``llama_cpp.Llama(**kwargs)`` with flash attention on wherever the backend supports it.

    llama.cpp's own default (and llama-bench's) is "auto": probe the backend, use flash attention
    if it can. llama-cpp-python only offers on/off and defaults to off, which costs ~3-5 % of
    decode speed on CPU and more KV-cache traffic; forcing it on could push an op the GPU lacks
    back to the CPU. So: ask for "on", and have "on" mean llama.cpp's "auto" while constructing.
    """
    constants = llama_cpp.llama_cpp
    with _BUILDING:
        enabled = constants.LLAMA_FLASH_ATTN_TYPE_ENABLED
        constants.LLAMA_FLASH_ATTN_TYPE_ENABLED = constants.LLAMA_FLASH_ATTN_TYPE_AUTO
        try:
            return llama_cpp.Llama(flash_attn=True, **kwargs)
        finally:
            constants.LLAMA_FLASH_ATTN_TYPE_ENABLED = enabled


def devices() -> list[dict]:
    """The compute devices this llama.cpp build sees, with their memory (ggml's device API)."""
    llama_cpp = load()
    ggml = _ggml_used_by_llama(llama_cpp)
    try:
        ggml.ggml_backend_dev_count.restype = ctypes.c_size_t
        ggml.ggml_backend_dev_get.restype = ctypes.c_void_p
        ggml.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
        for name in ("ggml_backend_dev_name", "ggml_backend_dev_description"):
            getattr(ggml, name).restype = ctypes.c_char_p
            getattr(ggml, name).argtypes = [ctypes.c_void_p]
        ggml.ggml_backend_dev_type.restype = ctypes.c_int
        ggml.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
        ggml.ggml_backend_dev_memory.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_size_t),
            ctypes.POINTER(ctypes.c_size_t),
        ]
    except AttributeError:  # an old build without the device API
        return []
    kinds = {0: "cpu", 1: "gpu", 2: "igpu", 3: "accel"}
    out = []
    for i in range(ggml.ggml_backend_dev_count()):
        dev = ggml.ggml_backend_dev_get(i)
        free, total = ctypes.c_size_t(0), ctypes.c_size_t(0)
        ggml.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
        out.append(
            {
                "name": (ggml.ggml_backend_dev_name(dev) or b"").decode(errors="replace"),
                "description": (ggml.ggml_backend_dev_description(dev) or b"").decode(
                    errors="replace"
                ),
                "kind": kinds.get(ggml.ggml_backend_dev_type(dev), "other"),
                "free": free.value,
                "total": total.value,
            }
        )
    return out
