"""`enclave` with no command where there is no display: one sentence and a usage-error exit,
not Qt's plugin abort (exit 134 and a core dump)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.ui.app import display_problem


@pytest.mark.slow
def test_the_window_without_a_display_says_what_to_use_instead(repo_root, enclave_home):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    env["ENCLAVE_HOME"] = str(enclave_home)
    done = subprocess.run(
        [sys.executable, "-m", "app.cli"],
        cwd=repo_root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "needs a desktop session" in lines[0]
    assert "enclave ask" in lines[0] and "enclave serve" in lines[0]


@pytest.mark.parametrize(
    ("environ", "platform", "opens"),
    [
        ({}, "linux", False),
        ({"DISPLAY": ":0"}, "linux", True),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", True),
        ({"QT_QPA_PLATFORM": "vnc:size=1280x800"}, "linux", True),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),  # both need a server
        ({"QT_QPA_PLATFORM": "xcb"}, "freebsd14", False),
        ({}, "win32", True),
        ({}, "darwin", True),
    ],
)
def test_which_environments_have_a_display(environ, platform, opens):
    assert (display_problem(environ, platform) is None) is opens
