"""The real OS keyring for tests (import from here, not from conftest: two conftest modules)."""

from __future__ import annotations

import os

import pytest


def keyring_or_skip():
    """The real OS keyring, only inside scripts/run-tests.sh's private keyring session.

    Outside it the keyring is the user's own: a test writing there could prompt for their
    password or change their entries, so it is skipped (with the reason shown by ``-rs``).
    Inside it, a keyring that does not work is a failure, never a skip.
    """
    import keyring

    from app.core.privacy.keyring_store import KeyringStore

    if not os.environ.get("ENCLAVE_KEYRING_SESSION"):
        pytest.skip(
            "keyring tests run only inside scripts/run-tests.sh's private keyring "
            "session; they never touch your own keyring"
        )
    KeyringStore._call("get_password", "enclave-probe")  # KeyringUnavailableError: fails
    return keyring
