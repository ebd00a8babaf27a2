"""CPU threads for llama.cpp: every physical core no other busy process holds, chosen per answer."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from app.core.engines import threads
from app.core.engines.threads import ThreadChooser


class FakeCpu:
    """/proc/stat and /proc/self/stat as ticks: ``advance`` spends wall time on 4 CPUs."""

    def __init__(self):
        self.busy = self.own = self.elapsed = 0

    def advance(self, *, other_cores: float, own_cores: float = 0.0, ticks: int = 100):
        self.elapsed += ticks
        self.busy += int((other_cores + own_cores) * ticks)
        self.own += int(own_cores * ticks)

    def __call__(self):
        return self.busy, self.own, self.elapsed


@pytest.fixture
def cpu(monkeypatch):
    fake = FakeCpu()
    monkeypatch.setattr(threads, "_cpu_times", fake)
    monkeypatch.setattr(threads, "MIN_WINDOW_S", 0.0)
    return fake


def test_an_idle_machine_gets_every_core(cpu):
    chooser = ThreadChooser(cores=4)
    cpu.advance(other_cores=0.1)
    assert chooser.choose() == 4


def test_each_core_another_process_keeps_busy_is_left_to_it(cpu):
    chooser = ThreadChooser(cores=4)
    cpu.advance(other_cores=1.0)
    assert chooser.choose() == 3
    cpu.advance(other_cores=2.6)
    assert chooser.choose() == 1  # 3 cores taken (2.6 rounds up past half)
    cpu.advance(other_cores=7.0)
    assert chooser.choose() == 1  # never fewer than one


def test_this_process_own_work_is_not_contention(cpu):
    chooser = ThreadChooser(cores=2)
    cpu.advance(other_cores=0.0, own_cores=2.0)  # the previous answer, on both cores
    assert chooser.choose() == 2


def test_a_look_too_short_keeps_the_last_choice(cpu, monkeypatch):
    chooser = ThreadChooser(cores=2)
    cpu.advance(other_cores=1.0)
    assert chooser.choose() == 1
    monkeypatch.setattr(threads, "MIN_WINDOW_S", 60.0)
    cpu.advance(other_cores=0.0)
    assert chooser.choose() == 1


def test_where_nothing_can_be_measured_one_core_is_left_free(monkeypatch):
    monkeypatch.setattr(threads, "_cpu_times", lambda: None)
    assert ThreadChooser(cores=4).choose() == 3
    assert ThreadChooser(cores=1).choose() == 1


def test_a_real_busy_process_takes_a_core(tmp_path):
    """The real /proc counters: a process spinning beside us costs one thread."""
    cores = threads.physical_cores()
    if cores < 2:
        pytest.skip("one core: nothing to leave to a neighbour")
    spin = subprocess.Popen(
        [sys.executable, "-c", "import time\nend = time.time() + 30\nwhile time.time() < end: pass"]
    )
    try:
        time.sleep(0.3)
        chooser = ThreadChooser()
        time.sleep(0.5)
        assert chooser.choose() <= cores - 1
    finally:
        spin.kill()
        spin.wait()
