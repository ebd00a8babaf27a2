"""Download throughput through Enclave vs a plain HTTP GET of the same file, same loopback server.

Both write the file to disk. Enclave's path adds what makes a download safe: the privacy gate,
resumable part files and state, sha256 (hashed while the bytes arrive) and the GGUF check.
"""

from __future__ import annotations

import http.client
import os
import shutil
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _plain_get_httpx(url: str, dest: Path) -> float:
    """The same HTTP client huggingface_hub (and so Enclave) uses, with nothing added."""
    import httpx2

    started = time.perf_counter()
    with httpx2.Client() as client, client.stream("GET", url) as reply, dest.open("wb") as out:
        for chunk in reply.iter_bytes(1 << 20):
            out.write(chunk)
    return time.perf_counter() - started


def _plain_get(url: str, dest: Path) -> float:
    """The standard library's HTTP client: the least a GET can cost in Python."""
    parts = urllib.parse.urlsplit(url)
    started = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port)
    conn.request("GET", parts.path)
    reply = conn.getresponse()
    with dest.open("wb") as out:
        while chunk := reply.read(1 << 20):
            out.write(chunk)
    conn.close()
    return time.perf_counter() - started


def measure(
    model: Path,
    scratch: Path,
    *,
    runs: int = 3,
    copies: int = 4,
    link_bytes_per_s: float | None = None,
) -> dict:
    """``copies``: the starter model's bytes repeated, for a file the size of a small real
    model (~400 MB); a valid GGUF still, since readers stop where its tensors end.
    ``link_bytes_per_s``: the server sends no faster (a real connection); None: as fast as the
    CPU allows, where hashing competes with sending and receiving for the cores."""
    from hub_server import HUB_FILE, HUB_REPO, HubFile, HubRepo, HubServer

    from app.core.models.service import ModelLibrary
    from app.core.platform.paths import resolve
    from app.core.platform.settings import Settings

    scratch.mkdir(parents=True, exist_ok=True)
    served = scratch / "served.gguf"
    with served.open("wb") as out:
        for _ in range(copies):
            out.write(model.read_bytes())
    server = HubServer([HubRepo(HUB_REPO, {HUB_FILE: HubFile(served)})]).start()
    server.faults.bytes_per_s = link_bytes_per_s
    os.environ["HF_ENDPOINT"] = server.url
    plain, plain_httpx, ours = [], [], []

    def plain_run(i):
        url = f"{server.url}/{HUB_REPO}/resolve/main/{HUB_FILE}"
        dest = scratch / f"plain-{i}.gguf"
        plain_httpx.append(_plain_get_httpx(url, dest))
        dest.unlink()
        plain.append(_plain_get(url, dest))
        dest.unlink()

    def enclave_run(i):
        home = scratch / f"home-{i}"
        os.environ["ENCLAVE_HOME"] = str(home)
        library = ModelLibrary(resolve().ensure(), Settings())
        request = library.request(library.hub.details(HUB_REPO), HUB_FILE)
        started = time.perf_counter()
        result = library.downloader.run(request)
        ours.append(time.perf_counter() - started) if i >= 0 else None
        assert result.state == "done", result.message
        shutil.rmtree(home)

    try:
        enclave_run(-1)  # warm up: imports, the HTTP client, the file in the page cache
        for i in range(runs):  # alternate which goes first: the disk's write-back is shared
            first, second = (plain_run, enclave_run) if i % 2 == 0 else (enclave_run, plain_run)
            first(i)
            second(i)
    finally:
        server.stop()
    size = served.stat().st_size
    served.unlink()
    plain_s, httpx_s = statistics.median(plain), statistics.median(plain_httpx)
    ours_s = statistics.median(ours)
    return {
        "bytes": size,
        "enclave_s": ours_s,
        "plain_httpx_s": httpx_s,
        "plain_stdlib_s": plain_s,
        "enclave_mb_s": size / ours_s / 1e6,
        "plain_httpx_mb_s": size / httpx_s / 1e6,
        "plain_stdlib_mb_s": size / plain_s / 1e6,
        "ratio": httpx_s / ours_s,
        "ratio_vs_stdlib": plain_s / ours_s,
    }
