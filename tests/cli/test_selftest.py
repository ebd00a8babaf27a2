"""`enclave --self-test`, from source here and frozen in tests/test_frozen.py."""

from __future__ import annotations

import json

import pytest


def test_self_test_passes_and_reports(run_cli):
    done = run_cli("--self-test", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert out.rstrip().endswith("PASSED")
    for name in (
        "data folders",
        "llama.cpp",
        "GPU",
        "model",
        "answer",
        "OS keyring",
        "network guard",
    ):
        assert name in out
    answer = next(line for line in out.splitlines() if "answer" in line)
    assert answer.split()[0] == "ok" and "tokens/s" in answer
    gpu = next(line for line in out.splitlines() if line.split()[1:2] == ["GPU"])
    # either the devices, and the answer on one of them, or the reason there is none
    assert ("on CPU)" in answer and "none: " in gpu) or ("layers)" in answer and "GB free" in gpu)


@pytest.mark.timeout(180)
def test_self_test_opens_and_closes_the_window(run_cli):
    done = run_cli("--self-test", "--window", timeout=150)
    assert done.returncode == 0, done.stdout + done.stderr
    window = next(line for line in done.stdout.splitlines() if " window " in line)
    assert window.split()[0] == "ok" and "closed" in window


def test_self_test_fails_without_a_usable_model(run_cli, enclave_home):
    (enclave_home / "config").mkdir(parents=True)
    (enclave_home / "config" / "settings.json").write_text(
        json.dumps({"default_model": str(enclave_home / "missing.gguf")})
    )
    done = run_cli("--self-test")
    assert done.returncode == 1
    assert done.stdout.rstrip().endswith("FAILED") and "missing.gguf" in done.stdout


def test_self_test_fails_when_the_data_folder_is_unwritable(run_cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = run_cli("--self-test", home=blocker / "home")
    assert done.returncode == 1
    assert "FAIL" in done.stdout and "cannot write" in done.stdout
