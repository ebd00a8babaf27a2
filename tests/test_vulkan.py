"""The GPU path on a real Vulkan device: Mesa's lavapipe, a conformant Vulkan driver that runs on
the CPU, through the bundle `make test` builds (the Vulkan backend beside the CPU variants, both
loaded at run time).

llama.cpp skips CPU-type Vulkan devices unless GGML_VK_VISIBLE_DEVICES names them, so these tests
name device 0; without it, the same bundle runs on the CPU and says why."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from bundle import bundle_binary
from bundle import run_bundle as _run

# The built bundle or a virtual X screen: the full suite (`make test`), not `make check`.
pytestmark = pytest.mark.slow

LAVAPIPE = {"GGML_VK_VISIBLE_DEVICES": "0"}
PROMPT = "What is the capital of France? Answer in one word."
ASK = ("ask", "--json", "--temperature", "0", "--max-tokens", "12")


@pytest.fixture
def vulkan_bundle(repo_root):
    frozen = bundle_binary(repo_root)
    backend = next(Path(frozen).parent.glob("_internal/llama_cpp/lib/libggml-vulkan.*"), None)
    problem = None
    if backend is None:
        problem = "the bundle has no Vulkan backend (scripts/build-dist.sh fell back to the CPU?)"
    elif (
        not shutil.which("vulkaninfo")
        or "llvmpipe"
        not in subprocess.run(
            ["vulkaninfo", "--summary"], capture_output=True, text=True, timeout=60
        ).stdout
    ):
        problem = "Mesa's lavapipe is not installed (scripts/system-deps.sh test installs it)"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    return frozen


def ask(binary, home, *args, env=None, timeout=300) -> dict:
    done = _run(binary, *ASK, *args, PROMPT, home=home, env=env, timeout=timeout)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


@pytest.mark.timeout(600)
def test_all_layers_run_on_the_vulkan_device_and_answer_as_the_cpu_does(vulkan_bundle, tmp_path):
    gpu = ask(vulkan_bundle, tmp_path / "gpu", env=LAVAPIPE)
    assert gpu["device"] == "Vulkan0" and "llvmpipe" in gpu["device_description"]
    assert gpu["gpu_layers"] == {"used": 31, "total": 31} and gpu["reason"] is None
    cpu = ask(vulkan_bundle, tmp_path / "cpu")
    assert cpu["device"] == "CPU" and cpu["gpu_layers"]["used"] == 0
    assert "the only Vulkan device is a CPU" in cpu["reason"]
    assert gpu["text"].strip() and gpu["text"] == cpu["text"]  # greedy: the same words


@pytest.mark.timeout(600)
def test_a_device_smaller_than_the_model_gets_part_of_it_and_still_answers(vulkan_bundle, tmp_path):
    # The starter model needs ~0.28 GB at the default context: a 100 MB device holds part of it.
    partial = ask(vulkan_bundle, tmp_path, env={**LAVAPIPE, "ENCLAVE_GPU_MEMORY_CAP": "100M"})
    used = partial["gpu_layers"]["used"]
    assert partial["device"] == "Vulkan0" and 0 < used < 31, partial
    assert "only part of the model fits" in partial["reason"]
    assert partial["text"].strip()


@pytest.mark.timeout(300)
def test_doctor_lists_the_vulkan_device_with_its_memory(vulkan_bundle, tmp_path):
    done = _run(vulkan_bundle, "doctor", "--json", home=tmp_path, env=LAVAPIPE)
    assert done.returncode == 0, done.stderr
    compute = json.loads(done.stdout)["compute"]
    assert compute["build"]["installed"] == "vulkan" and compute["build"]["portable"]
    assert "Vulkan" in compute["backends"] and compute["why_no_gpu"] is None
    device = next(d for d in compute["devices"] if d["name"] == "Vulkan0")
    assert "llvmpipe" in device["description"] and 0 < device["free"] <= device["total"]
    assert compute["default_model"]["gpu_layers"] == {"used": 31, "total": 31}
    text = _run(vulkan_bundle, "doctor", home=tmp_path, env=LAVAPIPE).stdout
    assert "Vulkan0 · llvmpipe" in text and "would run on Vulkan0 · llvmpipe" in text


def _loader_path() -> str:
    """The file the dynamic loader opens for libvulkan.so.1."""
    found = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    for line in found.splitlines():
        if line.strip().startswith("libvulkan.so.1 ") and "=>" in line:
            return os.path.realpath(line.split("=>")[1].strip())
    pytest.fail("libvulkan.so.1 is not installed (scripts/system-deps.sh test installs it)")


@pytest.mark.timeout(600)
def test_without_the_vulkan_loader_the_bundle_runs_on_the_cpu_and_says_why(vulkan_bundle, tmp_path):
    """As on a machine with no Vulkan loader: in a private mount namespace, the loader is hidden
    (an empty file bound over it), so libggml-vulkan cannot be loaded."""
    if not shutil.which("unshare") or subprocess.run(["unshare", "-m", "true"]).returncode:
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            "unshare -m is not permitted here (it needs root)"
        )
    hidden = f'mount --bind /dev/null {_loader_path()} && exec "$@"'
    wrapper = ["unshare", "-m", "sh", "-c", hidden, "sh", str(vulkan_bundle)]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))},
        **LAVAPIPE,
        "ENCLAVE_HOME": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
    }
    env.pop("ENCLAVE_GPU_MEMORY_CAP", None)

    def run(*args):
        done = subprocess.run(
            [*wrapper, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    answer = json.loads(run(*ASK, PROMPT))
    assert answer["device"] == "CPU" and answer["text"].strip()
    assert "libggml-vulkan" in answer["reason"] and "could not be loaded" in answer["reason"]
    doctor = run("doctor")
    assert "GPU" in doctor and "not used: the GPU backend libggml-vulkan" in doctor
    assert "Backends         CPU\n" in doctor
