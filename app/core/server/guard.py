"""What every request passes before any route sees it: the Host header names this server (so a web
page cannot reach it through DNS rebinding), the API key is right (compared in constant time), and
the body is not too large. No CORS headers are ever sent, so browsers keep pages from reading
answers. Every request, refused or not, ends in the request log.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Callable

from app.core.server import key as key_mod
from app.core.server.errors import ApiError
from app.core.server.requestlog import RequestLog, RequestRecord

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 4 * 1024 * 1024  # a long prompt for a 128k-token model is ~0.5 MB
RECORD = "enclave.record"  # where routes find the request's log record in the ASGI scope


def _is_wildcard(host: str) -> bool:
    return host in ("0.0.0.0", "::", "")


def _ip(name: str):
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def host_names(host: str) -> set[str]:
    """The names a client may use for a server bound to ``host`` (without the port)."""
    names = {host.lower(), f"[{host}]" if ":" in host else host}
    ip = _ip(host)
    if host == "localhost" or (ip is not None and ip.is_loopback) or _is_wildcard(host):
        names |= {"localhost", "127.0.0.1", "[::1]"}
    if _is_wildcard(host):
        names.add(socket.gethostname().lower())
    return names


class HostCheck:
    """Whether a Host header names this server: one of its names, and its port."""

    def __init__(self, host: str, port: int):
        self.names, self.port, self.any_ip = host_names(host), port, _is_wildcard(host)

    def allows(self, header: str | None) -> bool:
        if not header:
            return False
        name, sep, port = header.strip().lower().rpartition(":")
        if not sep or "]" in port:  # no port given: browsers always send one for ours
            return False
        if port != str(self.port):
            return False
        # On every address, any IP literal is fine (a rebinding page must use a domain name).
        return name in self.names or (self.any_ip and _ip(name) is not None)


class Guard:
    """ASGI middleware in front of the routes."""

    def __init__(
        self,
        app,
        *,
        hosts: HostCheck,
        key: Callable[[], str],
        requests: RequestLog,
        max_body: int = MAX_BODY_BYTES,
    ):
        self.app, self.hosts, self.key, self.requests = app, hosts, key, requests
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client") or ("?", 0)
        record = RequestRecord(scope["method"], scope["path"], f"{client[0]}:{client[1]}")
        scope[RECORD] = record
        started = time.monotonic()

        async def sending(message):
            if message["type"] == "http.response.start":
                record.status = message["status"]
                # Never CORS: a browser then keeps any page from reading what this answers.
                message["headers"] = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if not k.lower().startswith(b"access-control-")
                ]
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                record.error = refusal.code
                await _send_error(refusal, sending)
                return
            await self.app(scope, receive, sending)
        finally:
            record.duration_s = time.monotonic() - started
            self.requests.add(record)

    def _refusal(self, scope) -> ApiError | None:
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        host = headers.get(b"host", b"").decode("latin-1")
        if not self.hosts.allows(host):
            return ApiError(
                400,
                f"The Host header ({host[:100]!r}) does not name this server. Use the address "
                f"`enclave serve` printed (http://127.0.0.1:{self.hosts.port}/v1 by default).",
                code="invalid_host",
            )
        # Every request, /health too and on loopback too: other users and programs share it.
        auth = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, given = auth.partition(" ")
        if not key_mod.matches(given.strip() if scheme.lower() == "bearer" else None, self.key()):
            said = "Wrong API key" if auth else "An API key is required"
            return ApiError(
                401,
                f"{said}: send `Authorization: Bearer KEY`; `enclave server key` prints the key.",
                code="invalid_api_key",
            )
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_large = int(length) > self.max_body
            except ValueError:
                return ApiError(400, "The Content-Length header is not a number.")
            if too_large:
                return too_large_error(self.max_body)
        return None


def too_large_error(limit: int) -> ApiError:
    return ApiError(
        413,
        f"The request body is larger than {limit // (1024 * 1024)} MB, the most this server "
        f"takes. Send less text per request.",
        code="request_too_large",
    )


async def _send_error(error: ApiError, send) -> None:
    body = error.encoded()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
