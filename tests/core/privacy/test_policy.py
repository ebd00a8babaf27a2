"""The administrator's policy: most restrictive wins, a broken file locks down, the hub obeys it."""

from __future__ import annotations

import json
import os
import sys

import pytest

from app.core.privacy import policy
from app.core.privacy.gate import PolicyError


def _write(path, data):
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_no_policy_means_no_rules(tmp_path):
    rules = policy.load(env={}, machine_file=tmp_path / "none.json")
    assert rules == policy.Policy()


def test_extra_policy_can_only_add_restrictions(tmp_path):
    machine = _write(
        tmp_path / "machine.json",
        {
            "forbid_cloud": True,
            "allowed_provider_hosts": ["llm.corp.example", "other.example"],
            "managed_by": "Example IT",
        },
    )
    extra = _write(
        tmp_path / "extra.json",
        {
            "forbid_cloud": False,
            "force_redaction": True,
            "allowed_provider_hosts": ["llm.corp.example", "new.example"],
        },
    )
    rules = policy.load(env={"ENCLAVE_POLICY": str(extra)}, machine_file=machine)
    assert rules.forbid_cloud and rules.force_redaction  # false cannot undo true
    assert rules.allowed_provider_hosts == ("llm.corp.example",)  # intersection
    assert rules.locked_by == "Example IT" and len(rules.sources) == 2


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_a_broken_policy_locks_down_with_a_notice(tmp_path, content):
    rules = policy.load(env={}, machine_file=_write(tmp_path / "p.json", content))
    assert rules.force_offline and rules.forbid_cloud and rules.forbid_hub_downloads
    assert "stays offline" in rules.notices[0]


def test_missing_extra_policy_locks_down(tmp_path):
    rules = policy.load(
        env={"ENCLAVE_POLICY": str(tmp_path / "missing.json")}, machine_file=tmp_path / "none.json"
    )
    assert rules.force_offline


@pytest.mark.parametrize(
    "rule, message",
    [
        ("force_offline", "keeps Enclave offline"),
        ("forbid_hub_downloads", "does not allow getting"),
    ],
)
def test_policy_blocks_the_hub_before_any_request(paths, hub, tmp_path, monkeypatch, rule, message):
    from app.core.models.service import ModelLibrary
    from app.core.platform.settings import Settings

    monkeypatch.setenv(
        "ENCLAVE_POLICY", str(_write(tmp_path / "p.json", {rule: True, "managed_by": "Example IT"}))
    )
    library = ModelLibrary(paths, Settings())
    with pytest.raises(PolicyError, match=f"Example IT.*{message}"):
        library.search("smol")
    assert hub.requests == []


# -- The machine-wide file counts only if no ordinary user can change it -------------------------

OTHER = 54321  # a uid and gid no account on the test machine has
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")


@pytest.fixture(autouse=True)
def _trust_the_test_runner(monkeypatch):
    # CI runs as root; a developer's own files stand for root's when the suite runs as them.
    if os.geteuid() != 0:
        monkeypatch.setattr(policy, "_TRUSTED_OWNERS", frozenset({0, os.geteuid()}))


@pytest.fixture
def machine(tmp_path):
    """A machine policy that keeps Enclave offline, in folders only its owner may write."""
    folder = tmp_path / "etc" / "enclave"
    folder.mkdir(parents=True)
    for p in (tmp_path / "etc", folder):
        p.chmod(0o755)
    path = _write(
        folder / "policy.json",
        {"force_offline": True, "forbid_cloud": True, "managed_by": "Example IT"},
    )
    path.chmod(0o644)
    return path


def _assert_ignored(rules, path, why: str):
    assert not rules.force_offline and not rules.forbid_cloud and rules.sources == ()
    assert len(rules.notices) == 1
    assert f"policy file {path} was ignored" in rules.notices[0] and why in rules.notices[0]


def test_a_machine_policy_only_root_can_change_applies(machine):
    rules = policy.load(env={}, machine_file=machine)
    assert rules.force_offline and rules.forbid_cloud and rules.notices == ()


@needs_root
def test_a_machine_policy_owned_by_a_user_is_ignored(machine):
    os.chown(machine, OTHER, -1)
    _assert_ignored(
        policy.load(env={}, machine_file=machine),
        machine,
        f"{machine} belongs to user {OTHER}, not root",
    )


def test_a_machine_policy_anyone_may_write_is_ignored(machine):
    machine.chmod(0o666)
    _assert_ignored(
        policy.load(env={}, machine_file=machine), machine, f"every user may change {machine}"
    )


