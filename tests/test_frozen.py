"""The frozen bundle (dist/enclave, built by `make dist`, which `make test` runs first) works on its
own: its self-test answers with the bundled starter model, and its window comes up and closes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

BUNDLE = "dist/enclave/enclave.exe" if sys.platform == "win32" else "dist/enclave/enclave"


@pytest.fixture
def frozen(repo_root):
    binary = repo_root / BUNDLE
    if not binary.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{BUNDLE} was not built: `make test` builds it with `make dist` first")
        pytest.skip(f"{BUNDLE} not built (run `make dist`)")
    return binary


def _run(binary, *args, home, timeout=180):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(ENCLAVE_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    return subprocess.run([str(binary), *args], env=env, cwd=home, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.mark.timeout(240)
def test_frozen_self_test_answers_with_the_bundled_starter_model(frozen, tmp_path):
    done = _run(frozen, "--self-test", home=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    model = next(line for line in done.stdout.splitlines() if " model " in line)
    assert "starter" in model and "Traceback" not in done.stderr
    assert done.stdout.rstrip().endswith("PASSED")


@pytest.mark.timeout(240)
def test_frozen_window_comes_up_and_exits_cleanly(frozen, tmp_path):
    done = _run(frozen, "--self-test", "--window", home=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    window = next(line for line in done.stdout.splitlines() if " window " in line)
    assert window.split()[0] == "ok"


@pytest.mark.timeout(120)
def test_frozen_cli_answers_and_stores(frozen, tmp_path):
    done = _run(frozen, "ask", "--json", "--max-tokens", "8", "Hello", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"engine": "local"' in done.stdout
    listed = _run(frozen, "chats", "list", home=tmp_path)
    assert "Hello" in listed.stdout
