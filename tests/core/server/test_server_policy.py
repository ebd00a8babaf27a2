"""The administrator's policy keys for the local API server."""

from __future__ import annotations

import json

import pytest

from app.core.privacy import policy
from app.core.privacy.gate import PolicyError
from app.core.server.listen import check_allowed


def _load(tmp_path, data, extra=None):
    machine = tmp_path / "machine.json"
    machine.write_text(data if isinstance(data, str) else json.dumps(data))
    env = {}
    if extra is not None:
        (tmp_path / "extra.json").write_text(json.dumps(extra))
        env["ENCLAVE_POLICY"] = str(tmp_path / "extra.json")
    return policy.load(env=env, machine_file=machine)


def test_without_a_policy_the_server_may_listen_anywhere_the_user_says(tmp_path):
    rules = policy.load(env={}, machine_file=tmp_path / "none.json")
    check_allowed("127.0.0.1", rules)
    check_allowed("0.0.0.0", rules)


def test_forbid_api_server(tmp_path):
    rules = _load(tmp_path, {"forbid_api_server": True, "managed_by": "Example IT"})
    with pytest.raises(PolicyError, match="Example IT.*does not allow.*API server"):
        check_allowed("127.0.0.1", rules)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_only_allows_loopback(tmp_path, host):
    check_allowed(host, _load(tmp_path, {"api_server_loopback_only": True}))


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])
def test_loopback_only_refuses_other_addresses(tmp_path, host):
    rules = _load(tmp_path, {"api_server_loopback_only": True})
    with pytest.raises(PolicyError, match="only on this computer's own address"):
        check_allowed(host, rules)


def test_an_extra_policy_can_add_but_not_lift_them(tmp_path):
    rules = _load(
        tmp_path,
        {"api_server_loopback_only": True},
        extra={"api_server_loopback_only": False, "forbid_api_server": True},
    )
    assert rules.api_server_loopback_only and rules.forbid_api_server


def test_a_broken_policy_forbids_the_server(tmp_path):
    rules = _load(tmp_path, "{not json")
    with pytest.raises(PolicyError):
        check_allowed("127.0.0.1", rules)


def test_a_value_that_is_not_true_or_false_counts_as_true(tmp_path):
    rules = _load(tmp_path, {"forbid_api_server": "no"})
    assert rules.forbid_api_server and "must be true or false" in rules.notices[0]
