"""The HTTP client every request that may leave the device is made with (hub and providers).

TLS verification is always on (the system's CAs, certifi, and a company CA bundle if configured),
the system proxy is honoured, and two hooks hand every request and response to the privacy gate:
the request hook lets the gate refuse it (outside a user action, a payload that is not the one the
user saw, an audit entry that cannot be written) and record what it sends before it is sent; the
response hook counts the bytes that come back, so the audit entry is completed with the real
figures when the response closes.
"""

from __future__ import annotations

import os
import ssl

import httpx2

from app.core.errors import EnclaveError
from app.core.privacy import gate


def tls_context() -> ssl.SSLContext:
    """Verification always on: the system's CAs, plus a company CA bundle if one is configured.

    Corporate networks that inspect TLS give their CA to tools through SSL_CERT_FILE /
    REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (a file) or SSL_CERT_DIR (a folder).
    """
    context = ssl.create_default_context()
    try:
        import certifi

        context.load_verify_locations(cafile=certifi.where())
    except (ImportError, OSError):
        pass
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        path = os.environ.get(name)
        if path and os.path.isfile(path):
            try:
                context.load_verify_locations(cafile=path)
            except (OSError, ssl.SSLError) as exc:
                raise EnclaveError(
                    f"The CA bundle named by {name} ({path}) could not be read: "
                    f"{exc}. Fix or unset {name}."
                ) from exc
    cert_dir = os.environ.get("SSL_CERT_DIR")
    if cert_dir and os.path.isdir(cert_dir):
        context.load_verify_locations(capath=cert_dir)
    return context


def _body(request: httpx2.Request) -> bytes:
    try:
        return request.content
    except httpx2.RequestNotRead:  # a streamed upload: Enclave sends none
        return b""


def _header_bytes(request: httpx2.Request) -> int:
    line = len(request.method) + len(str(request.url.raw_path)) + 12
    return line + sum(len(k) + len(v) + 4 for k, v in request.headers.raw)


def _on_request(request: httpx2.Request) -> None:
    # The openai SDK describes the machine (OS, architecture, Python) in X-Stainless-* headers:
    # nothing a provider needs.
    for name in [n for n in request.headers if n.lower().startswith("x-stainless")]:
        del request.headers[name]
    body = _body(request)
    record = gate.check_request(
        request.method, str(request.url), body=body, header_bytes=_header_bytes(request)
    )
    request.extensions = {**request.extensions, "enclave_record": record}


class _CountingStream(httpx2.SyncByteStream):
    """Counts the response's bytes as they arrive and closes the gate's record with them."""

    def __init__(self, inner, record):
        self.inner, self.record = inner, record

    def __iter__(self):
        for chunk in self.inner:
            self.record.bytes_received += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            self.record.finish()


def _on_response(response: httpx2.Response) -> None:
    record = response.request.extensions.get("enclave_record")
    if record is not None:
        record.status = response.status_code
        record.bytes_received += sum(len(k) + len(v) + 4 for k, v in response.headers.raw)
        response.stream = _CountingStream(response.stream, record)


def client(
    *, timeout: httpx2.Timeout | None = None, follow_redirects: bool = True
) -> httpx2.Client:
    """A client whose every request passes the gate (it refuses any made outside a passage)."""
    try:
        return httpx2.Client(
            event_hooks={"request": [_on_request], "response": [_on_response]},
            follow_redirects=follow_redirects,
            trust_env=True,
            verify=tls_context(),
            timeout=timeout or httpx2.Timeout(30.0, read=60.0),
        )
    except ImportError as exc:  # a socks:// proxy needs socksio, which Enclave does not ship
        if "socks" not in str(exc).lower():
            raise
        raise EnclaveError(
            "A SOCKS proxy is set (ALL_PROXY or HTTPS_PROXY starts with socks), which Enclave "
            "cannot use, so it contacted nothing. Set HTTPS_PROXY to an HTTP proxy "
            "(http://host:port) instead."
        ) from exc
