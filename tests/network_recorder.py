"""Run Enclave with every network attempt recorded, for tests/test_network.py.

    python tests/network_recorder.py RECORD.json cli ARGS…      # the `enclave` command
    python tests/network_recorder.py RECORD.json window MESSAGE # the window: send, answer, close
    python tests/network_recorder.py RECORD.json code SOURCE    # any code (to test the checks)

An audit hook is installed before anything of Enclave is imported; it records every connection,
datagram and name look-up any Python code in the process makes, and RECORD.json gets the list.
Native code (Qt, llama.cpp, C libraries) is invisible to it, so the tests also run this script
under ``strace`` (``strace_command``) and check the system calls themselves (``os_leaks``).
"""

from __future__ import annotations

import ipaddress
import json
import re
import shutil
import socket
import sys
import time
from pathlib import Path

events: list[list[str]] = []
# The OS-level check's proof that it saw this process: a UDP connect sends no packet.
CONTROL = ("127.0.0.1", 9)

_SYSCALL = re.compile(r"^(?:\d+\s+)?(\w+)\(")  # "PID connect(…": -f with -o prefixes the PID
_SOCKADDR = re.compile(r"\{sa_family=(AF_INET6?|AF_UNIX)[^{}]*\}")
_PORT = re.compile(r"sin6?_port=htons\((\d+)\)")
_ADDR = re.compile(r'(?:inet_addr\("([^"]*)"\)|inet_pton\(AF_INET6?, "([^"]*)")')
_UNIX_PATH = re.compile(r'sun_path=@?"([^"]*)"')
# Local daemons that answer name look-ups by asking DNS servers for the process.
RESOLVER_SOCKETS = ("/run/systemd/resolve/", "/run/nscd/", "/var/run/nscd/")


def strace_command(trace_file: Path) -> list[str]:
    """The prefix that runs a command with every network system call of every thread and child
    written to ``trace_file``. --seccomp-bpf stops only on those calls, so the run stays fast."""
    strace = shutil.which("strace")
    if strace is None:
        raise RuntimeError(
            "strace is not installed: the OS-level network check needs it "
            "(scripts/system-deps.sh test installs it)."
        )
    return [
        strace,
        "-f",
        "--seccomp-bpf",
        "-qq",
        "-e",
        "trace=network",
        "-e",
        "signal=none",
        "-s",
        "32",
        "-o",
        str(trace_file),
    ]


def os_events(trace: str) -> list[tuple[str, str, int | None]]:
    """(system call, address, port) for every address a connect or send named, from strace's
    output; Unix sockets as ("…", "unix:PATH", None)."""
    out = []
    for line in trace.splitlines():
        call = _SYSCALL.match(line)
        if not call or call.group(1) not in ("connect", "sendto", "sendmsg", "sendmmsg"):
            continue
        for sockaddr in _SOCKADDR.finditer(line):
            text = sockaddr.group(0)
            if sockaddr.group(1) == "AF_UNIX":
                path = _UNIX_PATH.search(text)
                out.append((call.group(1), "unix:" + (path.group(1) if path else ""), None))
                continue
            addr, port = _ADDR.search(text), _PORT.search(text)
            out.append(
                (
                    call.group(1),
                    (addr.group(1) or addr.group(2)) if addr else "?",
                    int(port.group(1)) if port else None,
                )
            )
    return out


def _loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def os_leaks(trace: str) -> list[tuple[str, str, int | None]]:
    """What in ``trace`` would reach another machine: a connect or datagram to an address that
    is not loopback, any DNS query (port 53, even to a local resolver such as 127.0.0.53), and
    a name look-up handed to a resolver daemon over a Unix socket."""
    return [
        e
        for e in os_events(trace)
        if (e[1].startswith("unix:") and e[1][5:].startswith(RESOLVER_SOCKETS))
        or (not e[1].startswith("unix:") and (e[2] == 53 or not _loopback(e[1])))
    ]


def record(event: str, args) -> None:
    if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
        address = args[1]
        if isinstance(address, tuple):
            events.append([event, str(address[0])])
        elif address is not None:
            events.append([event, "unix:" + str(address)])
    elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        events.append([event, str(args[0])])
    elif event == "socket.getnameinfo":
        events.append([event, str(args[0][0])])


def run_window(message: str) -> int:
    """Open the real window, send one message, wait for the answer, close."""
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.core.platform import runtime
    from app.ui.chat.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    rt = runtime.start()
    rt.settings.max_answer_tokens = 16
    window = MainWindow(rt)
    window.show()

    def wait_idle(timeout_s=90.0):
        loop, poll, end = QEventLoop(), QTimer(interval=50), time.monotonic() + timeout_s
        poll.timeout.connect(lambda: (window.idle() or time.monotonic() > end) and loop.quit())
        poll.start()
        loop.exec()
        poll.stop()
        return window.idle()

    wait_idle()
    window.input.setPlainText(message)
    window.send()
    answered = wait_idle() and window.chat.last_answer_text()
    window.close()
    app.processEvents()
    return 0 if answered else 3


def main() -> int:
    record_file, mode, rest = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.addaudithook(record)
    # Proofs that both checks see this process: a numeric look-up (no resolver is asked)
    # for the audit hook, and a UDP connect (no packet leaves) for strace.
    socket.getaddrinfo("127.0.0.1", 80)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.connect(CONTROL)
    try:
        if mode == "cli":
            from app.cli import main as cli_main

            return cli_main(rest)
        if mode == "code":
            exec(rest[0], {})
            return 0
        return run_window(rest[0])
    finally:
        record_file.write_text(json.dumps(events))


if __name__ == "__main__":
    sys.exit(main())
