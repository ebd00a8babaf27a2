"""Refuse every network connection that would leave this machine, unless the gate allows it.

Installed once at start-up as a Python audit hook, it sees every ``socket.connect`` and
``socket.getaddrinfo`` made by any Python code in the process (our own, httpx, openai,
huggingface_hub) and raises before a packet or a DNS query goes out. Loopback and local (Unix)
sockets are always allowed. The privacy gate opens a door for one request at a time with
``permit``; nothing else may. Native code that opens its own sockets is outside Python's reach, so
such code paths (hf_xet) are switched off in ``environment_defaults``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import sys
import threading

from app.core.errors import EnclaveError

_installed = False
_local = threading.local()
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class NetworkBlockedError(EnclaveError, PermissionError):
    """A connection to another machine was attempted without the privacy gate's permission."""


def is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", errors="replace")  # IDNA names are ASCII on the wire
    if not isinstance(host, str):
        return False
    host = host.strip("[]").lower()
    # Only fixed names: "*.localhost" may be sent to a DNS server by some resolvers.
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _permitted(host) -> bool:
    allowed = getattr(_local, "hosts", ())
    return isinstance(host, str) and host.lower() in allowed


def _check(host) -> None:
    if host is None or is_loopback(host) or _permitted(host):
        return
    raise NetworkBlockedError(
        f"Enclave blocked a connection to {host}: nothing leaves this device unless you allow "
        f"it. (If you expected this connection, it did not go through Enclave's privacy gate.)")


def _audit(event: str, args) -> None:
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        # sendto/sendmsg: a datagram (UDP, e.g. DNS) needs no connect to leave the machine.
        sock, address = args
        if address is not None and getattr(sock, "family", None) in (socket.AF_INET,
                                                                      socket.AF_INET6):
            _check(address[0])
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        _check(args[0])  # name look-ups are DNS queries: they leave the machine too
    elif event == "socket.getnameinfo":
        _check(args[0][0])


def install() -> None:
    """Start refusing non-loopback connections in this process (cannot be undone)."""
    global _installed
    if not _installed:
        sys.addaudithook(_audit)
        _installed = True


def installed() -> bool:
    return _installed


@contextlib.contextmanager
def permit(*hosts: str):
    """Allow this thread to reach ``hosts`` inside the block. For the privacy gate only."""
    previous = getattr(_local, "hosts", frozenset())
    _local.hosts = previous | {h.lower() for h in hosts}
    try:
        yield
    finally:
        _local.hosts = previous


def environment_defaults() -> None:
    """Switch off what libraries would send or fetch on their own."""
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_XET", "1")  # native client, outside the guard
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model library lifts this per request
    os.environ.setdefault("DO_NOT_TRACK", "1")
