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
    return isinstance(host, str) and any(
        host.lower() in door.hosts for door in getattr(_local, "doors", ())
    )


def _check(host) -> None:
    if host is None or is_loopback(host) or _permitted(host):
        return
    raise NetworkBlockedError(
        f"Enclave blocked a connection to {host}: nothing leaves this device unless you allow "
        f"it. (If you expected this connection, it did not go through Enclave's privacy gate.)"
    )


def _audit(event: str, args) -> None:
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        # sendto/sendmsg: a datagram (UDP, e.g. DNS) needs no connect to leave the machine.
        sock, address = args
        if address is not None and getattr(sock, "family", None) in (
            socket.AF_INET,
            socket.AF_INET6,
        ):
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


class Door:
    """The hosts one ``permit`` block lets through; the gate may add a redirect's host."""

    def __init__(self, hosts):
        self.hosts = {h.lower() for h in hosts}

    def add(self, host: str, port: int | None = None) -> None:
        """Let ``host`` through, and the addresses it resolves to (connect sees only those)."""
        host = host.lower()
        self.hosts.add(host)
        if is_loopback(host):
            return
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            return  # the connection attempt will fail with the resolver's own error
        self.hosts.update(str(info[4][0]).lower() for info in infos)


@contextlib.contextmanager
def permit(*hosts: str):
    """Allow this thread to reach ``hosts`` inside the block. For the privacy gate only."""
    door = Door(hosts)
    previous = getattr(_local, "doors", ())
    _local.doors = previous + (door,)
    try:
        yield door
    finally:
        _local.doors = previous


def environment_defaults() -> None:
    """Switch off what libraries would send or fetch on their own."""
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_DISABLE_XET", "1")  # native client, outside the guard
    # Hub helpers that Enclave does not route through the gate stay offline.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("DO_NOT_TRACK", "1")
