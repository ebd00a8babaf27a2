"""The administrator's policy for managed workstations: rules the user cannot override.

A machine-wide JSON file (Linux ``/etc/enclave/policy.json``, Windows
``%ProgramData%\\Enclave\\policy.json``, macOS ``/Library/Application Support/Enclave/policy.json``),
plus one more named by ``ENCLAVE_POLICY``, which can only add restrictions: for every rule the most
restrictive value of all files wins. Example::

    {"force_offline": false, "forbid_cloud": true, "allowed_provider_hosts": ["llm.corp.example"],
     "force_redaction": true, "forbid_hub_downloads": true, "managed_by": "Example Corp IT"}

A policy file that exists but cannot be read locks everything down (offline), with a notice: a
broken policy must never silently mean "no rules".
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

log = logging.getLogger(__name__)
ENV = "ENCLAVE_POLICY"
_FLAGS = ("force_offline", "forbid_cloud", "force_redaction", "forbid_hub_downloads")


def machine_policy_file() -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "Enclave" / "policy.json"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Enclave/policy.json")
    return Path("/etc/enclave/policy.json")


@dataclass(frozen=True)
class Policy:
    force_offline: bool = False
    forbid_cloud: bool = False
    force_redaction: bool = False
    forbid_hub_downloads: bool = False
    allowed_provider_hosts: tuple[str, ...] | None = None  # None: any host the user configures
    managed_by: tuple[str, ...] = ()  # who set the rules, for "locked by …" in the window
    sources: tuple[str, ...] = ()
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def locked_by(self) -> str:
        return ", ".join(self.managed_by) or "your administrator"

    def merge(self, other: "Policy") -> "Policy":
        """Both sets of rules at once: every restriction of either applies."""
        flags = {f: getattr(self, f) or getattr(other, f) for f in _FLAGS}
        hosts = self.allowed_provider_hosts
        if other.allowed_provider_hosts is not None:
            hosts = other.allowed_provider_hosts if hosts is None else tuple(
                h for h in hosts if h in other.allowed_provider_hosts)
        return replace(self, **flags, allowed_provider_hosts=hosts,
                       managed_by=self.managed_by + other.managed_by,
                       sources=self.sources + other.sources,
                       notices=self.notices + other.notices)


def _read(path: Path) -> Policy | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.error("policy file %s unreadable: %s", path, exc)
        return Policy(force_offline=True, forbid_cloud=True, forbid_hub_downloads=True,
                      sources=(str(path),), notices=(
                          f"The administrator's policy file {path} could not be read ({exc}), "
                          f"so Enclave stays offline. Ask your IT team to fix it.",))
    if not isinstance(raw, dict):
        return _read_failed(path, "it does not hold a JSON object")
    values, notices = {}, []
    for key in _FLAGS:
        if key in raw:
            if not isinstance(raw[key], bool):
                notices.append(f"Policy {path}: {key} must be true or false; treated as true.")
            values[key] = raw[key] is not False
    hosts = raw.get("allowed_provider_hosts")
    if hosts is not None:
        if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
            notices.append(f"Policy {path}: allowed_provider_hosts must be a list of host "
                           f"names; no provider host is allowed.")
            hosts = []
        values["allowed_provider_hosts"] = tuple(h.strip().lower() for h in hosts)
    by = raw.get("managed_by")
    return Policy(**values, managed_by=(str(by),) if by else (), sources=(str(path),),
                  notices=tuple(notices))


def _read_failed(path: Path, why: str) -> Policy:
    return Policy(force_offline=True, forbid_cloud=True, forbid_hub_downloads=True,
                  sources=(str(path),), notices=(
                      f"The administrator's policy file {path} is not valid ({why}), so Enclave "
                      f"stays offline. Ask your IT team to fix it.",))


def load(env: dict[str, str] | None = None, machine_file: Path | None = None) -> Policy:
    """The rules in force: the machine-wide file and ENCLAVE_POLICY, most restrictive wins."""
    env = os.environ if env is None else env
    policy = Policy()
    files = [machine_file or machine_policy_file()]
    if env.get(ENV, "").strip():
        extra = Path(env[ENV]).expanduser()
        files.append(extra)
        if not extra.exists():
            policy = policy.merge(_read_failed(extra, "the file named by ENCLAVE_POLICY does "
                                                      "not exist"))
    for path in files:
        found = _read(path)
        if found is not None:
            policy = policy.merge(found)
    return policy


def overrides(setting: str, value, rules: Policy | None = None) -> list[str]:
    """Why a user's setting has no effect under the policy (for the window and the CLI)."""
    rules = load() if rules is None else rules
    by = rules.locked_by
    if setting == "offline" and value is False and rules.force_offline:
        return [f"Your administrator ({by}) keeps Enclave offline; this setting has no effect."]
    if setting == "cloud_allowed" and value is True and (rules.force_offline or (
            rules.forbid_cloud and not rules.allowed_provider_hosts)):
        return [f"Your administrator ({by}) does not allow cloud or remote providers here; "
                f"this setting has no effect."]
    if setting == "redact" and value is False and rules.force_redaction:
        return [f"Your administrator ({by}) requires redaction; it stays on."]
    return []
