"""The system proxy (HTTP_PROXY / HTTPS_PROXY) carries hub requests, downloads included."""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.core.models.service import ModelLibrary
from app.core.settings import Settings
from hub_server import HUB_FILE, HUB_REPO


class _Proxy(BaseHTTPRequestHandler):
    """A forward proxy for plain HTTP: receives absolute URLs, relays to the origin."""
    protocol_version = "HTTP/1.1"
    seen: list[str] = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        _Proxy.seen.append(f"{self.command} {self.path}")
        url = urllib.parse.urlsplit(self.path)
        origin = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection",)}
        origin.request(self.command, url.path + (f"?{url.query}" if url.query else ""),
                       headers=headers)
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


@pytest.fixture
def proxy(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Proxy.seen = []
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("HTTP_PROXY", url)
    monkeypatch.setenv("http_proxy", url)
    yield _Proxy
    server.shutdown()
    server.server_close()


def test_hub_requests_and_downloads_go_through_the_proxy(paths, hub, proxy):
    from huggingface_hub.utils import close_session

    close_session()  # proxies are read from the environment when the client is made
    try:
        library = ModelLibrary(paths, Settings())
        request = library.request(library.hub.details(HUB_REPO), HUB_FILE)
        result = library.downloader.run(request)
    finally:
        close_session()
    assert result.state == "done"
    assert any(s.startswith(f"GET {hub.url}/api/models/{HUB_REPO}") for s in proxy.seen)
    assert any("/resolve/" in s and s.endswith(HUB_FILE) for s in proxy.seen)
    assert len(hub.requests) == len(proxy.seen)  # everything went through it
