"""How many CPU threads llama.cpp uses for the next answer: every physical core that no other
busy process holds.

llama.cpp's threads meet at a spinning barrier after every operation. On an idle machine every
core helps, above all with long prompts (2 cores, a 790-token prompt: first token after 1.70 s
with 2 threads, 3.35 s with 1). But when another busy process takes one of their cores, the other
threads spin until it is scheduled again (2 cores, one busy process: 2 threads fell to 31
tokens/s while 1 thread kept 101). So the count is chosen before each answer from how busy the
CPUs were since the last look (/proc/stat on Linux); where that cannot be read, one core is left
free on small machines.
"""

from __future__ import annotations

import os
import time

from app.core.platform import hardware

MIN_WINDOW_S = 0.1  # ten ticks of /proc/stat: a shorter look says little
BUSY_CORE = 0.5  # a core busy at least half of the time counts as taken


def physical_cores() -> int:
    """Physical cores this process may run on (hyper-threads share one core's units)."""
    cores = set()
    for cpu in sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []:
        topology = f"/sys/devices/system/cpu/cpu{cpu}/topology/"
        try:
            with (
                open(topology + "physical_package_id", encoding="ascii") as package,
                open(topology + "core_id", encoding="ascii") as core,
            ):
                cores.add((package.read().strip(), core.read().strip()))
        except OSError:
            cores.clear()
            break
    if cores:
        return len(cores)
    usable = hardware.usable_cores()  # elsewhere: assume two threads per core on big machines
    return usable if usable <= 4 else usable // 2


def _cpu_times() -> tuple[int, int, int] | None:
    """(ticks busy machine-wide, ticks busy in this process, all ticks per CPU), or None where
    /proc cannot be read."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            lines = f.read().splitlines()
        with open("/proc/self/stat", encoding="ascii") as f:
            own = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # user nice system idle iowait irq softirq steal
    fields = [int(x) for x in lines[0].split()[1:9]]
    cpus = sum(1 for line in lines if line.startswith("cpu") and line[3:4].isdigit())
    idle = fields[3] + fields[4]
    return sum(fields) - idle, int(own[11]) + int(own[12]), sum(fields) // max(1, cpus)


class ThreadChooser:
    """Chooses a thread count before each answer. Used from the engine's thread only."""

    def __init__(self, cores: int | None = None):
        self.cores = cores or physical_cores()
        self.last = max(1, self.cores - 1)  # where nothing can be measured: leave one core free
        self.measured = False
        self._seen, self._seen_at = _cpu_times(), time.monotonic()

    def busy_cores(self) -> float | None:
        """Cores that other processes kept busy since the last look; None where unknown, or
        when the look was too short to say. This process's own time (the model's threads, the
        window) does not count."""
        if self._seen is None or time.monotonic() - self._seen_at < MIN_WINDOW_S:
            return None
        now = _cpu_times()
        if now is None:
            return None
        busy, own, elapsed = (a - b for a, b in zip(now, self._seen))
        self._seen, self._seen_at = now, time.monotonic()
        return max(0, busy - own) / elapsed if elapsed > 0 else None

    def choose(self) -> int:
        """The thread count for the next answer. The first answer after a load may wait up to
        MIN_WINDOW_S for a first look; later ones keep the last choice when asked too soon."""
        wait = MIN_WINDOW_S - (time.monotonic() - self._seen_at)
        if not self.measured and self._seen is not None and wait > 0:
            time.sleep(wait)
        busy = self.busy_cores()
        if busy is not None:
            taken = int(busy + (1 - BUSY_CORE))  # a core busy half the time or more is taken
            self.last = max(1, self.cores - taken)
            self.measured = True
        return self.last
