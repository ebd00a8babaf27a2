"""Run Enclave with every network attempt recorded, for tests/test_network.py.

    python tests/network_recorder.py RECORD.json cli ARGS…      # the `enclave` command
    python tests/network_recorder.py RECORD.json window MESSAGE # the window: send, answer, close

An audit hook is installed before anything of Enclave is imported; it records every connection,
datagram and name look-up any Python code in the process makes, and RECORD.json gets the list.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path

events: list[list[str]] = []


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

    from app.core import runtime
    from app.ui.main_window import MainWindow

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
    socket.getaddrinfo("localhost", 80)  # proves the recorder sees look-ups
    try:
        if mode == "cli":
            from app.cli import main as cli_main

            return cli_main(rest)
        return run_window(rest[0])
    finally:
        record_file.write_text(json.dumps(events))


if __name__ == "__main__":
    sys.exit(main())
