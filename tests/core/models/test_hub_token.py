"""The Hugging Face token goes only to the configured hub, and only over HTTPS (over TLS:
test_hub_tls.py; through a redirect to the CDN: test_hub_redirect.py)."""

from __future__ import annotations

import pytest

from app.core.models.hub import GatedModelError, Hub
from app.core.platform.settings import Settings
from app.core.privacy.keyring_store import HUGGINGFACE, KeyringStore

GATED, GATED_FILE = "enclave-test/Gated-GGUF", "Gated-Q4_1.gguf"


def test_the_token_is_not_sent_over_plain_http_and_the_user_is_told_why(hub, paths):
    from keyring_check import keyring_or_skip

    keyring_or_skip()
    keys = KeyringStore(paths.keys_index)
    keys.set(HUGGINGFACE, hub.token)
    assert hub.url.startswith("http://")
    with pytest.raises(GatedModelError, match=r"token was not sent.*not HTTPS"):
        Hub(Settings(), keys).read_metadata(GATED, GATED_FILE, None)
    Hub(Settings(), keys).search("SmolLM2")
    assert hub.requests and not [
        r for r in hub.requests if "authorization" in {k.lower() for k in r[2]}
    ]


def test_a_header_is_read_from_its_first_megabytes_even_when_the_range_is_ignored(hub, monkeypatch):
    """A mirror or proxy that ignores a Range's end sends the whole file (gigabytes for a real
    model): reading the header stops at what was asked for."""
    from hub_server import HUB_FILE, HUB_REPO

    from app.core.models import gguf

    hub.faults.ignore_range = True
    prefixes, real = [], gguf.metadata_from_prefix
    monkeypatch.setattr(
        gguf, "metadata_from_prefix", lambda data: prefixes.append(len(data)) or real(data)
    )
    metadata = Hub(Settings()).read_metadata(HUB_REPO, HUB_FILE, None)
    assert metadata and metadata["general.architecture"] == "llama"
    assert prefixes == [2 * 2**20]  # not the starter's 98 MB
