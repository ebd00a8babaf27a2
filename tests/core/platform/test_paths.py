"""Where Enclave keeps its files: ENCLAVE_HOME, platform folders, and unwritable folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.errors import EnclaveError
from app.core.platform import paths as paths_mod
from app.core.platform.paths import DataFolderError


def test_enclave_home_puts_every_folder_under_it(enclave_home):
    p = paths_mod.resolve()
    folders = p.folders()
    assert set(folders) == {"config", "data", "cache", "logs", "models"}
    for name, folder in folders.items():
        assert folder == enclave_home / name
    assert p.settings_file == enclave_home / "config" / "settings.json"
    assert p.database == enclave_home / "data" / "enclave.sqlite3"
    assert p.log_file == enclave_home / "logs" / "enclave.log"


def test_resolve_creates_nothing(enclave_home):
    paths_mod.resolve()
    assert not enclave_home.exists()


def test_ensure_creates_writable_folders_and_leaves_no_probe_files(enclave_home):
    p = paths_mod.resolve().ensure()
    for folder in p.folders().values():
        assert folder.is_dir()
        probe = folder / "probe.txt"
        probe.write_text("x")  # really writable
        probe.unlink()
        # The write test cleaned up after itself (the log file is made owner-only beforehand).
        assert [f for f in folder.iterdir() if f != p.log_file] == []


def test_explicit_env_and_user_expansion(tmp_path):
    p = paths_mod.resolve({"ENCLAVE_HOME": "~/somewhere"})
    assert p.data == Path("~/somewhere").expanduser().absolute() / "data"
    assert p.data.is_absolute()


@pytest.mark.parametrize("value", ["", "   "])
def test_blank_enclave_home_falls_back_to_platform_folders(value):
    p = paths_mod.resolve({"ENCLAVE_HOME": value})
    for folder in p.folders().values():
        assert "enclave" in str(folder).lower()
    assert p.models == p.data / "models"


def test_unwritable_folder_gives_one_clear_error(tmp_path, monkeypatch):
    # Tests run as root, so permissions cannot make a folder unwritable: a regular file standing
    # where a parent folder should be can.
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ENCLAVE_HOME", str(blocker / "home"))
    with pytest.raises(DataFolderError) as info:
        paths_mod.resolve().ensure()
    assert isinstance(info.value, EnclaveError)
    message = str(info.value)
    assert "cannot write" in message
    assert str(blocker / "home") in message
    assert "ENCLAVE_HOME" in message  # says what to do
    assert info.value.folder == blocker / "home" / "config"


def test_resources_dir_is_the_checkouts_resources_folder():
    folder = paths_mod.resources_dir()
    assert folder.name == "resources"
    assert (folder / "icons" / "enclave.svg").is_file()
