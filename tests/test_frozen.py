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


@pytest.mark.timeout(180)
def test_frozen_serve_answers_the_openai_sdk_and_stops_cleanly(frozen, tmp_path):
    """`enclave serve` from the bundle: its web stack (uvicorn picks modules by name) is all
    there, a real client chats through it, and SIGTERM ends it with exit 0."""
    import os
    import signal
    import socket
    import subprocess
    import time

    import openai
    from keyring_check import keyring_or_skip

    keyring_or_skip()
    key = _run(frozen, "server", "key", home=tmp_path)
    assert key.returncode == 0, key.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(ENCLAVE_HOME=str(tmp_path))
    server = subprocess.Popen(
        [str(frozen), "serve", "--port", str(port)],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        client = openai.OpenAI(
            base_url=f"http://127.0.0.1:{port}/v1", api_key=key.stdout.strip(), timeout=60
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                models = client.models.list().data
                break
            except openai.APIConnectionError:
                assert time.monotonic() < deadline and server.poll() is None, "never listened"
                time.sleep(0.5)
        stream = client.chat.completions.create(
            model=models[0].id,
            messages=[{"role": "user", "content": "Hello"}],
            max_tokens=8,
            stream=True,
        )
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices).strip()
    finally:
        server.send_signal(signal.SIGTERM)
        _, errors = server.communicate(timeout=30)
    assert server.returncode == 0, errors
    assert "Traceback" not in errors
