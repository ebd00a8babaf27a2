"""A Hugging Face hub stand-in on loopback: what huggingface_hub and Enclave's downloader use.

Implements model search (``GET /api/models``), model info with LFS sizes and sha256
(``GET /api/models/{repo}?blobs=true``) and file downloads
(``HEAD``/``GET /{repo}/resolve/{rev}/{file}`` with Range). Files are served from real paths (the
starter model). Faults can be switched on per file: drop the connection after N bytes, serve wrong
bytes, slow down; gated repositories answer 401 or 403 like the hub. Every request is recorded, so
tests can assert that nothing was asked.

Like huggingface.co, which sends file downloads to its CDN, ``redirect_files_to`` makes file
requests answer 302 to another server (a second ``HubServer``, named differently: ``host``).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHUNK = 256 * 1024
HUB_REPO = "enclave-test/SmolLM2-135M-Instruct-GGUF"  # the starter model's bytes, served
HUB_FILE = "SmolLM2-135M-Instruct-Q4_1.gguf"


@dataclass
class HubFile:
    path: Path
    sha256: str = ""

    def __post_init__(self):
        if not self.sha256:
            digest = hashlib.sha256()
            with self.path.open("rb") as f:
                while chunk := f.read(1 << 22):
                    digest.update(chunk)
            self.sha256 = digest.hexdigest()

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass
class HubRepo:
    id: str
    files: dict[str, HubFile]
    license: str = "apache-2.0"
    gated: bool = False
    downloads: int = 0
    likes: int = 0
    sha: str = "0123456789abcdef0123456789abcdef01234567"
    gguf: dict | None = None
    listed_names: list[str] | None = None  # override the file names the listing shows
    license_link: str | None = None  # the card's license_link, as an author may write it


@dataclass
class Faults:
    drop_after: dict[str, int] = field(default_factory=dict)  # file -> bytes, once each
    corrupt: set[str] = field(default_factory=set)  # flip a byte in the middle
    bytes_per_s: float | None = None  # slow every download
    status: dict[str, int] = field(default_factory=dict)  # file -> status code, once each
    ignore_range: bool = False


class HubServer:
    def __init__(
        self, repos: list[HubRepo], token: str = "hf_test_token", tls=None, host: str = "127.0.0.1"
    ):
        self.repos = {r.id: r for r in repos}
        self.token = token
        self.host = host  # the name in ``url``; the server listens on 127.0.0.1 whatever it is
        self.redirect_files_to: str | None = None  # a base URL: file requests answer 302 there
        self.faults = Faults()
        self.requests: list[tuple[str, str, dict]] = []
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None:  # an ssl.SSLContext with the server's certificate
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.httpd.server_address[1]}"

    def start(self) -> HubServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def downloads(self) -> list[tuple[str, str, dict]]:
        return [r for r in self.requests if "/resolve/" in r[1] and r[0] == "GET"]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _record(self):
                with server._lock:
                    server.requests.append((self.command, self.path, dict(self.headers)))

            def _json(self, data, status=200, headers=None):
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _error(self, status, code=None, message="error"):
                self._json({"error": message}, status, {"X-Error-Code": code} if code else None)

            def do_HEAD(self):
                self.do_GET()

            def do_GET(self):
                self._record()
                parts = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(parts.query)
                path = urllib.parse.unquote(parts.path)
                if path == "/api/models":
                    return self._search(query)
                if path.startswith("/api/models/"):
                    rest = path[len("/api/models/") :]
                    repo_id = "/".join(rest.split("/")[:2])
                    return self._info(repo_id)
                if "/resolve/" in path:
                    repo_id, _, rest = path.lstrip("/").partition("/resolve/")
                    _rev, _, filename = rest.partition("/")
                    return self._file(repo_id, filename)
                self._error(404, None, "not found")

            def _siblings(self, repo: HubRepo, blobs: bool):
                names = repo.listed_names or list(repo.files)
                out = []
                for name in names:
                    f = repo.files.get(name) or next(iter(repo.files.values()))
                    item = {"rfilename": name}
                    if blobs:
                        item.update(
                            size=f.size,
                            blobId="b" * 40,
                            lfs={"size": f.size, "sha256": f.sha256, "pointerSize": 134},
                        )
                    out.append(item)
                return out

            def _summary(self, repo: HubRepo, blobs=False):
                return {
                    "id": repo.id,
                    "modelId": repo.id,
                    "sha": repo.sha,
                    "downloads": repo.downloads,
                    "likes": repo.likes,
                    "gated": "manual" if repo.gated else False,
                    "private": False,
                    "tags": ["gguf", f"license:{repo.license}"],
                    "cardData": {
                        "license": repo.license,
                        **({"license_link": repo.license_link} if repo.license_link else {}),
                    },
                    "siblings": self._siblings(repo, blobs),
                    **({"gguf": repo.gguf} if repo.gguf else {}),
                }

            def _search(self, query):
                words = (query.get("search") or [""])[0].lower()
                found = [r for r in server.repos.values() if words in r.id.lower()]
                sort = (query.get("sort") or ["downloads"])[0]
                found.sort(key=lambda r: getattr(r, sort, 0), reverse=True)
                limit = int((query.get("limit") or [100])[0])
                self._json([self._summary(r) for r in found[:limit]])

            def _info(self, repo_id):
                repo = server.repos.get(repo_id)
                if repo is None:
                    return self._error(404, "RepoNotFound", "Repository not found")
                self._json(self._summary(repo, blobs=True))

            def _file(self, repo_id, filename):
                repo = server.repos.get(repo_id)
                if repo is None:
                    return self._error(404, "RepoNotFound", "Repository not found")
                if repo.gated and self.headers.get("Authorization") != f"Bearer {server.token}":
                    status = 403 if self.headers.get("Authorization") else 401
                    return self._error(status, "GatedRepo", "Access to this repo is restricted")
                f = repo.files.get(filename)
                if f is None:
                    return self._error(404, "EntryNotFound", "Entry not found")
                with server._lock:
                    forced = server.faults.status.pop(filename, None)
                if forced and self.command == "GET":
                    return self._error(forced, None, "server trouble")
                if server.redirect_files_to:
                    return self._redirect(repo, f)
                size, start = f.size, 0
                rng = self.headers.get("Range")
                if rng and not server.faults.ignore_range and self.command == "GET":
                    start = int(rng.split("=")[1].split("-")[0])
                    if start >= size:
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{size}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(size - start))
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("ETag", f'"{f.sha256}"')
                self.send_header("X-Repo-Commit", repo.sha)
                self.send_header("X-Linked-Size", str(size))
                self.send_header("X-Linked-Etag", f'"{f.sha256}"')
                self.end_headers()
                if self.command == "HEAD":
                    return
                self._send_bytes(f, filename, start, size)

            def _redirect(self, repo: HubRepo, f: HubFile):
                """The hub's answer for a file kept on its CDN: where, and what it will get."""
                self.send_response(302)
                self.send_header("Location", server.redirect_files_to + self.path)
                self.send_header("Content-Length", "0")
                self.send_header("X-Repo-Commit", repo.sha)
                self.send_header("X-Linked-Size", str(f.size))
                self.send_header("X-Linked-Etag", f'"{f.sha256}"')
                self.end_headers()

            def _send_bytes(self, f: HubFile, filename: str, start: int, size: int):
                with server._lock:
                    drop = server.faults.drop_after.pop(filename, None)
                corrupt_at = size // 2 if filename in server.faults.corrupt else -1
                rate = server.faults.bytes_per_s
                sent, began = 0, time.monotonic()
                with f.path.open("rb") as src:
                    src.seek(start)
                    pos = start
                    while pos < size:
                        chunk = bytearray(src.read(min(CHUNK, size - pos)))
                        if start <= corrupt_at < pos + len(chunk) and corrupt_at >= pos:
                            chunk[corrupt_at - pos] ^= 0xFF
                        if drop is not None and sent + len(chunk) > drop:
                            chunk = chunk[: max(0, drop - sent)]
                            self.wfile.write(chunk)
                            self.wfile.flush()
                            self.close_connection = True
                            self.connection.shutdown(2)
                            return
                        try:
                            self.wfile.write(chunk)
                        except (BrokenPipeError, ConnectionResetError):
                            return
                        sent += len(chunk)
                        pos += len(chunk)
                        if rate:
                            ahead = sent / rate - (time.monotonic() - began)
                            if ahead > 0:
                                time.sleep(ahead)

        return Handler


if __name__ == "__main__":  # a hub to try the window or CLI against: serves the starter model
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from app.core.models.installed import starter_model_path

    starter = HubFile(starter_model_path())
    hub = HubServer([HubRepo(HUB_REPO, {HUB_FILE: starter}, downloads=10)])
    if len(sys.argv) > 1 and sys.argv[1] == "--slow":
        hub.faults.bytes_per_s = 5e6
    print(f"HF_ENDPOINT={hub.url}", flush=True)
    hub.start().thread.join()
