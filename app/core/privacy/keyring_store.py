"""Secrets (API keys, the Hugging Face token) live only in the operating system's keyring.

There is no fallback: if no keyring can be used, the feature that needs the secret stays unavailable
and the message says why and what to do. Secret values are never logged, and the names of the stored
secrets (not secret themselves) are kept in a small index file so they can be listed.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from app.core.errors import EnclaveError
from app.core.platform import jsonfile

log = logging.getLogger(__name__)
SERVICE = "Enclave"
HUGGINGFACE = "huggingface"


def service() -> str:
    """The keyring service Enclave's secrets live under. ENCLAVE_KEYRING_SERVICE exists for the
    tests, so they never read, overwrite or delete the user's own entries."""
    return os.environ.get("ENCLAVE_KEYRING_SERVICE") or SERVICE


class KeyringUnavailableError(EnclaveError):
    """No usable OS keyring: none installed, locked, or unable to ask for its password."""


def _explain(exc: Exception) -> KeyringUnavailableError:
    from keyring import errors

    if isinstance(exc, errors.KeyringLocked):
        cause = (
            "your keyring is locked. Unlock it (log in to your desktop session, or "
            'unlock "Login" in your keyring manager) and try again'
        )
    elif isinstance(exc, errors.NoKeyringError):
        cause = (
            "no keyring is available on this system. On Linux, install and start a Secret "
            "Service (GNOME Keyring or KWallet) in your desktop session; on a server without "
            "a desktop, run Enclave inside `dbus-run-session` with gnome-keyring-daemon"
        )
    elif isinstance(exc, errors.InitError):
        cause = (
            "the keyring could not ask for your password here (no desktop session to show "
            "its prompt). Unlock it from your desktop first"
        )
    else:
        cause = f"the keyring reported an error ({type(exc).__name__})"
    return KeyringUnavailableError(
        f"Enclave keeps keys and tokens only in your system's keyring, but {cause}. "
        f"Nothing was stored anywhere else."
    )


# The operating systems' own keyrings (keyring's modules for them). Anything else — keyrings.alt's
# plaintext or "encrypted" files, a backend chosen through PYTHON_KEYRING_BACKEND or a
# keyringrc.cfg — would put the key in a file that any program running as the user can copy.
OS_BACKENDS = {
    "keyring.backends.SecretService": "Secret Service (GNOME Keyring, KeePassXC)",
    "keyring.backends.libsecret": "Secret Service (libsecret)",
    "keyring.backends.kwallet": "KWallet",
    "keyring.backends.macOS": "macOS Keychain",
    "keyring.backends.Windows": "Windows Credential Locker",
}


def _backend_name(backend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def _keyring():
    import keyring
    from keyring.backends import chainer, fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
        from keyring.errors import NoKeyringError

        raise _explain(NoKeyringError())
    # A chain reads from every backend in it, so each one must be the OS's own.
    chain = list(backend.backends) if isinstance(backend, chainer.ChainerBackend) else [backend]
    others = [_backend_name(b) for b in chain if type(b).__module__ not in OS_BACKENDS]
    if others or not chain:
        raise KeyringUnavailableError(
            f"Enclave keeps keys and tokens only in your operating system's keyring, but the "
            f"keyring in use is {', '.join(others) or 'an empty chain'}, which is not one "
            f"(it may keep secrets in a plain file). It is chosen by PYTHON_KEYRING_BACKEND, "
            f"a keyringrc.cfg file or an installed plug-in such as keyrings.alt: remove it to use "
            f"{', '.join(sorted(set(OS_BACKENDS.values())))}. Nothing was stored."
        )
    return keyring


class KeyringStore:
    """Named secrets for Enclave in the OS keyring. ``index`` lists the names (never values)."""

    def __init__(self, index: Path):
        self.index = index

    def names(self) -> list[str]:
        try:
            data = json.loads(self.index.read_text(encoding="utf-8"))
            return sorted(n for n in data if isinstance(n, str))
        except (OSError, ValueError):
            return []

    def _write_names(self, names: set[str]) -> None:
        jsonfile.write_atomic(self.index, sorted(names))

    @staticmethod
    def _call(method: str, *args):
        """A keyring call; any backend's failure becomes KeyringUnavailableError."""
        from keyring.errors import PasswordDeleteError

        try:
            return getattr(_keyring(), method)(service(), *args)
        except (KeyringUnavailableError, PasswordDeleteError):
            raise
        except Exception as exc:  # keyring backends raise their own error types
            raise _explain(exc) from None

    @classmethod
    def get_unlisted(cls, name: str) -> str | None:
        """Enclave's own bookkeeping secret (the audit log's key), kept out of ``names``."""
        return cls._call("get_password", name) or None

    @classmethod
    def set_unlisted(cls, name: str, value: str) -> None:
        cls._call("set_password", name, value)

    def get(self, name: str) -> str | None:
        """The secret, or None if none is stored. Raises KeyringUnavailableError."""
        return self._call("get_password", name) or None

    def set(self, name: str, value: str) -> None:
        value = value.strip()
        if not value:
            raise EnclaveError("The key is empty; nothing was stored.")
        self._call("set_password", name, value)
        self._write_names(set(self.names()) | {name})
        log.info("secret %r stored in the OS keyring", name)

    def remove(self, name: str) -> bool:
        """Delete a secret; False if there was none."""
        from keyring.errors import PasswordDeleteError

        try:
            self._call("delete_password", name)
            removed = True
        except PasswordDeleteError:
            removed = False
        self._write_names(set(self.names()) - {name})
        return removed
