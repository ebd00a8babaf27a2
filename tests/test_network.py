"""`enclave ask` and the window talk to no other machine. Two checks watch the same run: every
connection, datagram and name look-up made by Python code (tests/network_recorder.py's audit
hook), and every network system call of the process, its threads and children, native code
included (strace)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from network_recorder import CONTROL, os_events, os_leaks, strace_command

from app.core.privacy.netguard import is_loopback

RECORDER = Path(__file__).with_name("network_recorder.py")
needs_linux = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="strace is Linux only"
)


def leaving(events):
    return [e for e in events if not (e[1].startswith("unix:") or is_loopback(e[1]))]


def run_recorded(tmp_path, env, cwd, *args, timeout):
    """The recorder under strace: (process, Python-level events, strace's output)."""
    record, trace = tmp_path / "connections.json", tmp_path / "strace.txt"
    proc = subprocess.run(
        [*strace_command(trace), sys.executable, str(RECORDER), str(record), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    trace_text = trace.read_text(errors="replace") if trace.exists() else ""
    assert trace_text, f"strace wrote nothing: {proc.stderr[-2000:]}"
    return proc, json.loads(record.read_text()), trace_text


def assert_nothing_left(events, trace):
    assert ["socket.getaddrinfo", "127.0.0.1"] in events  # the audit hook worked
    assert ("connect", *CONTROL) in os_events(trace)  # strace saw this process
    assert leaving(events) == [], f"connections that would leave this machine: {leaving(events)}"
    assert os_leaks(trace) == [], f"system calls that would leave this machine: {os_leaks(trace)}"


@needs_linux
@pytest.mark.slow
@pytest.mark.timeout(150)
def test_ask_connects_to_nothing_but_this_machine(tmp_path, cli_env, repo_root):
    proc, events, trace = run_recorded(
        tmp_path,
        cli_env,
        repo_root,
        "cli",
        "ask",
        "--json",
        "--max-tokens",
        "16",
        "Is this conversation private?",
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["engine"] == "local"
    assert_nothing_left(events, trace)


@needs_linux
@pytest.mark.slow
@pytest.mark.timeout(180)
def test_window_connects_to_nothing_but_this_machine(tmp_path, cli_env, repo_root):
    proc, events, trace = run_recorded(
        tmp_path, cli_env, repo_root, "window", "Is this conversation private?", timeout=150
    )
    assert proc.returncode == 0, proc.stderr[-3000:]  # 0: the window answered and closed
    assert_nothing_left(events, trace)


def test_the_check_would_catch_a_leak():
    events = [
        ["socket.getaddrinfo", "localhost"],
        ["socket.connect", "unix:/run/x.sock"],
        ["socket.connect", "127.0.0.1"],
        ["socket.getaddrinfo", "huggingface.co"],
        ["socket.sendto", "8.8.8.8"],
    ]
    assert leaving(events) == [
        ["socket.getaddrinfo", "huggingface.co"],
        ["socket.sendto", "8.8.8.8"],
    ]


# strace 6 output, as -f -o writes it (the PID first), for each kind of call the check reads.
TRACE = """\
101 connect(3, {sa_family=AF_UNIX, sun_path="/run/dbus/system_bus_socket"}, 110) = 0
101 connect(4, {sa_family=AF_INET, sin_port=htons(8080), sin_addr=inet_addr("127.0.0.1")}, 16) = 0
102 connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), \
inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0
102 connect(6, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), \
inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6_addr), sin6_scope_id=0}, 28) = 0
103 connect(7, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("140.82.1.1")}, \
16 <unfinished ...>
101 getsockname(4, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("10.0.0.2")}, [16]) = 0
103 <... connect resumed>) = -1 EINPROGRESS (Operation now in progress)
104 sendto(8, "\\x12\\x34", 2, MSG_NOSIGNAL, {sa_family=AF_INET, sin_port=htons(53), \
sin_addr=inet_addr("127.0.0.53")}, 16) = 2
104 sendmsg(9, {msg_name={sa_family=AF_INET6, sin6_port=htons(123), sin6_flowinfo=htonl(0), \
inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, msg_namelen=28}, 0) = 48
105 connect(10, {sa_family=AF_UNIX, sun_path="/run/systemd/resolve/io.systemd.Resolve"}, 42) = 0
105 sendto(11, "x", 1, 0, NULL, 0) = 1
"""


def test_the_os_level_check_reads_strace_and_catches_each_way_out():
    assert os_leaks(TRACE) == [
        ("connect", "140.82.1.1", 443),  # another machine
        ("sendto", "127.0.0.53", 53),  # a DNS query, even to a resolver on this machine
        ("sendmsg", "2001:db8::1", 123),  # a datagram, no connect needed
        ("connect", "unix:/run/systemd/resolve/io.systemd.Resolve", None),  # a name look-up
    ]


@needs_linux
@pytest.mark.timeout(60)
def test_native_code_the_audit_hook_misses_is_caught_at_the_os_level(tmp_path, cli_env, repo_root):
    # A connect from C, as Qt or llama.cpp would make it: a UDP socket, so no packet leaves.
    native = (
        "import ctypes, socket, struct\n"
        "libc = ctypes.CDLL(None)\n"
        "fd = libc.socket(socket.AF_INET, socket.SOCK_DGRAM, 0)\n"
        "addr = struct.pack('=H', socket.AF_INET) + struct.pack('!H', 53)"
        " + socket.inet_aton('192.0.2.1') + bytes(8)\n"
        "assert libc.connect(fd, addr, len(addr)) == 0\n"
        "libc.close(fd)\n"
    )
    proc, events, trace = run_recorded(tmp_path, cli_env, repo_root, "code", native, timeout=50)
    assert proc.returncode == 0, proc.stderr
    assert leaving(events) == []  # invisible to Python's audit hook…
    assert os_leaks(trace) == [("connect", "192.0.2.1", 53)]  # …not to the system calls
