"""The benchmark's quick mode: small sizes, and a failure only when a number is wildly off (a
broken hot path), never on ordinary noise. The full run and its table are in the README."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_quick_benchmark_finds_no_broken_hot_path(repo_root, tmp_path, cli_env):
    out = tmp_path / "quick.json"
    done = subprocess.run([sys.executable, "bench/run.py", "--quick", "--json", str(out)],
                          cwd=repo_root, env=cli_env, capture_output=True, text=True,
                          timeout=1100)
    print(done.stdout)  # the table, in the test log
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(out.read_text())["figures"]
    from bench.run import GPU_ROWS, TARGETS

    assert set(TARGETS) - GPU_ROWS <= set(figures) <= set(TARGETS)
    assert all(f["value"] is not None for f in figures.values())
