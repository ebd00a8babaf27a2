"""`enclave ask` on a terminal shows a long question being read, on stderr, and clears the line
before the answer; in a log (stderr not a terminal) it prints nothing of it."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

LONG = "word " * 1100 + "\nSay hello."  # three of the starter model's batches


def test_a_terminal_sees_the_reading_line_then_the_answer(
    repo_root, cli_env, starter_model, tmp_path
):
    leader, follower = pty.openpty()  # stderr is a terminal; stdout is a pipe, as in `| less`
    try:
        done = subprocess.run(
            [sys.executable, "-m", "app.cli", "ask", "--max-tokens", "4", "-"],
            cwd=repo_root,
            env=cli_env,
            input=LONG.encode(),
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=300,
        )
        os.close(follower)
        follower = -1
        terminal = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: all is read
                break
            if not chunk:
                break
            terminal += chunk
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    text = terminal.decode("utf-8", "replace")
    assert done.returncode == 0, text
    assert "\r\x1b[KReading your message… 0 %" in text
    assert "left" in text  # the pace is known from the second batch on
    last = text.rindex("Reading your message…")
    assert "\r\x1b[K" in text[last:]  # cleared before the answer's notice
    assert "on this device" in text[last:]
    assert "Reading" not in done.stdout.decode()


def test_a_log_gets_no_reading_line(run_cli, starter_model):
    r = run_cli("ask", "--max-tokens", "4", "-", input=LONG)
    assert r.returncode == 0, r.stderr
    assert "Reading" not in r.stderr and "\x1b" not in r.stderr
