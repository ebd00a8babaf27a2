"""`enclave config` in a subprocess: a change by its README name, and a refused one that says which
setting and why and leaves the file as it was."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


def test_set_then_get_by_either_name(run_cli, paths):
    done = run_cli("config", "set", "network.offline", "true")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "offline = true"
    assert run_cli("config", "get", "offline").stdout.strip() == "true"
    assert json.loads(paths.settings_file.read_text())["offline"] is True


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("abc", "temperature should be float, not 'abc'"),
        ("5", "temperature must be between 0 and 2"),
        ('"0.5"', "temperature should be float, not str"),
    ],
)
def test_an_invalid_value_is_refused_and_the_file_kept(run_cli, paths, value, says):
    assert run_cli("config", "set", "theme", "dark").returncode == 0
    before = paths.settings_file.read_bytes()
    done = run_cli("config", "set", "temperature", value)
    assert done.returncode == 1
    assert f"Settings not changed: {says}." in done.stderr
    assert "Traceback" not in done.stderr
    assert paths.settings_file.read_bytes() == before
