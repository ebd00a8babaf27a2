"""The status bar's memory figure: this process's resident memory, as the OS counts it."""

from __future__ import annotations

import sys

import pytest

from app.core.platform import hardware


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="compares with /proc/self/status")
def test_it_is_the_resident_memory_the_os_reports_and_follows_what_is_held():
    def vm_rss() -> int:
        with open("/proc/self/status", encoding="ascii") as f:
            line = next(line for line in f if line.startswith("VmRSS:"))
        return int(line.split()[1]) * 1024

    before = hardware.process_memory_bytes()
    assert before is not None and abs(before - vm_rss()) < 8 * 2**20
    held = bytearray(64 * 2**20)  # touched: resident
    for i in range(0, len(held), 4096):
        held[i] = 1
    assert hardware.process_memory_bytes() - before > 60 * 2**20
    del held
