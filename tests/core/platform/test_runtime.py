"""Start-up (folders, logging, settings, the network guard) and what the machine offers."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from app.core.platform import hardware, runtime
from app.core.platform import settings as settings_mod
from app.core.platform.paths import DataFolderError


def test_start_prepares_everything(enclave_home, clean_logging):
    config = enclave_home / "config"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps({"theme": "dark", "threads": "x"}))
    rt = runtime.start()
    for folder in rt.paths.folders().values():
        assert folder.is_dir() and enclave_home in folder.parents
    assert rt.settings.theme == "dark"
    assert any("threads" in n for n in rt.settings.notices)
    logging.getLogger("app.test").warning("hello log")
    assert "hello log" in rt.paths.log_file.read_text(encoding="utf-8")
    rt.settings.temperature = 0.3
    rt.save_settings()
    assert settings_mod.load(rt.paths.settings_file).temperature == 0.3


_GUARD_AFTER_START = """
import socket
from app.core.platform import runtime
from app.core.privacy import netguard
before = netguard.installed()
runtime.start()
try:
    socket.create_connection(("192.0.2.1", 9), timeout=1)  # TEST-NET-1: never routed
    refused = False
except netguard.NetworkBlockedError:
    refused = True
print(before, netguard.installed(), refused)
"""


def test_start_installs_the_network_guard_in_a_fresh_process(repo_root, cli_env):
    # A fresh interpreter: in this one an earlier test may already have installed the guard.
    done = subprocess.run(
        [sys.executable, "-c", _GUARD_AFTER_START],
        cwd=repo_root,
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True", "True"]


def test_start_with_an_unwritable_home(tmp_path, monkeypatch):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    monkeypatch.setenv("ENCLAVE_HOME", str(blocker / "home"))
    with pytest.raises(DataFolderError, match="cannot write"):
        runtime.start()


def test_hardware_facts():
    ram = hardware.total_ram_bytes()
    assert ram is None or ram > 256 * 2**20
    cores = hardware.usable_cores()
    assert cores >= 1
    threads = hardware.default_threads()
    assert 1 <= threads <= cores
    if cores > 1:
        assert threads < cores  # a core stays free: llama.cpp's spinning threads must not starve


def test_llama_build_info():
    info = hardware.llama_build_info()
    assert info["available"] is True
    assert info["version"].count(".") >= 2
    assert isinstance(info["gpu_offload"], bool)
    assert info["gpu_offload"] == hardware.gpu_offload_supported()
    assert info["system_info"]  # what the CPU backend was built with
