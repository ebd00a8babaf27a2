"""Settings and the other JSON files survive a process killed mid-write, and two processes
writing at once (the window and `enclave config set`): the file always holds one whole version."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time

import pytest

WRITER = """
import sys
from pathlib import Path
from app.core.platform import jsonfile
path, label = Path(sys.argv[1]), sys.argv[2]
for i in range(10**9):
    jsonfile.write_atomic(path, {"writer": label, "i": i, "padding": "x" * 200_000})
"""


def _writer(repo_root, path, label):
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), label],
        cwd=repo_root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _whole(path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["padding"] == "x" * 200_000
    return data


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_writer_killed_at_random_moments_leaves_a_whole_file(repo_root, tmp_path):
    path, rng = tmp_path / "settings.json", random.Random(11)
    for _ in range(8):
        writer = _writer(repo_root, path, "a")
        time.sleep(rng.uniform(0.3, 0.8))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        _whole(path)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_two_writers_at_once_never_mix_or_fail(repo_root, tmp_path):
    path = tmp_path / "settings.json"
    writers = [_writer(repo_root, path, label) for label in ("window", "cli")]
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if path.exists():
                _whole(path)
            time.sleep(0.01)
        assert all(w.poll() is None for w in writers), [
            w.stderr.read().decode()[-800:] for w in writers if w.poll()
        ]
    finally:
        for w in writers:
            w.kill()
            w.wait()
    assert _whole(path)["writer"] in ("window", "cli")
