"""TLS is always verified; a company CA bundle (SSL_CERT_FILE / REQUESTS_CA_BUNDLE) is honoured."""

from __future__ import annotations

import pytest
from hub_server import HUB_FILE, HUB_REPO
from tls_stand_in import make_ca_and_server_cert, server_context

from app.core.models.hub import Hub, HubError
from app.core.platform.settings import Settings

GATED, GATED_FILE = "enclave-test/Gated-GGUF", "Gated-Q4_1.gguf"


@pytest.fixture
def tls_hub(tmp_path, starter_hub_file, monkeypatch):
    from hub_server import HubRepo, HubServer

    ca_file, cert_file, key_file = make_ca_and_server_cert(tmp_path)
    server = HubServer(
        [
            HubRepo(HUB_REPO, {HUB_FILE: starter_hub_file}),
            HubRepo(GATED, {GATED_FILE: starter_hub_file}, gated=True),
        ],
        tls=server_context(cert_file, key_file),
    ).start()
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    yield server, ca_file
    server.stop()


def _fresh_client():
    from huggingface_hub.utils import close_session

    close_session()  # the CA settings are read when the client is made


def test_unknown_certificate_is_refused(tls_hub):
    server, _ = tls_hub
    _fresh_client()
    with pytest.raises(HubError, match="TLS certificate could not be verified.*SSL_CERT_FILE"):
        Hub(Settings()).details(HUB_REPO)
    assert server.requests == []


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"])
def test_company_ca_bundle_is_honoured(tls_hub, monkeypatch, variable):
    server, ca_file = tls_hub
    monkeypatch.setenv(variable, str(ca_file))
    _fresh_client()
    try:
        details = Hub(Settings()).details(HUB_REPO)
    finally:
        monkeypatch.delenv(variable)
        _fresh_client()
    assert details.choices[0].name == HUB_FILE and len(server.requests) == 1


def test_the_token_is_sent_to_the_hub_over_https(tls_hub, monkeypatch, paths):
    from keyring_check import keyring_or_skip

    from app.core.privacy.keyring_store import HUGGINGFACE, KeyringStore

    keyring_or_skip()
    server, ca_file = tls_hub
    keys = KeyringStore(paths.keys_index)
    keys.set(HUGGINGFACE, server.token)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    _fresh_client()
    try:
        metadata = Hub(Settings(), keys).read_metadata(GATED, GATED_FILE, None)
    finally:
        monkeypatch.delenv("SSL_CERT_FILE")
        _fresh_client()
    assert metadata is not None
    assert [
        {k.lower(): v for k, v in r[2].items()}.get("authorization") for r in server.requests
    ] == [f"Bearer {server.token}"]
