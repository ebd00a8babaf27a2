"""ggml's C API found across the libraries that export it (on Windows: ggml.dll and
ggml-base.dll), so the GPU devices are seen on every system."""

from __future__ import annotations

import subprocess
import sys
import types

from app.core.engines import llama_lib


class _Function:
    def __init__(self, result):
        self.result, self.restype, self.argtypes = result, None, None

    def __call__(self, *args):
        return self.result(*args) if callable(self.result) else self.result


def _windows_like_libraries():
    """llama.dll exports no ggml symbols; ggml.dll has the registry; ggml-base.dll the details."""
    llama = types.SimpleNamespace()
    ggml = types.SimpleNamespace(
        ggml_backend_dev_count=_Function(2),
        ggml_backend_dev_get=_Function(lambda i: 100 + i),
        ggml_backend_reg_count=_Function(1),
        ggml_backend_reg_get=_Function(lambda i: 7),
    )
    base = types.SimpleNamespace(
        ggml_backend_dev_name=_Function(lambda d: {100: b"CPU", 101: b"Vulkan0"}[d]),
        ggml_backend_dev_description=_Function(lambda d: b"a device"),
        ggml_backend_dev_type=_Function(lambda d: {100: 0, 101: 1}[d]),
        ggml_backend_dev_memory=_Function(None),
        ggml_backend_reg_name=_Function(lambda r: b"Vulkan"),
    )
    return [llama, ggml, base]


def test_devices_and_backends_are_found_when_exports_are_split_across_libraries(monkeypatch):
    monkeypatch.setattr(llama_lib, "load", lambda: None)
    monkeypatch.setattr(llama_lib, "_ggml_libraries", lambda _: _windows_like_libraries())
    assert [(d["name"], d["kind"]) for d in llama_lib.devices()] == [
        ("CPU", "cpu"),
        ("Vulkan0", "gpu"),
    ]
    assert llama_lib.registered_backends() == ["Vulkan"]


def test_the_real_library_lists_its_cpu_device_and_backend():
    assert "cpu" in [d["kind"] for d in llama_lib.devices()]
    assert "CPU" in llama_lib.registered_backends()


_LOADS_AT_ONCE = """
import sys, threading
from app.core.engines import llama_lib
from app.core.models.installed import starter_model_path
llama_cpp = llama_lib.load()

def load(results, i):
    with llama_lib.captured_log(llama_cpp) as lines:
        llama = llama_lib.new_llama(llama_cpp, model_path=str(starter_model_path()), n_ctx=256,
                                    n_gpu_layers=0, verbose=False)
    llama.close()
    results[i] = any("llama_context" in line for line in lines)

for _ in range(4):
    results = {}
    threads = [threading.Thread(target=load, args=(results, i)) for i in range(3)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    print(sorted(results.values()), flush=True)
print("still printing", flush=True)
"""


def test_models_loaded_on_several_threads_at_once_keep_their_logs_and_stdout(repo_root, cli_env):
    # The window's model thread and the indexing thread's embedder may load at the same moment:
    # each load's log must be its own, and the process must still own its standard output.
    done = subprocess.run(
        [sys.executable, "-c", _LOADS_AT_ONCE],
        cwd=repo_root,
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["[True, True, True]"] * 4 + ["still printing"]