def test_a_machine_policy_a_group_may_write_is_ignored(machine):
    if os.geteuid() == 0:
        os.chown(machine, -1, OTHER)
    machine.chmod(0o664)
    gid = machine.stat().st_gid
    _assert_ignored(
        policy.load(env={}, machine_file=machine),
        machine,
        f"members of group {gid} may change {machine}",
    )


@needs_root
def test_group_root_may_write_it(machine):
    os.chown(machine, 0, 0)
    machine.chmod(0o664)
    assert policy.load(env={}, machine_file=machine).force_offline


@pytest.mark.parametrize("mode", [0o777, 0o775])
def test_a_folder_others_may_write_makes_it_ignored(machine, mode):
    folder = machine.parent
    if os.geteuid() == 0:
        os.chown(folder, -1, OTHER)
    folder.chmod(mode)  # whoever may write the folder may replace the file
    _assert_ignored(policy.load(env={}, machine_file=machine), machine, f"may change {folder}")


@needs_root
def test_a_folder_owned_by_a_user_makes_it_ignored(machine):
    os.chown(machine.parent.parent, OTHER, -1)
    _assert_ignored(
        policy.load(env={}, machine_file=machine),
        machine,
        f"{machine.parent.parent} belongs to user {OTHER}",
    )


def test_a_sticky_folder_anyone_may_add_to_is_fine(machine):
    machine.parent.chmod(0o1777)  # like /tmp: others cannot replace root's file
    assert policy.load(env={}, machine_file=machine).force_offline


@needs_root
def test_a_link_to_a_users_file_is_ignored(machine, tmp_path):
    theirs = _write(tmp_path / "theirs.json", {})
    os.chown(theirs, OTHER, -1)
    machine.unlink()
    machine.symlink_to(theirs)
    _assert_ignored(
        policy.load(env={}, machine_file=machine), machine, f"{theirs} belongs to user {OTHER}"
    )


@needs_root
def test_an_extra_policy_anyone_owns_still_adds_restrictions(machine, tmp_path):
    extra = _write(tmp_path / "extra.json", {"force_redaction": True})
    os.chown(extra, OTHER, -1)
    rules = policy.load(env={"ENCLAVE_POLICY": str(extra)}, machine_file=machine)
    assert rules.force_offline and rules.force_redaction and rules.notices == ()


# -- Windows: the machine folder comes from the shell, and the OS says who may change the file --


def test_windows_ignores_programdata_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", str(tmp_path / "chosen-by-the-user"))
    monkeypatch.setattr(policy, "_program_data", lambda: r"D:\Machine Data", raising=False)
    assert str(policy.machine_policy_file()).startswith("D:\\Machine Data")
    assert "chosen-by-the-user" not in str(policy.machine_policy_file())


def test_without_the_shell_the_fixed_programdata_is_used(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", str(tmp_path))
    # The real lookup runs, and fails here (no shell32): the fixed folder, not the variable.
    assert str(policy.machine_policy_file()).startswith("C:\\ProgramData")


def test_on_windows_the_users_programdata_does_not_replace_the_machines(monkeypatch, tmp_path):
    for who, rules in (("machine", {"force_offline": True}), ("user", {})):
        (tmp_path / who / "Enclave").mkdir(parents=True)
        _write(tmp_path / who / "Enclave" / "policy.json", rules)
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("PROGRAMDATA", str(tmp_path / "user"))
    monkeypatch.setattr(policy, "_program_data", lambda: str(tmp_path / "machine"), raising=False)
    monkeypatch.setattr(policy, "_windows_may_open", lambda path, access: False, raising=False)
    assert policy.load().force_offline


@pytest.mark.parametrize(
    "granted, why",
    [
        ((0x40000000, "file"), "your account may write to {file}"),
        ((0x00010000, "file"), "your account may delete or rename {file}"),
        ((0x00040000, "folder"), "your account may change the permissions of {folder}"),
        ((0x00000040, "folder"), "your account may delete files in {folder}"),
    ],
)
def test_on_windows_a_policy_this_account_may_change_is_ignored(monkeypatch, machine, granted, why):
    access, where = granted
    target = machine if where == "file" else machine.parent
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(policy, "_windows_may_open", lambda p, a: (p, a) == (target, access))
    _assert_ignored(
        policy.load(env={}, machine_file=machine),
        machine,
        why.format(file=machine, folder=machine.parent),
    )
