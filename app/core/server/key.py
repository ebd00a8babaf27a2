"""The API key every request must carry: made on first use, kept only in the OS keyring."""

from __future__ import annotations

import hmac
import secrets

from app.core.platform.paths import Paths
from app.core.privacy.keyring_store import KeyringStore

KEY_NAME = "api-server"  # the keyring entry (`enclave keys list` shows the name, never the value)
PREFIX = "enclave-"
KEY_REFRESH_S = 5.0  # how often a running server reads the key again (a rotation takes effect)


def _store(paths: Paths) -> KeyringStore:
    return KeyringStore(paths.keys_index)


def current(paths: Paths) -> str:
    """The key, made and stored now if there is none. Raises KeyringUnavailableError."""
    store = _store(paths)
    key = store.get(KEY_NAME)
    if key is None:
        key = rotate(paths)
    return key


def rotate(paths: Paths) -> str:
    """A new key replaces the old one; a running server stops taking the old one within
    ``KEY_REFRESH_S`` seconds."""
    key = PREFIX + secrets.token_urlsafe(32)
    _store(paths).set(KEY_NAME, key)
    return key


def matches(given: str | None, key: str) -> bool:
    """Whether ``given`` is the key, in time that does not depend on how much of it matched."""
    return hmac.compare_digest((given or "").encode("utf-8"), key.encode("utf-8"))
