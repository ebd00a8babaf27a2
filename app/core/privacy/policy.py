"""The administrator's policy for managed workstations: rules the user cannot override.

A machine-wide JSON file (Linux ``/etc/enclave/policy.json``, Windows
``ProgramData\\Enclave\\policy.json``, macOS
``/Library/Application Support/Enclave/policy.json``), plus one more named by
``ENCLAVE_POLICY``, which can only add restrictions: for every rule the most restrictive value of
all files wins. Example::

    {"force_offline": false, "forbid_cloud": true, "allowed_provider_hosts": ["llm.corp.example"],
     "force_redaction": true, "forbid_hub_downloads": true, "forbid_api_server": false,
     "api_server_loopback_only": true, "managed_by": "Example Corp IT"}

A policy file that exists but cannot be read locks everything down (offline), with a notice: a
broken policy must never silently mean "no rules".

The machine-wide file counts only if no ordinary user can change it: on POSIX the file and every
folder above it belong to root and are not writable by others (a sticky folder such as /tmp
excepted); on Windows this account may not write, delete, re-permission or take over the file or
its folder. A file that fails is ignored with a notice naming it and why: its rules are not the
administrator's word. Windows finds ProgramData through the shell's known-folder lookup, never
the PROGRAMDATA environment variable, which the user sets. (The Windows side is verified on paper;
the tests run the POSIX side on real files.) The ENCLAVE_POLICY file needs no such check: it can
only add restrictions.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
ENV = "ENCLAVE_POLICY"
_FLAGS = (
    "force_offline",
    "forbid_cloud",
    "force_redaction",
    "forbid_hub_downloads",
    "forbid_api_server",
    "api_server_loopback_only",
)


_TRUSTED_OWNERS = frozenset({0})  # root; tests run by another user add their own uid
_PROGRAM_DATA = r"C:\ProgramData"  # only if the shell cannot say where it is


def machine_policy_file() -> Path:
    if sys.platform == "win32":
        return Path(_program_data()) / "Enclave" / "policy.json"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Enclave/policy.json")
    return Path("/etc/enclave/policy.json")


def _program_data() -> str:
    """Windows' ProgramData folder from SHGetKnownFolderPath(FOLDERID_ProgramData)."""
    try:
        import ctypes
        from ctypes import wintypes

        class GUID(ctypes.Structure):
            _fields_ = [
                ("a", wintypes.DWORD),
                ("b", wintypes.WORD),
                ("c", wintypes.WORD),
                ("d", ctypes.c_ubyte * 8),
            ]

        program_data = GUID(
            0x62AB5D82,
            0xFDC1,
            0x4DC3,
            (ctypes.c_ubyte * 8)(0xA9, 0xDD, 0x07, 0x0D, 0x1D, 0x49, 0x5D, 0x97),
        )
        shell32, ole32 = ctypes.WinDLL("shell32"), ctypes.WinDLL("ole32")  # type: ignore[attr-defined]
        shell32.SHGetKnownFolderPath.argtypes = [
            ctypes.POINTER(GUID),
            wintypes.DWORD,
            wintypes.HANDLE,
            ctypes.POINTER(ctypes.c_void_p),
        ]
        shell32.SHGetKnownFolderPath.restype = ctypes.c_long
        found = ctypes.c_void_p()
        result = shell32.SHGetKnownFolderPath(
            ctypes.byref(program_data), 0, None, ctypes.byref(found)
        )
        try:
            if result == 0 and found.value:
                return ctypes.wstring_at(found.value)
        finally:
            ole32.CoTaskMemFree(found)
        log.warning("SHGetKnownFolderPath(ProgramData) failed (0x%08x)", result & 0xFFFFFFFF)
    except (OSError, AttributeError, ValueError) as exc:  # no WinDLL off Windows
        log.warning("ProgramData lookup failed: %s", exc)
    return _PROGRAM_DATA


def _why_untrusted(path: Path) -> str | None:
    """Why an ordinary user could change the rules in this file; None if they cannot."""
    try:
        return (
            _windows_why_untrusted(path) if sys.platform == "win32" else _posix_why_untrusted(path)
        )
    except OSError as exc:  # cannot tell: keep the rules rather than drop them
        log.warning("could not check who may change %s: %s", path, exc)
        return None


def _posix_why_untrusted(path: Path) -> str | None:
    real = Path(os.path.realpath(path))
    # The real file and its folders, and the folders the configured path runs through (a link
    # there can be swapped by whoever may write its folder).
    checked = dict.fromkeys([real, *real.parents, *Path(os.path.abspath(path)).parents])
    for p in checked:
        st = os.stat(p)
        if st.st_uid not in _TRUSTED_OWNERS:
            return f"{p} belongs to {_user_name(st.st_uid)}, not root"
        if p != real and st.st_mode & stat.S_ISVTX:
            continue  # others may add to a sticky folder, not replace what root put there
        if st.st_mode & stat.S_IWOTH:
            return f"every user may change {p}"
        if st.st_mode & stat.S_IWGRP and st.st_gid != 0:
            return f"members of group {st.st_gid} may change {p}"
    return None


def _user_name(uid: int) -> str:
    import pwd

    try:
        return f"user {pwd.getpwuid(uid).pw_name} ({uid})"
    except KeyError:
        return f"user {uid}"


# Rights that let this account change what a policy file says: asked of the OS one at a time
# (CreateFileW grants a handle only if the file's security descriptor allows that right).
_FILE_RIGHTS = (
    ("write to", 0x40000000),
    ("delete or rename", 0x00010000),
    ("change the permissions of", 0x00040000),
    ("take ownership of", 0x00080000),
)
_FOLDER_RIGHTS = (
    ("delete or rename", 0x00010000),
    ("delete files in", 0x00000040),
    ("change the permissions of", 0x00040000),
    ("take ownership of", 0x00080000),
)


