"""`enclave models …`, `enclave keys …`, `enclave config …` in a subprocess, against the hub
stand-in."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from hub_server import HUB_FILE, HUB_REPO

from app.core.models.download import target_path

pytestmark = pytest.mark.slow


def _hub_env(hub, tmp_path):
    return {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "hf-home")}


def test_search_info_download_list_remove(run_cli, hub, tmp_path, paths):
    env = _hub_env(hub, tmp_path)
    found = run_cli("models", "search", "smollm2", "--json", env=env)
    assert found.returncode == 0, found.stderr
    repos = json.loads(found.stdout)
    assert [r["repo"] for r in repos] == [HUB_REPO]
    assert repos[0]["files"][0] == {"name": HUB_FILE, "quant": "Q4_1", "size": None, "parts": 1}

    info = run_cli("models", "info", HUB_REPO, env=env)
    assert info.returncode == 0, info.stderr
    assert "License: Apache License 2.0" in info.stdout
    assert "CPU only (needs ~0.3 GB)" in info.stdout or "on GPU" in info.stdout
    assert f"Suggested for this machine: {HUB_FILE}" in info.stdout

    got = run_cli("models", "download", HUB_REPO, HUB_FILE, env=env)
    assert got.returncode == 0, got.stderr
    assert "installed and verified" in got.stdout
    assert "100.0%" in got.stderr and "MB/s" in got.stderr  # progress on stderr

    listed = json.loads(run_cli("models", "list", "--json").stdout)
    model = next(m for m in listed if m["source"] == "download")
    assert model["quantization"] == "Q4_1" and model["license"] == "apache-2.0"
    assert model["repo"] == HUB_REPO

    assert run_cli("models", "default", model["id"]).returncode == 0
    assert (
        run_cli("models", "set", model["id"], "temperature=0.2", "context_length=1024").returncode
        == 0
    )
    listed = json.loads(run_cli("models", "list", "--json").stdout)
    again = next(m for m in listed if m["id"] == model["id"])
    assert again["default"] and again["defaults"] == {"temperature": 0.2, "context_length": 1024}

    answer = run_cli("ask", "--json", "--max-tokens", "4", "Hi")
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["model"] == model["id"]

    removed = run_cli("models", "remove", model["id"])
    assert removed.returncode == 0 and not target_path(paths.models, HUB_REPO, HUB_FILE).exists()
    assert json.loads(run_cli("config", "get", "default_model").stdout) == ""


def test_download_failures_exit_nonzero_with_a_message(run_cli, hub, tmp_path):
    env = _hub_env(hub, tmp_path)
    missing = run_cli("models", "download", "enclave-test/Nope", "x.gguf", env=env)
    assert missing.returncode == 1
    assert "no model repository called 'enclave-test/Nope'" in missing.stderr
    gated = run_cli(
        "models",
        "download",
        "enclave-test/Gated-GGUF",
        "Gated-Q4_1.gguf",
        "--accept-license",
        env=env,
    )
    assert gated.returncode == 1 and "is gated" in gated.stderr
    assert "Traceback" not in missing.stderr + gated.stderr


def test_killed_download_resumes_on_the_next_run(hub, tmp_path, cli_env, repo_root, paths):
    hub.faults.bytes_per_s = 8e6
    env = {**cli_env, **_hub_env(hub, tmp_path)}
    part = target_path(paths.models, HUB_REPO, HUB_FILE).with_name(HUB_FILE + ".part")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "models", "download", HUB_REPO, HUB_FILE],
        cwd=repo_root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            not part.exists() or part.stat().st_size < 20_000_000
        ):
            time.sleep(0.1)
        assert part.exists() and part.stat().st_size >= 20_000_000
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    kept = part.stat().st_size
    hub.faults.bytes_per_s = None
    again = subprocess.run(
        [sys.executable, "-m", "app.cli", "models", "download", HUB_REPO, HUB_FILE],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert hub.downloads()[-1][2]["Range"] == f"bytes={kept}-"
    assert target_path(paths.models, HUB_REPO, HUB_FILE).is_file() and not part.exists()


def test_offline_setting_blocks_cli_and_contacts_nothing(run_cli, hub, tmp_path):
    env = _hub_env(hub, tmp_path)
    assert run_cli("config", "set", "offline", "true").returncode == 0
    for args in (("search", "smol"), ("info", HUB_REPO), ("download", HUB_REPO, HUB_FILE)):
        result = run_cli("models", *args, env=env)
        assert result.returncode == 1 and "set to work offline" in result.stderr
    assert hub.requests == []


def test_import_copy_and_in_place(run_cli, starter_model, tmp_path, paths):
    outside = tmp_path / "My Model (v2).gguf"
    outside.write_bytes(starter_model.read_bytes())
    copied = run_cli("models", "import", outside)
    assert copied.returncode == 0, copied.stderr
    assert "llama, 0.13B parameters, Q4_1, context 8192, chat template yes" in copied.stdout
    assert (paths.models / "imported" / outside.name).is_file()
    clash = run_cli("models", "import", "--in-place", outside)
    assert clash.returncode == 1 and "already installed" in clash.stderr
    other = tmp_path / "elsewhere.gguf"
    other.write_bytes(starter_model.read_bytes())
    assert run_cli("models", "import", "--in-place", other).returncode == 0
    listed = {m["id"]: m for m in json.loads(run_cli("models", "list", "--json").stdout)}
    assert listed["elsewhere"]["source"] == "reference"
    assert listed["elsewhere"]["path"] == str(other)
    assert run_cli("models", "remove", "elsewhere").returncode == 0
    assert other.is_file()  # a file used in place is only forgotten, never deleted
    bad = tmp_path / "broken.gguf"
    bad.write_bytes(starter_model.read_bytes()[:5_000_000])  # an interrupted copy
    result = run_cli("models", "import", bad)
    assert result.returncode == 1 and "damaged" in result.stderr


def test_keys_live_only_in_the_keyring_and_never_touch_the_users_entries(run_cli, enclave_home):
    from keyring_check import keyring_or_skip

    from app.core.privacy.keyring_store import SERVICE

    keyring = keyring_or_skip()
    # The user's own token under the real service name (in the private test keyring): the
    # test's set and remove below must leave it as it was.
    keyring.set_password(SERVICE, "huggingface", "hf_the_users_own_token")
    try:
        secret = "hf_supersecret_value_123"
        stored = run_cli("keys", "set", "huggingface", input=secret + "\n")
        assert stored.returncode == 0, stored.stderr
        assert run_cli("keys", "list").stdout.split() == ["huggingface"]
        for path in enclave_home.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
        assert run_cli("keys", "remove", "huggingface").returncode == 0
        assert run_cli("keys", "list").stdout.strip() == ""
        assert keyring.get_password(SERVICE, "huggingface") == "hf_the_users_own_token"
    finally:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(SERVICE, "huggingface")


def test_the_starter_models_own_defaults_are_kept_and_used(run_cli, paths):
    assert (
        run_cli("models", "set", "starter", "temperature=0.3", "context_length=1024").returncode
        == 0
    )
    listed = json.loads(run_cli("models", "list", "--json").stdout)
    starter = next(m for m in listed if m["source"] == "starter")
    assert starter["defaults"] == {"temperature": 0.3, "context_length": 1024}
    from app.core.models import installed
    from app.core.platform.settings import Settings

    used = installed.settings_for(Settings(), installed.resolve("starter", paths))
    assert (used.temperature, used.context_length) == (0.3, 1024)  # what a load and answer use
