"""Standard streams that always exist, before anything else runs.

A windowed app started from the Start menu or the Dock has no standard output (`sys.stdout` is None
and file descriptor 1 is not open), and a shell's `>&-` closes it. Then llama-cpp-python, which
duplicates descriptor 1 around every model load, fails as if the model file were damaged, and the
first file Enclave opens (the log, the database) would take descriptor 1 or 2 and receive whatever
is printed. So the three descriptors are pointed at the null device when closed.
"""

from __future__ import annotations

import os
import sys

_NAMES = {0: "stdin", 1: "stdout", 2: "stderr"}


def ensure_open() -> list[int]:
    """Open the null device on descriptors 0–2 where they are closed, and give Python a stream
    for each; returns the descriptors that were closed."""
    closed = []
    for fd, name in _NAMES.items():
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:  # the lowest free descriptor is normally ``fd`` itself
                os.dup2(null, fd)
                os.close(null)
            closed.append(fd)
        if getattr(sys, name) is None or fd in closed:
            mode = "r" if fd == 0 else "w"
            setattr(sys, name, open(fd, mode, encoding="utf-8", errors="replace", closefd=False))
    return closed
