"""The gate refuses when it cannot tell what the user's settings say: a wrong or half-made
settings object never counts as "online, cloud allowed"."""

from __future__ import annotations

import types

import pytest

from app.core.cloud.providers import Provider
from app.core.errors import EnclaveError
from app.core.platform.settings import Settings
from app.core.privacy import gate

ORG = Provider("Org", "http://127.0.0.1:9/v1", "org")
LOOKALIKE = types.SimpleNamespace(offline=False, cloud_allowed=True)


@pytest.mark.parametrize("settings", [None, object(), {"offline": False}, LOOKALIKE])
def test_anything_but_settings_is_refused(settings):
    with pytest.raises(EnclaveError, match="settings"):
        gate.check(settings, "search the model hub")
    with pytest.raises(EnclaveError, match="settings"):
        gate.check_cloud(settings, ORG, "ask Org", needs_consent=False)
    with pytest.raises(EnclaveError, match="settings"), gate.open_for(settings, "read a card"):
        pass


def test_real_settings_pass_and_their_switches_count():
    gate.check(Settings(), "search the model hub")
    gate.check_cloud(Settings(cloud_allowed=True), ORG, "ask Org", needs_consent=False)
    with pytest.raises(gate.OfflineError):
        gate.check(Settings(offline=True), "search the model hub")
    with pytest.raises(gate.CloudNotAllowedError):
        gate.check_cloud(Settings(), ORG, "ask Org", needs_consent=False)
