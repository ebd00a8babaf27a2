"""The benchmark's quick mode: small sizes, and a failure when a figure is past its quick limit
(a broken hot path), never on ordinary noise. The full run and its table are in the README."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_quick_benchmark_finds_no_broken_hot_path(repo_root, tmp_path, cli_env):
    out = tmp_path / "quick.json"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--json", str(out)],
        cwd=repo_root,
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=1100,
    )
    print(done.stdout)  # the table, in the test log
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    figures, raw = result["figures"], result["raw"]
    from bench.run import GPU_ROWS, TARGETS

    assert result["quick"]
    assert set(TARGETS) - GPU_ROWS <= set(figures) <= set(TARGETS)
    # Each figure against its own quick limit, from the table in bench/run.py.
    for name, figure in figures.items():
        _, limit, better = TARGETS[name]
        value = figure["value"]
        assert value >= limit if better == "higher" else value <= limit, (name, value, limit)
        assert figure["within_quick_limit"] and figure["quick_limit"] == limit
    # The measurements measured something: an answer streamed into the window and was drawn,
    # the send path decoded as many tokens as the engine alone, searches found conversations,
    # the long conversation was drawn.
    stall = raw["window"]["stall"]
    assert stall["answer_tokens"] >= 30 and stall["answer_chars"] > 0, stall
    assert stall["ticks_streaming"] >= 20, stall
    for run in raw["send_path"]["rounds"]:
        assert min(run["engine_tokens"], run["window_tokens"]) >= 32, run
        assert run["threads"][0] == run["threads"][1], run
    assert raw["history"]["search_hits_min"] > 0, raw["history"]
    assert raw["history"]["messages_drawn"] == 50, raw["history"]
    assert len(raw["engine"]["rounds"]) >= 5
