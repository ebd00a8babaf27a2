"""scripts/run-tests.sh cannot go green with the keyring tests silently skipped."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

SCRIPT = "scripts/run-tests.sh"


def _run_without_keyring_tools(repo_root, tmp_path, **extra):
    """The script on a PATH with neither dbus-run-session nor gnome-keyring-daemon."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    for tool in ("dirname", "mktemp", "rm"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ENCLAVE_KEYRING_SESSION", "ENCLAVE_ALLOW_NO_KEYRING")
    }
    env.update(PATH=str(bin_dir), **extra)
    return subprocess.run(
        [shutil.which("bash"), SCRIPT, "--version"],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_missing_keyring_tools_fail_unless_a_skip_is_asked_for(repo_root, tmp_path):
    refused = _run_without_keyring_tools(repo_root, tmp_path)
    assert refused.returncode == 1
    assert "ENCLAVE_ALLOW_NO_KEYRING=1" in refused.stderr and "pytest" not in refused.stdout
    allowed = _run_without_keyring_tools(
        repo_root, tmp_path / "again", ENCLAVE_ALLOW_NO_KEYRING="1"
    )
    assert allowed.returncode == 0, allowed.stderr
    assert "keyring tests are skipped" in allowed.stderr
    assert "pytest" in allowed.stdout + allowed.stderr  # pytest --version ran


def test_keyring_tests_skip_outside_the_private_session(monkeypatch):
    from keyring_check import keyring_or_skip

    monkeypatch.delenv("ENCLAVE_KEYRING_SESSION", raising=False)
    with pytest.raises(pytest.skip.Exception, match="never touch your own keyring"):
        keyring_or_skip()


def test_each_test_has_its_own_keyring_service(keyring_service):
    from app.core.privacy.keyring_store import SERVICE, service

    assert service() == keyring_service != SERVICE
