"""The frozen bundle (dist/enclave, built by `make dist`, which `make test` runs first) works on its
own: its self-test answers with the bundled starter model, and its window comes up and closes."""

from __future__ import annotations

import pytest
from bundle import bundle_binary
from bundle import run_bundle as _run

# The built bundle or a virtual X screen: the full suite (`make test`), not `make check`.
pytestmark = pytest.mark.slow


@pytest.fixture
def frozen(repo_root):
    return bundle_binary(repo_root)


@pytest.mark.timeout(240)
def test_frozen_self_test_answers_with_the_bundled_starter_model(frozen, tmp_path):
    done = _run(frozen, "--self-test", home=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    model = next(line for line in done.stdout.splitlines() if " model " in line)
    assert "starter" in model and "Traceback" not in done.stderr
    assert done.stdout.rstrip().endswith("PASSED")


@pytest.mark.timeout(240)
def test_frozen_window_comes_up_and_exits_cleanly(frozen, tmp_path):
    done = _run(frozen, "--self-test", "--window", home=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    window = next(line for line in done.stdout.splitlines() if " window " in line)
    assert window.split()[0] == "ok"


@pytest.mark.timeout(120)
def test_frozen_cli_answers_and_stores(frozen, tmp_path):
    done = _run(frozen, "ask", "--json", "--max-tokens", "8", "Hello", home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"engine": "local"' in done.stdout
    listed = _run(frozen, "chats", "list", home=tmp_path)
    assert "Hello" in listed.stdout


@pytest.mark.timeout(240)
def test_frozen_self_test_and_ask_work_with_standard_streams_closed(frozen, tmp_path):
    # A windowed app started from the Start menu or the Dock has no standard streams; llama.cpp's
    # model load needs descriptor 1, so without them every load failed as a "damaged" file.
    assert _run(frozen, "--self-test", home=tmp_path, streams_closed=True).returncode == 0
    done = _run(frozen, "ask", "--max-tokens", "8", "Hello", home=tmp_path, streams_closed=True)
    assert done.returncode == 0
    listed = _run(frozen, "chats", "list", home=tmp_path)
    assert "2 msgs" in listed.stdout, listed.stdout + listed.stderr
