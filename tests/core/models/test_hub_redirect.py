"""The hub sends file downloads to another host (huggingface.co to its CDN): the gate lets the
redirect through for the action that asked, audits both hosts, and nothing else reaches the CDN."""

from __future__ import annotations

import pytest
from hub_server import HUB_FILE, HUB_REPO, HubRepo, HubServer

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


def test_a_download_redirected_to_the_cdn_arrives_and_both_hosts_are_audited(
        paths, hub, cdn, starter_hub_file):
    library = ModelLibrary(paths, Settings())
    library.hub.keys = _Keys()
    result = library.downloader.run(library.request(library.hub.details(HUB_REPO), HUB_FILE))
    assert result.state == "done"
    [asked], [served] = ([{k.lower(): v for k, v in r[2].items()} for r in server.downloads()]
                         for server in (hub, cdn))
    assert asked["authorization"] == "Bearer hf_test_token"
    assert "authorization" not in served  # the token is for the hub, not for its CDN
    entries = [e for e in audit.default().entries() if e["path"].endswith(HUB_FILE)]
    assert [(e["host"], e["method"], e["status"]) for e in entries] == [
        ("127.0.0.1", "GET", 302), ("localhost", "GET", 200)]
    assert entries[1]["bytes_received"] > starter_hub_file.size  # the file, and its headers
    assert audit.default().verify().ok


def test_the_cdn_is_let_through_only_for_the_action_that_was_redirected(paths, hub, cdn):
    library = ModelLibrary(paths, Settings())
    library.downloader.run(library.request(library.hub.details(HUB_REPO), HUB_FILE))
    served = len(cdn.requests)
    with pytest.raises(netguard.NetworkBlockedError, match="no action of yours asked for"):
        http.client().get(f"{cdn.url}/{HUB_REPO}/resolve/main/{HUB_FILE}")
    assert len(cdn.requests) == served
