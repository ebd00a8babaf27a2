"""The network guard: nothing leaves this machine unless the privacy gate permits it.

The audit hook cannot be removed once installed, so these tests install it in the test process for
good. That is safe because no test may reach beyond loopback anyway. Every check that would send a
packet if the guard were broken first proves, without touching the network, that it is working.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from app.core.errors import EnclaveError
from app.core.privacy import netguard
from app.core.privacy.netguard import NetworkBlockedError

TEST_NET = "192.0.2.1"  # RFC 5737 TEST-NET-1: reserved for documentation, never routed


@pytest.fixture(scope="module", autouse=True)
def guard():
    netguard.install()
    assert netguard.installed()


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",
        "[::1]",
        "localhost",
        "LOCALHOST",
        "ip6-localhost",
        b"127.0.0.1",
        b"localhost",
        "::1%lo",
    ],
)
def test_loopback_hosts(host):
    assert netguard.is_loopback(host)


@pytest.mark.parametrize(
    "host",
    [
        "192.0.2.1",
        "10.0.0.1",
        "8.8.8.8",
        "2001:db8::1",
        "example.com",
        "huggingface.co",
        "localhost.evil.com",
        "app.localhost",
        "0.0.0.0",
        "",
        None,
        12345,
        b"example.com",
        "b\xfccher.example".encode(),
    ],
)
def test_other_hosts(host):
    assert not netguard.is_loopback(host)


def test_check_blocks_other_hosts_with_a_clear_message():
    with pytest.raises(NetworkBlockedError) as e:
        netguard._check("example.com")
    assert "example.com" in str(e.value)
    assert isinstance(e.value, EnclaveError) and isinstance(e.value, PermissionError)
    for host in ("127.0.0.1", "localhost", None):
        netguard._check(host)  # allowed: no error


def test_permit_opens_a_door_for_one_thread_inside_the_block():
    with pytest.raises(NetworkBlockedError):
        netguard._check(TEST_NET)
    with netguard.permit(TEST_NET, "Example.COM"):
        netguard._check(TEST_NET)
        netguard._check("example.com")
        with pytest.raises(NetworkBlockedError):
            netguard._check("other.example")  # only the hosts named
        errors = []

        def other_thread():
            try:
                netguard._check(TEST_NET)
            except NetworkBlockedError as exc:
                errors.append(exc)

        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
        assert len(errors) == 1  # the door is open for this thread only
    with pytest.raises(NetworkBlockedError):
        netguard._check(TEST_NET)  # closed again after the block


def test_nested_permits_restore_the_outer_one():
    with netguard.permit("a.example"):
        with netguard.permit("b.example"):
            netguard._check("a.example")
            netguard._check("b.example")
        netguard._check("a.example")
        with pytest.raises(NetworkBlockedError):
            netguard._check("b.example")


def test_hook_sees_every_way_out():
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for event, args in [
            ("socket.connect", (udp, (TEST_NET, 9))),
            ("socket.sendto", (udp, (TEST_NET, 53))),
            ("socket.sendmsg", (udp, (TEST_NET, 53))),
            ("socket.getaddrinfo", ("example.com", 443, 0, 0, 0)),
            ("socket.getaddrinfo", (b"example.com", 443, 0, 0, 0)),
            ("socket.gethostbyname", ("example.com",)),
            ("socket.gethostbyaddr", ("8.8.8.8",)),
            ("socket.getnameinfo", (("8.8.8.8", 53),)),
        ]:
            with pytest.raises(NetworkBlockedError):
                netguard._audit(event, args)
        # Loopback, a connected socket's plain send, and Unix sockets pass.
        netguard._audit("socket.connect", (udp, ("127.0.0.1", 9)))
        netguard._audit("socket.sendmsg", (udp, None))
        netguard._audit("socket.getaddrinfo", ("localhost", 80, 0, 0, 0))
        unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            netguard._audit("socket.connect", (unix, "/tmp/some.sock"))
        finally:
            unix.close()
    finally:
        udp.close()


def test_a_real_connect_to_another_machine_is_refused_before_anything_is_sent():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # If the guard did not work, stop here rather than send a packet.
        with pytest.raises(NetworkBlockedError):
            netguard._audit("socket.connect", (sock, (TEST_NET, 9)))
        sock.settimeout(5)
        started = time.perf_counter()
        with pytest.raises(NetworkBlockedError):
            sock.connect((TEST_NET, 9))
        assert time.perf_counter() - started < 0.5  # refused at once, not a network timeout
        # Nothing was sent: the socket never got a local address or a peer.
        assert sock.getsockname()[1] == 0
        with pytest.raises(OSError):
            sock.getpeername()
    finally:
        sock.close()


def test_name_lookups_for_other_machines_are_refused():
    with pytest.raises(NetworkBlockedError):
        netguard._audit("socket.getaddrinfo", ("example.invalid", 80, 0, 0, 0))
    with pytest.raises(NetworkBlockedError):
        socket.getaddrinfo("example.invalid", 80)
    with pytest.raises(NetworkBlockedError):
        socket.create_connection(("example.invalid", 80), timeout=2)


def test_loopback_connections_still_work():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    received = []

    def serve():
        for _ in range(2):
            conn, _ = server.accept()
            with conn:
                received.append(conn.recv(16))
                conn.sendall(b"pong")

    t = threading.Thread(target=serve)
    t.start()
    try:
        for host in ("127.0.0.1", "localhost"):  # by address, and by name (a guarded look-up)
            with socket.create_connection((host, port), timeout=5) as client:
                client.sendall(b"ping")
                assert client.recv(16) == b"pong"
        assert socket.getaddrinfo(b"localhost", port)  # bytes names are understood too
    finally:
        t.join(timeout=5)
        server.close()
    assert received == [b"ping", b"ping"]


def test_environment_defaults_switch_off_library_traffic(monkeypatch):
    for name in (
        "HF_HUB_DISABLE_TELEMETRY",
        "HF_HUB_DISABLE_XET",
        "HF_HUB_OFFLINE",
        "DO_NOT_TRACK",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # a choice already made is respected
    netguard.environment_defaults()
    import os

    assert os.environ["HF_HUB_DISABLE_TELEMETRY"] == "1"
    assert os.environ["HF_HUB_DISABLE_XET"] == "1"
    assert os.environ["DO_NOT_TRACK"] == "1"
    assert os.environ["HF_HUB_OFFLINE"] == "0"
