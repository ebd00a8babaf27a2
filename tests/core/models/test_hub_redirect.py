"""The hub sends file downloads to another host (huggingface.co to its CDN): the gate lets the
redirect through for the action that asked, audits both hosts, and nothing else reaches the CDN.
The token goes to the hub (over HTTPS, as on huggingface.co) and never follows to the CDN."""

from __future__ import annotations

import pytest
from hub_server import HUB_FILE, HUB_REPO, HubRepo, HubServer
from tls_stand_in import make_ca_and_server_cert, server_context

from app.core.models.service import ModelLibrary
from app.core.platform.settings import Settings
from app.core.privacy import audit, http, netguard


class _Keys:
    """A saved Hugging Face token, without the OS keyring."""

    def get(self, name):
        return "hf_test_token"


@pytest.fixture
def cdn(hub, starter_hub_file):
    """A second loopback host with the same files; the hub redirects file requests there."""
    server = HubServer([HubRepo(HUB_REPO, {HUB_FILE: starter_hub_file})], host="localhost").start()
    hub.redirect_files_to = server.url
    yield server
    server.stop()


@pytest.fixture
def tls_hub_and_cdn(starter_hub_file, tmp_path, monkeypatch):
    """The hub and its CDN over HTTPS (certificates from a test CA the client trusts)."""
    from huggingface_hub.utils import close_session

    ca_file, cert_file, key_file = make_ca_and_server_cert(tmp_path)
    servers = [
        HubServer(
            [HubRepo(HUB_REPO, {HUB_FILE: starter_hub_file})],
            host=host,
            tls=server_context(cert_file, key_file),
        ).start()
        for host in ("127.0.0.1", "localhost")
    ]
    servers[0].redirect_files_to = servers[1].url
    monkeypatch.setenv("HF_ENDPOINT", servers[0].url)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    close_session()  # the CA settings are read when the client is made
    yield servers
    for server in servers:
        server.stop()
    monkeypatch.delenv("SSL_CERT_FILE")
    close_session()


def test_a_download_redirected_to_the_cdn_arrives_and_both_hosts_are_audited(
    paths, tls_hub_and_cdn, starter_hub_file
):
    hub, cdn = tls_hub_and_cdn
    library = ModelLibrary(paths, Settings())
    library.hub.keys = _Keys()
    result = library.downloader.run(library.request(library.hub.details(HUB_REPO), HUB_FILE))
    assert result.state == "done"
    [asked], [served] = (
        [{k.lower(): v for k, v in r[2].items()} for r in server.downloads()]
        for server in (hub, cdn)
    )
    assert asked["authorization"] == "Bearer hf_test_token"
    assert "authorization" not in served  # the token is for the hub, not for its CDN
    entries = [e for e in audit.default().entries() if e["path"].endswith(HUB_FILE)]
    assert [(e["host"], e["method"], e["status"]) for e in entries] == [
        ("127.0.0.1", "GET", 302),
        ("localhost", "GET", 200),
    ]
    assert entries[1]["bytes_received"] > starter_hub_file.size  # the file, and its headers
    assert audit.default().verify().ok


def test_the_cdn_is_let_through_only_for_the_action_that_was_redirected(paths, hub, cdn):
    library = ModelLibrary(paths, Settings())
    library.downloader.run(library.request(library.hub.details(HUB_REPO), HUB_FILE))
    served = len(cdn.requests)
    with pytest.raises(netguard.NetworkBlockedError, match="no action of yours asked for"):
        http.client().get(f"{cdn.url}/{HUB_REPO}/resolve/main/{HUB_FILE}")
    assert len(cdn.requests) == served
