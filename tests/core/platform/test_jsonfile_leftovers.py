"""A JSON write killed between writing its temporary file and the rename leaves that file
behind; the next write of the same file removes it, and leaves a running writer's alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from app.core.platform import jsonfile

# Writes the file once, then stops just before the rename (the temporary file whole on disk)
# and says so: the moment a kill leaves the most behind.
STOPPED_BEFORE_RENAME = """
import os, sys, time
from pathlib import Path
from app.core.platform import jsonfile

def wait(src, dst):
    print("written", flush=True)
    time.sleep(600)

os.replace = wait
jsonfile.write_atomic(Path(sys.argv[1]), {"terms": ["Nightjar"]})
"""


def _writer_stopped_before_rename(repo_root, path):
    proc = subprocess.Popen(
        [sys.executable, "-c", STOPPED_BEFORE_RENAME, str(path)],
        cwd=repo_root,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "written"
    return proc


def _leftovers(path):
    return sorted(path.parent.glob(f"{path.name}.*.tmp"))


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_the_next_write_removes_what_a_killed_writer_left(repo_root, tmp_path):
    path = tmp_path / "config" / "settings.json"
    killed = _writer_stopped_before_rename(repo_root, path)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    killed.stdout.close()
    assert len(_leftovers(path)) == 1  # what the kill left: a copy of the settings
    running = _writer_stopped_before_rename(repo_root, path)
    try:
        jsonfile.write_atomic(path, {"terms": []})
        # The killed writer's file is gone; the running writer's is still there.
        assert [p.name.split(".")[2] for p in _leftovers(path)] == [str(running.pid)]
    finally:
        running.kill()
        running.wait()
        running.stdout.close()
    assert json.loads(path.read_text()) == {"terms": []}


def test_a_temporary_file_older_than_any_write_is_removed(tmp_path):
    path = tmp_path / "settings.json"
    old = tmp_path / "settings.json.1.abcd.tmp"  # pid 1 runs for ever: only its age tells
    old.write_text("{")
    then = time.time() - jsonfile.STALE_S - 60
    os.utime(old, (then, then))
    jsonfile.write_atomic(path, {})
    assert _leftovers(path) == []
