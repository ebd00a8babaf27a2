"""Keep chosen weight tensors in CPU memory while the rest of a model goes to the GPU.

llama.cpp takes a NULL-terminated list of (tensor-name regex, buffer type) pairs in its model
parameters (``tensor_buft_overrides``: what ``--override-tensor``, ``--cpu-moe`` and
``--n-cpu-moe`` fill). llama-cpp-python declares the field but offers no way to set it: ``Llama``
builds its parameters from ``llama_model_default_params()`` and loads the model in the same call.
So, while one ``Llama`` is constructed, that function returns defaults carrying our list.
"""

from __future__ import annotations

import contextlib
import ctypes
import threading

_PATCHING = threading.Lock()  # one load at a time swaps the defaults function


class _Override(ctypes.Structure):
    # struct llama_model_tensor_buft_override { const char * pattern; ggml_backend_buffer_type_t
    # buft; } (llama.h)
    _fields_ = [("pattern", ctypes.c_char_p), ("buft", ctypes.c_void_p)]


def cpu_buffer_type(llama_cpp) -> int:
    """ggml's CPU buffer type, from the ggml that llama.cpp itself uses."""
    from app.core.engines import llama_lib

    ggml = llama_lib._ggml_used_by_llama(llama_cpp)  # the ggml llama.cpp calls
    ggml.ggml_backend_cpu_buffer_type.restype = ctypes.c_void_p
    ggml.ggml_backend_cpu_buffer_type.argtypes = []
    return ggml.ggml_backend_cpu_buffer_type()


def override_list(llama_cpp, patterns: list[str]):
    """The C array llama.cpp reads: each pattern to the CPU buffer type, then the terminator."""
    buft = cpu_buffer_type(llama_cpp)
    array = (_Override * (len(patterns) + 1))()
    for i, pattern in enumerate(patterns):
        array[i].pattern = pattern.encode("utf-8")
        array[i].buft = buft
    return array


@contextlib.contextmanager
def tensors_in_cpu_memory(llama_cpp, patterns: list[str]):
    """While the block constructs a ``Llama``, tensors whose names match one of ``patterns``
    (regexes, searched as llama.cpp does) are placed in CPU memory. Yields the C array, which
    the caller keeps as long as the model (llama.cpp reads it while loading)."""
    if not patterns:
        yield None
        return
    array = override_list(llama_cpp, patterns)
    module = llama_cpp.llama_cpp
    with _PATCHING:
        original = module.llama_model_default_params

        def with_overrides():
            params = original()
            params.tensor_buft_overrides = ctypes.cast(array, ctypes.c_void_p)
            return params

        module.llama_model_default_params = with_overrides
        try:
            yield array
        finally:
            module.llama_model_default_params = original
