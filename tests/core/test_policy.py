"""The administrator's policy: most restrictive wins, a broken file locks down, the hub obeys it."""

from __future__ import annotations

import json

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
    machine = _write(tmp_path / "machine.json", {
        "forbid_cloud": True, "allowed_provider_hosts": ["llm.corp.example", "other.example"],
        "managed_by": "Example IT"})
    extra = _write(tmp_path / "extra.json", {
        "forbid_cloud": False, "force_redaction": True,
        "allowed_provider_hosts": ["llm.corp.example", "new.example"]})
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
    rules = policy.load(env={"ENCLAVE_POLICY": str(tmp_path / "missing.json")},
                        machine_file=tmp_path / "none.json")
    assert rules.force_offline


@pytest.mark.parametrize("rule, message", [("force_offline", "keeps Enclave offline"),
                                           ("forbid_hub_downloads", "does not allow getting")])
def test_policy_blocks_the_hub_before_any_request(paths, hub, tmp_path, monkeypatch, rule,
                                                  message):
    from app.core.models.service import ModelLibrary
    from app.core.settings import Settings

    monkeypatch.setenv("ENCLAVE_POLICY", str(_write(tmp_path / "p.json",
                                                    {rule: True, "managed_by": "Example IT"})))
    library = ModelLibrary(paths, Settings())
    with pytest.raises(PolicyError, match=f"Example IT.*{message}"):
        library.search("smol")
    assert hub.requests == []
