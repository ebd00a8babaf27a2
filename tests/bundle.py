"""Running the frozen bundle (dist/enclave, built by `make dist`, which `make test` runs first)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

BUNDLE = "dist/enclave/enclave.exe" if sys.platform == "win32" else "dist/enclave/enclave"


def bundle_binary(repo_root):
    """The bundle's executable; fails in CI and skips elsewhere when it was not built."""
    binary = repo_root / BUNDLE
    if not binary.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{BUNDLE} was not built: `make test` builds it with `make dist` first")
        pytest.skip(f"{BUNDLE} not built (run `make dist`)")
    return binary


def run_bundle(binary, *args, home, timeout=180, env=None, streams_closed=False):
    """The bundle, with the environment a user's shell would give it (``env`` adds to it).
    ``streams_closed``: with no stdin, stdout or stderr at all, as a windowed start from a menu
    has them (then nothing is captured)."""
    full = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV", "GGML_", "ENCLAVE_GPU"))
    }
    full.update(ENCLAVE_HOME=str(home), QT_QPA_PLATFORM="offscreen", **(env or {}))
    os.makedirs(home, exist_ok=True)
    command = [str(binary), *args]
    if streams_closed:
        command = ["sh", "-c", '"$0" "$@" <&- >&- 2>&-', *command]
    return subprocess.run(
        command,
        env=full,
        cwd=home,
        capture_output=not streams_closed,
        text=True,
        timeout=timeout,
        stdin=None if streams_closed else subprocess.DEVNULL,
    )
