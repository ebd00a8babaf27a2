"""What every `enclave` command shares: how it speaks on stderr, what Ctrl+C does, JSON output and
a progress line."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading

INTERRUPTED = 130  # the shell's code for "stopped by Ctrl+C"


def notice(text: str) -> None:
    """A message for the person at the terminal (stderr), apart from the command's output."""
    print(f"enclave: {text}", file=sys.stderr)


def print_json(value) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


@contextlib.contextmanager
def ctrl_c_sets(event: threading.Event):
    """While the block runs, Ctrl+C sets ``event`` (stop, pause) instead of raising
    KeyboardInterrupt, so the work ends cleanly and keeps what it has."""
    previous = signal.signal(signal.SIGINT, lambda *_: event.set())
    try:
        yield event
    finally:
        signal.signal(signal.SIGINT, previous)


class ProgressLine:
    """Progress on stderr: one line rewritten in place on a terminal; in a log (not a terminal),
    a line only when ``worth_a_line`` says so, so logs stay short."""

    def __init__(self):
        self.tty = sys.stderr.isatty()

    def show(self, text: str, *, worth_a_line: bool = True) -> None:
        if self.tty:
            print("\r\x1b[K" + text, end="", file=sys.stderr, flush=True)
        elif worth_a_line:
            print(text, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr)
