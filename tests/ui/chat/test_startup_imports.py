"""The first window loads only what it shows: the local API server's web stack and the Models
window come in when the user opens them, not at start (each was a tenth of a second or more of
cold start). Checked in a fresh interpreter, where nothing else has imported them yet."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Loaded on first use only: the local API server is off by default, and the Models window
# opens on request.
NOT_AT_START = (
    "uvicorn",
    "starlette",
    "sse_starlette",
    "app.core.server.listen",
    "app.ui.models.models_dialog",
)


def _modules_after(statement: str, repo_root) -> set[str]:
    probe = f"{statement}; import json, sys; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.slow
def test_the_main_window_module_leaves_the_server_and_models_window_unloaded(repo_root):
    loaded = _modules_after("import app.ui.chat.main_window", repo_root)
    assert "app.ui.chat.main_window" in loaded  # the probe did import it
    assert sorted(loaded.intersection(NOT_AT_START)) == []


@pytest.mark.slow
def test_the_main_window_module_leaves_numpy_unloaded(repo_root):
    """numpy is for vector search and embeddings, which the first window does not do."""
    assert "numpy" not in _modules_after("import app.ui.chat.main_window", repo_root)
