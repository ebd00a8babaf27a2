"""The real OS keyring for tests (import from here, not from conftest: two conftest modules)."""

from __future__ import annotations

import os

import pytest


def keyring_or_skip():
    """The real OS keyring; outside scripts/run-tests.sh's keyring session, skip."""
    import keyring

    from app.core.privacy.keyring_store import KeyringStore, KeyringUnavailableError

    try:
        KeyringStore._call("get_password", "enclave-probe")
    except KeyringUnavailableError as exc:
        if os.environ.get("ENCLAVE_KEYRING_SESSION"):
            raise
        pytest.skip(f"no keyring outside scripts/run-tests.sh: {exc}")
    return keyring
