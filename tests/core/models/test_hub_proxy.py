"""The system proxy (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY) carries hub requests, downloads
included; an HTTPS hub is reached through the proxy's tunnel, so the proxy sees no path or token."""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hub_server import HUB_FILE, HUB_REPO
from test_hub_tls import tls_hub  # noqa: F401  (a fixture)

from app.core.errors import EnclaveError
from app.core.models.hub import Hub
from app.core.models.service import ModelLibrary
from app.core.platform.settings import Settings


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy: absolute URLs for plain HTTP, CONNECT tunnels for HTTPS."""

    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        _Proxy.seen.append(f"{self.command} {self.path}")
        url = urllib.parse.urlsplit(self.path)
        origin = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection",)}
        origin.request(
            self.command, url.path + (f"?{url.query}" if url.query else ""), headers=headers
        )
        reply = origin.getresponse()
        self.send_response(reply.status)
        for k, v in reply.getheaders():
            if k.lower() not in ("connection", "transfer-encoding"):
                self.send_header(k, v)
        self.end_headers()
        while chunk := reply.read(1 << 20):
            self.wfile.write(chunk)
        origin.close()

    do_HEAD = do_GET

    def do_CONNECT(self):  # noqa: N802
        _Proxy.seen.append(f"CONNECT {self.path}")
        host, _, port = self.path.rpartition(":")
        with socket.create_connection((host, int(port)), timeout=30) as origin:
            self.send_response(200)
            self.end_headers()
            ends = [self.connection, origin]
            while True:  # relay both ways until either side closes
                for ready in select.select(ends, [], [], 30)[0]:
                    data = ready.recv(1 << 16)
                    if not data:
                        return
                    (origin if ready is self.connection else self.connection).sendall(data)


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


@pytest.fixture
def proxy_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Proxy.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _use_proxy(monkeypatch, variable: str, url: str) -> None:
    """Only ``variable`` (in both spellings) names the proxy; no other proxy setting is left."""
    for name in (*PROXY_VARIABLES, "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv(variable, url)
    monkeypatch.setenv(variable.lower(), url)


@pytest.fixture
def proxy(monkeypatch, proxy_server):
    _use_proxy(monkeypatch, "HTTP_PROXY", proxy_server)
    return _Proxy


@contextlib.contextmanager
def _fresh_client():
    from huggingface_hub.utils import close_session

    close_session()  # proxies are read from the environment when the client is made
    try:
        yield
    finally:
        close_session()


def _download(paths):
    with _fresh_client():
        library = ModelLibrary(paths, Settings())
        return library.downloader.run(library.request(library.hub.details(HUB_REPO), HUB_FILE))


def test_hub_requests_and_downloads_go_through_the_proxy(paths, hub, proxy):
    result = _download(paths)
    assert result.state == "done"
    assert any(s.startswith(f"GET {hub.url}/api/models/{HUB_REPO}") for s in proxy.seen)
    assert any("/resolve/" in s and s.endswith(HUB_FILE) for s in proxy.seen)
    assert len(hub.requests) == len(proxy.seen)  # everything went through it


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "ALL_PROXY"])
def test_an_https_hub_is_reached_through_the_proxys_tunnel(
    paths,
    tls_hub,  # noqa: F811
    proxy_server,  # noqa: F811
    monkeypatch,
    variable,
):
    server, ca_file = tls_hub
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    _use_proxy(monkeypatch, variable, proxy_server)
    assert _download(paths).state == "done"
    host = urllib.parse.urlsplit(server.url).netloc
    # Every connection went through a tunnel: the proxy saw where, never what (no path, no
    # token), and the hub got both the model's details and the file.
    assert _Proxy.seen and set(_Proxy.seen) == {f"CONNECT {host}"}
    assert [r[1].split("?")[0] for r in server.requests] == [
        f"/api/models/{HUB_REPO}",
        f"/{HUB_REPO}/resolve/{server.repos[HUB_REPO].sha}/{HUB_FILE}",
    ]


def test_a_socks_proxy_enclave_cannot_use_is_named_and_nothing_is_contacted(
    paths, hub, monkeypatch
):
    _use_proxy(monkeypatch, "ALL_PROXY", "socks5://127.0.0.1:1080")
    with _fresh_client(), pytest.raises(EnclaveError, match="SOCKS proxy .*HTTPS_PROXY"):
        Hub(Settings()).search("smol")
    assert hub.requests == []


@pytest.mark.parametrize("variable", PROXY_VARIABLES)
def test_the_gate_opens_the_door_to_the_proxy_whichever_variable_names_it(monkeypatch, variable):
    from app.core.privacy import gate

    # Not connected to: a proxy elsewhere is what a loopback test cannot reach.
    _use_proxy(monkeypatch, variable, "http://proxy.corp.example:3128")
    assert gate._proxy_hosts() == {"proxy.corp.example"}
