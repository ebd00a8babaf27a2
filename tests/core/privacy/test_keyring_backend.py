"""Keys live only in an OS keyring: a plaintext backend chosen through the environment (or a
keyringrc.cfg) is refused, by name, and nothing is written anywhere."""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.slow

# What keyrings.alt's PlaintextKeyring does, in a few lines: secrets in a file, readable to anyone
# who can read the user's files.
_PLAINTEXT = textwrap.dedent("""
    import json, os
    from keyring.backend import KeyringBackend

    class FileKeyring(KeyringBackend):
        priority = 1
        path = os.environ["PLAINTEXT_KEYRING_FILE"]

        def _load(self):
            try:
                with open(self.path) as f:
                    return json.load(f)
            except OSError:
                return {}

        def get_password(self, service, username):
            return self._load().get(f"{service}/{username}")

        def set_password(self, service, username, password):
            data = self._load()
            data[f"{service}/{username}"] = password
            with open(self.path, "w") as f:
                json.dump(data, f)

        def delete_password(self, service, username):
            pass
""")


def test_a_plaintext_backend_is_refused_and_nothing_is_written(run_cli, tmp_path):
    (tmp_path / "plainkeys.py").write_text(_PLAINTEXT)
    secrets_file = tmp_path / "secrets.json"
    env = {
        "PYTHONPATH": str(tmp_path),
        "PYTHON_KEYRING_BACKEND": "plainkeys.FileKeyring",
        "PLAINTEXT_KEYRING_FILE": str(secrets_file),
    }
    stored = run_cli("keys", "set", "OpenAI", input="sk-very-secret\n", env=env)
    assert not secrets_file.exists()
    assert stored.returncode != 0
    assert "plainkeys.FileKeyring" in stored.stderr and "not" in stored.stderr
    assert "sk-very-secret" not in stored.stdout + stored.stderr
    assert run_cli("keys", "list", env=env).stdout.strip() == ""


def test_the_os_keyring_still_works(run_cli):
    from keyring_check import keyring_or_skip

    keyring_or_skip()
    assert run_cli("keys", "set", "OpenAI", input="sk-x\n").returncode == 0
    assert run_cli("keys", "list").stdout.split() == ["OpenAI"]
