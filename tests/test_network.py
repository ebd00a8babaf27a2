"""`enclave ask` talks to no other machine: every connection, datagram and name look-up made by any
Python code in the process is recorded (tests/network_recorder.py) and checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.privacy.netguard import is_loopback

RECORDER = Path(__file__).with_name("network_recorder.py")


def leaving(events):
    return [e for e in events if not (e[1].startswith("unix:") or is_loopback(e[1]))]


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_ask_connects_to_nothing_but_this_machine(tmp_path, cli_env, repo_root):
    record = tmp_path / "connections.json"
    proc = subprocess.run(
        [sys.executable, str(RECORDER), str(record), "cli", "ask", "--json", "--max-tokens", "16",
         "Is this conversation private?"], cwd=repo_root, env=cli_env,
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=100)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["engine"] == "local"
    events = json.loads(record.read_text())
    assert ["socket.getaddrinfo", "localhost"] in events  # the recorder worked
    assert leaving(events) == [], f"connections that would leave this machine: {leaving(events)}"


def test_the_check_would_catch_a_leak():
    events = [["socket.getaddrinfo", "localhost"], ["socket.connect", "unix:/run/x.sock"],
              ["socket.connect", "127.0.0.1"], ["socket.getaddrinfo", "huggingface.co"],
              ["socket.sendto", "8.8.8.8"]]
    assert leaving(events) == [["socket.getaddrinfo", "huggingface.co"],
                               ["socket.sendto", "8.8.8.8"]]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_window_connects_to_nothing_but_this_machine(tmp_path, cli_env, repo_root):
    record = tmp_path / "connections.json"
    proc = subprocess.run(
        [sys.executable, str(RECORDER), str(record), "window", "Is this conversation private?"],
        cwd=repo_root, env=cli_env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=150)
    assert proc.returncode == 0, proc.stderr[-3000:]  # 0: the window answered and closed
    events = json.loads(record.read_text())
    assert ["socket.getaddrinfo", "localhost"] in events  # the recorder worked
    assert leaving(events) == [], f"connections that would leave this machine: {leaving(events)}"