def _windows_why_untrusted(path: Path) -> str | None:
    for target, rights in ((path, _FILE_RIGHTS), (path.parent, _FOLDER_RIGHTS)):
        for what, access in rights:
            if _windows_may_open(target, access):
                return f"your account may {what} {target}"
    return None


def _windows_may_open(path: Path, access: int) -> bool:
    """Whether this account gets ``access`` to ``path``: opened and closed, nothing written."""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
    create = kernel32.CreateFileW
    create.argtypes = [
        wintypes.LPCWSTR,
        wintypes.DWORD,
        wintypes.DWORD,
        wintypes.LPVOID,
        wintypes.DWORD,
        wintypes.DWORD,
        wintypes.HANDLE,
    ]
    create.restype = wintypes.HANDLE
    share_all, open_existing, backup_semantics = 0x7, 3, 0x02000000  # the last: folders open
    handle = create(str(path), access, share_all, None, open_existing, backup_semantics, None)
    if handle in (None, ctypes.c_void_p(-1).value):
        return False
    kernel32.CloseHandle(handle)
    return True


@dataclass(frozen=True)
class Policy:
    force_offline: bool = False
    forbid_cloud: bool = False
    force_redaction: bool = False
    forbid_hub_downloads: bool = False
    forbid_api_server: bool = False  # `enclave serve` (the local OpenAI-compatible API) refused
    api_server_loopback_only: bool = False  # it may listen on this computer's loopback only
    allowed_provider_hosts: tuple[str, ...] | None = None  # None: any host the user configures
    managed_by: tuple[str, ...] = ()  # who set the rules, for "locked by …" in the window
    sources: tuple[str, ...] = ()
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def locked_by(self) -> str:
        return ", ".join(self.managed_by) or "your administrator"

    def merge(self, other: Policy) -> Policy:
        """Both sets of rules at once: every restriction of either applies."""
        flags = {f: getattr(self, f) or getattr(other, f) for f in _FLAGS}
        hosts = self.allowed_provider_hosts
        if other.allowed_provider_hosts is not None:
            hosts = (
                other.allowed_provider_hosts
                if hosts is None
                else tuple(h for h in hosts if h in other.allowed_provider_hosts)
            )
        return replace(
            self,
            **flags,
            allowed_provider_hosts=hosts,
            managed_by=self.managed_by + other.managed_by,
            sources=self.sources + other.sources,
            notices=self.notices + other.notices,
        )


def _read(path: Path) -> Policy | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.error("policy file %s unreadable: %s", path, exc)
        return _read_failed(path, f"could not be read ({exc})")
    if not isinstance(raw, dict):
        return _read_failed(path, "is not valid (it does not hold a JSON object)")
    values: dict[str, Any] = {}
    notices: list[str] = []
    for key in _FLAGS:
        if key in raw:
            if not isinstance(raw[key], bool):
                notices.append(f"Policy {path}: {key} must be true or false; treated as true.")
            values[key] = raw[key] is not False
    hosts = raw.get("allowed_provider_hosts")
    if hosts is not None:
        if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
            notices.append(
                f"Policy {path}: allowed_provider_hosts must be a list of host "
                f"names; no provider host is allowed."
            )
            hosts = []
        values["allowed_provider_hosts"] = tuple(h.strip().lower() for h in hosts)
    by = raw.get("managed_by")
    return Policy(
        **values, managed_by=(str(by),) if by else (), sources=(str(path),), notices=tuple(notices)
    )


def _read_failed(path: Path, problem: str) -> Policy:
    """A policy file that cannot be used locks everything down (and says why)."""
    return Policy(
        force_offline=True,
        forbid_cloud=True,
        forbid_hub_downloads=True,
        forbid_api_server=True,
        sources=(str(path),),
        notices=(
            f"The administrator's policy file {path} {problem}, so Enclave stays offline. "
            f"Ask your IT team to fix it.",
        ),
    )


def _ignored(path: Path, why: str) -> Policy:
    log.warning("policy file %s ignored: %s", path, why)
    return Policy(
        notices=(
            f"The administrator's policy file {path} was ignored: {why}, so its "
            f"rules could be anyone's. Ask your IT team to let only "
            f"administrators change it.",
        )
    )


def load(env: Mapping[str, str] | None = None, machine_file: Path | None = None) -> Policy:
    """The rules in force: the machine-wide file and ENCLAVE_POLICY, most restrictive wins."""
    env = os.environ if env is None else env
    policy = Policy()
    machine = machine_file or machine_policy_file()
    why = _why_untrusted(machine) if os.path.exists(machine) else None
    if why:
        policy, files = policy.merge(_ignored(machine, why)), []
    else:
        files = [machine]
    if env.get(ENV, "").strip():
        extra = Path(env[ENV]).expanduser()
        files.append(extra)
        if not extra.exists():
            policy = policy.merge(
                _read_failed(
                    extra, "is not valid (the file named by ENCLAVE_POLICY does not exist)"
                )
            )
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
    if (
        setting == "cloud_allowed"
        and value is True
        and (rules.force_offline or (rules.forbid_cloud and not rules.allowed_provider_hosts))
    ):
        return [
            f"Your administrator ({by}) does not allow cloud or remote providers here; "
            f"this setting has no effect."
        ]
    if setting == "redact" and value is False and rules.force_redaction:
        return [f"Your administrator ({by}) requires redaction; it stays on."]
    return []
